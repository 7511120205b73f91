"""attribution: hazard: failures in a bin per env step spent there, as a per-bin probability."""

from __future__ import annotations

import math

import pytest
import torch
import torch.distributed as dist
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_math import bin_lengths, reference_hazard_fold, reference_probabilities

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import PerEnvSampling

pytestmark = pytest.mark.fast

FRAMES = [250, 120, 75]  # bins of 50, 50, 50, 50, 50 | 50, 50, 20 | 50, 25
LENGTHS = [n for motion in bin_lengths(FRAMES, 50.0) for n in motion]


def make(**cfg) -> AdaptiveSampler:
    cfg.setdefault("alpha", 1.0)
    return AdaptiveSampler(AdaptiveSamplerCfg(attribution="hazard", **cfg), motion_num_frames=FRAMES, fps=50)


def fold_counts(s: AdaptiveSampler, failures: list[int], exposure: list[int]) -> None:
    """Record these per-bin failures (episodes ending there) and env steps, then fold."""
    bins = torch.arange(s.num_bins)
    s.record(bins.repeat_interleave(torch.tensor(failures)), torch.ones(sum(failures), dtype=torch.bool))
    s.record_exposure(bins.repeat_interleave(torch.tensor(exposure)))
    s.fold()


@settings(max_examples=30, deadline=None)
@given(
    folds=st.lists(
        st.tuples(
            st.lists(st.integers(0, 3), min_size=10, max_size=10),
            st.lists(st.integers(0, 40), min_size=10, max_size=10),
        ),
        min_size=1,
        max_size=8,
    ),
    # float32-exact: the sampler computes in float32, and 1 - 1e-16 (1.0 there) left a bin whose
    # failures came with no exposure at rate 0 in the sampler and rate 1 in the float64 reference
    alpha=st.floats(1 / 128, 1.0, width=32),
    prior=st.sampled_from([0.0, 0.5, 3.0]),
    prior_mean=st.floats(0.0, 1.0),
)
def test_hazard_matches_float64_reference(folds, alpha, prior, prior_mean):
    s = make(alpha=alpha, rate_prior=prior, rate_prior_mean=prior_mean, K=3, gamma=0.7)
    smoothed = [[0.0, 0.0] for _ in range(s.num_bins)]
    rates = [0.0] * s.num_bins
    for failures, exposure in folds:
        fold_counts(s, failures, exposure)
        reference_hazard_fold(smoothed, rates, failures, exposure, LENGTHS, alpha, prior, prior_mean)
    torch.testing.assert_close(s.failure_rate.double(), torch.tensor(rates, dtype=torch.float64), atol=1e-5, rtol=1e-4)
    expected = reference_probabilities(s.failure_rate.double().tolist(), bin_lengths(FRAMES, 50.0), 0.7, 3, 0.1)
    torch.testing.assert_close(s.probabilities.double(), torch.tensor(expected, dtype=torch.float64), atol=1e-5, rtol=0)
    assert bool(((s.failure_rate >= 0) & (s.failure_rate <= 1)).all())


def test_bin_never_visited_keeps_rate_zero():
    s = make()
    fold_counts(s, [1, 0, 0, 0, 2, 0, 0, 0, 0, 0], [10, 10, 10, 0, 10, 0, 0, 0, 0, 0])
    assert s.failure_rate[3] == 0 and bool((s.failure_rate[5:] == 0).all())
    assert s.failure_rate[0] > 0 and s.failure_rate[4] > 0
    fold_counts(s, [0, 0, 0, 1] + [0] * 6, [0] * 10)  # a failure, but the bin still has no exposure
    assert s.failure_rate[3] == 0


def test_doubling_exposure_with_equal_failures_halves_the_hazard():
    once, twice = make(), make()
    fold_counts(once, [1, 2, 0, 1, 0, 0, 0, 3, 0, 1], [40, 40, 40, 10, 0, 0, 0, 60, 0, 25])
    fold_counts(twice, [1, 2, 0, 1, 0, 0, 0, 3, 0, 1], [80, 80, 80, 20, 0, 0, 0, 120, 0, 50])
    torch.testing.assert_close(twice.hazard, once.hazard / 2)
    h = once.hazard
    torch.testing.assert_close(once.failure_rate, -torch.expm1(-h * torch.tensor(LENGTHS, dtype=torch.float32)))


def test_hazard_reduces_to_failure_attribution_with_one_traversal_per_episode():
    """If every episode counted in bin s traversed it (exposure n_s per episode), h n_s = F_s/N_s: the
    hazard's probability is 1 - exp(-r) of failure attribution's rate r, equal to first order."""
    generator = torch.Generator().manual_seed(2)
    episodes = torch.randint(1, 30, (10,), generator=generator)
    failures = (torch.rand(10, generator=generator) * 0.1 * episodes).round().long()
    hazard = make()
    failure = AdaptiveSampler(AdaptiveSamplerCfg(attribution="failure", alpha=1.0), motion_num_frames=FRAMES, fps=50)
    bins = torch.arange(10).repeat_interleave(episodes)
    failed = torch.cat([torch.arange(n) < f for n, f in zip(episodes.tolist(), failures.tolist(), strict=True)])
    failure.update(bins, failed)
    hazard.record(bins, failed)
    hazard.record_exposure(torch.arange(10).repeat_interleave(episodes * torch.tensor(LENGTHS)))
    hazard.fold()
    torch.testing.assert_close(hazard.failure_rate, -torch.expm1(-failure.failure_rate))
    torch.testing.assert_close(hazard.probabilities, failure.probabilities, atol=5e-3, rtol=0)


