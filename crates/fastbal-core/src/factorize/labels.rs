//! [`Labels`]: a factorized column (codes, counts, classes), built once and
//! shared by every later operation.

use crate::column::ids::CodeIds;
use crate::column::Column;
use crate::factorize::classes::Classes;
use crate::factorize::hashed::HashPath;
use crate::factorize::{Ids, OwnedCodes, Prepared, RawClasses};
use crate::Result;

use rayon::prelude::*;

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
        Self::with_path(column, HashPath::Auto)
    }

    /// [`Labels::new`], hashing by the given path (the result is the same
    /// whichever path; only the time differs).
    pub fn with_path(column: &Column<'_>, path: HashPath) -> Result<Self> {
        Ok(match Prepared::with_path(column, path)? {
            // hashed: every class has rows, and the codes made are the class codes
            Prepared {
                ids: Ids::Owned(OwnedCodes { codes, .. }),
                raw: RawClasses::Table(classes),
                known_counts: Some(raw),
            } => Labels { codes, counts: raw.counts, null_count: raw.null_count, classes },
            prepared => Self::from_prepared(&prepared),
        })
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
///
/// When the counts are small beside the number of classes (many classes of
/// a few rows each), one counting pass places them; otherwise a sort of the
/// (count, code) pairs.
pub fn order_by_count(counts: &[u64]) -> Vec<u32> {
    let max = counts.iter().copied().max().unwrap_or(0);
    if max <= 4 * counts.len() as u64 + 1024 {
        // rows per count value, then each code placed after all larger counts
        let mut starts = vec![0usize; max as usize + 2];
        counts.iter().for_each(|&c| starts[(max - c) as usize + 1] += 1);
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut order = vec![0u32; counts.len()];
        for (code, &c) in counts.iter().enumerate() {
            let at = &mut starts[(max - c) as usize];
            order[*at] = code as u32;
            *at += 1;
        }
        return order;
    }
    let mut keyed: Vec<(std::cmp::Reverse<u64>, u32)> =
        counts.iter().enumerate().map(|(code, &c)| (std::cmp::Reverse(c), code as u32)).collect();
    keyed.par_sort_unstable();
    keyed.into_iter().map(|(_, code)| code).collect()
}
