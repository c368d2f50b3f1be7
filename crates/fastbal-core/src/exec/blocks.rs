//! The parallel block driver every kernel uses: rows are cut into segments
//! (one parallel task each) and decoded a block at a time into raw ids.

use rayon::prelude::*;

use crate::column::ids::IdSource;

/// Rows decoded at once: small enough to stay in L1 beside the kernel's tables.
pub(crate) const BLOCK: usize = 2048;

/// Rows handed to one parallel task.
const SEGMENT: usize = 1 << 16;

/// A stretch of rows handed to one task.
#[derive(Clone, Copy, Debug)]
struct Segment {
    chunk: usize,
    start: usize,
    len: usize,
    /// Global position of the segment's first row.
    row: usize,
}

fn segments(lens: &[usize]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut row = 0;
    for (chunk, &len) in lens.iter().enumerate() {
        let mut start = 0;
        while start < len {
            let n = SEGMENT.min(len - start);
            out.push(Segment { chunk, start, len: n, row });
            start += n;
            row += n;
        }
    }
    out
}

/// Segments per contiguous group: one group per thread.
fn per_group(n_segments: usize) -> usize {
    let groups = rayon::current_num_threads().clamp(1, n_segments.max(1));
    n_segments.div_ceil(groups).max(1)
}

fn for_each_block(src: &dyn IdSource, seg: Segment, buf: &mut [u32], mut f: impl FnMut(usize, &[u32])) {
    let mut done = 0;
    while done < seg.len {
        let n = BLOCK.min(seg.len - done);
        let ids = &mut buf[..n];
        src.read(seg.chunk, seg.start + done, ids);
        f(seg.row + done, ids);
        done += n;
    }
}

/// Fold every block of raw ids into one accumulator per contiguous group of
/// rows (one group per thread), returned in row order.
///
/// `f(acc, row, ids)` receives the global position of the block's first row.
pub(crate) fn fold_groups<A, I, F>(src: &dyn IdSource, init: I, f: F) -> Vec<A>
where
    A: Send,
    I: Fn() -> A + Sync + Send,
    F: Fn(&mut A, usize, &[u32]) + Sync,
{
    let segs = segments(&src.chunk_lens());
    segs.par_chunks(per_group(segs.len()))
        .map(|group| {
            let mut acc = init();
            let mut buf = vec![0u32; BLOCK];
            for &seg in group {
                for_each_block(src, seg, &mut buf, |row, ids| f(&mut acc, row, ids));
            }
            acc
        })
        .collect()
}

/// [`fold_groups`], then merge the accumulators. Callers merge associatively
/// (counts, sums), which makes the result independent of the thread count.
pub(crate) fn fold_blocks<A, I, F, M>(src: &dyn IdSource, init: I, f: F, merge: M) -> A
where
    A: Send,
    I: Fn() -> A + Sync + Send,
    F: Fn(&mut A, usize, &[u32]) + Sync,
    M: Fn(A, A) -> A,
{
    fold_groups(src, &init, f).into_iter().reduce(merge).unwrap_or_else(init)
}

/// [`fold_groups`] over the values themselves: `f(acc, values)` receives up
/// to [`BLOCK`] consecutive values of one chunk at a time, for kernels that
/// read a fixed-width column directly instead of through raw ids.
pub(crate) fn fold_values<T, A, I, F>(chunks: &[&[T]], init: I, f: F) -> Vec<A>
where
    T: Sync,
    A: Send,
    I: Fn() -> A + Sync + Send,
    F: Fn(&mut A, &[T]) + Sync,
{
    let segs = segments(&chunks.iter().map(|c| c.len()).collect::<Vec<_>>());
    // a column larger than the caches comes from memory: each block's next
    // is requested before the block is worked on, so its read does not wait
    // (within the caches the hint only costs instructions)
    let ahead = chunks.iter().map(|c| std::mem::size_of_val(*c)).sum::<usize>() > crate::exec::cpu::last_level_cache();
    segs.par_chunks(per_group(segs.len()))
        .map(|group| {
            let mut acc = init();
            for seg in group {
                let stretch = &chunks[seg.chunk][seg.start..seg.start + seg.len];
                for (i, block) in stretch.chunks(BLOCK).enumerate() {
                    if ahead {
                        let next = (i + 1) * BLOCK;
                        crate::simd::prefetch(&stretch[next.min(stretch.len())..(next + BLOCK).min(stretch.len())]);
                    }
                    f(&mut acc, block);
                }
            }
            acc
        })
        .collect()
}

