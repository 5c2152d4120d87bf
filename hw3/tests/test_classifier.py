"""Public tests of classifier.py: mask-aware mean pooling and the classifier's shapes."""

from __future__ import annotations

import torch

from hw3.submission.classifier import TextClassifier, mean_pool


def test_mean_pool_ignores_padding():
    hidden = torch.randn(2, 4, 3)
    mask = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]])
    got = mean_pool(hidden, mask)
    torch.testing.assert_close(got[0], hidden[0, :2].mean(0))
    torch.testing.assert_close(got[1], hidden[1].mean(0))
    hidden[0, 2:] = 100.0  # padded positions: their values must not matter
    torch.testing.assert_close(mean_pool(hidden, mask)[0], got[0])


def test_classifier_shapes_and_padding_invariance(encoder, tokenizer):
    model = TextClassifier(encoder, 3, head="cosine").eval()
    short, long = "my card", "i still have not been able to get my card and i want my money"
    alone = tokenizer([short])
    batch = tokenizer([short, long])
    with torch.no_grad():
        logits = model(batch.input_ids, batch.attention_mask)
        e_alone = model.embed(alone.input_ids, alone.attention_mask)[0]
        e_padded = model.embed(batch.input_ids, batch.attention_mask)[0]
    assert logits.shape == (2, 3)
    torch.testing.assert_close(e_padded, e_alone, atol=1e-5, rtol=0)
