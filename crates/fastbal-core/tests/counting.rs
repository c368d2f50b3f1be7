//! The counting paths of the core, each checked against a `BTreeMap` count of the same rows:
//! dense small-range integers, sparse integers (hashed), UTF-8 strings, string views,
//! fixed-width UCS-4, dictionaries, validity bitmaps with offsets, and empty input.

use std::collections::BTreeMap;

use fastbal_core::hash::mix64;
use fastbal_core::{
    histogram, order_by_count, Chunk, Classes, Column, Error, Ints, Labels, Prepared, RawCounts, StrChunk, Ucs4Chunk,
    Validity, ViewChunk, NULL,
};

// ------------------------------------------------------------------ helpers

/// The factorization of `rows` (None = missing) computed the plain way.
fn expected<K: Ord + Clone>(rows: &[Option<K>], classes: impl Fn(Vec<K>) -> Classes) -> Labels {
    let mut counts: BTreeMap<K, u64> = BTreeMap::new();
    for k in rows.iter().flatten() {
        *counts.entry(k.clone()).or_default() += 1;
    }
    let keys: Vec<K> = counts.keys().cloned().collect();
    let codes = rows
        .iter()
        .map(|r| match r {
            None => NULL,
            Some(k) => keys.binary_search(k).unwrap() as u32,
        })
        .collect();
    Labels {
        codes,
        counts: counts.values().copied().collect(),
        null_count: rows.iter().filter(|r| r.is_none()).count() as u64,
        classes: classes(keys),
    }
}

fn expected_strs(rows: &[Option<&str>]) -> Labels {
    let owned: Vec<Option<String>> = rows.iter().map(|r| r.map(str::to_owned)).collect();
    expected(&owned, Classes::Str)
}

/// An LSB-first validity bitmap for `valid`, after `offset` leading bits. The
/// leading bits are set, so a reader that ignores the offset sees the wrong rows.
fn bitmap(valid: &[bool], offset: usize) -> Vec<u8> {
    let mut bits = vec![0u8; (offset + valid.len()).div_ceil(8)];
    let all = (0..offset).map(|_| true).chain(valid.iter().copied());
    for (j, v) in all.enumerate() {
        if v {
            bits[j / 8] |= 1 << (j % 8);
        }
    }
    bits
}

/// Values (`fill` under nulls) and validity of optional rows.
fn split_nulls<T: Copy>(rows: &[Option<T>], fill: T) -> (Vec<T>, Vec<bool>) {
    (rows.iter().map(|r| r.unwrap_or(fill)).collect(), rows.iter().map(Option::is_some).collect())
}

/// Arrow utf8 buffers (offsets, data, validity) of optional strings.
fn utf8<O: TryFrom<usize>>(rows: &[Option<&str>]) -> (Vec<O>, Vec<u8>, Vec<bool>) {
    let offset = |n: usize| O::try_from(n).ok().unwrap();
    let mut offsets = vec![offset(0)];
    let mut data = Vec::new();
    for s in rows.iter().map(|r| r.unwrap_or("")) {
        data.extend_from_slice(s.as_bytes());
        offsets.push(offset(data.len()));
    }
    (offsets, data, rows.iter().map(Option::is_some).collect())
}

/// Arrow utf8_view buffers: 16-byte views (strings up to 12 bytes inline, longer
/// ones in one of two data buffers, after some filler bytes) and the buffers.
fn views(rows: &[Option<&str>]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut out = Vec::new();
    let mut buffers = vec![b"filler".to_vec(), b"xy".to_vec()];
    for (i, row) in rows.iter().enumerate() {
        let s = row.unwrap_or("").as_bytes();
        let mut view = [0u8; 16];
        view[..4].copy_from_slice(&(s.len() as u32).to_le_bytes());
        if s.len() <= 12 {
            view[4..4 + s.len()].copy_from_slice(s);
        } else {
            let index = i % 2;
            view[4..8].copy_from_slice(&s[..4]);
            view[8..12].copy_from_slice(&(index as u32).to_le_bytes());
            view[12..16].copy_from_slice(&(buffers[index].len() as u32).to_le_bytes());
            buffers[index].extend_from_slice(s);
        }
        out.extend_from_slice(&view);
    }
    (out, buffers)
}

