"""The CPU row fold of ``attribution: hazard`` (one column at a time; with many rows, the totals and the
clearing over the whole pending table), and the C loops that replace it where they compile
(``native_fold.py``), give bit for bit the fixed-shape fold's statistics, on random inputs with their
edge cases."""

from __future__ import annotations

import pytest
import torch

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import PerEnvSampling, native, native_fold, rates

FRAMES = [600_000, 2_000, 990, 40]  # 12000 + 40 + 20 + 1 bins: four motion ends, a one-frame last bin
STATISTICS = ("failure_rate", "episode_counts", "failure_counts", "exposure_counts", "_hazard_counts", "_pending")


def _pair(**cfg) -> tuple[AdaptiveSampler, AdaptiveSampler]:
    config = AdaptiveSamplerCfg(attribution="hazard", **cfg)
    rows = AdaptiveSampler(config, motion_num_frames=FRAMES, fps=50, fixed_shapes=False)
    fixed = AdaptiveSampler(config, motion_num_frames=FRAMES, fps=50, fixed_shapes=True)
    assert not rows.fixed_shapes and fixed.fixed_shapes
    return rows, fixed


@pytest.mark.parametrize("threads", [1, 2])  # one chunk of up to 256k rows, or chunks of 2048
@pytest.mark.parametrize(
    "cfg",
    [
        dict(alpha=0.3, K=7, gamma=0.5),
        dict(alpha=0.05, rate_prior=2.0, rate_prior_mean=0.3, lambda_uniform=0.0),
        dict(alpha=1.0, K=1),
    ],
)
def test_row_fold_equals_the_fixed_shape_fold_bit_for_bit(cfg, threads, monkeypatch):
    monkeypatch.setattr(native, "library", lambda: None)  # the torch ops (as without a C compiler)
    whole_table: list[bool] = []
    fold_chunk = rates._fold_chunk

    def spy(*args, **kwargs) -> None:
        whole_table.append(args[-1] if len(args) == 6 else kwargs["whole_table"])
        fold_chunk(*args, **kwargs)

    monkeypatch.setattr(rates, "_fold_chunk", spy)
    _with_threads(threads, cfg)
    assert True in whole_table and False in whole_table  # both ways of updating the totals ran


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize(
    "cfg",
    [
        dict(alpha=0.3, K=7, gamma=0.5),
        dict(alpha=0.05, rate_prior=2.0, rate_prior_mean=0.3, lambda_uniform=0.0),
        dict(alpha=1.0, K=1),
        dict(alpha=0.5, K=3, gamma=0.9, rate_prior=0.7, rate_prior_mean=0.01),  # lerp's other branch
    ],
)
def test_c_loops_equal_the_fixed_shape_fold_bit_for_bit(cfg, threads, monkeypatch):
    if native.library() is None:
        pytest.skip("no C compiler: the C loops did not build")
    passes: list[bool] = []  # whether each hazard pass covered every bin
    fold_hazard = native_fold.NativeFold.fold_hazard

    def spy(self, rows, *args) -> None:
        passes.append(rows is None)
        fold_hazard(self, rows, *args)

    monkeypatch.setattr(native_fold.NativeFold, "fold_hazard", spy)
    _with_threads(threads, cfg)
    assert True in passes and False in passes  # the pass over listed rows and over every bin both ran


def _with_threads(threads: int, cfg: dict) -> None:
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
    for step in range(25):
        # every env's bin: few envs (rows cleared one by one), many (past rates.WHOLE_TABLE_RATIO: the whole
        # table), envs crowded into a few bins (duplicates), the motions' last bins, so many that the
        # fold covers every bin (the fixed-shape body)
        kind = step % 5
        num_envs = (64, 1800, 1500, 900, 4096)[kind]
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
            if step % 7 != 6:  # now and then two steps of records per fold
                sampler.fold()
        for name in STATISTICS:
            assert torch.equal(getattr(rows, name), getattr(fixed, name)), (step, name)
    assert (rows._hazard_counts[:, 1] > 0).sum() > 1000  # many bins exercised
    visited_never = (rows.exposure_counts == 0) & (rows.failure_counts > 0)
    assert visited_never.any()  # failures with no exposure keep their rate
    assert torch.equal(rows.failure_rate[visited_never], torch.zeros(int(visited_never.sum())))
