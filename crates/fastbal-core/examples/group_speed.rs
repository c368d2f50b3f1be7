//! Quick timing of the group split kernel, step by step, on Zipf-shaped
//! labels in groups of about ten rows:
//! `cargo run --release -p fastbal-core --example group_speed [rows] [groups]`.
//! Each step runs five times; the median is printed.
use std::time::{Duration, Instant};

use fastbal_core::group::{assign_groups, group_keys, group_table, plan_group_kfold, plan_group_split};
use fastbal_core::hash::mix64;
use fastbal_core::{Chunk, Column, Ints, Labels, Size};

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let n = args.first().copied().unwrap_or(10_000_000);
    let n_groups = args.get(1).copied().unwrap_or(n / 10);
    // a group's rows mostly share a class (Zipf-like over 224 classes); rows interleaved
    let (mut y, mut g) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let group = (mix64(i as u64) % n_groups as u64) as i64;
        let h = mix64(group as u64 ^ 0x5bd1);
        let class = if mix64(i as u64 ^ 7).is_multiple_of(5) { (h >> 32) % 224 } else { (h % 224).pow(2) / 224 };
        y.push(class as i32);
        g.push(group * 7919 + 3);
    }
    let labels = Labels::new(&Column::Int(Ints::I32(vec![Chunk::new(&y, None)]))).unwrap();
    let (t, groups) = timed(|| Labels::new(&Column::Int(Ints::I64(vec![Chunk::new(&g, None)]))).unwrap());
    println!("factorize the groups: {t:?}");
    let keys = group_keys(&groups.classes);
    let (t, table) = timed(|| group_table(&labels.view(), &groups.codes, groups.n_classes()).unwrap());
    println!("group x class table ({} cells): {t:?}", table.class.len());
    let (t, split) =
        timed(|| plan_group_split(&table, &labels.counts, Size::Fraction(0.2), Size::Fraction(0.1), &keys, 0).unwrap());
    println!("placement, train/valid/test: {t:?} ({:?})", split.sizes);
    let (t, plan) = timed(|| plan_group_kfold(&table, &labels.counts, 5, &keys, 0).unwrap());
    println!("placement, 5 folds: {t:?}");
    let (t, folds) = timed(|| assign_groups(&labels.view(), &groups.codes, &plan, -1i16, |s| s as i16));
    println!("assignment: {t:?} ({:?})", plan.sizes);
    assert_eq!(folds.len(), n);
}

/// The median time of five runs of `f`, and its last result.
fn timed<T>(f: impl Fn() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut out = None;
    for _ in 0..5 {
        let t = Instant::now();
        out = Some(f());
        times.push(t.elapsed());
    }
    times.sort();
    (times[2], out.expect("ran five times"))
}