/// Rows of `n` pseudo-random picks from `values`, every `null_every`-th row missing.
fn picks<T: Copy>(n: usize, values: &[T], null_every: usize) -> Vec<Option<T>> {
    (0..n as u64)
        .map(|i| {
            // skewed: low indices are picked far more often than high ones
            let h = mix64(i + 1);
            let len = values.len() as u64;
            let at = (h % len).min((h >> 32) % len) as usize;
            (!(i as usize).is_multiple_of(null_every)).then_some(values[at])
        })
        .collect()
}

/// Classes and counts in the order `value_counts` reports them: count descending, ties by value.
fn value_counts(column: &Column<'_>) -> (Classes, Vec<u64>, u64) {
    let prepared = Prepared::new(column).unwrap();
    let raw = prepared.raw_counts();
    let (classes, _) = prepared.compact(&raw);
    let counts: Vec<u64> = raw.counts.iter().copied().filter(|&c| c > 0).collect();
    let order = order_by_count(&counts);
    (classes.take(&order), order.iter().map(|&c| counts[c as usize]).collect(), raw.null_count)
}

fn with_threads<T: Send>(n: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap().install(f)
}

// --------------------------------------------------------- dense integers

#[test]
fn dense_ints_are_counted_in_place() {
    let values: [i32; 6] = [5, 3, 5, 9, 3, 5];
    let column = Column::Int(Ints::I32(vec![Chunk::new(&values, None)]));
    let prepared = Prepared::new(&column).unwrap();
    // one raw id per value of the range 3..=9, absent values included
    assert_eq!(prepared.ids().n_ids(), 7);
    let raw = prepared.raw_counts();
    assert_eq!(raw, RawCounts { counts: vec![2, 0, 3, 0, 0, 0, 1], null_count: 0 });
    let (classes, lut) = prepared.compact(&raw);
    assert_eq!(classes, Classes::Int(vec![3, 5, 9]));
    assert_eq!(lut, [0, NULL, 1, NULL, NULL, NULL, 2]);

    let labels = Labels::new(&column).unwrap();
    assert_eq!(labels.codes, [1, 0, 1, 2, 0, 1]);
    assert_eq!(labels.counts, [2, 3, 1]);
    assert_eq!(labels.null_count, 0);
    assert_eq!(labels.classes, Classes::Int(vec![3, 5, 9]));
}

#[test]
fn dense_ints_of_every_width_keep_their_extremes() {
    let i8s: [i8; 4] = [i8::MIN, i8::MAX, -1, i8::MIN];
    let labels = Labels::new(&Column::Int(Ints::I8(vec![Chunk::new(&i8s, None)]))).unwrap();
    assert_eq!(labels.classes, Classes::Int(vec![-128, -1, 127]));
    assert_eq!(labels.counts, [2, 1, 1]);

    let u8s: [u8; 3] = [255, 0, 255];
    let labels = Labels::new(&Column::Int(Ints::U8(vec![Chunk::new(&u8s, None)]))).unwrap();
    assert_eq!(labels.classes, Classes::UInt(vec![0, 255]));

    let i16s: [i16; 3] = [i16::MIN, 0, i16::MAX];
    let labels = Labels::new(&Column::Int(Ints::I16(vec![Chunk::new(&i16s, None)]))).unwrap();
    assert_eq!(labels.classes, Classes::Int(vec![-32768, 0, 32767]));

    let u16s: [u16; 3] = [u16::MAX, 7, 7];
    let labels = Labels::new(&Column::Int(Ints::U16(vec![Chunk::new(&u16s, None)]))).unwrap();
    assert_eq!((labels.classes, labels.counts), (Classes::UInt(vec![7, 65535]), vec![2, 1]));

    // a small range far from zero is still dense
    let near_max: [u64; 4] = [u64::MAX, u64::MAX - 2, u64::MAX, u64::MAX];
    let column = Column::Int(Ints::U64(vec![Chunk::new(&near_max, None)]));
    assert_eq!(Prepared::new(&column).unwrap().ids().n_ids(), 3);
    let labels = Labels::new(&column).unwrap();
    assert_eq!((labels.classes, labels.counts), (Classes::UInt(vec![u64::MAX - 2, u64::MAX]), vec![1, 3]));

    let near_min: [i64; 3] = [i64::MIN + 1, i64::MIN, i64::MIN + 1];
    let labels = Labels::new(&Column::Int(Ints::I64(vec![Chunk::new(&near_min, None)]))).unwrap();
    assert_eq!((labels.classes, labels.counts), (Classes::Int(vec![i64::MIN, i64::MIN + 1]), vec![1, 2]));
}

// -------------------------------------------------------- sparse integers

