"""Scalar summaries of a start distribution, computed on the device (no host sync)."""

from __future__ import annotations

import math

import torch

METRIC_NAMES = (
    "entropy_normalized",
    "top1_prob",
    "top1_bin",
    "effective_bins",
    "prob_max_over_uniform",
    "mean_failure_rate",
    "seen_fraction",
)
"""The keys of :func:`distribution_metrics`, in its order (the Warp kernels' output order too)."""


def distribution_metrics(
    probabilities: torch.Tensor, failure_rate: torch.Tensor, seen: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Entropy, concentration and failure summaries as 0-d tensors.

    - ``entropy_normalized``: H(p) / log B, 1 for uniform, towards 0 as sampling concentrates;
    - ``top1_prob`` / ``top1_bin``: the most likely bin (the first of ties) and its probability;
    - ``effective_bins``: 1 / Σ p², the number of equally likely bins with the same concentration;
    - ``prob_max_over_uniform``: top-1 probability times B;
    - ``mean_failure_rate``: mean smoothed failure rate over the bins seen so far;
    - ``seen_fraction``: fraction of bins that have received at least one episode.
    """
    num_bins = probabilities.numel()
    sums = stacked_sums if probabilities.is_cuda else dot_sums
    plogp_sum, square_sum, failure_sum, seen_count = sums(probabilities, failure_rate, seen.to(failure_rate.dtype))
    # a single bin has no spread to measure; call it maximal entropy (uniform)
    entropy_normalized = -plogp_sum / math.log(num_bins) if num_bins > 1 else torch.ones_like(plogp_sum)
    top1_prob, top1_bin = probabilities.max(dim=0)
    values = (
        entropy_normalized,
        top1_prob,
        top1_bin.to(torch.float32),
        1.0 / square_sum,
        top1_prob * num_bins,
        failure_sum / seen_count.clamp_min(1.0),
        seen_count / num_bins,
    )
    return dict(zip(METRIC_NAMES, values, strict=True))


def stacked_sums(
    probabilities: torch.Tensor, failure_rate: torch.Tensor, seen: torch.Tensor
) -> tuple[torch.Tensor, ...]:
    """Σ p log p, Σ p², Σ rate over seen bins and the seen count, as one reduction over a (4, B) stack: the GPU's
    choice (five reductions took most of the metrics' GPU time at 100k bins, docs/benchmarks.md §1.12)."""
    # p log p is 0 at p = 0: 0 times the log of the clamped p
    plogp = probabilities * probabilities.clamp_min(1e-30).log()
    return torch.stack((plogp, probabilities.square(), failure_rate * seen, seen)).sum(dim=1).unbind()


def dot_sums(probabilities: torch.Tensor, failure_rate: torch.Tensor, seen: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """:func:`stacked_sums` as three dot products and a sum: the CPU's choice (no (4, B) copy, no products written
    out; 1.4-3.8x faster than the stack at 100k bins and 2.9x at 1M on one thread, docs/benchmarks.md §1.13)."""
    log_p = probabilities.clamp_min(1e-30).log()
    square_sum = torch.dot(probabilities, probabilities)
    return torch.dot(probabilities, log_p), square_sum, torch.dot(failure_rate, seen), seen.sum()
