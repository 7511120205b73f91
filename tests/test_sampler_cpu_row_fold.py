"""The CPU row fold of ``attribution: hazard`` (one column at a time, the pending table cleared whole)
gives bit for bit the fixed-shape fold's statistics, on random inputs with its edge cases."""

from __future__ import annotations

import pytest
import torch

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import PerEnvSampling
from beyondmimic_adaptive.sampler.rates import CLEAR_ALL_RATIO

FRAMES = [600_000, 2_000, 990, 40]  # 12000 + 40 + 20 + 1 bins: four motion ends, a one-frame last bin
STATISTICS = ("failure_rate", "episode_counts", "failure_counts", "exposure_counts", "_hazard_counts", "_pending")


def _pair(**cfg) -> tuple[AdaptiveSampler, AdaptiveSampler]:
    config = AdaptiveSamplerCfg(attribution="hazard", **cfg)
    rows = AdaptiveSampler(config, motion_num_frames=FRAMES, fps=50, fixed_shapes=False)
    fixed = AdaptiveSampler(config, motion_num_frames=FRAMES, fps=50, fixed_shapes=True)
    assert not rows.fixed_shapes and fixed.fixed_shapes
    return rows, fixed


@pytest.mark.parametrize("threads", [1, 2])  # one chunk (the table cleared whole when rows are many), or chunks
@pytest.mark.parametrize(
    "cfg",
    [
        dict(alpha=0.3, K=7, gamma=0.5),
        dict(alpha=0.05, rate_prior=2.0, rate_prior_mean=0.3, lambda_uniform=0.0),
        dict(alpha=1.0, K=1),
    ],
)
def test_row_fold_equals_the_fixed_shape_fold_bit_for_bit(cfg, threads):
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        _check_row_fold(cfg)
    finally:
        torch.set_num_threads(previous)


def _check_row_fold(cfg: dict) -> None:
    generator = torch.Generator().manual_seed(7)
    rows, fixed = _pair(**cfg)
    num_bins = rows.num_bins
    cleared_whole = cleared_rows = 0
    for step in range(24):
        # every env's bin: few envs (rows cleared one by one), many envs (past CLEAR_ALL_RATIO: the
        # table cleared whole), envs crowded into a few bins (duplicates), the motions' last bins
        kind = step % 4
        num_envs = (64, 4096, 3000, 900)[kind]
        if kind == 2:
            env_bins = torch.randint(0, 30, (num_envs,), generator=generator) * 13
        elif kind == 3:
            env_bins = torch.tensor([11999, 12000, 12039, 12040, 12059, 12060]).repeat(150)
        else:
            env_bins = torch.randint(0, num_bins, (num_envs,), generator=generator)
        alive = torch.rand(num_envs, generator=generator) < 0.9
        failed = torch.rand(num_envs, generator=generator) < 0.4
        finished = torch.rand(num_envs, generator=generator) < 0.05
        # failures in bins without exposure (never visited, or not this fold)
        extra = torch.randint(0, num_bins, (5,), generator=generator)
        for sampler in (rows, fixed):
            per_env = PerEnvSampling(sampler, num_envs)
            per_env.record(env_bins, failed, finished, rows=torch.arange(0, num_envs, 3))
            per_env.record_exposure(env_bins, alive if step % 3 else None)
            sampler.record(extra, torch.ones(5, dtype=torch.bool))
            if step % 5 != 4:  # now and then two steps of records per fold
                sampler.fold()
        many = (num_envs + 5 + (num_envs + 2) // 3) * CLEAR_ALL_RATIO >= num_bins
        cleared_whole += step % 5 != 4 and many
        cleared_rows += step % 5 != 4 and not many
        for name in STATISTICS:
            assert torch.equal(getattr(rows, name), getattr(fixed, name)), (step, name)
    assert cleared_whole and cleared_rows
    assert (rows._hazard_counts[:, 1] > 0).sum() > 1000  # many bins exercised
    visited_never = (rows.exposure_counts == 0) & (rows.failure_counts > 0)
    assert visited_never.any()  # failures with no exposure keep their rate
    assert torch.equal(rows.failure_rate[visited_never], torch.zeros(int(visited_never.sum())))