#[test]
fn sparse_ints_are_hashed() {
    let values: [i64; 5] = [1_000_000_000_000, -1_000_000_000_000, 1_000_000_000_000, 0, 0];
    let column = Column::Int(Ints::I64(vec![Chunk::new(&values, None)]));
    let prepared = Prepared::new(&column).unwrap();
    // hashed: one raw id per distinct value, not one per value of the range
    assert_eq!(prepared.ids().n_ids(), 3);
    let labels = Labels::new(&column).unwrap();
    assert_eq!(labels.classes, Classes::Int(vec![-1_000_000_000_000, 0, 1_000_000_000_000]));
    assert_eq!(labels.counts, [1, 2, 2]);
    assert_eq!(labels.codes, [2, 0, 2, 1, 1]);
}

#[test]
fn sparse_ints_at_the_ends_of_their_range() {
    let values: [i64; 4] = [i64::MAX, i64::MIN, 0, i64::MAX];
    let labels = Labels::new(&Column::Int(Ints::I64(vec![Chunk::new(&values, None)]))).unwrap();
    assert_eq!(labels.classes, Classes::Int(vec![i64::MIN, 0, i64::MAX]));
    assert_eq!(labels.counts, [1, 1, 2]);

    // above i64::MAX: ordered as unsigned, never as two's complement
    let values: [u64; 5] = [1 << 63, 1, u64::MAX, 1 << 63, 0];
    let labels = Labels::new(&Column::Int(Ints::U64(vec![Chunk::new(&values, None)]))).unwrap();
    assert_eq!(labels.classes, Classes::UInt(vec![0, 1, 1 << 63, u64::MAX]));
    assert_eq!(labels.codes, [2, 1, 3, 2, 0]);

    let values: [u32; 3] = [u32::MAX, 0, u32::MAX];
    let labels = Labels::new(&Column::Int(Ints::U32(vec![Chunk::new(&values, None)]))).unwrap();
    assert_eq!((labels.classes, labels.counts), (Classes::UInt(vec![0, u32::MAX as u64]), vec![1, 2]));
}

#[test]
fn many_rows_dense_and_sparse_match_a_plain_count() {
    // several parallel segments (2^16 rows) and blocks, two chunks, nulls
    let n = 150_001;
    let cases: [(&[i64], bool); 2] =
        [(&[0, 1, 2, 3, 5, 8, 13, 21, 34, 55], true), (&[-(1 << 50), -7, 0, 1 << 40, 1 << 62, 123_456_789], false)];
    for (values, dense) in cases {
        let rows = picks(n, values, 97);
        let (data, valid) = split_nulls(&rows, 0);
        let bits_a = bitmap(&valid[..70_000], 0);
        let bits_b = bitmap(&valid[70_000..], 0);
        let column = Column::Int(Ints::I64(vec![
            Chunk::new(&data[..70_000], Some(Validity::new(&bits_a, 0))),
            Chunk::new(&data[70_000..], Some(Validity::new(&bits_b, 0))),
        ]));
        let want = expected(&rows, Classes::Int);
        let n_ids = Prepared::new(&column).unwrap().ids().n_ids();
        assert_eq!(n_ids == 56, dense, "dense path: ids span the range 0..=55");
        assert_eq!(with_threads(1, || Labels::new(&column).unwrap()), want);
        assert_eq!(with_threads(3, || Labels::new(&column).unwrap()), want);
        assert_eq!(with_threads(8, || Labels::new(&column).unwrap()), want);
        assert_eq!(with_threads(1, || value_counts(&column)), with_threads(4, || value_counts(&column)));
    }
}

