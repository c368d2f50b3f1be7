//! Repeated texts: how many rows repeat a text, which texts carry more than
//! one label (a floor under the loss no model can remove), and which
//! valid/test rows repeat a training text (leakage).
//!
//! Texts arrive factorized (one code per distinct text, compared exactly,
//! never by hash alone), labels and splits as codes per row. Every figure is
//! independent of row order and of the thread count: a text conflicts when
//! two of its rows carry different labels, whichever rows are read first.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::Relaxed};

use rayon::prelude::*;

use crate::column::ids::NULL;
use crate::contract::TRAIN;
use crate::{Error, Result};

/// Rows handed to one parallel task.
const PIECE: usize = 1 << 15;

/// Per distinct text: whether its rows carry more than one label, and the
/// label of its rows when they carry one ([`NULL`] when none has a label).
pub struct TextLabels {
    pub conflict: Vec<bool>,
    pub label: Vec<u32>,
}

/// One text's rows and labels, for the table of the worst groups.
#[derive(Clone, Debug, PartialEq)]
pub struct TextGroup {
    /// The text's code.
    pub text: u32,
    /// Its rows.
    pub rows: u64,
    /// Its labels (codes) and their rows, most rows first (ties by code).
    pub labels: Vec<(u32, u64)>,
}

/// The figures of a column of texts.
#[derive(Clone, Debug, PartialEq)]
pub struct DuplicateStats {
    /// Rows, null texts included.
    pub rows: u64,
    /// Rows whose text appears more than once.
    pub duplicate_rows: u64,
    /// Texts that appear more than once.
    pub duplicate_texts: u64,
    /// Texts seen with more than one label.
    pub conflicting_texts: u64,
    /// Every row of such a text.
    pub conflicting_rows: u64,
    /// Rows with a text and a label.
    pub labeled_rows: u64,
    /// Of those, the rows of their text's most frequent label: what a
    /// perfect model can get right.
    pub majority_rows: u64,
    /// Valid/test rows whose text is also in train, and their texts (with splits).
    pub leaked_rows: Option<u64>,
    pub leaked_texts: Option<u64>,
    /// The worst groups: conflicting texts by rows lost to the ceiling, then
    /// repeated texts by rows (ties by code); at most the number asked.
    pub worst: Vec<TextGroup>,
}

fn check_len(what: &str, n: usize, rows: usize) -> Result<()> {
    if n != rows {
        return Err(Error::InvalidArgument(format!("{what} has {n} rows but the texts have {rows}")));
    }
    Ok(())
}

/// Per text, whether it conflicts and its label (see [`TextLabels`]).
pub fn text_labels(texts: &[u32], n_texts: usize, labels: &[u32]) -> Result<TextLabels> {
    check_len("labels", labels.len(), texts.len())?;
    let label: Vec<AtomicU32> = (0..n_texts).map(|_| AtomicU32::new(NULL)).collect();
    let conflict: Vec<AtomicBool> = (0..n_texts).map(|_| AtomicBool::new(false)).collect();
    texts.par_chunks(PIECE).zip(labels.par_chunks(PIECE)).for_each(|(t, l)| {
        for (&t, &l) in t.iter().zip(l) {
            if t == NULL || l == NULL {
                continue;
            }
            let (slot, flag) = (&label[t as usize], &conflict[t as usize]);
            let seen = match slot.load(Relaxed) {
                NULL => slot.compare_exchange(NULL, l, Relaxed, Relaxed).err().unwrap_or(l),
                seen => seen,
            };
            if seen != l && !flag.load(Relaxed) {
                flag.store(true, Relaxed);
            }
        }
    });
    Ok(TextLabels {
        conflict: conflict.into_iter().map(AtomicBool::into_inner).collect(),
        label: label.into_iter().map(AtomicU32::into_inner).collect(),
    })
}

