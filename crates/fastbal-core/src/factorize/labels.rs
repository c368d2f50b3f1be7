//! [`Labels`]: a factorized column (codes, counts, classes), built once and
//! shared by every later operation.

use crate::column::ids::CodeIds;
use crate::column::Column;
use crate::factorize::classes::Classes;
use crate::factorize::Prepared;
use crate::Result;

/// A factorized label column.
#[derive(Clone, Debug, PartialEq)]
pub struct Labels {
    /// Class code per row, [`crate::NULL`] for a missing label.
    pub codes: Vec<u32>,
    /// Rows per class, indexed by code; every class has at least one row.
    pub counts: Vec<u64>,
    /// Rows with a missing label.
    pub null_count: u64,
    /// The class values, sorted; `classes[code]`.
    pub classes: Classes,
}

impl Labels {
    /// Factorize a column.
    pub fn new(column: &Column<'_>) -> Result<Self> {
        Ok(Self::from_prepared(&Prepared::new(column)?))
    }

    /// Materialize the codes of a prepared column.
    pub fn from_prepared(prepared: &Prepared<'_>) -> Self {
        let (classes, codes, raw) = prepared.factorize();
        let counts = raw.counts.into_iter().filter(|&c| c > 0).collect();
        Labels { codes, counts, null_count: raw.null_count, classes }
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.counts.len()
    }

    /// Number of rows, nulls included.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The codes as a raw id source for the kernels.
    pub fn ids(&self) -> CodeIds<'_> {
        CodeIds { codes: &self.codes, n_ids: self.counts.len() }
    }
}

/// Class codes ordered by count (descending), ties by class order.
pub fn order_by_count(counts: &[u64]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..counts.len() as u32).collect();
    order.sort_by(|&a, &b| counts[b as usize].cmp(&counts[a as usize]).then(a.cmp(&b)));
    order
}
