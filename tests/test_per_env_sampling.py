"""Fixed-shape per-env recording and sampling: same statistics as recording only the finished envs."""

from __future__ import annotations

import pytest
import torch

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import PerEnvSampling

pytestmark = pytest.mark.fast

FRAMES = [600, 230]


def make() -> AdaptiveSampler:
    return AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.3), motion_num_frames=FRAMES, fps=50)


def test_masked_rows_fold_like_the_finished_subset():
    generator = torch.Generator().manual_seed(3)
    subset, per_env_sampler = make(), make()
    per_env = PerEnvSampling(per_env_sampler, num_envs=64)
    for _ in range(30):
        bins = torch.randint(0, subset.num_bins, (64,), generator=generator)
        failed = torch.rand(64, generator=generator) < 0.4
        finished = torch.rand(64, generator=generator) < 0.2
        subset.update(bins[finished], failed[finished])
        per_env.record(bins.to(torch.int32), failed, finished)
        per_env_sampler.fold()
    assert torch.equal(per_env_sampler.episode_counts, subset.episode_counts)
    assert torch.equal(per_env_sampler.failure_counts, subset.failure_counts)
    assert torch.allclose(per_env_sampler.failure_rate, subset.failure_rate, atol=0, rtol=1e-6)
    assert per_env_sampler.episode_counts.sum() > 0  # the mask kept some episodes, not none


def test_one_start_per_env_inside_its_bin_and_from_the_distribution():
    sampler = make()
    sampler.set_manual_probabilities([0.0] * (sampler.num_bins - 2) + [1.0, 3.0])
    per_env = PerEnvSampling(sampler, num_envs=4000)
    bins, motions, frames = per_env.sample()
    assert bins.shape == motions.shape == frames.shape == (4000,)
    layout = sampler.layout
    assert torch.equal(motions, layout.bin_motion[bins])
    assert bool(
        ((frames >= layout.bin_start[bins]) & (frames < layout.bin_start[bins] + layout.bin_length[bins])).all()
    )
    share_last = (bins == sampler.num_bins - 1).float().mean().item()
    assert set(bins.tolist()) == {sampler.num_bins - 2, sampler.num_bins - 1}
    assert share_last == pytest.approx(0.75, abs=0.03)


def test_eager_sampling_draws_only_the_requested_rows():
    sampler = make()
    sampler.set_manual_probabilities([0.0] * (sampler.num_bins - 1) + [1.0])  # every draw: the last bin
    per_env = PerEnvSampling(sampler, num_envs=64)
    rows = torch.tensor([3, 10, 63], dtype=torch.int32)
    bins, motions, frames = per_env.sample(rows)
    fresh = torch.zeros(64, dtype=torch.bool)
    fresh[rows.long()] = True
    assert bool((bins[fresh] == sampler.num_bins - 1).all()) and bool((bins[~fresh] == 0).all())
    assert bool((motions[fresh] == 1).all()) and bool((frames[fresh] >= 200).all())  # motion 1, frames 200..229
    bins, _, _ = per_env.sample(slice(0, 5))
    assert bool((bins[:5] == sampler.num_bins - 1).all()) and bool((bins[5:][~fresh[5:]] == 0).all())
    for bad, found in (
        (torch.zeros(3), "torch.float32"),
        (torch.ones(64, dtype=torch.bool), "torch.bool"),
        ([1], r"\[1\]"),
    ):
        with pytest.raises(TypeError, match=rf"sample\(rows=...\) expects 1-D int32/int64 env ids on cpu.*got {found}"):
            per_env.sample(bad)


@pytest.mark.parametrize(
    "name,value,expected",
    [
        ("bins", torch.zeros(63, dtype=torch.long), r"bins=.*shape \(64,\).*got torch.int64 tensor of shape \(63,\)"),
        ("bins", torch.zeros(64), r"bins=.*int32/int64.*got torch.float32"),
        ("failed", torch.zeros(64, dtype=torch.long), r"failed=.*bool"),
        ("finished", [True] * 64, r"finished=.*got list"),
    ],
)
def test_wrong_rows_are_refused(name, value, expected):
    per_env = PerEnvSampling(make(), num_envs=64)
    rows = {
        "bins": torch.zeros(64, dtype=torch.long),
        "failed": torch.zeros(64, dtype=torch.bool),
        "finished": torch.zeros(64, dtype=torch.bool),
    }
    rows[name] = value
    with pytest.raises(TypeError, match=expected):
        per_env.record(**rows)


def test_env_count_must_be_positive():
    with pytest.raises(ValueError, match="num_envs=0"):
        PerEnvSampling(make(), num_envs=0)
