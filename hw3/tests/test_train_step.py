"""Public tests of train_step.py: gradient accumulation steps the optimizer every n micro-batches."""

from __future__ import annotations

import torch

from hw3.submission.train_step import training_step
from hw3.tiny import BagOfWordsClassifier


class CountingSGD(torch.optim.SGD):
    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.steps = 0

    def step(self, closure=None):
        self.steps += 1
        return super().step(closure)


def test_accumulation_steps_every_n_micro_batches():
    model = BagOfWordsClassifier(vocab_size=20, n_classes=3)
    optimizer = CountingSGD(model.parameters(), lr=0.1)
    ids = torch.randint(1, 20, (4, 5))
    mask = torch.ones(4, 5, dtype=torch.int64)
    labels = torch.tensor([0, 1, 2, 0])
    seen = []
    for i in range(7):
        loss = training_step(model, optimizer, ids, mask, labels, micro_step=i, accum_steps=3)
        assert isinstance(loss, float)
        seen.append(optimizer.steps)
    assert seen == [0, 0, 1, 1, 1, 2, 2], f"optimizer steps after each micro-step: {seen}"