/// Visit every block in row order on the calling thread.
pub(crate) fn for_each_block_seq(src: &dyn IdSource, mut f: impl FnMut(usize, &[u32])) {
    let mut buf = vec![0u32; BLOCK];
    for seg in segments(&src.chunk_lens()) {
        for_each_block(src, seg, &mut buf, &mut f);
    }
}

/// Fill a per-row output in parallel: `f(row, ids, out)` writes `out[j]` for
/// the block's rows, where `out` is the matching stretch of `output`.
pub(crate) fn map_blocks<T, F>(src: &dyn IdSource, output: &mut [T], f: F)
where
    T: Send,
    F: Fn(usize, &[u32], &mut [T]) + Sync,
{
    map_fold_blocks(src, output, || (), |_, row, ids, out| f(row, ids, out), |(), ()| ());
}

/// [`map_blocks`] that also folds an accumulator per task, merged at the end
/// (`merge` must be associative and commutative: which rows a task gets
/// depends on the scheduling).
pub(crate) fn map_fold_blocks<T, A, I, F, M>(src: &dyn IdSource, output: &mut [T], init: I, f: F, merge: M) -> A
where
    T: Send,
    A: Send,
    I: Fn() -> A + Sync + Send,
    F: Fn(&mut A, usize, &[u32], &mut [T]) + Sync,
    M: Fn(A, A) -> A + Sync + Send,
{
    assert_eq!(output.len(), src.len(), "output length must match the column");
    let segs = segments(&src.chunk_lens());
    let mut pieces = Vec::with_capacity(segs.len());
    let mut rest = output;
    for seg in &segs {
        let (head, tail) = rest.split_at_mut(seg.len);
        pieces.push((*seg, head));
        rest = tail;
    }
    pieces
        .into_par_iter()
        .fold(
            || (init(), vec![0u32; BLOCK]),
            |(mut acc, mut buf), (seg, out)| {
                for_each_block(src, seg, &mut buf, |row, ids| {
                    let at = row - seg.row;
                    f(&mut acc, row, ids, &mut out[at..at + ids.len()]);
                });
                (acc, buf)
            },
        )
        .map(|(acc, _)| acc)
        .reduce(&init, &merge)
}

/// Look up a per-class table for every id of a block: `out[j] = table[ids[j]]`,
/// `missing` for [`crate::NULL`] (and any id past the table). The table is copied
/// with `missing` appended so the lookup is a clamped, branch-free index.
pub(crate) fn gather_by_id<T: Copy + Send + Sync>(src: &dyn IdSource, table: &[T], missing: T, out: &mut [T]) {
    let mut padded = Vec::with_capacity(table.len() + 1);
    padded.extend_from_slice(table);
    padded.push(missing);
    let last = table.len();
    map_blocks(src, out, |_, ids, out| {
        for (o, &id) in out.iter_mut().zip(ids) {
            *o = padded[(id as usize).min(last)];
        }
    });
}

/// `items` cut at `bounds` (ascending, the first 0 and the last at most its
/// length) into disjoint parts, one per parallel task.
pub(crate) fn cut_at<'a, T>(items: &'a mut [T], bounds: &[usize]) -> Vec<&'a mut [T]> {
    let mut parts = Vec::with_capacity(bounds.len().saturating_sub(1));
    let mut rest = items;
    for w in bounds.windows(2) {
        let (head, tail) = rest.split_at_mut(w[1] - w[0]);
        parts.push(head);
        rest = tail;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::column::ids::CodeIds;

    #[test]
    fn segments_cover_chunks_in_order() {
        let segs = segments(&[3, 0, SEGMENT + 5]);
        let rows: Vec<(usize, usize, usize, usize)> = segs.iter().map(|s| (s.chunk, s.start, s.len, s.row)).collect();
        assert_eq!(rows, [(0, 0, 3, 0), (2, 0, SEGMENT, 3), (2, SEGMENT, 5, SEGMENT + 3)]);
    }

    #[test]
    fn map_blocks_sees_global_rows() {
        let codes: Vec<u32> = (0..200_000u32).map(|i| i % 7).collect();
        let src = CodeIds { codes: &codes, n_ids: 7 };
        let mut out = vec![0u64; codes.len()];
        map_blocks(&src, &mut out, |row, ids, out| {
            for (j, &id) in ids.iter().enumerate() {
                out[j] = (row + j) as u64 * 10 + id as u64;
            }
        });
        assert!(out.iter().enumerate().all(|(i, &v)| v == i as u64 * 10 + (i % 7) as u64));
    }
}
