//! [`LabelCounter`]: class counts keyed by class value, so counts taken apart
//! (batches of a file, partitions on a cluster) merge into the counts of the
//! whole column, and any batch can be read as the whole column's class codes.

use rayon::prelude::*;

use crate::{count_classes, ClassCounts, Classes, Column, Error, Labels, Result, NULL};

/// Counts per class value and the null count, over every batch seen.
///
/// Classes stay sorted by value, as in [`Classes`], so a merged counter
/// gives the codes a single [`crate::Labels`] of the concatenated column
/// would: code `c` is the `c`-th class by value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabelCounter {
    /// `None` until a batch was seen (an empty batch still sets the kind).
    classes: Option<Classes>,
    counts: Vec<u64>,
    null_count: u64,
}

impl LabelCounter {
    pub fn new() -> Self {
        Self::default()
    }

    /// A counter holding given counts (e.g. restored from a message);
    /// `classes` must be sorted and distinct, one count per class.
    pub fn from_parts(classes: Classes, counts: Vec<u64>, null_count: u64) -> Result<Self> {
        if classes.len() != counts.len() {
            return Err(Error::InvalidArgument(format!(
                "{} classes but {} counts; give one count per class",
                classes.len(),
                counts.len()
            )));
        }
        let sorted = match &classes {
            Classes::Int(v) => v.windows(2).all(|w| w[0] < w[1]),
            Classes::UInt(v) => v.windows(2).all(|w| w[0] < w[1]),
            Classes::Str(v) => v.windows(2).all(|w| w[0] < w[1]),
        };
        if !sorted {
            return Err(Error::InvalidArgument("classes must be sorted by value and distinct".into()));
        }
        Ok(LabelCounter { classes: Some(classes), counts, null_count })
    }

    /// Count one batch and add it.
    pub fn update(&mut self, column: &Column<'_>) -> Result<()> {
        let c = count_classes(column)?;
        self.add(c)
    }

    /// Add counts taken elsewhere.
    pub fn add(&mut self, c: ClassCounts) -> Result<()> {
        let ClassCounts { classes, counts, null_count } = c;
        self.merge(&LabelCounter { classes: Some(classes), counts, null_count })
    }

    /// Add another counter's counts.
    pub fn merge(&mut self, other: &LabelCounter) -> Result<()> {
        self.null_count += other.null_count;
        let Some(theirs) = &other.classes else { return Ok(()) };
        let mine = match &self.classes {
            None => {
                self.classes = Some(theirs.clone());
                self.counts = other.counts.clone();
                return Ok(());
            }
            Some(mine) => mine,
        };
        // an empty side takes the other's kind (an all-null batch of an int column
        // reads as any integer kind)
        if theirs.is_empty() {
            return Ok(());
        }
        if mine.is_empty() {
            self.classes = Some(theirs.clone());
            self.counts = other.counts.clone();
            return Ok(());
        }
        let (classes, counts) = match (mine, theirs) {
            (Classes::Int(a), Classes::Int(b)) => {
                let (v, n) = merge_sorted(a, &self.counts, b, &other.counts);
                (Classes::Int(v), n)
            }
            (Classes::UInt(a), Classes::UInt(b)) => {
                let (v, n) = merge_sorted(a, &self.counts, b, &other.counts);
                (Classes::UInt(v), n)
            }
            (Classes::Str(a), Classes::Str(b)) => {
                let (v, n) = merge_sorted(a, &self.counts, b, &other.counts);
                (Classes::Str(v), n)
            }
            (a, b) => {
                return Err(Error::InvalidData(format!(
                    "cannot merge counts of {} labels with counts of {} labels; every batch must hold \
                     labels of one kind",
                    kind(a),
                    kind(b)
                )))
            }
        };
        self.classes = Some(classes);
        self.counts = counts;
        Ok(())
    }

    /// The classes seen, sorted by value (empty integer classes before any batch).
    pub fn classes(&self) -> &Classes {
        static EMPTY: Classes = Classes::Int(Vec::new());
        self.classes.as_ref().unwrap_or(&EMPTY)
    }

    /// Rows per class, in class order.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Rows with a missing label.
    pub fn null_count(&self) -> u64 {
        self.null_count
    }

    /// Rows seen, nulls included.
    pub fn rows(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.null_count
    }

    /// For each of `classes` (sorted, as a batch's), its code among this
    /// counter's classes. Refuses a class this counter has not seen.
    pub fn codes_of(&self, classes: &Classes) -> Result<Vec<u32>> {
        fn find<T: Ord>(all: &[T], some: &[T]) -> std::result::Result<Vec<u32>, usize> {
            some.iter().enumerate().map(|(i, x)| all.binary_search(x).map(|c| c as u32).map_err(|_| i)).collect()
        }
        let mine = self.classes();
        let found = match (mine, classes) {
            (_, b) if b.is_empty() => Ok(Vec::new()),
            (Classes::Int(a), Classes::Int(b)) => find(a, b),
            (Classes::UInt(a), Classes::UInt(b)) => find(a, b),
            (Classes::Str(a), Classes::Str(b)) => find(a, b),
            (a, b) => {
                return Err(Error::InvalidData(format!(
                    "the counts are of {} labels but this batch holds {} labels",
                    kind(a),
                    kind(b)
                )))
            }
        };
        found.map_err(|i| {
            Error::InvalidData(format!(
                "label {} was not counted; count the same data that is then assigned",
                classes.display(i)
            ))
        })
    }