/// The figures of `texts` (codes in `0..counts.len()`, [`NULL`] for a null
/// text; `counts` the rows per text), with their labels' conflicts when
/// given (`labels` the label code per row, from which `table` was made),
/// leakage when `splits` (split code per row, see `crate::contract`) is
/// given, and at most `top` worst groups.
pub fn duplicate_stats(
    texts: &[u32],
    counts: &[u64],
    labels: Option<(&[u32], &TextLabels)>,
    splits: Option<&[i8]>,
    top: usize,
) -> Result<DuplicateStats> {
    let repeated = |c: &u64| *c > 1;
    let duplicate_texts = counts.iter().filter(|c| repeated(c)).count() as u64;
    let duplicate_rows = counts.iter().filter(|c| repeated(c)).sum();
    let mut stats = DuplicateStats {
        rows: texts.len() as u64,
        duplicate_rows,
        duplicate_texts,
        conflicting_texts: 0,
        conflicting_rows: 0,
        labeled_rows: 0,
        majority_rows: 0,
        leaked_rows: None,
        leaked_texts: None,
        worst: Vec::new(),
    };
    // per conflicting text, its labels' rows (the rest have one label)
    let mut groups: Vec<TextGroup> = Vec::new();
    if let Some((labels, table)) = labels {
        check_len("labels", labels.len(), texts.len())?;
        stats.conflicting_texts = table.conflict.iter().filter(|&&c| c).count() as u64;
        stats.conflicting_rows = counts.iter().zip(&table.conflict).filter(|(_, &c)| c).map(|(n, _)| n).sum();
        stats.labeled_rows = texts
            .par_chunks(PIECE)
            .zip(labels.par_chunks(PIECE))
            .map(|(t, l)| t.iter().zip(l).filter(|(&t, &l)| t != NULL && l != NULL).count() as u64)
            .sum();
        let mut pairs: Vec<(u32, u32)> = texts
            .par_iter()
            .zip(labels.par_iter())
            .filter(|(&t, &l)| t != NULL && l != NULL && table.conflict[t as usize])
            .map(|(&t, &l)| (t, l))
            .collect();
        pairs.par_sort_unstable();
        for run in pairs.chunk_by(|a, b| a.0 == b.0) {
            let mut labels: Vec<(u32, u64)> =
                run.chunk_by(|a, b| a.1 == b.1).map(|r| (r[0].1, r.len() as u64)).collect();
            labels.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            groups.push(TextGroup { text: run[0].0, rows: counts[run[0].0 as usize], labels });
        }
        let lost: u64 = groups.iter().map(|g| g.labels.iter().skip(1).map(|l| l.1).sum::<u64>()).sum();
        stats.majority_rows = stats.labeled_rows - lost;
    }
    if let Some(splits) = splits {
        check_len("splits", splits.len(), texts.len())?;
        let (rows, texts_hit) = leakage(texts, counts.len(), splits);
        (stats.leaked_rows, stats.leaked_texts) = (Some(rows), Some(texts_hit));
    }
    stats.worst = worst(groups, texts, counts, labels, top);
    Ok(stats)
}

/// Valid/test rows whose text is also in train, and how many texts they hold.
fn leakage(texts: &[u32], n_texts: usize, splits: &[i8]) -> (u64, u64) {
    let in_train: Vec<AtomicBool> = (0..n_texts).map(|_| AtomicBool::new(false)).collect();
    texts.par_chunks(PIECE).zip(splits.par_chunks(PIECE)).for_each(|(t, s)| {
        for (&t, &s) in t.iter().zip(s) {
            if t != NULL && s == TRAIN as i8 {
                in_train[t as usize].store(true, Relaxed);
            }
        }
    });
    let leaked: Vec<AtomicBool> = (0..n_texts).map(|_| AtomicBool::new(false)).collect();
    let rows = texts
        .par_chunks(PIECE)
        .zip(splits.par_chunks(PIECE))
        .map(|(t, s)| {
            let mut n = 0u64;
            for (&t, &s) in t.iter().zip(s) {
                if t != NULL && s > TRAIN as i8 && in_train[t as usize].load(Relaxed) {
                    leaked[t as usize].store(true, Relaxed);
                    n += 1;
                }
            }
            n
        })
        .sum();
    (rows, leaked.into_iter().filter(|l| l.load(Relaxed)).count() as u64)
}

