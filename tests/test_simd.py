"""The vector kernels change no result: every operation gives the same
output, bit for bit, with FASTBAL_SIMD=off (the plain loops every other CPU
runs) as with the vector level this machine has."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import fastbal
import pytest

# Outputs of every operation whose kernels have a vector path, on columns
# large enough to run in parallel, as one digest per operation.
DIGESTS = textwrap.dedent(
    """
    import hashlib, json
    import numpy as np
    import pyarrow as pa
    import fastbal

    rng = np.random.default_rng(7)
    n = 300_001
    ints = rng.zipf(1.3, n) % 500
    nulls = rng.random(n) < 0.01
    y = pa.array(ints, mask=nulls)
    strings = pa.array([f"c{v}" for v in ints[:60_000]])
    ids = rng.permutation(n).astype(np.int64) * 7 + 3
    wide = pa.array(rng.integers(-(2**40), 2**40, n))
    groups = pa.array(rng.integers(0, 20_000, n))

    def digest(*arrays):
        h = hashlib.sha256()
        for a in arrays:
            h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()

    out = {}
    vc = fastbal.value_counts(y)
    out["value_counts"] = digest(np.asarray(vc.counts))
    out["value_counts_wide"] = digest(np.asarray(fastbal.value_counts(wide).counts))
    for seed in (0, 42):
        s = fastbal.stratified_split(y, test_size=0.2, val_size=0.1, seed=seed)
        out[f"split_{seed}"] = digest(s.assignment, s.train, s.valid, s.test)
        s = fastbal.stratified_split(y, test_size=0.2, val_size=0.1, seed=seed, ids=ids)
        out[f"split_ids_{seed}"] = digest(s.assignment)
        out[f"kfold_{seed}"] = digest(fastbal.stratified_kfold(y, k=5, seed=seed).folds)
        kfold = fastbal.stratified_kfold(y, k=7, seed=seed, ids=ids)
        out[f"kfold_ids_{seed}"] = digest(kfold.folds)
        for fraction in (0.01, 0.1, 0.3):
            sample = fastbal.stratified_sample(y, fraction=fraction, seed=seed)
            out[f"sample_{seed}_{fraction}"] = digest(sample)
        out[f"under_{seed}"] = digest(fastbal.undersample(y, max_count=300, seed=seed)[0])
        out[f"over_{seed}"] = digest(fastbal.oversample(y, ratio=0.3, seed=seed)[0])
        out[f"strings_{seed}"] = digest(fastbal.stratified_split(strings, seed=seed).assignment)
        g = fastbal.stratified_group_split(y, groups, test_size=0.2, val_size=0.1, seed=seed)
        out[f"group_{seed}"] = digest(g.assignment)
    out["min_count"] = digest(fastbal.filter_min_count(y, 50))
    out["top_k"] = digest(fastbal.top_k_mask(y, 20))
    print(json.dumps({"simd": fastbal._fastbal.simd_level(), "digests": out}))
    """
)


def run(env_simd: str | None) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "FASTBAL_SIMD"}
    if env_simd is not None:
        env["FASTBAL_SIMD"] = env_simd
    done = subprocess.run(
        [sys.executable, "-c", DIGESTS], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_the_plain_loops_give_the_vector_kernels_results_bit_for_bit() -> None:
    vector = run(None)
    plain = run("off")
    assert plain["simd"] == "off"
    assert vector["simd"] == fastbal._fastbal.simd_detected()
    assert plain["digests"] == vector["digests"]
    assert len(vector["digests"]) == 26  # type: ignore[arg-type]


@pytest.mark.skipif(
    fastbal._fastbal.simd_detected() != "avx512", reason="the CPU has no AVX-512 to step down from"
)
def test_avx2_gives_the_same_results() -> None:
    assert run("avx2") == {**run(None), "simd": "avx2"}


def test_show_versions_names_the_level_in_use() -> None:
    code = "import fastbal; fastbal.show_versions()"
    env = {**os.environ, "FASTBAL_SIMD": "off"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    lines = dict(line.split(":", 1) for line in out.stdout.splitlines())
    assert lines["simd"].strip().split()[0] == "off"
    assert lines["fastbal"].strip().startswith(fastbal.__version__)
    assert int(lines["threads"]) >= 1
    assert lines["numpy"].strip() != "not installed"


def test_an_unknown_setting_warns_and_keeps_the_cpus_level() -> None:
    code = "import fastbal; print(fastbal._fastbal.simd_level())"
    env = {**os.environ, "FASTBAL_SIMD": "sse9"}
    out = subprocess.run(
        [sys.executable, "-W", "always", "-c", code], env=env, capture_output=True, text=True
    )
    assert 'FASTBAL_SIMD="sse9" is not one of auto, avx512, avx2, off' in out.stderr
    assert out.stdout.strip() == fastbal._fastbal.simd_detected()
