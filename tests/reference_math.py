"""Independent float64 implementation of the paper's equations, written from the formulas."""

from __future__ import annotations

import math


def bin_lengths(num_frames: list[int], frames_per_bin: float) -> list[list[int]]:
    """Frames per bin of each motion, by counting every frame t into bin floor(t / frames_per_bin)."""
    lengths = []
    for total in num_frames:
        counts: dict[int, int] = {}
        for t in range(total):
            b = math.floor(t / frames_per_bin + 1e-9)
            counts[b] = counts.get(b, 0) + 1
        lengths.append([counts[b] for b in range(len(counts))])
    return lengths


def reference_probabilities(
    rates: list[float], lengths: list[list[int]], gamma: float, k: int, lam: float
) -> list[float]:
    """p_s ∝ Σ_{u<K} γ^u r_{s+u} within the motion; frame-uniform (w_s = n_s / N) if (numerically)
    zero; p' = λ w_s + (1-λ) p_s."""
    frames = [n for motion in lengths for n in motion]
    uniform = [n / sum(frames) for n in frames]
    kernel = []
    start = 0
    for motion in lengths:
        count = len(motion)
        for s in range(start, start + count):
            kernel.append(sum(gamma**u * rates[s + u] for u in range(k) if s + u < start + count))
        start += count
    norm = sum(kernel)
    p = [v / norm for v in kernel] if norm > 1e-12 else uniform
    return [lam * w + (1.0 - lam) * v for w, v in zip(uniform, p, strict=True)]


def reference_capped(p: list[float], cap: list[float]) -> list[float]:
    """Water-filling by repetition: clip every bin above its cap to the cap and scale the others up
    until they sum to 1, until nothing exceeds its cap."""
    capped: set[int] = set()
    while True:
        free = sum(v for s, v in enumerate(p) if s not in capped)
        t = (1.0 - sum(cap[s] for s in capped)) / free
        over = {s for s, v in enumerate(p) if s not in capped and t * v > cap[s]}
        if not over:
            return [cap[s] if s in capped else t * v for s, v in enumerate(p)]
        capped |= over


def reference_batch_rate(failures: float, episodes: float, prior: float = 0.0, prior_mean: float = 0.0) -> float:
    """One update's rate of a bin with a Beta-style prior: (F + a μ) / (N + a)."""
    return (failures + prior * prior_mean) / (episodes + prior)


def reference_hazard_fold(
    smoothed: list[list[float]],
    rates: list[float],
    failures: list[float],
    exposure: list[float],
    lengths: list[int],
    alpha: float,
    prior: float = 0.0,
    prior_mean: float = 0.0,
) -> None:
    """One hazard update in place: EMA of the failure and exposure counts on bins that got either,
    h = (F̄ + a μ) / (Ē + a n_s), rate = 1 - exp(-h n_s) on bins with exposure."""
    for s, (f, e, n) in enumerate(zip(failures, exposure, lengths, strict=True)):
        if f > 0 or e > 0:
            smoothed[s][0] += alpha * (f - smoothed[s][0])
            smoothed[s][1] += alpha * (e - smoothed[s][1])
        if smoothed[s][1] > 0:
            h = (smoothed[s][0] + prior * prior_mean) / (smoothed[s][1] + prior * n)
            rates[s] = 1.0 - math.exp(-h * n)