/// The worst groups: the conflicting ones by rows lost to the ceiling, then
/// the most repeated texts of one label (or none), up to `top` in all.
fn worst(
    mut groups: Vec<TextGroup>,
    texts: &[u32],
    counts: &[u64],
    labels: Option<(&[u32], &TextLabels)>,
    top: usize,
) -> Vec<TextGroup> {
    let lost = |g: &TextGroup| g.labels.iter().skip(1).map(|l| l.1).sum::<u64>();
    groups.sort_unstable_by(|a, b| lost(b).cmp(&lost(a)).then(b.rows.cmp(&a.rows)).then(a.text.cmp(&b.text)));
    groups.truncate(top);
    let room = top - groups.len();
    if room == 0 {
        return groups;
    }
    let conflicting = |t: usize| labels.is_some_and(|(_, table)| table.conflict[t]);
    let mut rest: Vec<u32> =
        (0..counts.len()).filter(|&t| counts[t] > 1 && !conflicting(t)).map(|t| t as u32).collect();
    let by_rows = |a: &u32, b: &u32| counts[*b as usize].cmp(&counts[*a as usize]).then(a.cmp(b));
    if rest.len() > room {
        rest.select_nth_unstable_by(room - 1, by_rows);
        rest.truncate(room);
    }
    rest.sort_unstable_by(by_rows);
    // their labeled rows: one more read, counting the rows of these texts only
    let mut labeled = vec![0u64; rest.len()];
    if let Some((labels, _)) = labels {
        let mut slot = vec![u32::MAX; counts.len()];
        rest.iter().enumerate().for_each(|(i, &t)| slot[t as usize] = i as u32);
        labeled = texts
            .par_chunks(PIECE)
            .zip(labels.par_chunks(PIECE))
            .fold(
                || vec![0u64; rest.len()],
                |mut n, (t, l)| {
                    for (&t, &l) in t.iter().zip(l) {
                        if t != NULL && l != NULL {
                            if let Some(i) = slot.get(t as usize).copied().filter(|&i| i != u32::MAX) {
                                n[i as usize] += 1;
                            }
                        }
                    }
                    n
                },
            )
            .reduce(
                || vec![0u64; rest.len()],
                |mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                    a
                },
            );
    }
    groups.extend(rest.into_iter().zip(labeled).map(|(t, n)| TextGroup {
        text: t,
        rows: counts[t as usize],
        labels: match labels {
            Some((_, table)) if n > 0 => vec![(table.label[t as usize], n)],
            _ => Vec::new(),
        },
    }));
    groups
}

/// Keep the first row of each text (and every row without a text).
pub fn keep_first(texts: &[u32], n_texts: usize) -> Vec<bool> {
    let first: Vec<AtomicU64> = (0..n_texts).map(|_| AtomicU64::new(u64::MAX)).collect();
    texts.par_chunks(PIECE).enumerate().for_each(|(p, t)| {
        for (j, &t) in t.iter().enumerate() {
            if t != NULL {
                first[t as usize].fetch_min((p * PIECE + j) as u64, Relaxed);
            }
        }
    });
    let first: Vec<u64> = first.into_iter().map(AtomicU64::into_inner).collect();
    let mut keep = vec![false; texts.len()];
    keep.par_chunks_mut(PIECE).zip(texts.par_chunks(PIECE)).enumerate().for_each(|(p, (k, t))| {
        for (j, (k, &t)) in k.iter_mut().zip(t).enumerate() {
            *k = t == NULL || first[t as usize] == (p * PIECE + j) as u64;
        }
    });
    keep
}

