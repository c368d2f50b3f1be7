//! Quick timing of the core kernels on Zipf-shaped int32 labels:
//! `cargo run --release -p fastbal-core --example kernel_speed [count|split|sample]`.
use std::time::Instant;

use fastbal_core::select::{apportion, sample_rows};
use fastbal_core::split::{assign_split, plan_split, Rare, Size};
use fastbal_core::weights::{class_weights, sample_weights, Normalize, Strategy};
use fastbal_core::Ranker;
use fastbal_core::{count_classes, Chunk, Column, Compacted, Ints, Prepared, RowKeys, StrChunk};

fn main() {
    let n = 10_000_000usize;
    // Zipf-like over 224 classes from a fixed LCG: deterministic, no dependencies.
    let mut state = 42u64;
    let cdf: Vec<f64> = {
        let w: Vec<f64> = (1..=224).map(|r| 1.0 / (r as f64).powf(1.2)).collect();
        let s: f64 = w.iter().sum();
        w.iter()
            .scan(0.0, |acc, x| {
                *acc += x / s;
                Some(*acc)
            })
            .collect()
    };
    let x: Vec<i32> = (0..n)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            cdf.partition_point(|&c| c < u).min(223) as i32
        })
        .collect();
    let column = Column::Int(Ints::I32(vec![Chunk::new(&x, None)]));
    // the same labels as strings "acct_<label>", Arrow large_utf8 layout
    let mut data = Vec::new();
    let mut offsets = vec![0i64];
    for v in &x {
        data.extend_from_slice(format!("acct_{v}").as_bytes());
        offsets.push(data.len() as i64);
    }
    let strings = Column::LargeUtf8(vec![StrChunk { offsets: &offsets, data: &data, validity: None }]);
    let what = std::env::args().nth(1).unwrap_or_else(|| "count".into());
    let compacted = Compacted::new(Prepared::new(&column).unwrap());
    let view = compacted.view();
    let run = || match what.as_str() {
        "split" => {
            let plan = plan_split(view.counts, Size::Fraction(0.2), Size::Fraction(0.1), Rare::Train).unwrap();
            std::hint::black_box(assign_split(&view, Ranker::new(RowKeys::Position, 42), &plan));
        }
        "weights" => {
            let w = class_weights(view.counts, Strategy::Balanced, Normalize::None, None).unwrap();
            std::hint::black_box(sample_weights(&view, &w));
        }
        "strings" => {
            std::hint::black_box(count_classes(&strings).unwrap());
        }
        "sample" => {
            let sizes = apportion(view.counts, n as u64 / 10);
            std::hint::black_box(sample_rows(&view, Ranker::new(RowKeys::Position, 42), &sizes).unwrap());
        }
        _ => {
            let p = Prepared::new(&column).unwrap();
            std::hint::black_box(p.raw_counts());
        }
    };
    for _ in 0..3 {
        let mut times = Vec::new();
        for _ in 0..9 {
            let t = Instant::now();
            run();
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!("{what} int32 10M: median {:.2} ms", times[times.len() / 2]);
    }
}
