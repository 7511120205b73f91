"""Pictures of training: sampler heatmaps (files and live TensorBoard/W&B images), training-log hooks
and the stick-figure video renderer of ``scripts/play.py``. Needs matplotlib; no Isaac Lab import here."""

from .heatmap import draw_sampler_heatmap, figure_to_rgb, plot_run_history, render_sampler_heatmap

__all__ = ["draw_sampler_heatmap", "figure_to_rgb", "plot_run_history", "render_sampler_heatmap"]
