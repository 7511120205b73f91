"""The distribution metrics as two Warp kernels, for samplers that fold with Warp (``warp_step``).

``metrics.distribution_metrics`` computes the logged metrics with about twenty torch ops (the probabilities, the
seen mask, the summands, a stacked sum, a max with its index, the ratios); at 100k bins on an H200 its two reductions
alone took about 37 µs per call, and grew with the bins. :class:`WarpMetrics` reads the fold's own tensors in one
grid kernel (partial sums and maxima per chunk of bins) and finishes in a kernel of one block: two launches, the
same metrics (float64 sums: within float32 rounding of the torch path's), no host sync; 12–14 µs of GPU time per
call at 10k and at 100k bins, and the sampler's step 1.2–5.9 µs cheaper (docs/benchmarks.md §1.14).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from .metrics import METRIC_NAMES

if TYPE_CHECKING:
    from .warp_fold import WarpFold

__all__ = ["CHUNK_BINS", "WarpMetrics"]

CHUNK_BINS = 2048
"""Bins per block of the partials kernel (8 per thread on CUDA): 49 blocks at 100k bins."""


class WarpMetrics:
    """``AdaptiveSampler.metrics`` for a sampler with a :class:`~.warp_fold.WarpFold`, over the fold's tensors.

    Args:
        fold: the sampler's Warp fold (its arrays, device and launches on torch's current stream).
        chunk_bins: bins per block of the partials kernel (default :data:`CHUNK_BINS`).
    """

    def __init__(self, fold: WarpFold, chunk_bins: int = CHUNK_BINS):
        from . import warp_metrics_kernels

        self.fold = fold
        self.kernels = warp_metrics_kernels
        sampler = fold.sampler
        self.num_bins = sampler.num_bins
        self.chunk_bins = chunk_bins
        num_chunks = (self.num_bins + chunk_bins - 1) // chunk_bins
        device = sampler.device
        self._sums = torch.zeros(num_chunks, 4, dtype=torch.float64, device=device)
        self._tops = torch.zeros(num_chunks, device=device)
        self._top_bins = torch.zeros(num_chunks, dtype=torch.int32, device=device)
        a = fold.arrays
        self._partials = [fold.array(self._sums), fold.array(self._tops), fold.array(self._top_bins)]
        self._adaptive = [a["kernel_mass"], fold.array(sampler._frame_share), a["uniform_mass"], a["adaptive_cdf"]]
        self._statistics = [a["rate"], a["totals"]]

    def __call__(self, probabilities: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The metrics of the fold's distribution (None) or of ``probabilities`` (a (B,) float32 tensor on the
        sampler's device: the warm-up's or a manual one), with the sampler's rates and seen bins, as 0-d tensors
        (views of a new (7,) tensor, so a later call does not change them)."""
        fold = self.fold
        if probabilities is None:
            source = [*self._adaptive, 1]
        else:
            given = fold.array(probabilities.contiguous())
            source = [given, given, self._adaptive[2], self._adaptive[3], 0]
        out = torch.empty(len(METRIC_NAMES), device=self._tops.device)
        block = int(self.kernels.METRICS_BLOCK) if fold.device.type == "cuda" else 1
        inputs = [*source, *self._statistics, self.chunk_bins, *self._partials]
        fold.launch(self.kernels.metrics_partials_kernel, self._tops.shape[0], inputs, tiled_block=block)
        inputs = [*self._partials, self.num_bins, fold.array(out)]
        fold.launch(self.kernels.metrics_finish_kernel, 1, inputs, tiled_block=block)
        return dict(zip(METRIC_NAMES, out.unbind(), strict=True))
