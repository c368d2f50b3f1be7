//! [`LabelView`]: what every operation reads — class codes per row (through an
//! [`IdSource`]) and the per-class counts — whether the column was factorized
//! into [`Labels`] beforehand or is read in place for a single call.

use crate::column::ids::{IdSource, NULL};
use crate::factorize::classes::Classes;
use crate::factorize::labels::Labels;
use crate::factorize::Prepared;

/// Class codes per row and rows per class. Every class has at least one row.
pub struct LabelView<'a> {
    ids: Box<dyn IdSource + 'a>,
    /// Rows per class, indexed by code.
    pub counts: &'a [u64],
    /// Rows with a missing label.
    pub null_count: u64,
}

impl<'a> LabelView<'a> {
    /// The code reader: ids are class codes in `0..counts.len()` or [`NULL`].
    pub fn ids(&self) -> &dyn IdSource {
        self.ids.as_ref()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.counts.len()
    }

    /// Rows, nulls included.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows with a label.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

impl Labels {
    /// A view over the materialized codes.
    pub fn view(&self) -> LabelView<'_> {
        LabelView { ids: Box::new(self.ids()), counts: &self.counts, null_count: self.null_count }
    }
}

/// A column read in place, with its raw ids mapped to class codes on the fly.
pub struct Compacted<'a> {
    prepared: Prepared<'a>,
    /// Raw id -> class code ([`NULL`] for ids no row holds).
    lut: Vec<u32>,
    pub counts: Vec<u64>,
    pub null_count: u64,
    pub classes: Classes,
}

impl<'a> Compacted<'a> {
    /// Count the raw ids once and drop the ones no row holds.
    pub fn new(prepared: Prepared<'a>) -> Self {
        let raw = prepared.raw_counts();
        let (classes, lut) = prepared.compact(&raw);
        let counts = raw.counts.into_iter().filter(|&c| c > 0).collect();
        Compacted { prepared, lut, counts, null_count: raw.null_count, classes }
    }

    /// The view kernels read.
    pub fn view(&self) -> LabelView<'_> {
        let ids: Box<dyn IdSource + '_> = if self.lut.len() == self.counts.len() {
            // every raw id is present: raw ids are the codes (kept in range
            // even when a borrowed buffer is written during the call)
            Box::new(Clamped { inner: self.prepared.ids(), n_codes: self.counts.len() })
        } else {
            Box::new(Remap { inner: self.prepared.ids(), lut: &self.lut, n_codes: self.counts.len() })
        };
        LabelView { ids, counts: &self.counts, null_count: self.null_count }
    }
}

/// Raw ids that are the codes, with any id past them read as [`NULL`]: a
/// borrowed buffer that another thread writes during a call can then change
/// an answer (which the callers check where they can) but never send a
/// kernel out of its per-class tables.
struct Clamped<'a> {
    inner: &'a dyn IdSource,
    n_codes: usize,
}

impl IdSource for Clamped<'_> {
    fn n_ids(&self) -> usize {
        self.n_codes
    }
    fn chunk_lens(&self) -> Vec<usize> {
        self.inner.chunk_lens()
    }
    fn read(&self, chunk: usize, start: usize, out: &mut [u32]) {
        self.inner.read_below(chunk, start, out, self.n_codes as u32);
    }
}

struct Remap<'a> {
    inner: &'a dyn IdSource,
    lut: &'a [u32],
    n_codes: usize,
}

impl IdSource for Remap<'_> {
    fn n_ids(&self) -> usize {
        self.n_codes
    }
    fn chunk_lens(&self) -> Vec<usize> {
        self.inner.chunk_lens()
    }
    fn read(&self, chunk: usize, start: usize, out: &mut [u32]) {
        self.inner.read(chunk, start, out);
        for id in out.iter_mut() {
            *id = self.lut.get(*id as usize).copied().unwrap_or(NULL);
        }
    }
}
