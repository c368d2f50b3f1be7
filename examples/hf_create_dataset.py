"""The `create_dataset` node of the account-code training pipeline, on fastbal.

Before (pandas, then datasets):

    df = df[df.acct_code.map(df.acct_code.value_counts()) >= 10]   # the remedy
    df = df[df.acct_code.isin(df.acct_code.value_counts().index[:280])]
    ds = Dataset.from_pandas(df).class_encode_column("acct_code")  # names sorted as
    a = ds.train_test_split(0.2, stratify_by_column="acct_code")   # strings: "10" < "2"
    b = a["train"].train_test_split(0.125, stratify_by_column="acct_code")

two stratified calls for three splits, each reading the label column row by
row; a one-row class makes them raise, and a filter written by hand logs
nothing.

After: one `Dataset.from_pandas`, then `fastbal.hf.split` runs the whole
`split:` block of the config (extraction, max_classes, min_count, the
split) on the Arrow label column and returns the `DatasetDict`, with a log
line per step. The labels stay the account codes (the model's ids), and
the class weights for the loss come from the train split, indexed by code.

Run: `python examples/hf_create_dataset.py` (needs `datasets`, not torch).
"""

from __future__ import annotations

import logging
from typing import Any

import datasets
import fastbal.hf
import numpy as np
import pandas as pd
from fastbal.datasets import seed_shaped, seed_shaped_texts

log = logging.getLogger(__name__)

#: conf/base/parameters/training.yml, `split:` block
PARAMS: dict[str, Any] = {
    "split": {
        "label_column": "acct_code",
        "seed": 42,
        "test_size": 0.2,
        "val_size": 0.1,
        "max_classes": 280,
        "min_samples_per_class": 10,
        "extract_ratio": 1,
        "stratify_extract": True,  # fastbal's extraction is always stratified
    }
}
#: account codes the model predicts (ids 0..N_LABELS-1)
N_LABELS = 224


def create_dataset(
    df: pd.DataFrame, params: dict[str, Any]
) -> tuple[datasets.DatasetDict, fastbal.PreparedSplit]:
    """pandas rows -> the train / validation / test `DatasetDict`, and what each step did."""
    p = params["split"]
    ds = datasets.Dataset.from_pandas(df, preserve_index=False)
    parts, prepared = fastbal.hf.split(
        ds,
        p["label_column"],
        test_size=p["test_size"],
        val_size=p["val_size"],
        seed=p["seed"],
        max_classes=p["max_classes"],
        min_count=p["min_samples_per_class"],
        extract_ratio=p["extract_ratio"],
        return_summary=True,
    )
    for line in prepared.log().splitlines():
        log.info(line)
    return parts, prepared


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    y = seed_shaped()
    df = pd.DataFrame({"text": seed_shaped_texts(y), "acct_code": y.astype(np.int64)})

    parts, prepared = create_dataset(df, PARAMS)
    print(parts)

    train = parts["train"]
    rep = fastbal.hf.report(train, "acct_code", "text")
    print(rep.to_markdown())

    print(f"classes per split: {prepared.split.summary.classes_per_split}")
    print(f"missing from train: {prepared.split.summary.missing_from_train}")

    weights = fastbal.hf.class_weights(
        train, "acct_code", "sqrt", normalize="mean", num_classes=N_LABELS
    )
    print(
        f"class weights (sqrt, mean 1 per row): {len(weights)} ids, "
        f"{int((weights == 0).sum())} filtered out (weight 0), "
        f"largest {weights.max():.2f} for code {int(weights.argmax())}"
    )
    print("loss: Trainer(..., compute_loss_func=class_weighted_loss(weights, gamma=2.0))")
    print("      (examples/hf_trainer_loss.py; needs torch and transformers)")


if __name__ == "__main__":
    main()
