//! Quick timing of the counting kernel on seed-shaped int32 labels:
//! `cargo run --release -p fastbal-core --example count_speed`.
use std::time::Instant;

use fastbal_core::{histogram, Chunk, Column, Ints, Prepared};

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
    for _ in 0..3 {
        let mut times = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            let p = Prepared::new(&column).unwrap();
            let c = histogram(p.ids());
            std::hint::black_box(c);
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!("value_counts int32 10M: median {:.2} ms", times[times.len() / 2]);
    }
}
