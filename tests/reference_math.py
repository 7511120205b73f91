"""Independent float64 implementation of the paper's equations, written from the formulas."""

from __future__ import annotations

import math


def bins_per_motion(num_frames: list[int], frames_per_bin: float) -> list[int]:
    return [math.floor((t - 1) / frames_per_bin + 1e-9) + 1 for t in num_frames]


def reference_probabilities(
    rates: list[float], bins_per_motion_: list[int], gamma: float, k: int, lam: float
) -> list[float]:
    """p_s ∝ Σ_{u<K} γ^u r_{s+u} within the motion; uniform if (numerically) zero; p' = λ/B + (1-λ) p."""
    total_bins = sum(bins_per_motion_)
    kernel = []
    start = 0
    for count in bins_per_motion_:
        for s in range(start, start + count):
            kernel.append(sum(gamma**u * rates[s + u] for u in range(k) if s + u < start + count))
        start += count
    norm = sum(kernel)
    p = [v / norm for v in kernel] if norm > 1e-12 else [1.0 / total_bins] * total_bins
    return [lam / total_bins + (1.0 - lam) * v for v in p]
