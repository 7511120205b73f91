# mypy: ignore-errors
# (Warp kernel DSL: its annotations wp.array(dtype=...) and tile calls are checked by Warp at codegen, not mypy)
"""Warp kernels of the distribution metrics (``warp_metrics.py``): partial sums per chunk of bins, then one block.

The maths of ``metrics.distribution_metrics`` per element: p = (k' + m w) / (T' + m) from the fold's kernel masses,
frame shares, uniform mass and the CDF's last entry (or a given p), Σ p log p, Σ p², Σ r̄ over seen bins, the seen
count (float64 sums of the float32 terms), and the first bin of the largest p. Ties go to the smallest bin, as
``torch.max(dim=0)`` returns them: each thread keeps the first of its own maxima (its bins in increasing order), and a
block takes the smallest bin among the threads that hold the block's maximum.
"""

# Warp needs float(0.0): a variable that a loop or a branch reassigns must start as a dynamic value, not a literal
# constant (ruff's UP018 would rewrite it as a literal).
# ruff: noqa: UP018
from __future__ import annotations

import warp as wp

wp.set_module_options({"enable_backward": False})

METRICS_BLOCK = wp.constant(256)
"""Threads per block of both kernels on CUDA (the CPU runs a block as one thread)."""


@wp.func
def _first_of_max(top: float, top_bin: int, none: int):
    """The block's largest ``top`` and the smallest ``top_bin`` of the threads that hold it (``none`` if no thread
    saw a bin: then every ``top`` is -1)."""
    best = wp.tile_max(wp.tile(top))[0]
    candidate = none
    if top == best:
        candidate = top_bin
    return best, wp.tile_min(wp.tile(candidate))[0]


@wp.kernel
def metrics_partials_kernel(
    mass: wp.array(dtype=wp.float32),
    share: wp.array(dtype=wp.float32),
    uniform_mass: wp.array(dtype=wp.float32),
    cdf: wp.array(dtype=wp.float32),
    scaled: int,
    rate: wp.array(dtype=wp.float32),
    totals: wp.array2d(dtype=wp.float64),
    chunk_bins: int,
    sums: wp.array2d(dtype=wp.float64),
    tops: wp.array(dtype=wp.float32),
    top_bins: wp.array(dtype=wp.int32),
):
    """One block per chunk of ``chunk_bins`` bins: the chunk's four sums, its largest p and that p's first bin.

    ``scaled`` 1: p = (mass + share m) / cdf[-1] (the fold's unnormalised distribution, as
    ``AdaptiveSampler.probabilities`` computes it); 0: p = mass (a distribution given as it is)."""
    chunk, lane = wp.tid()
    num_bins = rate.shape[0]
    start = chunk * chunk_bins
    end = wp.min(start + chunk_bins, num_bins)
    m = float(0.0)
    total = float(1.0)
    if scaled != 0:
        m = uniform_mass[0]
        total = cdf[num_bins - 1]
    plogp = wp.float64(float(0.0))
    square = wp.float64(float(0.0))
    failures = wp.float64(float(0.0))
    seen = wp.float64(float(0.0))
    top = float(-1.0)
    top_bin = int(num_bins)
    for s in range(start + lane, end, wp.block_dim()):
        p = mass[s]
        if scaled != 0:
            p = (mass[s] + share[s] * m) / total
        # p log p is 0 at p = 0: 0 times the log of the clamped p
        plogp = plogp + wp.float64(p * wp.log(wp.max(p, 1.0e-30)))
        square = square + wp.float64(p) * wp.float64(p)
        if totals[s, 0] > wp.float64(0.0):
            failures = failures + wp.float64(rate[s])
            seen = seen + wp.float64(1.0)
        if p > top:
            top = p
            top_bin = s
    partial = wp.tile_sum(wp.tile(wp.vec4d(plogp, square, failures, seen), preserve_type=True))[0]
    best, first = _first_of_max(top, top_bin, num_bins)
    if lane == 0:
        for i in range(4):
            sums[chunk, i] = partial[i]
        tops[chunk] = best
        top_bins[chunk] = first


@wp.kernel
def metrics_finish_kernel(
    sums: wp.array2d(dtype=wp.float64),
    tops: wp.array(dtype=wp.float32),
    top_bins: wp.array(dtype=wp.int32),
    num_bins: int,
    out: wp.array(dtype=wp.float32),
):
    """One block over the chunks' partials: the metrics in ``metrics.METRIC_NAMES`` order into ``out``."""
    _, lane = wp.tid()
    acc = wp.vec4d()
    top = float(-1.0)
    top_bin = int(num_bins)
    for c in range(lane, tops.shape[0], wp.block_dim()):  # increasing chunks: the first chunk of a tie is kept
        acc = acc + wp.vec4d(sums[c, 0], sums[c, 1], sums[c, 2], sums[c, 3])
        if tops[c] > top:
            top = tops[c]
            top_bin = top_bins[c]
    total = wp.tile_sum(wp.tile(acc, preserve_type=True))[0]
    best, first = _first_of_max(top, top_bin, num_bins)
    if lane == 0:
        entropy = float(1.0)  # a single bin has no spread to measure: maximal entropy (uniform)
        if num_bins > 1:
            entropy = wp.float32(-total[0] / wp.log(wp.float64(num_bins)))
        out[0] = entropy
        out[1] = best
        out[2] = wp.float32(first)
        out[3] = wp.float32(wp.float64(1.0) / total[1])
        out[4] = best * wp.float32(num_bins)
        out[5] = wp.float32(total[2] / wp.max(total[3], wp.float64(1.0)))
        out[6] = wp.float32(total[3] / wp.float64(num_bins))
