//! The batched phases every engine drives (a stream of batches, a Dask or
//! Spark cluster): class counts that merge, then exact rank cuts found from
//! mergeable probes, then each batch's assignment. Each phase's result
//! depends only on the data, never on how it was cut into batches.

pub(crate) mod counter;
pub mod cut;
