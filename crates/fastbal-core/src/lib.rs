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
//! | [`rank`] | seeded within-class ranking (split, k-fold, sampling) |
//! | [`split`] | split and k-fold plans and assignments |
//! | [`group`] | stratified splits and k-folds that keep groups whole |
//! | [`weights`] | class and sample weights |
//! | [`text`] | text length per class |
//! | [`resample`] | over- and under-sampling indices |
//! | [`hash`] | the fixed hashes seeded results depend on |

pub mod column;
mod error;
pub mod factorize;
pub mod group;
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
pub use error::{Error, Result};
pub use factorize::{
    count_classes, histogram, ClassCounts, Classes, Column, Ints, Prepared, RawCounts, StrChunk, Ucs4Chunk, ViewChunk,
};
pub use group::{GroupPlan, GroupTable};
pub use labels::{order_by_count, Labels};
pub use rank::{Ranker, RowKeys};
pub use split::{KFoldPlan, Rare, Size};
pub use view::{Compacted, LabelView};