#[test]
fn one_pass_counts_of_drifting_and_wide_ranges_match_a_plain_count() {
    // No nulls: the range is found while counting, by windows that grow as
    // blocks fall outside them. Ranges that drift (each block's values
    // further out), that cross 256 keys (the byte window), 4096 (one
    // sub-table), chunks, and signed values near the type's ends.
    let n = 300_001usize;
    let drift = |width: i64, shift: i64| -> Vec<i64> {
        (0..n as u64).map(|i| (mix64(i) % width as u64) as i64 + shift + (i as i64 / 5_000) * width / 40).collect()
    };
    let cases: Vec<Vec<i64>> = vec![
        (0..n as u64).map(|i| (mix64(i) % 224) as i64).collect(),
        drift(200, -100),
        drift(3_000, 7),
        drift(60_000, -1_000_000),
        (0..n as u64).map(|i| i64::MAX - (mix64(i) % 250) as i64).collect(),
        (0..n as u64).map(|i| i64::MIN + (mix64(i) % 300) as i64).collect(),
    ];
    for values in &cases {
        let mut want: BTreeMap<i64, u64> = BTreeMap::new();
        values.iter().for_each(|&v| *want.entry(v).or_default() += 1);
        let (lo, hi) = (*want.keys().next().unwrap(), *want.keys().last().unwrap());
        let column = Column::Int(Ints::I64(vec![
            Chunk::new(&values[..100_000], None),
            Chunk::new(&values[100_000..100_000], None),
            Chunk::new(&values[100_000..], None),
        ]));
        for threads in [1, 3, 8] {
            let (n_ids, raw) = with_threads(threads, || {
                let prepared = Prepared::new(&column).unwrap();
                (prepared.ids().n_ids(), prepared.raw_counts())
            });
            assert_eq!(n_ids as i128, hi as i128 - lo as i128 + 1, "dense: one id per key of the range");
            let got: BTreeMap<i64, u64> = raw
                .counts
                .iter()
                .enumerate()
                .filter(|&(_, &c)| c > 0)
                .map(|(i, &c)| ((lo as i128 + i as i128) as i64, c))
                .collect();
            assert_eq!(got, want, "{threads} threads");
            assert_eq!(raw.null_count, 0);
        }
        let labels = with_threads(2, || Labels::new(&column).unwrap());
        assert_eq!(labels.counts, want.values().copied().collect::<Vec<_>>());
    }
    // too wide for a dense table: hashed, one id per distinct value
    let wide: Vec<i64> = (0..n as u64).map(|i| (mix64(i) % 50) as i64 * (1 << 40)).collect();
    let column = Column::Int(Ints::I64(vec![Chunk::new(&wide, None)]));
    assert_eq!(Prepared::new(&column).unwrap().ids().n_ids(), 50);
}

// ----------------------------------------------------------------- strings

#[test]
fn utf8_strings_sort_by_code_point() {
    let rows = [Some("b"), Some("a"), None, Some(""), Some("é"), Some("Z"), Some("a"), Some("b"), Some("a")];
    let (offsets, data, valid) = utf8::<i32>(&rows);
    let bits = bitmap(&valid, 0);
    let column =
        Column::Utf8(vec![StrChunk { offsets: &offsets, data: &data, validity: Some(Validity::new(&bits, 0)) }]);
    let labels = Labels::new(&column).unwrap();
    assert_eq!(labels.classes, Classes::Str(["", "Z", "a", "b", "é"].map(String::from).to_vec()));
    assert_eq!(labels.counts, [1, 1, 3, 2, 1]);
    assert_eq!(labels.null_count, 1);
    assert_eq!(labels, expected_strs(&rows));

    let (classes, counts, nulls) = value_counts(&column);
    assert_eq!(classes, Classes::Str(["a", "b", "", "Z", "é"].map(String::from).to_vec()));
    assert_eq!((counts, nulls), (vec![3, 2, 1, 1, 1], 1));
}

#[test]
fn large_utf8_and_sliced_offsets() {
    let rows = [Some("xx"), Some("cat"), Some("dog"), None, Some("cat")];
    let (offsets, data, valid) = utf8::<i64>(&rows);
    let bits = bitmap(&valid, 0);
    // rows 1.. as a slice: the offsets start at 2, not 0, and the bitmap at bit 1
    let column = Column::LargeUtf8(vec![StrChunk {
        offsets: &offsets[1..],
        data: &data,
        validity: Some(Validity::new(&bits, 1)),
    }]);
    assert_eq!(column.len(), 4);
    assert_eq!(Labels::new(&column).unwrap(), expected_strs(&rows[1..]));
}

#[test]
fn utf8_chunks_share_one_class_order() {
    let first = [Some("b"), Some("c")];
    let second: [Option<&str>; 0] = [];
    let third = [Some("a"), Some("b"), Some("b")];
    let (o1, d1, _) = utf8::<i32>(&first);
    let (o2, d2, _) = utf8::<i32>(&second);
    let (o3, d3, _) = utf8::<i32>(&third);
    let column = Column::Utf8(vec![
        StrChunk { offsets: &o1, data: &d1, validity: None },
        StrChunk { offsets: &o2, data: &d2, validity: None },
        StrChunk { offsets: &o3, data: &d3, validity: None },
    ]);
    let labels = Labels::new(&column).unwrap();
    assert_eq!(labels.classes, Classes::Str(["a", "b", "c"].map(String::from).to_vec()));
    assert_eq!(labels.codes, [1, 2, 0, 1, 1]);
    assert_eq!(labels.counts, [1, 3, 1]);
}

