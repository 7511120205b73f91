"""Heatmaps of a run's sampler over training: start probability and failure rate per bin.

    python scripts/plot_sampler_history.py outputs/train/RUN [--out RUN/sampler_heatmap.png]

Reads ``RUN/sampler/history_*.npz`` (written by scripts/train.py) and draws one row per snapshot
(env steps on the y axis) and one column per 1 s bin.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from beyondmimic_adaptive.sampler import load_history
from beyondmimic_adaptive.viz import draw_sampler_heatmap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--out", type=Path, help="PNG path (default: RUN/sampler_heatmap.png)")
    args = parser.parse_args()
    try:
        history = load_history(args.run_dir / "sampler")
    except FileNotFoundError as err:
        raise SystemExit(f"plot_sampler_history.py: {err}") from None
    out = args.out or args.run_dir / "sampler_heatmap.png"
    steps = history["env_step"]
    fig = draw_sampler_heatmap(steps, history["probabilities"], history["failure_rate"], title=str(args.run_dir))
    fig.savefig(out, dpi=120)
    print(f"wrote {out} ({len(steps)} snapshots x {history['probabilities'].shape[1]} bins)")


if __name__ == "__main__":
    main()
