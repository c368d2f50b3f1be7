//! Quick timing of the group split kernel, step by step, on Zipf-shaped
//! labels in groups of about ten rows:
//! `cargo run --release -p fastbal-core --example group_speed [rows] [groups]`.
use std::time::Instant;

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
    let t = Instant::now();
    let labels = Labels::new(&Column::Int(Ints::I32(vec![Chunk::new(&y, None)]))).unwrap();
    let groups = Labels::new(&Column::Int(Ints::I64(vec![Chunk::new(&g, None)]))).unwrap();
    println!("factorize labels and groups: {:?}", t.elapsed());
    let t = Instant::now();
    let keys = group_keys(&groups.classes);
    let table = group_table(&labels.view(), &groups.codes, groups.n_classes()).unwrap();
    println!("group x class table ({} cells): {:?}", table.class.len(), t.elapsed());
    let t = Instant::now();
    let split = plan_group_split(&table, &labels.counts, Size::Fraction(0.2), Size::Fraction(0.1), &keys, 0).unwrap();
    println!("placement, train/valid/test: {:?} ({:?})", t.elapsed(), split.sizes);
    let t = Instant::now();
    let plan = plan_group_kfold(&table, &labels.counts, 5, &keys, 0).unwrap();
    println!("placement, 5 folds: {:?}", t.elapsed());
    let t = Instant::now();
    let folds = assign_groups(&labels.view(), &groups.codes, &plan, -1i16, |s| s as i16);
    println!("assignment: {:?} ({:?})", t.elapsed(), plan.sizes);
    assert_eq!(folds.len(), n);
}
