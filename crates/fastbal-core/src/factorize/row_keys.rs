//! Per-row 64-bit keys from an id column (`ids=`), which rank rows
//! independently of their order.

use rayon::prelude::*;

use crate::column::strings::{str_reader, ucs4_class, ucs4_reader, view_reader};
use crate::column::{dictionary_ranges, with_ints, Chunk, Column, IntLabel};
use crate::factorize::classes::Classes;
use crate::factorize::partitioned::smallest_repeated;
use crate::factorize::Prepared;
use crate::hash::hash_bytes;
use crate::{Error, Result};

fn key_zero<K: IntLabel>(_: &Chunk<'_, K>) -> u64 {
    K::ZERO_KEY
}

/// A 64-bit key per row from an id column: integers are their own value
/// (two's complement bits), strings their [`hash_bytes`]. Refuses nulls, and
/// duplicates (naming two rows that share an id).
///
/// Distinct strings share a key with probability about `n^2 / 2^65`; such a
/// pair is reported as a duplicate.
pub fn row_keys(column: &Column<'_>) -> Result<Vec<u64>> {
    let n = column.len();
    let mut keys = vec![0u64; n];
    let mut nulls = 0usize;
    let mut at = 0;
    let mut put = |len: usize, key: &(dyn Fn(usize) -> Option<u64> + Sync)| {
        let out = &mut keys[at..at + len];
        nulls += out
            .par_iter_mut()
            .enumerate()
            .map(|(i, o)| match key(i) {
                Some(k) => {
                    *o = k;
                    0
                }
                None => 1,
            })
            .sum::<usize>();
        at += len;
    };
    fn int_keys<'c, T: IntLabel>(c: &'c Chunk<'c, T>) -> impl Fn(usize) -> Option<u64> + Sync + 'c {
        move |i| c.is_valid(i).then(|| c.values[i].key() ^ T::ZERO_KEY)
    }
    match column {
        Column::Int(ints) => with_ints!(ints, chunks => for c in chunks { put(c.values.len(), &int_keys(c)) }),
        Column::Utf8(chunks) => {
            for c in chunks {
                let r = str_reader(c);
                put(c.offsets.len().saturating_sub(1), &move |i| r(i).map(hash_bytes));
            }
        }
        Column::LargeUtf8(chunks) => {
            for c in chunks {
                let r = str_reader(c);
                put(c.offsets.len().saturating_sub(1), &move |i| r(i).map(hash_bytes));
            }
        }
        Column::View(chunks) => {
            for c in chunks {
                let r = view_reader(c);
                put(c.views.len() / 16, &move |i| r(i).map(hash_bytes));
            }
        }
        Column::Ucs4(chunks) => {
            for c in chunks {
                let r = ucs4_reader(c);
                let bad = std::sync::atomic::AtomicBool::new(false);
                put(c.len, &|i| {
                    let s = r(i).map(ucs4_class)?;
                    match s {
                        Ok(s) => Some(hash_bytes(s.as_bytes())),
                        Err(_) => {
                            bad.store(true, std::sync::atomic::Ordering::Relaxed);
                            Some(0)
                        }
                    }
                });
                if bad.into_inner() {
                    return Err(Error::InvalidData("ids hold an invalid code point".into()));
                }
            }
        }
        Column::Dict { keys: dict_keys, values } => {
            let entry_keys = row_keys_allow_duplicates(values)?;
            let ranges = dictionary_ranges(dict_keys, values)?;
            with_ints!(dict_keys, chunks => {
                for (c, range) in chunks.iter().zip(ranges) {
                    let entries = &entry_keys[range];
                    put(c.values.len(), &move |i| {
                        // a null key, a key past the dictionary, or a null dictionary entry: no id
                        c.is_valid(i)
                            .then(|| entries.get(c.values[i].key().wrapping_sub(key_zero(c)) as usize).copied())
                            .flatten()
                            .flatten()
                    });
                }
            });
        }
    }
    if nulls > 0 {
        return Err(Error::InvalidData(format!("ids have {nulls} null rows; every row needs an id")));
    }
    if let Some((a, b)) = first_duplicate(&keys) {
        return Err(Error::InvalidData(format!("ids must be unique: rows {a} and {b} have the same id")));
    }
    Ok(keys)
}

/// Keys of dictionary entries (which may repeat across chunks' dictionaries);
/// `None` for a null entry.
fn row_keys_allow_duplicates(values: &Column<'_>) -> Result<Vec<Option<u64>>> {
    let (classes, codes, _) = Prepared::new(values)?.factorize();
    let class_keys: Vec<u64> = match &classes {
        Classes::Int(v) => v.iter().map(|&x| x as u64).collect(),
        Classes::UInt(v) => v.clone(),
        Classes::Str(v) => v.iter().map(|s| hash_bytes(s.as_bytes())).collect(),
    };
    Ok(codes.iter().map(|&c| class_keys.get(c as usize).copied()).collect())
}

/// Two rows holding the same key, if any (the pair with the smallest key).
fn first_duplicate(keys: &[u64]) -> Option<(usize, usize)> {
    let dup = smallest_repeated(keys)?;
    let mut rows = keys.iter().enumerate().filter(|(_, &k)| k == dup).map(|(i, _)| i);
    Some((rows.next()?, rows.next()?))
}
