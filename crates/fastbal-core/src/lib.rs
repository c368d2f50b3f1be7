//! fastbal-core: label statistics and class-imbalance kernels.
//!
//! Pure Rust and rayon; no Python. Every input column is read as raw ids
//! ([`IdSource`]) and factorized once ([`Labels`], or [`Compacted`] for a
//! single call); the operations then read a [`LabelView`]: class codes per
//! row and rows per class.
//!
//! The modules are layers; each uses only the layers above it in this table
//! (and the base: [`error`](Error), [`hash`], [`params`], [`contract`]):
//!
//! | layer | what lives there |
//! |---|---|
//! | `column` | the column model (borrowed chunks, validity), raw ids, string readers |
//! | `simd` | vector kernels behind one safe dispatch ([`simd::level`], `FASTBAL_SIMD`) |
//! | `exec` | the parallelism switch, the block driver, large outputs, sorted positions, the CPU's caches |
//! | `factorize` | raw ids of every input kind, counts, classes, factorized labels and views, row keys |
//! | `rank` | seeded within-class ranking: cut windows, each row's region, the parts |
//! | `ops` | the operations: select, split, group, weights, resample, text, duplicates |
//! | `batch` | the phases engines drive over batches: mergeable counts, exact cuts |
//!
//! Modules are private; what a front end needs is re-exported here.

#![warn(unreachable_pub)]

mod batch;
mod column;
pub mod contract;
mod error;
mod exec;
mod factorize;
pub mod hash;
mod ops;
pub mod params;
mod rank;
pub mod simd;

pub use batch::counter::LabelCounter;
pub use batch::cut::{self, batch_parts, probe_batch, BatchRanker, CutSearch, Probe, ProbeCounts};
pub use column::ids::{IdSource, NULL};
pub use column::strings::check_offsets;
pub use column::{Chunk, Column, Ints, StrChunk, Ucs4Chunk, Validity, ViewChunk};
pub use error::{Error, Result};
pub use exec::{parallel, positions};
pub use factorize::classes::Classes;
pub use factorize::hashed::HashPath;
pub use factorize::histogram::{histogram, RawCounts};
pub use factorize::labels::{order_by_count, Labels};
pub use factorize::row_keys::row_keys;
pub use factorize::view::{Compacted, LabelView};
pub use factorize::{count_classes, ClassCounts, Prepared};
pub use hash::{Ranker, RowKeys};
pub use ops::group::{GroupPlan, GroupTable};
pub use ops::split::KFoldPlan;
pub use ops::{duplicates, group, multilabel, resample, select, split, text, weights};
pub use params::{Rare, Size};
pub use rank::shuffle;
