"""Heatmaps of a run's sampler over training: start probability and failure rate per bin.

    python scripts/plot_sampler_history.py outputs/train/RUN [--out RUN/sampler_heatmap.png]

Reads ``RUN/sampler/history_*.npz`` (written by scripts/train.py) and draws one row per snapshot
(env steps on the y axis) and one column per 1 s bin.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from beyondmimic_adaptive.sampler import load_history


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
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    for ax, key, label in zip(
        axes, ("probabilities", "failure_rate"), ("start probability", "failure rate"), strict=True
    ):
        extent = (-0.5, history[key].shape[1] - 0.5, steps[0], steps[-1] if len(steps) > 1 else steps[0] + 1)
        image = ax.imshow(history[key], aspect="auto", origin="lower", interpolation="nearest", extent=extent)
        ax.set(xlabel="bin (1 s)", title=label)
        fig.colorbar(image, ax=ax)
    axes[0].set_ylabel("env step")
    fig.suptitle(str(args.run_dir))
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"wrote {out} ({len(steps)} snapshots x {history['probabilities'].shape[1]} bins)")


if __name__ == "__main__":
    main()
