"""Class-weighted and focal loss for the HuggingFace `Trainer`, weights from fastbal.

The `Trainer` has no class-weight option. It takes a `compute_loss_func`
instead: `loss_func(outputs, labels, num_items_in_batch=None)`. This file
builds one from fastbal's class weights, either

- weighted cross entropy: `sum(w[y] * CE) / n`, or
- focal loss (Lin et al. 2017) with per-class alpha from the same weights:
  `sum(w[y] * (1 - p_y)**gamma * CE) / n`, gamma = 2 by default,

where `n` follows the Trainer's rule for gradient accumulation
(`fastbal.hf.weighted_loss`): the labeled items of the whole accumulated
batch while training, the batch's own items in evaluation.

Usage, after `parts = fastbal.hf.split(ds, "label", ...)`:

    weights = fastbal.hf.class_weights(parts["train"], "label", "sqrt", normalize="mean")
    trainer = Trainer(
        model=model,
        args=TrainingArguments(..., gradient_accumulation_steps=4),
        train_dataset=parts["train"],
        eval_dataset=parts["validation"],
        compute_loss_func=class_weighted_loss(weights, gamma=2.0),
    )

`python examples/hf_trainer_loss.py` trains a tiny model for a few steps on
generated data to show it running; it needs torch and transformers
(`pip install torch transformers`), which fastbal itself never imports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import fastbal.hf
import torch
import torch.nn.functional as F


def class_weighted_loss(
    weights: Sequence[float] | Any, gamma: float = 0.0, ignore_index: int = -100
) -> Callable[..., torch.Tensor]:
    """A `compute_loss_func` for `Trainer`: class-weighted cross entropy, or
    focal loss with per-class alpha = `weights` when `gamma` > 0."""
    w = torch.as_tensor(weights, dtype=torch.float32)

    def loss_func(outputs: Any, labels: torch.Tensor, num_items_in_batch: Any = None) -> Any:
        logits = outputs["logits"] if isinstance(outputs, dict) else outputs[0]
        logits = logits.float()  # the loss in float32 under mixed precision
        ce = F.cross_entropy(logits, labels, reduction="none", ignore_index=ignore_index)
        if gamma:
            p_true = torch.exp(-ce)  # probability of the true class; 1 for ignored items
            ce = (1.0 - p_true) ** gamma * ce
        return fastbal.hf.weighted_loss(
            ce, labels, w.to(logits.device), num_items_in_batch, ignore_index
        )

    return loss_func


class TinyClassifier(torch.nn.Module):
    """A bag-of-embeddings classifier shaped like a transformers model's head:
    `forward(input_ids, labels=None)` returns a dict with `logits`."""

    def __init__(self, vocab: int, n_classes: int, dim: int = 16):
        super().__init__()
        self.embed = torch.nn.EmbeddingBag(vocab, dim)
        self.head = torch.nn.Linear(dim, n_classes)

    def forward(self, input_ids: torch.Tensor, labels: torch.Tensor | None = None) -> Any:
        return {"logits": self.head(self.embed(input_ids))}


def main() -> None:
    import datasets
    import numpy as np
    from transformers import Trainer, TrainingArguments

    rng = np.random.default_rng(0)
    n_classes, vocab = 5, 50
    y = rng.choice(n_classes, size=600, p=[0.6, 0.25, 0.1, 0.04, 0.01])
    tokens = (rng.integers(0, vocab, size=(600, 8)) + y[:, None] * 3) % vocab
    ds = datasets.Dataset.from_dict(
        {"input_ids": tokens.tolist(), "labels": y.tolist()},
        features=datasets.Features(
            {
                "input_ids": datasets.Sequence(datasets.Value("int64")),
                "labels": datasets.ClassLabel(names=["a", "b", "c", "d", "e"]),
            }
        ),
    )
    parts, prepared = fastbal.hf.split(ds, "labels", seed=42, return_summary=True)
    print(prepared.log())
    weights = fastbal.hf.class_weights(parts["train"], "labels", "sqrt", normalize="mean")
    print("class weights (ClassLabel order):", np.round(weights, 3).tolist())
    for gamma in (0.0, 2.0):
        trainer = Trainer(
            model=TinyClassifier(vocab, n_classes),
            args=TrainingArguments(
                output_dir="/tmp/fastbal-trainer-example",
                per_device_train_batch_size=16,
                gradient_accumulation_steps=4,
                num_train_epochs=2,
                logging_steps=5,
                report_to=[],
                use_cpu=True,
                save_strategy="no",
            ),
            train_dataset=parts["train"].with_format("torch"),
            eval_dataset=parts["validation"].with_format("torch"),
            compute_loss_func=class_weighted_loss(weights, gamma=gamma),
        )
        trainer.train()
        print(f"gamma={gamma}: eval loss {trainer.evaluate()['eval_loss']:.4f}")


if __name__ == "__main__":
    main()
