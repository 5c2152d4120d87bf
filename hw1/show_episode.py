"""Look at episodes from your sampler: `python -m hw1.show_episode [options]` writes PNG grids.

Each PNG tiles one episode: row k holds sample k of every class (rows 0..K-1 the support set, the
last row the shuffled query set), column n is episode class n. The query row's tiles are
ordered as your sampler returns them, so the printed labels tell which class each query image is.

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m hw1.show_episode", description=__doc__.splitlines()[0])
    parser.add_argument("--num-classes", type=int, default=5, help="N, classes per episode")
    parser.add_argument("--num-shots", type=int, default=1, help="K, support drawings per class")
    parser.add_argument("--count", type=int, default=2, help="episodes to draw")
    parser.add_argument("--split", default="train", choices=("train", "val", "test"), help="split to draw from")
    parser.add_argument("--data", default="auto", help="Omniglot source: auto | official | synthetic")
    parser.add_argument("--seed", type=int, default=0, help="seed of the episode generator")
    parser.add_argument("--out", default="runs/hw1/episodes", help="folder of the PNGs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    images = load_class_sets(args.data)[args.split].images  # [C, S, 28, 28] uint8
    generator = torch.Generator().manual_seed(args.seed)
    for i in range(args.count):
        episode, labels = sample_episode(images, args.num_classes, args.num_shots, generator)
        path = save_episode_grid(episode.numpy(), Path(args.out) / f"episode_{i}.png", scale=3)
        query_classes = labels[-1].argmax(-1).tolist()
        print(f"{path}: query row classes (left to right) {query_classes}")


if __name__ == "__main__":
    main()
