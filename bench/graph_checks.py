"""The CUDA-graph per-env path checked against eager (used by sampler_cost.py on CUDA): identical
statistics from the same episodes, and draws that follow the distribution (total variation vs noise)."""

from __future__ import annotations

import math

import torch

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import PerEnvSampling


def graph_matches_eager(
    device: torch.device, updates: int = 50, num_envs: int = 512, compile: bool = False
) -> tuple[bool, tuple[bool, float, float]]:
    """Whether the same episodes recorded and folded eagerly (finished subset) and through the CUDA graphs
    (masked per-env rows; with ``compile``, compiled before capture) give identical statistics, and
    (counts equal, largest |difference| of the rates, of the probabilities): a fused fold may round
    differently in the last ulp."""
    eager, graphed = (
        AdaptiveSampler(
            AdaptiveSamplerCfg(cuda_graph=g, compile=g and compile),
            motion_num_frames=[30000, 2017],
            fps=50,
            device=device,
        )
        for g in (False, True)
    )
    per_env = PerEnvSampling(graphed, num_envs)
    generator = torch.Generator().manual_seed(0)
    for _ in range(updates):
        bins = torch.randint(0, eager.num_bins, (num_envs,), generator=generator).to(device)
        failed = (torch.rand(num_envs, generator=generator) < 0.3).to(device)
        finished = (torch.rand(num_envs, generator=generator) < 0.5).to(device)
        eager.update(bins[finished], failed[finished])
        per_env.record(bins, failed, finished)
        graphed.fold()
    pairs = (
        (eager.failure_rate, graphed.failure_rate),
        (eager.probabilities, graphed.probabilities),
        (eager.episode_counts, graphed.episode_counts),
        (eager.failure_counts, graphed.failure_counts),
    )
    counts_equal = all(torch.equal(a, b) for a, b in pairs[2:])
    rates, probabilities = (float((a - b).abs().max()) for a, b in pairs[:2])
    return all(torch.equal(a, b) for a, b in pairs), (counts_equal, rates, probabilities)


def graph_sampling_distance(
    device: torch.device, draws: int = 200, num_envs: int = 4096, compile: bool = False
) -> tuple[float, float]:
    """Total variation between the graphed per-env samples' bin histogram and the distribution, and
    the distance pure sampling noise gives (about sqrt(B / (2 pi n)) for a flat-ish distribution)."""
    cfg = AdaptiveSamplerCfg(alpha=1.0, compile=compile)
    sampler = AdaptiveSampler(cfg, motion_num_frames=[5000], fps=50, device=device)
    generator = torch.Generator().manual_seed(1)
    bins = torch.arange(sampler.num_bins).repeat_interleave(10).to(device)
    failed = (torch.rand(bins.shape[0], generator=generator) < 0.5).to(device)
    sampler.update(bins, failed)
    per_env = PerEnvSampling(sampler, num_envs)
    counts = torch.zeros(sampler.num_bins, device=device)
    for _ in range(draws):
        start_bins, _, _ = per_env.sample()
        counts += torch.bincount(start_bins, minlength=sampler.num_bins)
    total = draws * num_envs
    distance = 0.5 * float((counts / total - sampler.probabilities).abs().sum())
    return distance, (sampler.num_bins / (2 * math.pi * total)) ** 0.5