#[test]
fn many_strings_match_a_plain_count() {
    let words = ["alpha", "", "b", "a label longer than twelve bytes", "日本語", "alpha2"];
    let rows = picks(140_000, &words, 13);
    let (offsets, data, valid) = utf8::<i32>(&rows);
    let bits = bitmap(&valid, 0);
    let column =
        Column::Utf8(vec![StrChunk { offsets: &offsets, data: &data, validity: Some(Validity::new(&bits, 0)) }]);
    let want = expected_strs(&rows);
    assert_eq!(with_threads(1, || Labels::new(&column).unwrap()), want);
    assert_eq!(with_threads(5, || Labels::new(&column).unwrap()), want);

    let (views, buffers) = views(&rows);
    let column = Column::View(vec![ViewChunk {
        views: &views,
        buffers: buffers.iter().map(Vec::as_slice).collect(),
        validity: Some(Validity::new(&bits, 0)),
    }]);
    assert_eq!(with_threads(2, || Labels::new(&column).unwrap()), want);
}

#[test]
fn invalid_utf8_is_refused() {
    let offsets: [i32; 3] = [0, 1, 3];
    let data = [b'a', 0xc3, 0x28];
    let column = Column::Utf8(vec![StrChunk { offsets: &offsets, data: &data, validity: None }]);
    assert!(matches!(Labels::new(&column), Err(Error::InvalidData(m)) if m.contains("invalid UTF-8")));
}

// -------------------------------------------------------------- string views

#[test]
fn string_views_inline_and_out_of_line() {
    let long = "a string well over twelve bytes";
    let rows = [
        Some("short"),
        Some(long),
        None,
        Some("twelve bytes"),  // 12 bytes: the longest inline string
        Some("thirteen byte"), // 13 bytes: the shortest out-of-line string
        Some(long),
        Some("short"),
        Some(""),
        Some(long),
    ];
    let (views, buffers) = views(&rows);
    // out-of-line strings are spread over both buffers, at non-zero offsets
    assert_eq!(buffers[0].len(), "filler".len() + "thirteen byte".len() + long.len());
    assert_eq!(buffers[1].len(), "xy".len() + 2 * long.len());
    let valid: Vec<bool> = rows.iter().map(Option::is_some).collect();
    let bits = bitmap(&valid, 0);
    let column = Column::View(vec![ViewChunk {
        views: &views,
        buffers: buffers.iter().map(Vec::as_slice).collect(),
        validity: Some(Validity::new(&bits, 0)),
    }]);
    let labels = Labels::new(&column).unwrap();
    assert_eq!(
        labels.classes,
        Classes::Str(vec!["".into(), long.into(), "short".into(), "thirteen byte".into(), "twelve bytes".into()])
    );
    assert_eq!(labels.counts, [1, 3, 2, 1, 1]);
    assert_eq!(labels, expected_strs(&rows));
}

#[test]
fn string_views_sliced() {
    let rows = [Some("drop me, I am long enough"), None, Some("k"), Some("kept, and long enough too"), Some("k")];
    let (views, buffers) = views(&rows);
    let valid: Vec<bool> = rows.iter().map(Option::is_some).collect();
    let bits = bitmap(&valid, 0);
    // rows 1..: the views start one view later, the bitmap at bit 1
    let column = Column::View(vec![ViewChunk {
        views: &views[16..],
        buffers: buffers.iter().map(Vec::as_slice).collect(),
        validity: Some(Validity::new(&bits, 1)),
    }]);
    assert_eq!(Labels::new(&column).unwrap(), expected_strs(&rows[1..]));
}

// ------------------------------------------------------------------- UCS-4

#[test]
fn fixed_width_ucs4_strips_padding() {
    // width 3: "ab", "é", "ab", "", "abc" with NUL padding
    let rows = ["ab", "é", "ab", "", "abc"];
    let mut data = Vec::new();
    for s in rows {
        let mut cps: Vec<u32> = s.chars().map(u32::from).collect();
        cps.resize(3, 0);
        data.extend(cps.iter().flat_map(|c| c.to_ne_bytes()));
    }
    let column = Column::Ucs4(vec![Ucs4Chunk { data: &data, width: 3, len: rows.len() }]);
    let labels = Labels::new(&column).unwrap();
    assert_eq!(labels.classes, Classes::Str(["", "ab", "abc", "é"].map(String::from).to_vec()));
    assert_eq!(labels.counts, [1, 2, 1, 1]);
    assert_eq!(labels.codes, [1, 3, 1, 0, 2]);
}

