"""Per-bin sampler data in the training log: histograms every iteration, a heatmap image (and a W&B
table) every ``image_interval`` iterations, through the stock rsl-rl runner's own writer.

rsl-rl's ``OnPolicyRunner`` creates its writer (TensorBoard's ``SummaryWriter``, or its
``WandbLogWriter``, which is a ``SummaryWriter`` that also calls ``wandb.log``) inside ``learn``, and
calls ``runner.logger.log(it=...)`` once per iteration. :func:`attach_log_hooks` wraps that one
bound method so the hooks run right after it with the live writer: no runner subclass.

The scalars (entropy, top-1 probability, mean failure rate, ...) already reach the log through the
curriculum term's ``Curriculum/<name>/*`` extras; here go the per-bin vectors, which are not scalars:

- TensorBoard: ``Sampler/<name>/start_probability`` and ``.../failure_rate`` as histograms over the
  bin index (bucket ``b`` holds bin ``b``'s value, so the histogram *is* the per-bin curve), and the
  heatmap image ``Sampler/<name>/heatmap``;
- W&B additionally: the same two as ``wandb.Histogram`` (up to 512 bins, W&B's limit), the heatmap as
  ``wandb.Image`` and a ``wandb.Table`` of bin, motion, start time, probability, failure rate, episodes.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .heatmap import render_sampler_heatmap

WANDB_MAX_HISTOGRAM_BINS = 512
"""``wandb.Histogram`` refuses more bins than this; larger samplers are logged as tables only."""

LogHook = Callable[[Any, int], None]
"""A hook: ``hook(writer, iteration)``, called after rsl-rl logged the iteration."""


def attach_log_hooks(runner: Any, hooks: Sequence[LogHook]) -> None:
    """Run ``hooks`` after each ``runner.logger.log`` call that has a writer (rank 0 of a run with a log dir)."""
    logger = runner.logger
    original = logger.log

    def log(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        if logger.writer is not None:
            iteration = kwargs["it"] if "it" in kwargs else args[0]
            for hook in hooks:
                hook(logger.writer, iteration)

    logger.log = log


def is_wandb_writer(writer: Any) -> bool:
    """Whether ``writer`` is rsl-rl's W&B writer (then ``wandb.log`` reaches the W&B run)."""
    from rsl_rl.utils.wandb_log_writer import WandbLogWriter

    return isinstance(writer, WandbLogWriter)


