//! Text length per class: how long the texts of each class are, in characters.

use hashbrown::HashMap;
use rayon::prelude::*;

use crate::column::ids::NULL;
use crate::column::{Column, Ints};
use crate::exec::blocks::fold_blocks;
use crate::factorize::view::LabelView;
use crate::{Error, Result};

/// Length in characters (Unicode scalar values) of UTF-8 bytes.
fn chars(bytes: &[u8]) -> u32 {
    // every byte except UTF-8 continuation bytes (0b10xx_xxxx) starts a character
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count() as u32
}

/// Characters per row of a string column; [`NULL`] for a null text.
pub fn char_lengths(texts: &Column<'_>) -> Result<Vec<u32>> {
    let mut out = Vec::with_capacity(texts.len());
    match texts {
        Column::Utf8(chunks) => {
            for c in chunks {
                let r = crate::column::strings::str_reader(c);
                out.par_extend(
                    (0..c.offsets.len().saturating_sub(1)).into_par_iter().map(|i| r(i).map_or(NULL, chars)),
                );
            }
        }
        Column::LargeUtf8(chunks) => {
            for c in chunks {
                let r = crate::column::strings::str_reader(c);
                out.par_extend(
                    (0..c.offsets.len().saturating_sub(1)).into_par_iter().map(|i| r(i).map_or(NULL, chars)),
                );
            }
        }
        Column::View(chunks) => {
            for c in chunks {
                let r = crate::column::strings::view_reader(c);
                out.par_extend((0..c.views.len() / 16).into_par_iter().map(|i| r(i).map_or(NULL, chars)));
            }
        }
        Column::Ucs4(chunks) => {
            for c in chunks {
                let r = crate::column::strings::ucs4_reader(c);
                out.par_extend((0..c.len).into_par_iter().map(|i| r(i).map_or(NULL, |b| (b.len() / 4) as u32)));
            }
        }
        Column::Dict { keys, values } => {
            let entry = char_lengths(values)?;
            let ranges = crate::column::dictionary_ranges(keys, values)?;
            macro_rules! gather {
                ($chunks:expr) => {
                    for (c, range) in $chunks.iter().zip(ranges) {
                        let e = &entry[range];
                        out.par_extend((0..c.values.len()).into_par_iter().map(|i| {
                            if c.is_valid(i) {
                                usize::try_from(c.values[i]).ok().and_then(|k| e.get(k).copied()).unwrap_or(NULL)
                            } else {
                                NULL
                            }
                        }));
                    }
                };
            }
            match keys {
                Ints::I8(c) => gather!(c),
                Ints::I16(c) => gather!(c),
                Ints::I32(c) => gather!(c),
                Ints::I64(c) => gather!(c),
                Ints::U8(c) => gather!(c),
                Ints::U16(c) => gather!(c),
                Ints::U32(c) => gather!(c),
                Ints::U64(c) => gather!(c),
            }
        }
        Column::Int(_) => return Err(Error::InvalidArgument("texts must be a string column".into())),
    }
    Ok(out)
}

/// Rows per (class, text length): the mergeable summary behind per-class
/// length statistics. Rows with a null label or a null text are skipped.
/// Returned as (class codes, lengths, counts), sorted by class then length.
pub fn length_histogram(view: &LabelView<'_>, lengths: &[u32]) -> Result<(Vec<u32>, Vec<u32>, Vec<u64>)> {
    if lengths.len() != view.len() {
        return Err(Error::InvalidArgument(format!(
            "texts have {} rows but the labels have {}",
            lengths.len(),
            view.len()
        )));
    }
    let hist = fold_blocks(
        view.ids(),
        HashMap::<u64, u64>::new,
        |h, row, ids| {
            for (j, &c) in ids.iter().enumerate() {
                let len = lengths[row + j];
                if c != NULL && len != NULL {
                    *h.entry(((c as u64) << 32) | len as u64).or_insert(0) += 1;
                }
            }
        },
        |mut a, b| {
            for (k, v) in b {
                *a.entry(k).or_insert(0) += v;
            }
            a
        },
    );
    let mut pairs: Vec<(u64, u64)> = hist.into_iter().collect();
    pairs.sort_unstable();
    Ok((
        pairs.iter().map(|&(k, _)| (k >> 32) as u32).collect(),
        pairs.iter().map(|&(k, _)| k as u32).collect(),
        pairs.iter().map(|&(_, v)| v).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Chunk, Labels, StrChunk};

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(chars("héllo".as_bytes()), 5);
        assert_eq!(chars("日本".as_bytes()), 2);
        assert_eq!(chars(b""), 0);
    }

    #[test]
    fn histogram_by_class_and_length() {
        let labels = [1i64, 1, 2, 1];
        let l = Labels::new(&Column::Int(Ints::I64(vec![Chunk::new(&labels, None)]))).unwrap();
        let data = b"abcdeab";
        let offsets = [0i32, 2, 4, 7, 7];
        let texts = Column::Utf8(vec![StrChunk { offsets: &offsets, data, validity: None }]);
        let lens = char_lengths(&texts).unwrap();
        assert_eq!(lens, [2, 2, 3, 0]);
        let (codes, lens, counts) = length_histogram(&l.view(), &lens).unwrap();
        assert_eq!((codes, lens, counts), (vec![0, 0, 1], vec![0, 2, 3], vec![1, 2, 1]));
    }
}