// ----------------------------------------------------------- dictionaries

#[test]
fn dictionary_unused_entries_are_not_classes() {
    let dictionary = [Some("z"), Some("unused"), Some("a"), Some("never")];
    let (offsets, data, _) = utf8::<i32>(&dictionary);
    // keys 2, 0, 2, null: "a", "z", "a", missing (the null key holds 3, a valid entry)
    let keys: [i8; 4] = [2, 0, 2, 3];
    let bits = bitmap(&[true, true, true, false], 0);
    let column = Column::Dict {
        keys: Ints::I8(vec![Chunk::new(&keys, Some(Validity::new(&bits, 0)))]),
        values: Box::new(Column::Utf8(vec![StrChunk { offsets: &offsets, data: &data, validity: None }])),
    };
    let labels = Labels::new(&column).unwrap();
    assert_eq!(labels.classes, Classes::Str(vec!["a".into(), "z".into()]));
    assert_eq!(labels.counts, [2, 1]);
    assert_eq!(labels.null_count, 1);
    assert_eq!(labels.codes, [0, 1, 0, NULL]);
    let (classes, counts, nulls) = value_counts(&column);
    assert_eq!((classes, counts, nulls), (Classes::Str(vec!["a".into(), "z".into()]), vec![2, 1], 1));
}

#[test]
fn dictionary_chunks_with_different_dictionaries() {
    let dict_a = [Some("b"), Some("a")];
    let dict_b = [Some("a"), Some("c"), Some("unused")];
    let (oa, da, _) = utf8::<i32>(&dict_a);
    let (ob, db, _) = utf8::<i32>(&dict_b);
    let keys_a: [u16; 3] = [0, 1, 0];
    let keys_b: [u16; 2] = [1, 0];
    let column = Column::Dict {
        keys: Ints::U16(vec![Chunk::new(&keys_a, None), Chunk::new(&keys_b, None)]),
        values: Box::new(Column::Utf8(vec![
            StrChunk { offsets: &oa, data: &da, validity: None },
            StrChunk { offsets: &ob, data: &db, validity: None },
        ])),
    };
    let labels = Labels::new(&column).unwrap();
    // rows: b a b | c a
    assert_eq!(labels.classes, Classes::Str(["a", "b", "c"].map(String::from).to_vec()));
    assert_eq!(labels.codes, [1, 0, 1, 2, 0]);
    assert_eq!(labels.counts, [2, 2, 1]);
}

#[test]
fn dictionary_shared_by_every_key_chunk() {
    // one dictionary for many key chunks (how a polars categorical arrives)
    let dict = [Some("z"), Some("a"), Some("unused")];
    let (o, d, _) = utf8::<i64>(&dict);
    let (keys_a, keys_b, keys_c): ([u32; 3], [u32; 0], [u32; 2]) = ([0, 1, 0], [], [1, 1]);
    let column = Column::Dict {
        keys: Ints::U32(vec![Chunk::new(&keys_a, None), Chunk::new(&keys_b, None), Chunk::new(&keys_c, None)]),
        values: Box::new(Column::LargeUtf8(vec![StrChunk { offsets: &o, data: &d, validity: None }])),
    };
    let labels = Labels::new(&column).unwrap();
    // rows: z a z | | a a
    assert_eq!(labels.classes, Classes::Str(["a", "z"].map(String::from).to_vec()));
    assert_eq!(labels.codes, [1, 0, 1, 0, 0]);
    assert_eq!(value_counts(&column), (labels.classes.clone(), vec![3, 2], 0));
    let ids = fastbal_core::row_keys(&Column::Dict {
        keys: Ints::U32(vec![Chunk::new(&keys_a[1..], None), Chunk::new(&keys_c[..1], None)]),
        values: Box::new(Column::LargeUtf8(vec![StrChunk { offsets: &o, data: &d, validity: None }])),
    });
    assert!(matches!(ids, Err(Error::InvalidData(m)) if m.contains("rows 0 and 2")));
}

