"""Plots of the learning ablation's results.jsonl rows (one row per arm and evaluated checkpoint)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def rows_by_arm(results: list[dict]) -> dict[str, list[dict]]:
    arms: dict[str, list[dict]] = {}
    for row in results:
        arms.setdefault(row["arm"], []).append(row)
    return {arm: sorted(rows, key=lambda r: r["iterations"]) for arm, rows in sorted(arms.items())}


def plot_completion_curves(results: list[dict], path: Path, done_at: float) -> None:
    """Mean per-bin completion, full-clip completion and the median furthest frame (both from frame 0,
    as a share of the clip; rows without it are skipped) over PPO iterations."""
    fig, (mean_ax, full_ax, far_ax) = plt.subplots(1, 3, figsize=(15, 4), sharex=True)
    for arm, rows in rows_by_arm(results).items():
        iterations = [r["iterations"] for r in rows]
        mean_ax.plot(iterations, [r["mean_completion"] for r in rows], marker="o", label=arm)
        full_ax.plot(iterations, [min(r["full_clip_completion"]) for r in rows], marker="o", label=arm)
        far = [
            (r["iterations"], min(np.divide(r["median_furthest_frame"], r["num_frames"])))
            for r in rows
            if "num_frames" in r
        ]
        if far:
            far_ax.plot(*zip(*far, strict=True), marker="o", label=arm)
    mean_ax.set(xlabel="PPO iterations", ylabel="mean completion over start bins", ylim=(0, 1.05))
    full_ax.axhline(done_at, color="grey", linestyle=":", label=f"counted as completed ({done_at:g})")
    full_ax.set(xlabel="PPO iterations", ylabel="whole clip completed from frame 0", ylim=(0, 1.05))
    far_ax.set(xlabel="PPO iterations", ylabel="median furthest frame from frame 0 / clip", ylim=(0, 1.05))
    for ax in (mean_ax, full_ax, far_ax):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_completion_heatmaps(results: list[dict], path: Path) -> None:
    """Per arm: completion from each start bin (x) at each evaluated checkpoint (y)."""
    arms = rows_by_arm(results)
    if not arms:
        return
    fig, axes = plt.subplots(len(arms), 1, figsize=(11, 2.2 + 1.6 * len(arms)), squeeze=False)
    for ax, (arm, rows) in zip(axes[:, 0], arms.items(), strict=True):
        grid = np.array([r["completion_per_bin"] for r in rows])
        image = ax.imshow(grid, aspect="auto", origin="lower", vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
        ax.set_yticks(range(len(rows)), [str(r["iterations"]) for r in rows])
        ax.set(title=f"{arm}: completion from each start bin", xlabel="start bin", ylabel="iteration")
        fig.colorbar(image, ax=ax, fraction=0.03)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_latest_per_bin(results: list[dict], path: Path) -> None:
    """Per arm, at its latest evaluated checkpoint: completion from each start bin (where does it fail?)."""
    arms = rows_by_arm(results)
    if not arms:
        return
    fig, ax = plt.subplots(figsize=(11, 3.5))
    for arm, rows in arms.items():
        last = rows[-1]
        ax.step(
            range(len(last["completion_per_bin"])),
            last["completion_per_bin"],
            where="mid",
            label=f"{arm} @ {last['iterations']}",
        )
    ax.set(xlabel="start bin", ylabel="completion to the clip's end", ylim=(0, 1.05))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_reach(labelled: dict[str, dict], path: Path, bin_size_s: float = 1.0) -> None:
    """Where the median start of each bin ends: start bin + its median seconds played (rows or eval
    reports with ``median_seconds_played_per_bin``), against the start bin. A flat step is a choke point
    (the starts of many bins end in the same bin); the diagonal is the fall within a bin of the start."""
    labelled = {label: r for label, r in labelled.items() if "median_seconds_played_per_bin" in r}
    if not labelled:
        return
    fig, ax = plt.subplots(figsize=(11, 4.5))
    for label, report in labelled.items():
        played = np.asarray(report["median_seconds_played_per_bin"]) / bin_size_s
        ax.step(np.arange(len(played)), np.arange(len(played)) + played, where="post", label=label)
    ax.plot([0, len(played)], [0, len(played)], color="grey", linestyle=":", label="falls where it starts")
    ax.set(xlabel=f"start bin ({bin_size_s:g} s)", ylabel="bin where the median start ends")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def reach_grid(rows: list[dict], bin_size_s: float = 1.0) -> tuple[list[int], np.ndarray]:
    """The iterations of the rows with survival times, and per row (checkpoint) and start bin the bin
    where that bin's median start ends (start bin + median seconds played / bin size)."""
    kept = [r for r in rows if "median_seconds_played_per_bin" in r]
    if not kept:
        return [], np.zeros((0, 0))
    played = np.array([r["median_seconds_played_per_bin"] for r in kept], dtype=float) / bin_size_s
    return [r["iterations"] for r in kept], np.arange(played.shape[1]) + played


def plot_reach_heatmaps(results: list[dict], path: Path, bin_size_s: float = 1.0) -> None:
    """Per arm: where each start bin's median start ends (colour) at each evaluated checkpoint (rows), so a
    choke point is a band of one colour and passing it shows as the band changing colour between rows."""
    grids = {arm: reach_grid(rows, bin_size_s) for arm, rows in rows_by_arm(results).items()}
    grids = {arm: grid for arm, grid in grids.items() if grid[0]}
    if not grids:
        return
    num_bins = max(grid.shape[1] for _, grid in grids.values())
    fig, axes = plt.subplots(len(grids), 1, figsize=(11, 1.6 + 1.5 * len(grids)), squeeze=False)
    for ax, (arm, (iterations, grid)) in zip(axes[:, 0], grids.items(), strict=True):
        image = ax.imshow(
            grid, aspect="auto", origin="lower", vmin=0, vmax=num_bins, cmap="turbo", interpolation="nearest"
        )
        ax.set_yticks(range(len(iterations)), [str(it) for it in iterations])
        ax.set(
            title=f"{arm}: bin where each start bin's median start ends",
            xlabel=f"start bin ({bin_size_s:g} s)",
            ylabel="iteration",
        )
        fig.colorbar(image, ax=ax, fraction=0.03)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
