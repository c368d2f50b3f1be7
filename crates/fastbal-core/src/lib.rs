//! fastbal-core: label statistics and class-imbalance kernels.
//!
//! Pure Rust and rayon; no Python. Every input column is read as raw ids
//! ([`ids::IdSource`]) and factorized once ([`Labels`], or [`Compacted`]
//! for a single call); the operations then read a [`LabelView`]: class codes
//! per row and rows per class.
//!
//! | module | what lives there |
//! |---|---|
//! | [`column`](mod@column) | the column model: borrowed chunks and validity |
//! | [`ids`] | raw ids, the one way kernels read a column |
//! | [`blocks`] | the parallel block driver |
//! | [`parallel`] | the parallelism switch: rayon's pool or the calling thread |
//! | [`factorize`] | raw ids for every input kind (integers, dictionaries) |
//! | [`strings`], [`hash_factorize`] | string readers; hash factorization |
//! | [`histogram`](mod@histogram) | rows per raw id; one-pass counts of narrow integer ranges |
//! | [`classes`] | the distinct label values |
//! | [`labels`], [`view`] | factorized columns and the view kernels read |
//! | [`row_keys`](mod@row_keys) | per-row keys of an id column |
//! | [`alloc`] | large per-row outputs |
//! | [`params`] | every argument rule, once (names, sizes, k, ...) |
//! | [`select`] | class masks (min/max count, top k), stratified samples |
//! | [`counter`] | mergeable class counts keyed by class value |
//! | [`cut`] | exact rank cuts and assignments of a column seen in batches |
//! | [`rank`] | seeded within-class ranking (split, k-fold, sampling) |
//! | [`regions`] | each row's place among its class's cut windows: the ranking's one pass |
//! | [`positions`] | sorted row positions per part, sample or filter |
//! | [`split`] | split and k-fold plans and assignments |
//! | [`group`] | stratified splits and k-folds that keep groups whole |
//! | [`weights`] | class and sample weights |
//! | [`text`] | text length per class |
//! | [`resample`] | over- and under-sampling indices |
//! | [`hash`] | the fixed hashes seeded results depend on |

pub mod alloc;
pub mod blocks;
pub mod classes;
pub mod column;
pub mod counter;
mod cpu;
pub mod cut;
mod error;
pub mod factorize;
pub mod group;
pub mod hash;
pub mod hash_factorize;
pub mod histogram;
pub mod ids;
pub mod labels;
pub mod parallel;
pub mod params;
pub mod positions;
pub mod rank;
pub mod regions;
pub mod resample;
pub mod row_keys;
pub mod select;
pub mod split;
pub mod strings;
pub mod text;
pub mod view;
pub mod weights;

pub use classes::Classes;
pub use column::{Chunk, Column, Ints, StrChunk, Ucs4Chunk, Validity, ViewChunk};
pub use counter::LabelCounter;
pub use cut::{batch_parts, probe_batch, BatchRanker, CutSearch, Probe, ProbeCounts};
pub use error::{Error, Result};
pub use factorize::{count_classes, ClassCounts, Prepared};
pub use group::{GroupPlan, GroupTable};
pub use histogram::{histogram, RawCounts};
pub use ids::{IdSource, NULL};
pub use labels::{order_by_count, Labels};
pub use params::{Rare, Size};
pub use rank::{Ranker, RowKeys};
pub use row_keys::row_keys;
pub use split::KFoldPlan;
pub use view::{Compacted, LabelView};