    /// The class code of every row of a batch under this counter's classes
    /// ([`NULL`] for a missing label): the codes the whole column's
    /// [`crate::Labels`] gives the same rows.
    pub fn batch_codes(&self, column: &Column<'_>) -> Result<Vec<u32>> {
        let batch = Labels::new(column)?;
        let lut = self.codes_of(&batch.classes)?;
        let mut codes = batch.codes;
        // every batch code indexes `lut` (one entry per batch class); NULL stays NULL
        codes.par_iter_mut().for_each(|c| *c = lut.get(*c as usize).copied().unwrap_or(NULL));
        Ok(codes)
    }
}

fn kind(c: &Classes) -> &'static str {
    match c {
        Classes::Int(_) => "signed integer",
        Classes::UInt(_) => "unsigned integer",
        Classes::Str(_) => "string",
    }
}

/// Merge two sorted class lists with their counts, adding the counts of a
/// class present in both.
fn merge_sorted<T: Ord + Clone>(a: &[T], na: &[u64], b: &[T], nb: &[u64]) -> (Vec<T>, Vec<u64>) {
    let (mut v, mut n) = (Vec::with_capacity(a.len().max(b.len())), Vec::with_capacity(a.len().max(b.len())));
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let take = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match take {
            std::cmp::Ordering::Less => {
                v.push(a[i].clone());
                n.push(na[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                v.push(b[j].clone());
                n.push(nb[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                v.push(a[i].clone());
                n.push(na[i] + nb[j]);
                i += 1;
                j += 1;
            }
        }
    }
    (v, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Chunk, Ints, Labels, StrChunk};

    fn ints(v: &[i64]) -> Column<'_> {
        Column::Int(Ints::I64(vec![Chunk::new(v, None)]))
    }

    #[test]
    fn merged_batches_count_like_the_whole_column() {
        let values: Vec<i64> =
            (0..10_000).map(|i| (i * 7919 % 31) % 9 - 3 + if i % 1000 == 0 { 5000 } else { 0 }).collect();
        let whole = Labels::new(&ints(&values)).unwrap();
        for cuts in [vec![0, 10_000], vec![0, 1, 4_000, 4_000, 9_999, 10_000]] {
            // counted batch by batch, merged in two halves, then together
            let (mut left, mut right) = (LabelCounter::new(), LabelCounter::new());
            for (i, w) in cuts.windows(2).enumerate() {
                let side = if i % 2 == 0 { &mut left } else { &mut right };
                side.update(&ints(&values[w[0]..w[1]])).unwrap();
            }
            left.merge(&right).unwrap();
            assert_eq!(left.classes(), &whole.classes);
            assert_eq!(left.counts(), whole.counts.as_slice());
            // batch codes are the whole column's codes
            for w in cuts.windows(2) {
                let codes = left.batch_codes(&ints(&values[w[0]..w[1]])).unwrap();
                assert_eq!(codes, whole.codes[w[0]..w[1]]);
            }
        }
    }

    #[test]
    fn strings_merge_and_nulls_add_up() {
        let data = b"bacab";
        let offsets = [0i32, 1, 2, 3, 4, 5];
        let col = Column::Utf8(vec![StrChunk { offsets: &offsets, data, validity: None }]);
        let mut a = LabelCounter::new();
        a.update(&col).unwrap();
        let mut b = LabelCounter::from_parts(Classes::Str(vec!["a".into(), "z".into()]), vec![3, 1], 4).unwrap();
        b.merge(&a).unwrap();
        assert_eq!(b.classes(), &Classes::Str(vec!["a".into(), "b".into(), "c".into(), "z".into()]));
        assert_eq!(b.counts(), [5, 2, 1, 1]);
        assert_eq!((b.null_count(), b.rows()), (4, 13));
    }

    #[test]
    fn kinds_must_agree_except_when_empty() {
        let mut a = LabelCounter::new();
        a.update(&ints(&[])).unwrap();
        let s = LabelCounter::from_parts(Classes::Str(vec!["x".into()]), vec![2], 0).unwrap();
        a.merge(&s).unwrap(); // empty integer counts take the string kind
        assert_eq!(a.counts(), [2]);
        let mut i = LabelCounter::new();
        i.update(&ints(&[1, 2])).unwrap();
        let err = i.merge(&s).unwrap_err();
        assert!(err.to_string().contains("cannot merge counts of signed integer labels with counts of string"));
        let err = i.batch_codes(&ints(&[3])).unwrap_err();
        assert_eq!(err.to_string(), "label 3 was not counted; count the same data that is then assigned");
        assert!(LabelCounter::from_parts(Classes::Int(vec![2, 1]), vec![1, 1], 0).is_err());
    }
}
