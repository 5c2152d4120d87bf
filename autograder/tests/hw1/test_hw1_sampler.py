"""Hidden tests of `hw1.submission.sampler.sample_episode`: properties of episodes, never the draws.

The grader builds splits whose every drawing encodes its class and drawing number
(`episode_data.coded_split`), has the worker sample many episodes from a seeded generator
(`probes:sample_episodes`), decodes them, and checks: shapes and dtypes; pixel values (x / 255,
strokes = 1); one-hot labels; support rows in class order; the query row a permutation whose labels
follow their images; no drawing twice in an episode; classes and query positions uniform (chi-square
tests at a fixed false-alarm rate, see CALIBRATION.md); only the given split used.

Dimension letters: E episodes, C classes, S drawings per class, N ways, K shots, D pixels.
"""

from __future__ import annotations

from typing import Any

import torch
from gradescope_utils.autograder_utils.decorators import number, weight

from autograder.engine.checks import expect_dtype, expect_shape, expect_true
from autograder.tests.hw1.episode_data import chi_square_pvalue, coded_split, decode

SIDE = 4  # H = W of the coded splits: D = 16, small enough to sample thousands of episodes
EPISODES = 300  # episodes of the property tests
UNIFORM_EPISODES = 3000  # episodes of each uniformity test
# False-alarm rate of each chi-square test: over 50 grading seeds the reference would fail one of
# the two tests with probability about 1%; every gross bias (fixed classes, an unshuffled query
# row, a favoured class) gives p-values far below it (CALIBRATION.md).
ALPHA = 1e-4


