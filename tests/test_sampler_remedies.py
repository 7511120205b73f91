"""Opt-in concentration remedies: a cap on p_s relative to n_s/N, and a prior on each update's rates."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_math import bin_lengths, reference_batch_rate, reference_capped, reference_probabilities

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import SamplerConfigError

pytestmark = pytest.mark.fast

FRAMES = [515, 120, 75]


def make(**cfg) -> AdaptiveSampler:
    cfg.setdefault("alpha", 1.0)
    return AdaptiveSampler(AdaptiveSamplerCfg(**cfg), motion_num_frames=FRAMES, fps=50)


def frame_share(sampler: AdaptiveSampler) -> list[float]:
    lengths = sampler.layout.bin_length.double()
    return (lengths / lengths.sum()).tolist()


def load_rates(sampler: AdaptiveSampler, rates: list[float]) -> None:
    sampler.load_state_dict({**sampler.state_dict(), "failure_rate": torch.tensor(rates, dtype=torch.float32)})


@pytest.mark.parametrize(
    "ratio,lam",
    # with lam = 0 only bins with kernel mass can take the excess; from ratio 3 on their caps suffice
    [(r, lam) for r in (1.0, 1.5, 3.0, 10.0) for lam in (0.1, 0.5)] + [(3.0, 0.0), (10.0, 0.0)],
)
def test_cap_matches_reference_water_filling(ratio, lam):
    s = make(max_prob_ratio=ratio, lambda_uniform=lam, K=2, gamma=0.5)
    rates = [0.0] * s.num_bins
    rates[3], rates[4], rates[12], rates[15] = 1.0, 0.5, 0.2, 0.05
    load_rates(s, rates)
    uncapped = reference_probabilities(rates, bin_lengths(FRAMES, 50.0), 0.5, 2, lam)
    cap = [ratio * w for w in frame_share(s)]
    assert sum(c for c, v in zip(cap, uncapped, strict=True) if v > 0) >= 1.0  # the reference needs this
    expected = torch.tensor(reference_capped(uncapped, cap), dtype=torch.float64)
    p = s.probabilities.double()
    torch.testing.assert_close(p, expected, atol=2e-6, rtol=0)
    assert bool((p <= torch.tensor(cap, dtype=torch.float64) + 1e-6).all())
    assert p.sum().item() == pytest.approx(1.0, abs=1e-6)
    # sampling draws from the capped distribution
    torch.manual_seed(0)
    freq = torch.bincount(s.sample_bins(200_000), minlength=s.num_bins).double() / 200_000
    torch.testing.assert_close(freq, expected, atol=5e-3, rtol=0)


def test_cap_keeps_shape_of_uncapped_bins_and_the_floor():
    lam = 0.2
    s = make(max_prob_ratio=2.0, lambda_uniform=lam)
    rates = [0.0] * s.num_bins
    rates[5] = 1.0
    load_rates(s, rates)
    uncapped = make(lambda_uniform=lam)
    load_rates(uncapped, rates)
    p, q = s.probabilities, uncapped.probabilities
    share = torch.tensor(frame_share(s))
    assert bool((q > 2.0 * share).any()), "the test needs a bin above the cap"
    free = p < 2.0 * share - 1e-6
    ratios = p[free] / q[free]
    torch.testing.assert_close(ratios, torch.full_like(ratios, ratios[0].item()))  # one scale t for all
    assert ratios[0] > 1.0 and bool((p >= lam * share - 1e-7).all())


def test_cap_without_floor_still_sums_to_one():
    s = make(max_prob_ratio=1.5, lambda_uniform=0.0, K=1)
    rates = [0.0] * s.num_bins
    rates[0] = 1.0  # one bin has all the mass, and its cap is 1.5 * 50/710
    load_rates(s, rates)
    p = s.probabilities
    share = torch.tensor(frame_share(s))
    assert p.sum().item() == pytest.approx(1.0, abs=1e-6)
    assert bool((p <= 1.5 * share + 1e-6).all()) and bool((p >= 0).all())
    assert p[0].item() == pytest.approx(1.5 * share[0].item(), rel=1e-5)


@pytest.mark.parametrize("off", [None, 0, 0.0])
def test_cap_off_is_the_paper(off):
    rates = [(i % 5) / 5 for i in range(16)]
    a, b = make(max_prob_ratio=off), make()
    load_rates(a, rates)
    load_rates(b, rates)
    assert torch.equal(a.probabilities, b.probabilities) and torch.equal(a.sampling_cdf, b.sampling_cdf)


def test_cap_leaves_warmup_uniform():
    s = make(max_prob_ratio=1.2, warmup_steps=5)
    load_rates(s, [1.0] + [0.0] * 15)
    torch.testing.assert_close(s.probabilities, torch.tensor(frame_share(s)))


@settings(max_examples=40, deadline=None)
@given(
    rates=st.lists(st.floats(0.0, 1.0), min_size=16, max_size=16),
    ratio=st.floats(1.0, 20.0),
    lam=st.floats(0.01, 1.0),
    k=st.integers(1, 6),
)
def test_property_capped_distribution(rates, ratio, lam, k):
    s = make(max_prob_ratio=ratio, lambda_uniform=lam, K=k, gamma=0.8)
    load_rates(s, rates)
    rates32 = s.failure_rate.double().tolist()
    uncapped = reference_probabilities(rates32, bin_lengths(FRAMES, 50.0), 0.8, k, lam)
    cap = [ratio * w for w in frame_share(s)]
    p = s.probabilities.double()
    assert bool(torch.isfinite(p).all()) and p.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert bool((p <= torch.tensor(cap, dtype=torch.float64) + 1e-6).all())
    assert bool((p >= torch.tensor(frame_share(s), dtype=torch.float64) * lam - 1e-6).all())
    expected = torch.tensor(reference_capped(uncapped, cap), dtype=torch.float64)
    torch.testing.assert_close(p, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("prior,mean", [(0.0, 0.0), (1.0, 0.0), (4.0, 0.1), (0.5, 1.0)])
def test_rate_prior_matches_reference(prior, mean):
    s = make(rate_prior=prior, rate_prior_mean=mean, alpha=0.3)
    batches = [([0, 0, 0, 1, 2], [True, False, True, True, False]), ([0, 1, 1, 3], [False, False, True, True])]
    expected = [0.0] * s.num_bins
    for bins, failed in batches:
        s.update(torch.tensor(bins), torch.tensor(failed))
        for b in set(bins):
            n = sum(1 for x in bins if x == b)
            f = sum(1 for x, y in zip(bins, failed, strict=True) if x == b and y)
            expected[b] += 0.3 * (reference_batch_rate(f, n, prior, mean) - expected[b])
    torch.testing.assert_close(s.failure_rate.double(), torch.tensor(expected, dtype=torch.float64))


def test_single_failure_cannot_dominate_with_a_prior():
    plain, shrunk = make(), make(rate_prior=4.0)
    for s in (plain, shrunk):
        # bin 2: one episode, failed; bin 7: 40 episodes, 20 failed
        s.update(torch.tensor([2] + [7] * 40), torch.tensor([True] + [True, False] * 20))
    assert plain.failure_rate[2] > plain.failure_rate[7]  # without the prior one failure wins
    assert shrunk.failure_rate[2].item() == pytest.approx(1 / 5)
    assert shrunk.failure_rate[7].item() == pytest.approx(20 / 44)
    assert shrunk.probabilities[7] > shrunk.probabilities[2]


@pytest.mark.parametrize(
    "field,value,expected",
    [
        ("max_prob_ratio", 0.5, "null or 0 (off), or a finite number >= 1"),
        ("max_prob_ratio", float("inf"), "null or 0 (off), or a finite number >= 1"),
        ("max_prob_ratio", -2.0, "null or 0 (off), or a finite number >= 1"),
        ("rate_prior", -1.0, "a finite number >= 0 (pseudo-episodes; 0 = off)"),
        ("rate_prior", float("nan"), "a finite number >= 0"),
        ("rate_prior_mean", 1.5, "in [0, 1]"),
        ("rate_prior_mean", True, "in [0, 1]"),
    ],
)
def test_remedy_fields_are_validated(field, value, expected):
    with pytest.raises(SamplerConfigError) as err:
        make(**{field: value})
    assert f"AdaptiveSamplerCfg.{field}={value!r} is invalid: expected {expected}" in str(err.value)
    assert f"curriculum.adaptive.{field}" in str(err.value)
