"""Hidden tests of `hw1.submission.model.MANN.forward`: the black-box meta-learner's forward pass.

The grader initialises the reference model from the grading seed, sends its weights and a batch of
episodes to the worker (`probes:model_forward`), and compares: the logits with the reference's
(deterministic math: 1e-5); the logits when the query labels are changed (no leakage: they must
not move at all); the input tensors after the call (never written in place).

Dimension letters: B episodes, N ways, K shots, D = 784 pixels, Hd hidden units.
"""

from __future__ import annotations

import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.engine.checks import expect_close, expect_true
from autograder.solutions.hw1.attention import AttentionMetaLearner
from autograder.solutions.hw1.model import IMAGE_DIM, MANN

B, HIDDEN = 4, 24  # episodes per batch, hidden units of the test models
FORWARD_ATOL = 1e-5  # same weights, same inputs: only float32 summation order differs
LEAK_ATOL = 1e-6  # query labels must have no effect at all


def _episodes(N: int, K: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random episodes: images [B, K+1, N, D] in [0, 1], labels [B, K+1, N, N] as the sampler gives."""
    images = (torch.rand(B, K + 1, N, IMAGE_DIM, generator=generator) < 0.2).float()
    eye = torch.eye(N)
    labels = eye.expand(B, K + 1, N, N).clone()
    for b in range(B):
        labels[b, K] = eye[torch.randperm(N, generator=generator)]
    return images, labels


def _reference(N: int, seed: int) -> MANN:
    torch.manual_seed(seed)
    return MANN(N, HIDDEN)


@weight(3)
@number("2.1")
def test_forward_matches_reference(student, grading_seed):
    """model: logits equal the reference's with the same weights (two N, K)"""
    for N, K in ((3, 2), (2, 1)):
        g = torch.Generator().manual_seed(grading_seed + N)
        reference = _reference(N, grading_seed + 17 * N)
        images, labels = _episodes(N, K, g)
        got = student.call("probes:model_forward", N, HIDDEN, reference.state_dict(), images, labels)
        with torch.no_grad():
            want = reference(images, labels)
        expect_close(got["logits"], want, atol=FORWARD_ATOL,
                     what=f"MANN(N={N}).forward logits [B, K+1, N, N] with K={K}")


@weight(2)
@number("2.2")
def test_query_labels_do_not_leak(student, grading_seed):
    """model: changing the query row's labels changes no output, in eval or train mode"""
    N, K = 3, 1
    g = torch.Generator().manual_seed(grading_seed)
    reference = _reference(N, grading_seed)
    images, labels = _episodes(N, K, g)
    other = labels.clone()
    other[:, K] = torch.rand(B, N, N, generator=g)  # anything at all in the query row
    state = reference.state_dict()
    # In train mode too: a forward that hides the labels only when evaluating trains on the answers.
    for training in (False, True):
        mode = "train" if training else "eval"
        first = student.call("probes:model_forward", N, HIDDEN, state, images, labels, training=training)["logits"]
        second = student.call("probes:model_forward", N, HIDDEN, state, images, other, training=training)["logits"]
        expect_true(isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor),
                    "MANN.forward must return a tensor.")
        expect_true(first.shape == second.shape,
                    "MANN.forward must return logits of the same shape for inputs of the same shape.")
        diff = float((first - second).abs().max())
        expect_true(diff <= LEAK_ATOL,
                    f"in {mode} mode, changing only the query row's labels changed the logits (by up to "
                    f"{diff:.3g}): the query labels leak into the model; replace the whole query row "
                    "of labels by zeros, whatever the mode.")


@weight(2)
@number("2.3")
def test_inputs_unchanged(student, grading_seed):
    """model: forward leaves the caller's images and labels unchanged (zeroes a copy)"""
    N, K = 3, 2
    g = torch.Generator().manual_seed(grading_seed)
    reference = _reference(N, grading_seed)
    images, labels = _episodes(N, K, g)
    got = student.call("probes:model_forward", N, HIDDEN, reference.state_dict(), images, labels)
    expect_true(torch.equal(got["labels_after"], labels),
                "MANN.forward changed the caller's labels tensor: zero the query row of a COPY "
                "(the training loop scores the loss with the original labels).")
    expect_true(torch.equal(got["images_after"], images), "MANN.forward changed the caller's images tensor.")


@weight(2)
@number("5.1")
@tags("extra credit")
def test_attention_forward_matches_reference(student, grading_seed):
    """extra credit: attention model's logits equal the reference's and ignore the query labels"""
    N, K, width = 3, 2, 16
    g = torch.Generator().manual_seed(grading_seed)
    torch.manual_seed(grading_seed)
    reference = AttentionMetaLearner(N, width=width).eval()
    images, labels = _episodes(N, K, g)
    state = reference.state_dict()
    got = student.call("probes:model_forward", N, width, state, images, labels, "attention")
    with torch.no_grad():
        want = reference(images, labels)
    expect_close(got["logits"], want, atol=FORWARD_ATOL, what="AttentionMetaLearner.forward logits")
    other = labels.clone()
    other[:, K] = torch.rand(B, N, N, generator=g)
    moved = student.call("probes:model_forward", N, width, state, images, other, "attention")["logits"]
    diff = float((moved - got["logits"]).abs().max())
    expect_true(diff <= LEAK_ATOL,
                f"changing only the query labels changed the attention model's logits (by up to "
                f"{diff:.3g}): hide the query row's labels.")
    expect_true(torch.equal(got["labels_after"], labels),
                "AttentionMetaLearner.forward changed the caller's labels: zero a copy.")