#[test]
fn dictionary_of_ints_and_a_null_entry() {
    // entry 1 of the dictionary is itself null: rows pointing at it are missing
    let entries: [i64; 3] = [40, 0, -3];
    let entry_bits = bitmap(&[true, false, true], 0);
    let keys: [u8; 5] = [2, 1, 0, 2, 2];
    let column = Column::Dict {
        keys: Ints::U8(vec![Chunk::new(&keys, None)]),
        values: Box::new(Column::Int(Ints::I64(vec![Chunk::new(&entries, Some(Validity::new(&entry_bits, 0)))]))),
    };
    let labels = Labels::new(&column).unwrap();
    assert_eq!(labels.classes, Classes::Int(vec![-3, 40]));
    assert_eq!(labels.counts, [3, 1]);
    assert_eq!(labels.null_count, 1);
    assert_eq!(labels.codes, [0, NULL, 1, 0, 0]);
}

#[test]
fn dictionary_key_out_of_range_is_refused() {
    let dictionary = [Some("a"), Some("b")];
    let (offsets, data, _) = utf8::<i32>(&dictionary);
    let keys: [i32; 2] = [0, 2];
    let column = Column::Dict {
        keys: Ints::I32(vec![Chunk::new(&keys, None)]),
        values: Box::new(Column::Utf8(vec![StrChunk { offsets: &offsets, data: &data, validity: None }])),
    };
    assert!(matches!(Labels::new(&column), Err(Error::InvalidData(m)) if m.contains("out of range")));
    for bad in [[0, -1], [1, i32::MAX], [i32::MIN, 1]] {
        let column = Column::Dict {
            keys: Ints::I32(vec![Chunk::new(&bad, None)]),
            values: Box::new(Column::Utf8(vec![StrChunk { offsets: &offsets, data: &data, validity: None }])),
        };
        assert!(matches!(Labels::new(&column), Err(Error::InvalidData(_))), "{bad:?}");
    }
}

// ------------------------------------------------------- validity bitmaps

#[test]
fn validity_with_offset_and_values_under_nulls() {
    // a slice from row 3 of a longer array; nulls hold values far outside the valid range
    let rows = [Some(7), None, Some(7), Some(9), None, None, Some(8), Some(7), None, Some(9), Some(7)];
    let under_nulls = [i64::MIN, 1 << 60, -5, i64::MAX];
    let mut nulls_seen = 0;
    let data: Vec<i64> = rows
        .iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                nulls_seen += 1;
                under_nulls[nulls_seen % under_nulls.len()]
            })
        })
        .collect();
    let valid: Vec<bool> = rows.iter().map(Option::is_some).collect();
    let bits = bitmap(&valid, 3);
    let column = Column::Int(Ints::I64(vec![Chunk::new(&data, Some(Validity::new(&bits, 3)))]));
    // the range is that of the valid rows (7..=9): counted in place
    assert_eq!(Prepared::new(&column).unwrap().ids().n_ids(), 3);
    let labels = Labels::new(&column).unwrap();
    assert_eq!(labels, expected(&rows, Classes::Int));
    assert_eq!((labels.counts.clone(), labels.null_count), (vec![4, 1, 2], 4));

    // the same rows widened to a sparse range are hashed, with the same nulls
    let wide: Vec<i64> = data.iter().map(|v| v.wrapping_mul(1 << 40)).collect();
    let rows_wide: Vec<Option<i64>> = rows.iter().map(|r| r.map(|v| v << 40)).collect();
    let column = Column::Int(Ints::I64(vec![Chunk::new(&wide, Some(Validity::new(&bits, 3)))]));
    assert_eq!(Labels::new(&column).unwrap(), expected(&rows_wide, Classes::Int));
}

#[test]
fn validity_offsets_across_byte_boundaries() {
    for offset in [1, 7, 8, 9, 15] {
        let rows: Vec<Option<u32>> = (0..40u32).map(|i| (i % 3 != 1).then_some(i % 5)).collect();
        let (data, valid) = split_nulls(&rows, 99);
        let bits = bitmap(&valid, offset);
        let column = Column::Int(Ints::U32(vec![Chunk::new(&data, Some(Validity::new(&bits, offset)))]));
        let want = expected(&rows, |v| Classes::UInt(v.into_iter().map(u64::from).collect()));
        assert_eq!(Labels::new(&column).unwrap(), want, "offset {offset}");
    }
}

