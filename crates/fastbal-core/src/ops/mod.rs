//! The operations: everything a front end asks of a factorized column.
//!
//! | module | what lives there |
//! |---|---|
//! | [`duplicates`] | repeated texts, their conflicting labels, leakage across splits |
//! | [`multilabel`] | multilabel stratified splits and k-folds of label sets |
//! | [`select`] | class masks (min/max count, top k), stratified samples |
//! | [`split`] | split and k-fold plans and assignments |
//! | [`group`] | stratified splits and k-folds that keep groups whole |
//! | [`weights`] | class and sample weights |
//! | [`resample`] | over- and under-sampling indices |
//! | [`text`] | text length per class |

pub mod duplicates;
pub mod group;
pub mod multilabel;
pub mod resample;
pub mod select;
pub mod split;
pub mod text;
pub mod weights;