/// Keep every row whose text carries one label (and every row without a text).
pub fn keep_consistent(texts: &[u32], conflict: &[bool]) -> Vec<bool> {
    let mut keep = vec![false; texts.len()];
    keep.par_chunks_mut(PIECE).zip(texts.par_chunks(PIECE)).for_each(|(k, t)| {
        for (k, &t) in k.iter_mut().zip(t) {
            *k = t == NULL || !conflict[t as usize];
        }
    });
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: u32 = NULL;

    #[test]
    fn figures_of_a_small_column() {
        // texts: 0 x3 (labels 5, 5, 6), 1 x2 (7, null), 2 x1, null x2
        let texts = [0, 1, 0, N, 2, 0, 1, N];
        let counts = [3, 2, 1];
        let labels = [5, 7, 5, 5, 8, 6, N, 9];
        let table = text_labels(&texts, 3, &labels).unwrap();
        assert_eq!(table.conflict, [true, false, false]);
        assert_eq!(&table.label[1..], [7, 8]);
        let splits = [0, 1, 2, 0, 1, 0, 0, 2];
        let s = duplicate_stats(&texts, &counts, Some((&labels, &table)), Some(&splits), 10).unwrap();
        assert_eq!((s.rows, s.duplicate_rows, s.duplicate_texts), (8, 5, 2));
        assert_eq!((s.conflicting_texts, s.conflicting_rows), (1, 3));
        // labeled rows with a text: 5 of them; text 0 loses its one label-6 row
        assert_eq!((s.labeled_rows, s.majority_rows), (5, 4));
        // row 1 (valid, text 1 in train at row 6) and row 2 (test, text 0 in train)
        assert_eq!((s.leaked_rows, s.leaked_texts), (Some(2), Some(2)));
        assert_eq!(
            s.worst,
            [
                TextGroup { text: 0, rows: 3, labels: vec![(5, 2), (6, 1)] },
                TextGroup { text: 1, rows: 2, labels: vec![(7, 1)] },
            ]
        );
        assert_eq!(keep_first(&texts, 3), [true, true, false, true, true, false, false, true]);
        assert_eq!(keep_consistent(&texts, &table.conflict), [false, true, false, true, true, false, true, true]);
        let bare = duplicate_stats(&texts, &counts, None, None, 1).unwrap();
        assert_eq!((bare.labeled_rows, bare.leaked_rows), (0, None));
        assert_eq!(bare.worst, [TextGroup { text: 0, rows: 3, labels: vec![] }]);
    }

    #[test]
    fn figures_do_not_depend_on_row_order_or_pieces() {
        // many rows over pieces: conflicts found whichever label is read first
        let n = 5 * PIECE + 17;
        let texts: Vec<u32> = (0..n as u64).map(|i| (crate::hash::mix64(i) % 1000) as u32).collect();
        let labels: Vec<u32> =
            texts.iter().enumerate().map(|(i, &t)| if t % 7 == 0 && i % 5 == 0 { 1 } else { t % 3 }).collect();
        let mut counts = vec![0u64; 1000];
        texts.iter().for_each(|&t| counts[t as usize] += 1);
        let table = text_labels(&texts, 1000, &labels).unwrap();
        let want: Vec<bool> = (0..1000u32)
            .map(|t| {
                let mut seen: Vec<u32> = (0..n).filter(|&i| texts[i] == t).map(|i| labels[i]).collect();
                seen.sort_unstable();
                seen.dedup();
                seen.len() > 1
            })
            .collect();
        assert_eq!(table.conflict, want);
        let (rt, rl): (Vec<u32>, Vec<u32>) = texts.iter().zip(&labels).rev().map(|(&t, &l)| (t, l)).unzip();
        let reversed = text_labels(&rt, 1000, &rl).unwrap();
        assert_eq!(reversed.conflict, table.conflict);
        let a = duplicate_stats(&texts, &counts, Some((&labels, &table)), None, 5).unwrap();
        let b = duplicate_stats(&rt, &counts, Some((&rl, &reversed)), None, 5).unwrap();
        assert_eq!(a, b);
        let first = keep_first(&texts, 1000);
        assert_eq!(first.iter().filter(|&&k| k).count(), counts.iter().filter(|&&c| c > 0).count());
    }

    #[test]
    fn lengths_must_agree() {
        let err = text_labels(&[0, 1], 2, &[0]).err().unwrap();
        assert_eq!(err.to_string(), "labels has 1 rows but the texts have 2");
        let err = duplicate_stats(&[0, 1], &[1, 1], None, Some(&[0, 0, 0]), 3).err().unwrap();
        assert_eq!(err.to_string(), "splits has 3 rows but the texts have 2");
    }
}