#[test]
fn all_null_rows() {
    let data: [i16; 3] = [4, 5, 6];
    let bits = [0u8];
    let column = Column::Int(Ints::I16(vec![Chunk::new(&data, Some(Validity::new(&bits, 0)))]));
    let labels = Labels::new(&column).unwrap();
    assert_eq!(labels.classes, Classes::Int(vec![]));
    assert_eq!((labels.counts.len(), labels.null_count), (0, 3));
    assert_eq!(labels.codes, [NULL; 3]);
}

// ------------------------------------------------------------ empty input

#[test]
fn empty_input() {
    let no_chunks = Column::Int(Ints::I64(vec![]));
    let empty: [u8; 0] = [];
    let empty_chunk = Column::Int(Ints::U8(vec![Chunk::new(&empty, None), Chunk::new(&empty, None)]));
    let offsets: [i32; 1] = [0];
    let no_strings = Column::Utf8(vec![StrChunk { offsets: &offsets, data: &[], validity: None }]);
    let no_views = Column::View(vec![]);
    for (column, classes) in [
        (no_chunks, Classes::Int(vec![])),
        (empty_chunk, Classes::UInt(vec![])),
        (no_strings, Classes::Str(vec![])),
        (no_views, Classes::Str(vec![])),
    ] {
        assert!(column.is_empty());
        let labels = Labels::new(&column).unwrap();
        assert_eq!(labels, Labels { codes: vec![], counts: vec![], null_count: 0, classes: classes.clone() });
        assert_eq!(value_counts(&column), (classes, vec![], 0));
    }
}

// ------------------------------------------------- histogram and ordering

#[test]
fn histogram_of_codes() {
    let values: [i32; 8] = [2, 2, 4, 2, 4, 6, 2, 0];
    let bits = bitmap(&[true, true, true, true, true, true, false, true], 0);
    let column = Column::Int(Ints::I32(vec![Chunk::new(&values, Some(Validity::new(&bits, 0)))]));
    let prepared = Prepared::new(&column).unwrap();
    assert_eq!(histogram(prepared.ids()), RawCounts { counts: vec![1, 0, 3, 0, 2, 0, 1], null_count: 1 });
    let labels = Labels::new(&column).unwrap();
    assert_eq!(histogram(&labels.ids()), RawCounts { counts: vec![1, 3, 2, 1], null_count: 1 });
}

#[test]
fn histogram_counts_do_not_depend_on_threads() {
    // 20 classes (four interleaved sub-histograms) and 5000 classes (one)
    for n_classes in [20u32, 5000] {
        let values: Vec<u32> = (0..300_000u64).map(|i| (mix64(i) % n_classes as u64) as u32).collect();
        let column = Column::Int(Ints::U32(vec![Chunk::new(&values, None)]));
        let prepared = Prepared::new(&column).unwrap();
        let mut want = vec![0u64; n_classes as usize];
        for &v in &values {
            want[v as usize] += 1;
        }
        for threads in [1, 2, 7] {
            let got = with_threads(threads, || histogram(prepared.ids()));
            assert_eq!(got, RawCounts { counts: want.clone(), null_count: 0 }, "{threads} threads");
        }
    }
}

#[test]
fn order_by_count_breaks_ties_by_class() {
    assert_eq!(order_by_count(&[2, 3, 2, 1, 3]), [1, 4, 0, 2, 3]);
    // counts far above the class count take the sorting branch: same order
    assert_eq!(order_by_count(&[20_000, 30_000, 20_000, 1, 30_000]), [1, 4, 0, 2, 3]);
    let counts: Vec<u64> = (0..5000u64).map(|i| (i * 7919) % 13 + if i % 2 == 0 { 0 } else { 1 << 40 }).collect();
    let mut want: Vec<u32> = (0..5000).collect();
    want.sort_by(|&a, &b| counts[b as usize].cmp(&counts[a as usize]).then(a.cmp(&b)));
    assert_eq!(order_by_count(&counts), want);
    let small: Vec<u64> = counts.iter().map(|c| c % (1 << 40)).collect();
    want.sort_by(|&a, &b| small[b as usize].cmp(&small[a as usize]).then(a.cmp(&b)));
    assert_eq!(order_by_count(&small), want);
    assert_eq!(order_by_count(&[]), Vec::<u32>::new());
    let values: [i64; 7] = [3, 1, 2, 2, 1, 3, 7];
    let column = Column::Int(Ints::I64(vec![Chunk::new(&values, None)]));
    assert_eq!(value_counts(&column), (Classes::Int(vec![1, 2, 3, 7]), vec![2, 2, 2, 1], 0));
}