class SamplerLogHook:
    """Logs one adaptive curriculum term's sampler (see the module docstring) and times itself.

    Args:
        term: the :class:`~beyondmimic_adaptive.terms.AdaptiveSamplingCurriculum` (``.sampler``, ``.env_step``).
        name: its curriculum entry name (the tag prefix, as in ``Curriculum/<name>/``).
        image_interval: iterations between two heatmap images (and W&B tables); 0 draws none.
        max_rows: snapshots kept for the heatmap; older rows are thinned out by halves beyond it.
    """

    def __init__(self, term: Any, name: str, image_interval: int, max_rows: int = 256):
        if image_interval < 0:
            raise ValueError(f"image_interval={image_interval} must be >= 0 (0: no heatmap images).")
        self.term = term
        self.name = name
        self.image_interval = image_interval
        self.max_rows = max_rows
        self.steps: list[int] = []
        self.probabilities: list[np.ndarray] = []
        self.failure_rates: list[np.ndarray] = []
        self.image_seconds: list[float] = []
        """Wall time of each heatmap image (draw + write), for the cost report."""
        self.hook_seconds: list[float] = []
        """Wall time of each call without its image: the host copy, the snapshot and the histograms."""
        self._warned_bins = False

    def __call__(self, writer: Any, iteration: int) -> None:
        start = time.perf_counter()
        sampler = self.term.sampler
        # one host copy of three (B,) vectors per iteration (rsl-rl's own logging syncs several times anyway)
        probabilities = sampler.probabilities.detach().float().cpu().numpy()
        failure_rate = sampler.failure_rate.detach().float().cpu().numpy()
        self._snapshot(int(self.term.env_step), probabilities, failure_rate)
        wandb_on = is_wandb_writer(writer)
        tag = f"Sampler/{self.name}"
        for key, values in (("start_probability", probabilities), ("failure_rate", failure_rate)):
            add_bin_histogram(writer, f"{tag}/{key}", values, iteration)
        if wandb_on:
            self._log_wandb_histograms(tag, probabilities, failure_rate, iteration)
        image_seconds = 0.0
        if self.image_interval and iteration % self.image_interval == 0:
            image_start = time.perf_counter()
            image = render_sampler_heatmap(
                np.array(self.steps),
                np.stack(self.probabilities),
                np.stack(self.failure_rates),
                title=f"{self.name}: iteration {iteration}",
                bin_size_s=float(sampler.layout.bin_size_s),
                figsize=(10, 3.6),
                dpi=80,
            )
            writer.add_image(f"{tag}/heatmap", image, iteration, dataformats="HWC")
            if wandb_on:
                self._log_wandb_image_and_table(tag, image, probabilities, failure_rate, iteration)
            image_seconds = time.perf_counter() - image_start
            self.image_seconds.append(image_seconds)
        self.hook_seconds.append(time.perf_counter() - start - image_seconds)

    def _snapshot(self, step: int, probabilities: np.ndarray, failure_rate: np.ndarray) -> None:
        self.steps.append(step)
        self.probabilities.append(probabilities)
        self.failure_rates.append(failure_rate)
        if len(self.steps) > 2 * self.max_rows:  # keep every other old row: bounded memory and drawing time
            # every other row, the newest always kept
            start = 0 if len(self.steps) % 2 else 1
            self.steps, self.probabilities, self.failure_rates = (
                self.steps[start::2],
                self.probabilities[start::2],
                self.failure_rates[start::2],
            )

    def _log_wandb_histograms(self, tag: str, probabilities: np.ndarray, failure_rate: np.ndarray, it: int) -> None:
        import wandb

        num_bins = probabilities.shape[0]
        if num_bins > WANDB_MAX_HISTOGRAM_BINS:
            if not self._warned_bins:
                warnings.warn(
                    f"{num_bins} sampler bins exceed wandb.Histogram's {WANDB_MAX_HISTOGRAM_BINS}: the per-bin data"
                    f" go to W&B as the '{tag}/bins' table only (every image_interval iterations).",
                    stacklevel=2,
                )
                self._warned_bins = True
            return
        edges = np.arange(num_bins + 1, dtype=np.float64) - 0.5
        wandb.log(
            {
                f"{tag}/start_probability": wandb.Histogram(np_histogram=(probabilities, edges)),
                f"{tag}/failure_rate": wandb.Histogram(np_histogram=(failure_rate, edges)),
            },
            step=it,
        )

    def _log_wandb_image_and_table(
        self, tag: str, image: np.ndarray, probabilities: np.ndarray, failure_rate: np.ndarray, it: int
    ) -> None:
        import wandb

        table = self.bin_table(probabilities, failure_rate)
        wandb.log({f"{tag}/heatmap": wandb.Image(image), f"{tag}/bins": table}, step=it)

    def bin_table(self, probabilities: np.ndarray, failure_rate: np.ndarray):
        """A ``wandb.Table``: one row per bin (bin, motion, start_s, probability, failure_rate, episodes)."""
        import wandb

        layout = self.term.sampler.layout
        motion = layout.bin_motion.cpu().numpy()
        start_s = layout.bin_start.cpu().numpy() / layout.fps
        episodes = self.term.sampler.episode_counts.cpu().numpy()
        columns: list[str | int] = ["bin", "motion", "start_s", "probability", "failure_rate", "episodes"]
        rows = [
            [b, int(motion[b]), float(start_s[b]), float(probabilities[b]), float(failure_rate[b]), int(episodes[b])]
            for b in range(probabilities.shape[0])
        ]
        return wandb.Table(columns=columns, data=rows)


def add_bin_histogram(writer: Any, tag: str, values: np.ndarray, iteration: int) -> None:
    """TensorBoard histogram whose bucket ``b`` (the bin index, width 1) holds ``values[b]``."""
    index = np.arange(values.shape[0], dtype=np.float64)
    weights = values.astype(np.float64)
    writer.add_histogram_raw(
        tag,
        min=0.0,
        max=float(values.shape[0] - 1),
        num=float(weights.sum()),
        sum=float((index * weights).sum()),
        sum_squares=float((index**2 * weights).sum()),
        bucket_limits=(index + 0.5).tolist(),
        bucket_counts=weights.tolist(),
        global_step=iteration,
    )
