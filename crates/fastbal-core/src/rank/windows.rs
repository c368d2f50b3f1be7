//! Where a cut's rank key lies: a narrow window of the hash space around its
//! expected quantile. Row hashes are uniform, so the key of the row at rank
//! `r` of `n` lies, with near certainty, within a few standard deviations of
//! `r / n`. The one-machine pass ([`super::regions`]) and the cut search over
//! batches (`crate::batch::cut`) both start from these windows.

/// A class's cuts reduced to the distinct ranks strictly inside it, and the
/// part of a row above exactly `j` of those: `parts[j]`, the number of the
/// original cuts at or below its rank. Cuts at 0 hold every row, cuts at or
/// past the class size none; repeated cuts (empty parts) collapse. So a
/// k-fold of a class smaller than `k` has at most as many thresholds as the
/// class has rows.
pub(crate) struct ClassCuts {
    pub(crate) inner: Vec<Vec<u64>>,
    pub(crate) parts: Vec<Vec<u32>>,
}

impl ClassCuts {
    pub(crate) fn new(counts: &[u64], cuts: &[Vec<u64>]) -> Self {
        let (mut inner, mut parts) = (Vec::with_capacity(cuts.len()), Vec::with_capacity(cuts.len()));
        for (class_cuts, &n) in cuts.iter().zip(counts) {
            let mut i: Vec<u64> = Vec::new();
            let mut p: Vec<u32> = vec![class_cuts.iter().take_while(|&&b| b == 0).count() as u32];
            for (at, &b) in class_cuts.iter().enumerate() {
                if b == 0 || b >= n {
                    continue;
                }
                // cuts ascend: this cut and every equal one after it are at or below rank b
                if i.last() == Some(&b) {
                    *p.last_mut().expect("one part per cut") = at as u32 + 1;
                } else {
                    i.push(b);
                    p.push(at as u32 + 1);
                }
            }
            inner.push(i);
            parts.push(p);
        }
        ClassCuts { inner, parts }
    }
}

/// A hash window around the expected position of one cut.
#[derive(Clone, Copy)]
pub(crate) struct Window {
    pub(crate) lo: u64,
    pub(crate) hi: u64,
}

/// The hash window of the cut at rank `rank` of `n` rows: hashes are uniform,
/// so the cut's key lies near the quantile `rank / n` of the hash space; the
/// window spans six standard deviations each side.
pub(crate) fn window(rank: u64, n: u64) -> Window {
    let (q, nf) = (rank as f64 / n as f64, n as f64);
    let delta = 6.0 * (q * (1.0 - q) / nf).sqrt() + 2.0 / nf;
    let at = |x: f64| {
        if x <= 0.0 {
            0
        } else if x >= 1.0 {
            u64::MAX
        } else {
            (x * 18_446_744_073_709_551_616.0) as u64
        }
    };
    Window { lo: at(q - delta), hi: at(q + delta) }
}

/// Per class, hash windows around the expected positions of its cuts (see
/// [`window`]), merged where they overlap: disjoint and ascending, each
/// holding a run of the class's cuts. Every class gets the same number of
/// windows, `width`, padded with empty ones at the top of the hash space.
///
/// A row's *region* is the number of window edges at or below its hash: an
/// even region `2i` lies between windows (below window `i`), so the row's part
/// is known at once; an odd region `2i + 1` is inside window `i`, decided once
/// that window's rows are ranked. Class `c`'s regions are numbered from
/// `c * (2 * width + 1)`.
pub(crate) struct Regions {
    pub(crate) width: usize,
    /// Window `c * width + i` is class `c`'s `i`-th.
    pub(crate) lo: Vec<u64>,
    pub(crate) hi: Vec<u64>,
    /// Per window, its class's cuts before it and in it.
    pub(crate) cuts_before: Vec<u32>,
    pub(crate) cuts_in: Vec<u32>,
}

impl Regions {
    pub(crate) fn new(counts: &[u64], cuts: &[Vec<u64>]) -> Self {
        let merged: Vec<Vec<(Window, u32)>> = cuts.iter().zip(counts).map(|(c, &n)| merged_windows(c, n)).collect();
        let width = merged.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let mut r = Regions { width, lo: Vec::new(), hi: Vec::new(), cuts_before: Vec::new(), cuts_in: Vec::new() };
        for (windows, class_cuts) in merged.iter().zip(cuts) {
            let mut before = 0;
            for &(w, m) in windows {
                r.push(w, before, m);
                before += m;
            }
            for _ in windows.len()..width {
                r.push(Window { lo: u64::MAX, hi: u64::MAX }, class_cuts.len() as u32, 0);
            }
        }
        r
    }

    fn push(&mut self, w: Window, before: u32, cuts: u32) {
        self.lo.push(w.lo);
        self.hi.push(w.hi);
        self.cuts_before.push(before);
        self.cuts_in.push(cuts);
    }

    pub(crate) fn per_class(&self) -> usize {
        2 * self.width + 1
    }
}

/// The windows of one class's cuts (ascending ranks inside `0..n`), merged
/// where they overlap (a window's low edge can lie below its predecessor's:
/// their widths differ), each with the number of cuts it holds.
pub(crate) fn merged_windows(cuts: &[u64], n: u64) -> Vec<(Window, u32)> {
    let mut out: Vec<(Window, u32)> = Vec::with_capacity(cuts.len());
    for &b in cuts {
        out.push((window(b, n), 1));
        while let [.., (prev, m0), (last, m1)] = out[..] {
            if last.lo > prev.hi {
                break;
            }
            out.pop();
            *out.last_mut().expect("two windows") =
                (Window { lo: prev.lo.min(last.lo), hi: prev.hi.max(last.hi) }, m0 + m1);
        }
    }
    out
}
