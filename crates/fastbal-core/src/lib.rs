//! fastbal-core: label statistics and class-imbalance kernels.
//!
//! Pure Rust and rayon; no Python. Every input column is read as raw ids
//! ([`column::IdSource`]) and factorized once ([`Labels`], or [`Compacted`]
//! for a single call); the operations then read a [`LabelView`]: class codes
//! per row and rows per class.
//!
//! | module | what lives there |
//! |---|---|
//! | [`column`] | borrowed chunks, validity, the parallel block driver |
//! | [`factorize`] | raw ids for every input kind, histograms, classes |
//! | [`labels`], [`view`] | factorized columns and the view kernels read |
//! | [`select`] | class masks (min/max count, top k), stratified samples |
//! | [`counter`] | mergeable class counts keyed by class value |
//! | [`cut`] | exact rank cuts and assignments of a column seen in batches |
//! | [`rank`] | seeded within-class ranking (split, k-fold, sampling) |
//! | [`split`] | split and k-fold plans and assignments |
//! | [`weights`] | class and sample weights |
//! | [`text`] | text length per class |
//! | [`resample`] | over- and under-sampling indices |
//! | [`hash`] | the fixed hashes seeded results depend on |

pub mod column;
pub mod counter;
pub mod cut;
mod error;
pub mod factorize;
pub mod hash;
pub mod labels;
pub mod rank;
pub mod resample;
pub mod select;
pub mod split;
pub mod text;
pub mod view;
pub mod weights;

pub use column::{Chunk, Validity, NULL};
pub use counter::LabelCounter;
pub use cut::{batch_parts, probe_batch, BatchRanker, CutSearch, Probe, ProbeCounts};
pub use error::{Error, Result};
pub use factorize::{
    count_classes, histogram, ClassCounts, Classes, Column, Ints, Prepared, RawCounts, StrChunk, Ucs4Chunk, ViewChunk,
};
pub use labels::{order_by_count, Labels};
pub use rank::{Ranker, RowKeys};
pub use view::{Compacted, LabelView};
