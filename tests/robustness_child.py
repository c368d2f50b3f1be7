"""Dangerous cases, run by tests/test_robustness.py in a child process under a
memory cap and a timeout: a crash or a hang there fails a test instead of
killing the test run.

Usage: python robustness_child.py KIND < cases.json. Prints one JSON line per
case, as soon as it is done: {"ok": summary} or {"error": class, "msg": text}.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
from collections.abc import Callable
from typing import Any

import fastbal
import numpy as np
import pyarrow as pa

MEMORY_CAP = int(os.environ.get("FASTBAL_TEST_MEMORY_CAP", 3 << 30))


def split(case: dict[str, Any]) -> Any:
    y = np.asarray(case["labels"], dtype=np.int64)
    s = fastbal.stratified_split(
        y, test_size=case["test"], val_size=case["val"], seed=case["seed"], rare=case["rare"]
    )
    return {
        "lens": [len(s.train), len(s.valid), len(s.test)],
        "sizes": [s.summary.sizes[k] for k in ("train", "valid", "test")],
        "assigned": int((s.assignment >= 0).sum()),
    }


def kfold(case: dict[str, Any]) -> Any:
    y = np.zeros(case["n"], dtype=np.int64) if case["zeros"] else np.arange(case["n"]) % 7
    kf = fastbal.stratified_kfold(y, k=case["k"], seed=case["seed"])
    sizes = np.bincount(kf.folds, minlength=kf.k)
    return {"min": int(sizes.min()), "max": int(sizes.max()), "total": int(sizes.sum())}


def resample(case: dict[str, Any]) -> Any:
    y = case["labels"]
    if case["how"] == "counts":
        r = fastbal.oversample(y, counts={"b": case["value"]}, seed=case["seed"])
    elif case["how"] == "ratio":
        r = fastbal.oversample(y, ratio=case["value"], seed=case["seed"])
    elif case["how"] == "resample":
        r = fastbal.resample(y, {"b": case["value"]})
    else:
        r = fastbal.undersample(y, max_count=case["value"], seed=case["seed"])
    return {"len": len(r.indices), "targets": r.targets}


def arrow(case: dict[str, Any]) -> Any:
    try:
        arr = build_arrow(case)
    except pa.ArrowInvalid:
        return "refused by pyarrow"  # (some first/last offsets are checked on construction)
    vc = fastbal.value_counts(arr)
    return {"counts": {str(k): int(v) for k, v in vc.to_dict().items()}}


def build_arrow(case: dict[str, Any]) -> Any:
    n = case["n"]
    if case["layout"] == "string":
        offsets = pa.py_buffer(np.asarray(case["offsets"], dtype=np.int32).tobytes())
        data = pa.py_buffer(bytes(case["data"]))
        arr = pa.Array.from_buffers(pa.string(), n, [None, offsets, data])
    elif case["layout"] == "view":
        # views of zero bytes: (length, inline zeros) or (length, prefix 0, buffer 0, offset)
        views = np.zeros((n, 4), dtype=np.int32)
        for i, (length, offset) in enumerate(case["views"]):
            views[i, 0] = length
            views[i, 3] = offset if length > 12 else 0
        data = pa.py_buffer(bytes(case["data_len"]))
        arr = pa.Array.from_buffers(
            pa.string_view(), n, [None, pa.py_buffer(views.tobytes()), data]
        )
    else:
        keys = pa.array(case["keys"], type=pa.int32())
        arr = pa.DictionaryArray.from_arrays(keys, pa.array(case["values"]), safe=False)
    return arr


def fork(case: dict[str, Any]) -> Any:
    """The parent uses the pool on a large input, then a forked child calls fastbal."""
    import multiprocessing

    big = np.arange(1 << 18) % 5
    expected = fastbal.value_counts(big).to_dict()
    if case["how"] == "os.fork":
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            got = fastbal.value_counts(big).to_dict() == expected
            kf = fastbal.stratified_kfold(big, k=3)
            os.write(w, json.dumps([got, len(kf.folds)]).encode())
            os._exit(0)
        os.close(w)
        with os.fdopen(r) as f:
            out = json.loads(f.read())
        os.waitpid(pid, 0)
        return out
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        got = pool.map(_counts_in_worker, [1 << 18] * 4)
    return [g == {str(k): v for k, v in expected.items()} for g in got]


def _counts_in_worker(n: int) -> dict[str, int]:
    return {str(k): v for k, v in fastbal.value_counts(np.arange(n) % 5).to_dict().items()}


def mutate(case: dict[str, Any]) -> Any:
    """Another thread writes the labels while kernels read them (interpreter released)."""
    rng = np.random.default_rng(case["seed"])
    y = (rng.integers(0, 50, size=case["n"]) ** 2).astype(case["dtype"])
    stop = threading.Event()

    # the writer swaps whole contents: one within the counted range, one far outside it
    calm = y.copy()
    info = np.iinfo(y.dtype)
    wild = rng.choice(np.array([info.min, info.max, 0, 3], dtype=y.dtype), size=len(y))

    def writer() -> None:
        while not stop.is_set():
            np.copyto(y, wild)
            np.copyto(y, calm)

    calls: list[tuple[str, Callable[[], Any]]] = [
        ("split", lambda: fastbal.stratified_split(y, test_size=0.2, val_size=0.1)),
        ("kfold", lambda: fastbal.stratified_kfold(y, k=5)),
        ("oversample", lambda: fastbal.oversample(y, ratio=0.01)),
        ("sample", lambda: fastbal.stratified_sample(y, fraction=0.3)),
        ("value_counts", lambda: fastbal.value_counts(y)),
        ("Labels", lambda: fastbal.Labels(y)),
        ("weights", lambda: fastbal.sample_weights(y)),
    ]
    outcome: dict[str, list[str]] = {}
    t = threading.Thread(target=writer)
    t.start()
    try:
        for _ in range(case["rounds"]):
            for name, call in calls:
                try:
                    r = call()
                    if name == "split":
                        lens = [len(r.train), len(r.valid), len(r.test)]
                        sizes = [r.summary.sizes[k] for k in ("train", "valid", "test")]
                        label = "consistent" if lens == sizes else f"inconsistent {lens} {sizes}"
                    elif name == "kfold":
                        # a class counted mid-write can have fewer rows than
                        # folds: its rows are then in every training part
                        f = r.folds
                        placed = ((f >= 0) & (f < 5)) | (f == fastbal.ALWAYS_TRAIN)
                        label = "consistent" if placed.all() else "inconsistent"
                    else:
                        label = "ok"
                except fastbal.FastbalError as e:
                    label = f"{type(e).__name__}: {e}"
                outcome.setdefault(name, []).append(label)
    finally:
        stop.set()
        t.join()
    return {k: sorted(set(v)) for k, v in outcome.items()}


KINDS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "split": split,
    "kfold": kfold,
    "resample": resample,
    "arrow": arrow,
    "fork": fork,
    "mutate": mutate,
}


def main() -> None:
    # Only when run as the child process: pytest imports this module too (doctests).
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    run = KINDS[sys.argv[1]]
    for case in json.loads(sys.stdin.read()):
        try:
            line: dict[str, Any] = {"ok": run(case)}
        except (ValueError, TypeError) as e:
            line = {"error": type(e).__name__, "msg": str(e)}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
