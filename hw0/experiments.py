"""The experiment grid of the README: 3 sharing modes x 2 loss weightings, one command.

    python -m hw0.experiments                                   # real data, README protocol
    python -m hw0.experiments --synthetic --embed-dim 8 --lr 3e-3 --epochs 12 --out-dir runs/grid-synthetic

Takes every option of `python -m hw0.train` (sharing and loss weights are set by the grid). Writes
one run folder per cell under --out-dir, `summary.csv` (final test MRR and MSE of each cell) and
`curves.png` (learning curves of all cells, see hw0.plots).
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from tqdm import tqdm

from hw0.config import SHARING_MODES
from hw0.plots import plot_runs
from hw0.train import config_from_args, load_data, run

# (lambda_rank, lambda_rating): engagement-dominated, and balanced.
LOSS_WEIGHTS = ((0.99, 0.01), (0.5, 0.5))


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    base = config_from_args(argv).with_(progress=False)
    data = load_data(base)  # one load (and one split) shared by every cell
    cells = [(mode, w) for w in LOSS_WEIGHTS for mode in SHARING_MODES]
    rows, folders = [], []
    for mode, (w_rank, w_rating) in tqdm(cells, desc="grid"):
        config = base.with_(sharing=mode, weight_rank=w_rank, weight_rating=w_rating, name="")
        final = run(config, data)
        folders.append(Path(config.out_dir) / config.run_name)
        rows.append(
            {
                "sharing": mode,
                "weight_rank": w_rank,
                "weight_rating": w_rating,
                "test_mrr": round(final["test_mrr"], 4),
                "test_mse": round(final["test_mse"], 4),
                "seconds": final["seconds"],
            }
        )
        tqdm.write(f"{mode:>8} w=({w_rank}, {w_rating}): MRR {final['test_mrr']:.4f}  MSE {final['test_mse']:.4f}")
    out = Path(base.out_dir)
    with open(out / "summary.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    plot_runs(folders, out / "curves.png")
    tqdm.write(f"wrote {out / 'summary.csv'} and {out / 'curves.png'}")


if __name__ == "__main__":
    main()