def _episodes(student: Any, split, N: int, K: int, count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Samples `count` episodes in the worker and checks the first one's shapes and dtypes."""
    D = split.shape[2] * split.shape[3]
    got = student.call("probes:sample_episodes", split, N, K, count, seed)
    first_images, first_labels = got["first"]
    expect_shape(first_images, (K + 1, N, D), f"images of sample_episode(split, N={N}, K={K})")
    expect_shape(first_labels, (K + 1, N, N), f"labels of sample_episode(split, N={N}, K={K})")
    expect_true(got["images"] is not None,
                "sample_episode must return tensors of the same shape on every call.")
    return got["images"], got["labels"]


def _distinct_rows(values: torch.Tensor) -> torch.Tensor:
    """[E] bool: the entries of each row of `values` [E, M] are pairwise different."""
    ordered = values.sort(dim=-1).values
    return (ordered[:, 1:] != ordered[:, :-1]).all(dim=-1)


def _all_distinct(values: torch.Tensor) -> bool:
    return bool(_distinct_rows(values).all())


@weight(1)
@number("1.1")
def test_shapes_and_dtypes(student, grading_seed):
    """sampler: shapes [K+1, N, D] and [K+1, N, N], dtype float32"""
    for N, K, side in ((3, 2, SIDE), (5, 1, 28)):
        split = coded_split(8, 6, side, grading_seed)
        got = student.call("probes:sample_episodes", split, N, K, 2, grading_seed)
        images, labels = got["first"]
        what = f"sample_episode(images [8, 6, {side}, {side}], N={N}, K={K})"
        expect_shape(images, (K + 1, N, side * side), f"episode images of {what}")
        expect_shape(labels, (K + 1, N, N), f"episode labels of {what}")
        expect_dtype(images, torch.float32, f"episode images of {what}")
        expect_dtype(labels, torch.float32, f"episode labels of {what}")


@weight(1)
@number("1.2")
def test_pixels_are_drawings_scaled_to_unit_range(student, grading_seed):
    """sampler: every image is a drawing of the split divided by 255 (strokes = 1, not inverted)"""
    split = coded_split(10, 6, SIDE, grading_seed)
    images, _ = _episodes(student, split, 3, 2, EPISODES, grading_seed)
    expect_true(images.min() >= 0.0 and images.max() <= 1.0,
                f"episode images must lie in [0, 1]; got values in [{float(images.min()):.3g}, "
                f"{float(images.max()):.3g}].")
    decoded = decode(images, split)
    expect_true(bool(decoded.matches.all()),
                f"{int((~decoded.matches).sum())} of {decoded.matches.numel()} episode images are not "
                "a drawing of the given split scaled by 1/255: the cache already stores strokes as "
                "255, so divide by 255 and do not invert, and flatten each H x W image row-major.")


@weight(2)
@number("1.3")
def test_support_rows_in_class_order(student, grading_seed):
    """sampler: one-hot labels; support row k holds class i at column i with label e_i"""
    split = coded_split(10, 6, SIDE, grading_seed)
    N, K = 4, 3
    images, labels = _episodes(student, split, N, K, EPISODES, grading_seed)
    onehot = ((labels == 0) | (labels == 1)).all() and bool((labels.sum(-1) == 1).all())
    expect_true(onehot, "every label must be one-hot: N values, one 1 and N-1 zeros.")
    eye = torch.eye(N).expand(K, N, N)
    expect_true(bool((labels[:, :K] == eye).all()),
                "support rows 0..K-1 must have label e_i at column i (class order, not shuffled).")
    classes = decode(images, split).classes  # [E, K+1, N]
    same_column = (classes[:, :K] == classes[:, :1]).all() and bool((classes[:, :K] >= 0).all())
    expect_true(same_column,
                "within an episode, the K support images of column i must all be drawings of the "
                "same class (episode class i).")
    support = classes[:, 0]  # [E, N]
    expect_true(_all_distinct(support), "the N columns of an episode must be N different classes.")


@weight(2)
@number("1.4")
def test_query_row_is_a_labelled_permutation(student, grading_seed):
    """sampler: query row: a permutation of the N classes, each image with its own label"""
    split = coded_split(10, 6, SIDE, grading_seed)
    N, K = 4, 2
    images, labels = _episodes(student, split, N, K, EPISODES, grading_seed)
    query = labels[:, K]  # [E, N, N]
    is_permutation = bool((query.sum(-1) == 1).all() and (query.sum(-2) == 1).all()
                          and ((query == 0) | (query == 1)).all())
    expect_true(is_permutation,
                "the query row's labels must be a permutation of the N one-hot labels: each class "
                "exactly once.")
    classes = decode(images, split).classes  # [E, K+1, N]
    column = query.argmax(-1)  # [E, N], episode class of each query position
    want = torch.gather(classes[:, 0], 1, column)  # class of that column in the support rows
    expect_true(bool((classes[:, K] == want).all() and (want >= 0).all()),
                "a query image must be a drawing of the class its label names (the class of that "
                "column in the support rows): shuffle images and labels with the same permutation.")


@weight(2)
@number("1.5")
def test_no_drawing_twice_in_an_episode(student, grading_seed):
    """sampler: no drawing appears twice in an episode (K+1 distinct drawings per class)"""
    for N, K, S in ((3, 2, 6), (2, 3, 4)):  # the second uses every drawing of a class
        split = coded_split(6, S, SIDE, grading_seed)
        images, _ = _episodes(student, split, N, K, EPISODES, grading_seed)
        decoded = decode(images, split)
        expect_true(bool(decoded.matches.all()), "episode images must be drawings of the split / 255.")
        key = (decoded.classes * S + decoded.drawers).flatten(1)  # [E, (K+1)*N]
        unique = _distinct_rows(key)
        expect_true(bool(unique.all()),
                    f"{int((~unique).sum())} of {len(unique)} episodes (N={N}, K={K}, {S} drawings "
                    "per class) contain the same drawing twice: draw the K+1 drawings of a class "
                    "together, without replacement.")


@weight(2)
@number("1.6")
def test_classes_drawn_uniformly(student, grading_seed):
    """sampler: classes and drawings drawn uniformly from the split (chi-square tests)"""
    C, S, N = 9, 5, 3
    split = coded_split(C, S, SIDE, grading_seed)
    images, _ = _episodes(student, split, N, 1, UNIFORM_EPISODES, grading_seed)
    decoded = decode(images, split)
    classes = decoded.classes[:, 0]  # [E, N]
    expect_true(bool((classes >= 0).all()), "episode images must be drawings of the split / 255.")
    counts = torch.bincount(classes.flatten(), minlength=C)  # [C]
    expected = torch.full((C,), UNIFORM_EPISODES * N / C)
    p = chi_square_pvalue(counts, expected, dof=C - 1)
    expect_true(p >= ALPHA,
                f"over {UNIFORM_EPISODES} episodes, the {C} classes of the split were not drawn "
                f"uniformly (chi-square p = {p:.2g}; counts per class {counts.tolist()}): draw N "
                "distinct classes uniformly from all C classes.")
    # Also the N classes of the episode column order: column i should not favour any class.
    by_column = torch.stack([torch.bincount(classes[:, i], minlength=C) for i in range(N)])  # [N, C]
    p_col = chi_square_pvalue(by_column, torch.full((N, C), UNIFORM_EPISODES / C), dof=N * (C - 1))
    expect_true(p_col >= ALPHA,
                f"column i of the episodes favours some classes (chi-square p = {p_col:.2g}): the "
                "N classes must be a uniformly random draw, in random order.")
    # Which drawing of a class lands in the support row and which in the query row: each row's
    # drawings are N independent uniform draws per episode (one per class), so each row's counts
    # over the S drawings get their own chi-square test.
    for row, name in ((0, "support"), (1, "query")):
        drawers = decoded.drawers[:, row]  # [E, N]
        expect_true(bool((drawers >= 0).all()), "episode images must be drawings of the split / 255.")
        counts = torch.bincount(drawers.flatten(), minlength=S)  # [S]
        p_draw = chi_square_pvalue(counts, torch.full((S,), UNIFORM_EPISODES * N / S), dof=S - 1)
        expect_true(p_draw >= ALPHA,
                    f"the {name} row's drawings are not uniform over a class's {S} drawings "
                    f"(chi-square p = {p_draw:.2g}; counts per drawing {counts.tolist()}): take the "
                    "K+1 drawings of each class as a uniformly random draw without replacement, "
                    "not the first K+1.")


@weight(2)
@number("1.7")
def test_query_positions_uniform(student, grading_seed):
    """sampler: the query row's order is uniformly random (chi-square test)"""
    N = 3
    split = coded_split(6, 5, SIDE, grading_seed)
    _, labels = _episodes(student, split, N, 1, UNIFORM_EPISODES, grading_seed)
    query = labels[:, 1]  # [E, N, N]: query[e, j] = one-hot episode class at query position j
    counts = query.sum(0)  # [N, N]: how often position j held episode class i
    expected = torch.full((N, N), UNIFORM_EPISODES / N)
    p = chi_square_pvalue(counts, expected, dof=N * (N - 1))
    expect_true(p >= ALPHA,
                f"over {UNIFORM_EPISODES} episodes, the query positions of the classes are not "
                f"uniformly shuffled (chi-square p = {p:.2g}): shuffle the query row with a uniform "
                "random permutation (torch.randperm), a new one per episode.")


@weight(1)
@number("1.8")
def test_only_the_given_split(student, grading_seed):
    """sampler: draws only from the split it is given, and can use all of it"""
    first_code = 100  # codes that no other test uses: the split looks like a test split
    N = 4
    split = coded_split(N, 5, SIDE, grading_seed, first_code=first_code)
    images, _ = _episodes(student, split, N, 1, 50, grading_seed)
    decoded = decode(images, split, first_code=first_code)
    expect_true(bool(decoded.matches.all()),
                "with a split of exactly N classes, every episode image must be a drawing of that "
                "split (sample from the `images` argument only).")
    classes = decoded.classes[:, 0].sort(-1).values  # [E, N]
    expect_true(bool((classes == torch.arange(N)).all()),
                "with a split of exactly N classes, every episode must use all N classes.")
