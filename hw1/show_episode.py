"""Look at episodes from your sampler: `python -m hw1.show_episode [options]` writes PNG grids.

Each PNG tiles one episode: row k holds sample k of every class (rows 0..K-1 the support set, the
last row the shuffled query set), column n is episode class n. The query row's tiles are
ordered as your sampler returns them, so the printed labels tell which class each query image is.

The PNGs show strokes DARK on white by default, because drawings are easier to read that way: the
display inverts, your tensors must not. `--as-stored` draws them as your sampler returns them
(strokes = 1 bright, background = 0 black). Either way the tool prints the pixel statistics of
your episodes, which tell whether your sampler inverted the images (background must be 0).

    python -m hw1.show_episode --num-classes 5 --num-shots 2 --count 3 --out runs/hw1/episodes
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import torch

from data.omniglot import save_episode_grid
from hw1.episodes import load_class_sets
from hw1.submission.sampler import sample_episode

log = logging.getLogger(__name__)

# Omniglot drawings are thin strokes: well under half of a drawing's pixels are ink. Episodes whose
# mean pixel is above this are almost surely inverted (background = 1).
INVERTED_MEAN = 0.5


def describe_pixels(episode: torch.Tensor) -> str:
    """One line on an episode's pixels: [K+1, N, D] float32, strokes = 1 expected on background 0."""
    mean = float(episode.float().mean())
    zeros = float((episode == 0).float().mean())
    verdict = ("strokes = 1 on background = 0, as required" if mean < INVERTED_MEAN else
               "looks INVERTED: the background should be 0 and the strokes 1 (divide by 255, do not invert)")
    return f"pixels in [{float(episode.min()):.2f}, {float(episode.max()):.2f}], mean {mean:.3f}, {zeros:.0%} zeros: {verdict}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m hw1.show_episode", description=__doc__.splitlines()[0])
    parser.add_argument("--num-classes", type=int, default=5, help="N, classes per episode")
    parser.add_argument("--num-shots", type=int, default=1, help="K, support drawings per class")
    parser.add_argument("--count", type=int, default=2, help="episodes to draw")
    parser.add_argument("--split", default="train", choices=("train", "val", "test"), help="split to draw from")
    parser.add_argument("--data", default="auto", help="Omniglot source: auto | official | synthetic")
    parser.add_argument("--seed", type=int, default=0, help="seed of the episode generator")
    parser.add_argument("--out", default="runs/hw1/episodes", help="folder of the PNGs")
    parser.add_argument("--as-stored", action="store_true",
                        help="draw strokes bright on black, as the tensors hold them (default: dark on white, "
                             "inverted for display only)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    images = load_class_sets(args.data)[args.split].images  # [C, S, 28, 28] uint8
    generator = torch.Generator().manual_seed(args.seed)
    if args.as_stored:
        print("PNG display: as stored (strokes bright on black)")
    else:
        print("PNG display: strokes dark on white, inverted FOR DISPLAY ONLY; your tensors must hold "
              "strokes = 1 on background = 0 (see the pixel line; --as-stored shows them unchanged)")
    for i in range(args.count):
        episode, labels = sample_episode(images, args.num_classes, args.num_shots, generator)
        path = save_episode_grid(episode.numpy(), Path(args.out) / f"episode_{i}.png", scale=3,
                                 strokes_dark=not args.as_stored)
        query_classes = labels[-1].argmax(-1).tolist()
        print(f"{path}: query row classes (left to right) {query_classes}")
        print(f"  {describe_pixels(episode)}")


if __name__ == "__main__":
    main()