def test_counts_are_averaged_not_ratios():
    """A fold with 1 step weighs less than one with 99, and a failure in a fold without exposure counts."""
    s = make(alpha=0.5)
    fold_counts(s, [1] + [0] * 9, [1] + [0] * 9)
    fold_counts(s, [0] * 10, [99] + [0] * 9)
    assert s.hazard[0].item() == pytest.approx(0.25 / 49.75)  # an average of ratios would give 0.25
    before = s.hazard[0].item()
    fold_counts(s, [1] + [0] * 9, [0] * 10)
    assert s.hazard[0].item() > before


def test_rates_do_not_depend_on_the_number_of_envs():
    small, large = make(alpha=0.2), make(alpha=0.2)
    for _ in range(5):
        fold_counts(small, [1, 0, 2, 0, 0, 1, 0, 0, 0, 0], [5, 5, 5, 5, 0, 5, 5, 2, 0, 0])
        fold_counts(large, [10, 0, 20, 0, 0, 10, 0, 0, 0, 0], [50, 50, 50, 50, 0, 50, 50, 20, 0, 0])
    torch.testing.assert_close(small.failure_rate, large.failure_rate)


def test_per_env_exposure_matches_the_alive_subset():
    generator = torch.Generator().manual_seed(5)
    subset, per_env_sampler = make(alpha=0.3), make(alpha=0.3)
    per_env = PerEnvSampling(per_env_sampler, num_envs=32)
    for _ in range(20):
        bins = torch.randint(0, 10, (32,), generator=generator)
        alive = torch.rand(32, generator=generator) < 0.8
        failed = torch.rand(32, generator=generator) < 0.1
        subset.record(bins[failed], torch.ones(int(failed.sum()), dtype=torch.bool))
        subset.record_exposure(bins[alive])
        subset.fold()
        per_env.record(bins.to(torch.int32), torch.ones(32, dtype=torch.bool), failed)
        per_env.record_exposure(bins.to(torch.int32), alive)
        per_env_sampler.fold()
    assert torch.equal(per_env_sampler.exposure_counts, subset.exposure_counts)
    assert subset.exposure_counts.sum() > 0
    torch.testing.assert_close(per_env_sampler.failure_rate, subset.failure_rate)
    per_env.record_exposure(torch.zeros(32, dtype=torch.long))  # alive=None: every env
    assert per_env_sampler._pending[0, 2] == 32
    with pytest.raises(TypeError, match=r"record_exposure\(alive=...\) expects a bool tensor of shape \(32,\)"):
        per_env.record_exposure(torch.zeros(32, dtype=torch.long), torch.ones(31, dtype=torch.bool))
    with pytest.raises(TypeError, match=r"record_exposure\(bins=...\) expects a int32/int64"):
        per_env.record_exposure(torch.zeros(32))


def test_one_all_reduce_carries_the_exposure(monkeypatch):
    s = make()
    reduced = []
    monkeypatch.setattr(dist, "is_initialized", lambda: True)
    monkeypatch.setattr(dist, "all_reduce", lambda tensor: reduced.append(tensor.clone()) or tensor.mul_(2))
    s.record(torch.tensor([1]), torch.tensor([True]))
    s.record_exposure(torch.tensor([1, 1, 2]))
    s.fold()
    assert len(reduced) == 1 and reduced[0][1].tolist() == [1.0, 1.0, 2.0] and reduced[0][2].tolist() == [0, 0, 1]
    assert s.exposure_counts[1] == 4 and s.failure_counts[1] == 2  # the reduced (doubled) counts were folded
    assert s.hazard[1].item() == pytest.approx(0.5)


@pytest.mark.parametrize("attribution", ["start", "failure"])
def test_other_modes_ignore_exposure(attribution):
    plain = AdaptiveSampler(AdaptiveSamplerCfg(attribution=attribution, alpha=0.5), motion_num_frames=FRAMES, fps=50)
    exposed = AdaptiveSampler(AdaptiveSamplerCfg(attribution=attribution, alpha=0.5), motion_num_frames=FRAMES, fps=50)
    for s in (plain, exposed):
        s.record(torch.tensor([0, 0, 3]), torch.tensor([True, False, True]))
    exposed.record_exposure(torch.tensor([0, 1, 2, 3]))
    plain.fold()
    exposed.fold()
    assert torch.equal(plain.failure_rate, exposed.failure_rate) and math.isclose(plain.failure_rate[0].item(), 0.25)
