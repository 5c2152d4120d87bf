"""A synthetic intent-classification task: short "sentences" whose class is told by keywords.

Dimension letters: N sentences, C classes.

Each class c owns `keywords_per_class` made-up words. A sentence of class c holds `signal` words
drawn from c's keywords, `distractors` keywords of one other class, and filler words, in random
order. The class is therefore readable from which keywords occur most often, a bag-of-words
property that mean pooling preserves, and that a tiny random BERT can learn in a few hundred
steps. Used by the tests (public and hidden) and by `python -m hw3.train --data synthetic`, so the
whole pipeline runs with no download. Every word is in the tiny vocabulary of `tiny.py`.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import torch

CONSONANTS = "bdfgklmnprstvz"
VOWELS = "aeiou"
FILLER = (
    "i my the a to is can you how do please what why card money account help need want it "
    "this that with for on in of was have been still not get".split()
)
MAX_CLASSES = 40
MAX_KEYWORDS_PER_CLASS = 4


def _made_up_words(n: int) -> list[str]:
    """n distinct pronounceable words like "bake", "dimo", deterministic (no randomness)."""
    syllables = [c + v for c in CONSONANTS for v in VOWELS]
    words = (a + b for a, b in itertools.product(syllables, syllables))
    chosen = [w for w in words if w not in FILLER]
    # Spread the choice over the syllable table so neighbouring classes do not share a prefix.
    step = len(chosen) // n
    return chosen[::step][:n]


KEYWORDS = tuple(_made_up_words(MAX_CLASSES * MAX_KEYWORDS_PER_CLASS))


@dataclass(frozen=True)
class SyntheticIntents:
    """texts: N strings. labels: [N] int64 in [0, C). n_classes: C."""

    texts: list[str]
    labels: torch.Tensor
    n_classes: int


def class_keywords(c: int, keywords_per_class: int = MAX_KEYWORDS_PER_CLASS) -> list[str]:
    start = c * MAX_KEYWORDS_PER_CLASS
    return list(KEYWORDS[start : start + keywords_per_class])


def make_intents(
    n_classes: int,
    per_class: int,
    seed: int,
    *,
    keywords_per_class: int = 3,
    signal: int = 2,
    distractors: int = 1,
    length: tuple[int, int] = (5, 10),
) -> SyntheticIntents:
    """`per_class` sentences of each of `n_classes` classes, shuffled, drawn with `seed`.

    length: (min, max) number of filler words. The keyword-to-class map does not depend on the seed,
    so two calls with different seeds give a train and a test set of the same task.
    """
    if not 2 <= n_classes <= MAX_CLASSES:
        raise ValueError(f"n_classes must lie in [2, {MAX_CLASSES}], got {n_classes}")
    if not 1 <= keywords_per_class <= MAX_KEYWORDS_PER_CLASS:
        raise ValueError(f"keywords_per_class must lie in [1, {MAX_KEYWORDS_PER_CLASS}], got {keywords_per_class}")
    if per_class < 1 or signal < 1 or distractors < 0 or distractors >= signal:
        raise ValueError("need per_class >= 1, signal >= 1 and 0 <= distractors < signal")
    rng = random.Random(seed)
    rows: list[tuple[str, int]] = []
    for c in range(n_classes):
        own = class_keywords(c, keywords_per_class)
        for _ in range(per_class):
            other = rng.choice([k for k in range(n_classes) if k != c])
            words = [rng.choice(own) for _ in range(signal)]
            words += [rng.choice(class_keywords(other, keywords_per_class)) for _ in range(distractors)]
            words += [rng.choice(FILLER) for _ in range(rng.randint(*length))]
            rng.shuffle(words)
            rows.append((" ".join(words), c))
    rng.shuffle(rows)
    return SyntheticIntents(
        texts=[t for t, _ in rows], labels=torch.tensor([c for _, c in rows], dtype=torch.int64), n_classes=n_classes
    )
