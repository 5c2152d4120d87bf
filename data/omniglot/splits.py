"""Train / validation / test splits of Omniglot characters, and rotation augmentation.

Dimension letters: C characters, S drawers per character, H x W pixels, R rotations per character
(1, or 4 with augmentation), and N_s = (characters in split s) * R classes of split s.

Two ways to split the characters, both a fixed function of the seed:
- "random" (default; Vinyals et al. 2016, Finn et al. 2017, Snell et al. 2017): a random
  permutation of all characters, cut into 1,100 train / 100 validation / 423 test. On a data set
  with another number of characters (synthetic data) the same proportions are used.
- "alphabet" (Lake et al. 2015): background alphabets for training, evaluation alphabets for
  testing. Validation is carved out of the background set as whole alphabets (by default one in
  six, 5 of Omniglot's 30), so that, like the test set, it holds only alphabets never trained on.

Rotation augmentation (Santoro et al. 2016; Finn et al. 2017; Snell et al. 2017): each character
turned by 0, 90, 180 and 270 degrees counts as 4 distinct classes. It is applied AFTER splitting
and to every split, so all rotations of a character land in the same split: no rotated copy of a
test character is ever trained on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from .arrays import OmniglotArrays
from .official import NUM_CHARACTERS

log = logging.getLogger(__name__)

SPLIT_NAMES = ("train", "val", "test")
DEFAULT_SIZES = (1100, 100, 423)  # characters per split on Omniglot (sums to 1,623)
VAL_ALPHABET_SHARE = 1 / 6  # background alphabets held out for validation in the alphabet split
QUARTER_TURNS = (0, 1, 2, 3)  # rotations of the augmented protocol, in multiples of 90 degrees


@dataclass(frozen=True, eq=False)
class CharacterSplit:
    """Which characters belong to which split (before rotation augmentation).

    train, val, test: [C_s] int64 character indices (into `OmniglotArrays`), sorted, disjoint.
    kind: "random" or "alphabet". seed: the seed it was drawn with.
    """

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    kind: str
    seed: int

    def indices(self, name: str) -> np.ndarray:
        """[C_s] int64 character indices of split `name` ("train", "val" or "test")."""
        if name not in SPLIT_NAMES:
            raise ValueError(f"split name must be one of {SPLIT_NAMES}, got {name!r}.")
        return getattr(self, name)

    def counts(self) -> dict[str, int]:
        return {name: len(self.indices(name)) for name in SPLIT_NAMES}


def default_sizes(num_characters: int) -> tuple[int, int, int]:
    """(train, val, test) character counts: 1100/100/423 on Omniglot, the same shares otherwise."""
    if num_characters == NUM_CHARACTERS:
        return DEFAULT_SIZES
    val = max(1, round(num_characters * DEFAULT_SIZES[1] / NUM_CHARACTERS))
    test = max(1, round(num_characters * DEFAULT_SIZES[2] / NUM_CHARACTERS))
    return num_characters - val - test, val, test


def random_split(
    num_characters: int, sizes: tuple[int, int, int] | None = None, seed: int = 0
) -> CharacterSplit:
    """Random character split: a seeded permutation cut into (train, val, test) blocks.

    num_characters: C. sizes: characters per split, summing to C; default `default_sizes(C)`.
    """
    sizes = default_sizes(num_characters) if sizes is None else tuple(sizes)
    if len(sizes) != 3 or min(sizes) < 1 or sum(sizes) != num_characters:
        raise ValueError(
            f"sizes must be 3 positive counts (train, val, test) summing to the {num_characters} "
            f"characters, got {sizes}."
        )
    order = np.random.default_rng(seed).permutation(num_characters)  # [C]
    cuts = np.cumsum(sizes)[:-1]
    train, val, test = (np.sort(part).astype(np.int64) for part in np.split(order, cuts))
    return CharacterSplit(train=train, val=val, test=test, kind="random", seed=seed)


def alphabet_split(
    arrays: OmniglotArrays, num_val_alphabets: int | None = None, seed: int = 0
) -> CharacterSplit:
    """Alphabet split: train = background alphabets minus a validation carve-out, test = evaluation.

    num_val_alphabets: background alphabets (drawn with `seed`) that form the validation split;
        default a sixth of them, at least 1 (5 on Omniglot).
    """
    background_alphabets = np.unique(arrays.alphabet[arrays.background])
    evaluation_alphabets = np.unique(arrays.alphabet[~arrays.background])
    if len(evaluation_alphabets) == 0 or len(background_alphabets) < 2:
        raise ValueError(
            "the alphabet split needs at least 2 background alphabets and 1 evaluation alphabet, "
            f"got {len(background_alphabets)} and {len(evaluation_alphabets)}."
        )
    if num_val_alphabets is None:
        num_val_alphabets = max(1, round(len(background_alphabets) * VAL_ALPHABET_SHARE))
    if not 1 <= num_val_alphabets < len(background_alphabets):
        raise ValueError(
            f"num_val_alphabets must be in [1, {len(background_alphabets) - 1}] (there are "
            f"{len(background_alphabets)} background alphabets), got {num_val_alphabets}."
        )
    rng = np.random.default_rng(seed)
    val_alphabets = rng.choice(background_alphabets, size=num_val_alphabets, replace=False)
    in_val = np.isin(arrays.alphabet, val_alphabets)
    return CharacterSplit(
        train=np.flatnonzero(arrays.background & ~in_val).astype(np.int64),
        val=np.flatnonzero(in_val).astype(np.int64),
        test=np.flatnonzero(~arrays.background).astype(np.int64),
        kind="alphabet",
        seed=seed,
    )


@dataclass(frozen=True, eq=False)
class ClassSet:
    """The classes of one split, ready for episode sampling.

    name: "train", "val" or "test".
    images: [N_s, S, H, W] uint8 (255 = ink), the S drawings of each class.
    character: [N_s] int64, the character (index into `OmniglotArrays`) class k was made from.
    rotation: [N_s] int64, quarter turns counter-clockwise (0..3) applied to class k.
    Classes are character-major: a character's R rotations are consecutive classes.
    """

    name: str
    images: np.ndarray
    character: np.ndarray
    rotation: np.ndarray

    @property
    def num_classes(self) -> int:
        return len(self.images)

    def describe(self) -> str:
        rotations = len(np.unique(self.rotation))
        return (
            f"{self.name}: {self.num_classes} classes ({len(np.unique(self.character))} "
            f"characters x {rotations} rotation{'s' if rotations > 1 else ''})"
        )


def make_class_sets(
    arrays: OmniglotArrays, split: CharacterSplit, rotate: bool = False
) -> dict[str, ClassSet]:
    """The classes of each split; with `rotate`, every character gives 4 classes (0/90/180/270).

    Returns: {"train", "val", "test"} -> ClassSet with images [C_s * R, S, H, W] uint8.
    """
    turns = np.array(QUARTER_TURNS if rotate else (0,), dtype=np.int64)  # [R]
    sets = {}
    for name in SPLIT_NAMES:
        chars = split.indices(name)  # [C_s]
        if len(chars) and (chars.min() < 0 or chars.max() >= arrays.num_characters):
            raise ValueError(
                f"split {name} has character indices outside [0, {arrays.num_characters})."
            )
        base = arrays.images[chars]  # [C_s, S, H, W]
        # np.rot90 over the (H, W) axes turns counter-clockwise; stacking on axis 1 puts a
        # character's rotations next to each other.
        rotations = [np.rot90(base, k, axes=(-2, -1)) for k in turns]  # R x [C_s, S, H, W]
        rotated = np.stack(rotations, axis=1)  # [C_s, R, S, H, W]
        sets[name] = ClassSet(
            name=name,
            images=np.ascontiguousarray(rotated.reshape(-1, *base.shape[1:])),  # [C_s*R, S, H, W]
            character=np.repeat(chars, len(turns)),
            rotation=np.tile(turns, len(chars)),
        )
    return sets


def split_omniglot(
    arrays: OmniglotArrays,
    kind: str = "random",
    seed: int = 0,
    rotate: bool = False,
    sizes: tuple[int, int, int] | None = None,
    num_val_alphabets: int | None = None,
) -> dict[str, ClassSet]:
    """Splits characters (`random_split` or `alphabet_split`), then applies rotations; logs counts.

    kind: "random" (sizes apply) or "alphabet" (num_val_alphabets applies).
    rotate: 4 classes per character (the MAML / Prototypical Networks protocol).
    Returns: {"train", "val", "test"} -> ClassSet; see `ClassSet.describe()` for the counts.
    """
    if kind == "random":
        if num_val_alphabets is not None:
            raise ValueError("num_val_alphabets applies to kind='alphabet' only.")
        split = random_split(arrays.num_characters, sizes=sizes, seed=seed)
    elif kind == "alphabet":
        if sizes is not None:
            raise ValueError(
                "sizes applies to kind='random' only; the alphabet split is fixed by the alphabets."
            )
        split = alphabet_split(arrays, num_val_alphabets=num_val_alphabets, seed=seed)
    else:
        raise ValueError(f"kind must be 'random' or 'alphabet', got {kind!r}.")
    sets = make_class_sets(arrays, split, rotate=rotate)
    log.info(
        "Omniglot %s split (seed %d): %s",
        kind,
        seed,
        "; ".join(s.describe() for s in sets.values()),
    )
    return sets
