//! Execution: how work is spread and where its output goes. The parallelism
//! switch (rayon's pool or the calling thread), the block driver every
//! kernel reads a column through, large per-row allocations, sorted row
//! positions, and what the CPU's caches hold.

pub(crate) mod alloc;
pub(crate) mod blocks;
pub(crate) mod cpu;
pub mod parallel;
pub mod positions;
