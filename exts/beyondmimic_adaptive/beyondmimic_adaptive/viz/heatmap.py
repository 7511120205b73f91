"""Heatmaps of a sampler over training: start probability and one per-bin statistic (rows: snapshots).

The statistic is the adaptive sampler's failure rate, or the public sampler's EMA failure count per env
step (``failed_count``: not a rate); its panel is labelled by :data:`STATISTIC_LABELS`.

One drawing routine for the offline plot (``scripts/plot_sampler_history.py``) and the live image
that ``scripts/train.py`` logs to TensorBoard / W&B every ``image_interval`` iterations.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: no display is needed (or wanted) for files and logged images
import numpy as np
from matplotlib.figure import Figure

PANELS = (("probabilities", "start probability"), ("failure_rate", "failure rate"))
"""(history key, panel title) of the two heatmaps of an adaptive sampler, left to right."""
STATISTIC_LABELS = {"failure_rate": "failure rate", "failed_count": "EMA failure count per env step"}
"""Panel title of each per-bin statistic a history holds (another name is shown as itself)."""


def statistic_label(statistic: str) -> str:
    """The panel title of a per-bin statistic (``failure_rate`` -> ``failure rate``)."""
    return STATISTIC_LABELS.get(statistic, statistic.replace("_", " "))


def draw_sampler_heatmap(
    steps: np.ndarray,
    probabilities: np.ndarray,
    values: np.ndarray,
    title: str = "",
    bin_size_s: float = 1.0,
    figsize: tuple[float, float] = (12, 4.5),
    dpi: int = 120,
    statistic: str = "failure_rate",
) -> Figure:
    """Two heatmaps, one row per snapshot (env steps up the y axis) and one column per bin.

    ``steps`` is (S,), ``probabilities`` and ``values`` (the per-bin ``statistic``: ``failure_rate`` or
    ``failed_count``) are (S, B), as :func:`load_history` returns them. The right panel is titled by
    :func:`statistic_label`. The figure is a plain :class:`matplotlib.figure.Figure` (no pyplot state): safe
    to draw inside training.
    """
    steps = np.asarray(steps)
    data = {"probabilities": np.asarray(probabilities), "values": np.asarray(values)}
    if data["probabilities"].ndim != 2 or data["probabilities"].shape != data["values"].shape:
        raise ValueError(
            f"probabilities {data['probabilities'].shape} and {statistic} {data['values'].shape} must both be"
            " (snapshots, bins)."
        )
    if len(steps) != data["probabilities"].shape[0]:
        raise ValueError(f"{len(steps)} env steps for {data['probabilities'].shape[0]} snapshots.")
    fig = Figure(figsize=figsize, dpi=dpi)
    axes = fig.subplots(1, 2, sharey=True)
    rows, bottom, top = rows_on_a_step_grid(steps)
    panels = (("probabilities", PANELS[0][1]), ("values", statistic_label(statistic)))
    for ax, (key, label) in zip(axes, panels, strict=True):
        extent = (-0.5, data[key].shape[1] - 0.5, bottom, top)
        image = ax.imshow(data[key][rows], aspect="auto", origin="lower", interpolation="nearest", extent=extent)
        ax.set(xlabel=f"bin ({bin_size_s:g} s)", title=label)
        fig.colorbar(image, ax=ax)
    axes[0].set_ylabel("env step")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def rows_on_a_step_grid(steps: np.ndarray, max_rows: int = 2048) -> tuple[np.ndarray, float, float]:
    """The snapshot shown on each row of an image with evenly spaced env steps: (row -> snapshot index, bottom, top).

    ``imshow`` spreads its rows evenly over the y range, but snapshots need not be evenly spaced (the live hook
    keeps every other old one; a resume may change the interval). Each snapshot holds from its step to the next
    one's (the last for the spacing before it), on a grid as fine as the closest two, at most ``max_rows`` rows.
    """
    steps = np.asarray(steps, dtype=np.float64)
    if len(steps) < 2 or not bool((np.diff(steps) > 0).all()):
        if len(steps) > 1:
            raise ValueError(f"env steps must increase, got {steps[:8].tolist()}{' ...' if len(steps) > 8 else ''}.")
        return np.zeros(len(steps), dtype=np.int64), float(steps[0]), float(steps[0]) + 1.0
    spacing = np.diff(steps)
    bottom, top = float(steps[0]), float(steps[-1] + spacing[-1])
    count = int(min(max_rows, np.ceil((top - bottom) / spacing.min())))
    centers = bottom + (np.arange(count) + 0.5) * (top - bottom) / count
    return np.searchsorted(steps, centers, side="right") - 1, bottom, top


def figure_to_rgb(fig: Figure) -> np.ndarray:
    """(H, W, 3) uint8 pixels of ``fig`` (rendered with the Agg canvas)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def render_sampler_heatmap(steps: np.ndarray, probabilities: np.ndarray, values: np.ndarray, **kwargs) -> np.ndarray:
    """:func:`draw_sampler_heatmap` as (H, W, 3) uint8 pixels (for TensorBoard's ``add_image`` / ``wandb.Image``)."""
    return figure_to_rgb(draw_sampler_heatmap(steps, probabilities, values, **kwargs))


def plot_run_history(run_dir: Path, out: Path | None = None) -> Path:
    """Draw a training run's ``sampler/history_*.npz`` into ``out`` (default: ``RUN/sampler_heatmap.png``).

    The right panel is the history's statistic (failure rate, or the public arm's EMA failure count).
    A run without history raises :class:`FileNotFoundError` naming the folder.
    """
    from ..sampler import load_history

    if not Path(run_dir).is_dir():
        raise FileNotFoundError(f"run folder {run_dir} does not exist; give a run folder of scripts/train.py.")
    history = load_history(run_dir / "sampler")
    out = out if out is not None else run_dir / "sampler_heatmap.png"
    statistic = history["statistic"]
    fig = draw_sampler_heatmap(
        history["env_step"], history["probabilities"], history[statistic], title=str(run_dir), statistic=statistic
    )
    fig.savefig(out, dpi=120)
    return out
