"""Heatmaps of a run's sampler over training: start probability and failure rate (public arm: EMA failure count).

    python scripts/plot_sampler_history.py outputs/train/RUN [--out RUN/sampler_heatmap.png]

Reads ``RUN/sampler/history_*.npz`` (written by scripts/train.py) and draws one row per snapshot
(env steps on the y axis) and one column per 1 s bin (beyondmimic_adaptive.viz.plot_run_history).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from beyondmimic_adaptive.cli_types import output_file
from beyondmimic_adaptive.viz import plot_run_history


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument(
        "--out", type=output_file("sampler_heatmap.png"), help="PNG path (default: RUN/sampler_heatmap.png)"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        out = plot_run_history(args.run_dir, args.out)
    except FileNotFoundError as err:
        raise SystemExit(f"plot_sampler_history.py: {err}") from None
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
