"""The sampler's math against an independent float64 computation of the paper's equations."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_math import bin_lengths, reference_probabilities

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import distribution_metrics
from beyondmimic_adaptive.sampler.distribution import draw_bins
from beyondmimic_adaptive.sampler.metrics import dot_sums, stacked_sums

pytestmark = pytest.mark.fast


def set_rates(sampler: AdaptiveSampler, rates: list[float], episodes: int = 20) -> None:
    """With alpha = 1 one update sets r̄_s to this batch's F_s / N_s exactly."""
    bins = torch.arange(sampler.num_bins).repeat_interleave(episodes)
    failures = torch.tensor([round(r * episodes) for r in rates])
    failed = torch.arange(episodes).repeat(sampler.num_bins) < failures.repeat_interleave(episodes)
    sampler.update(bins, failed)


def frame_share(sampler: AdaptiveSampler) -> torch.Tensor:
    """(B,) n_s / N: each bin's share of all frames (the uniform distribution over frames)."""
    lengths = sampler.layout.bin_length.double()
    return (lengths / lengths.sum()).float()


def make(frames=(250, 120, 75), **cfg) -> AdaptiveSampler:
    cfg.setdefault("alpha", 1.0)
    return AdaptiveSampler(AdaptiveSamplerCfg(**cfg), motion_num_frames=list(frames), fps=50)


def test_bin_count_is_sum_of_ceil():
    frames = [250, 120, 75, 1, 50, 51]
    s = make(frames)
    assert s.num_bins == sum(math.ceil(t / 50) for t in frames) == 5 + 3 + 2 + 1 + 1 + 2


@pytest.mark.parametrize("gamma,k,lam", [(0.9, 5, 0.1), (0.5, 1, 0.0), (1.0, 3, 0.3), (0.7, 8, 1.0)])
def test_probabilities_match_reference(gamma, k, lam):
    s = make(gamma=gamma, K=k, lambda_uniform=lam)
    rates = [((7 * i) % 11) / 20.0 for i in range(s.num_bins)]  # k/20 are exact with 20 episodes
    set_rates(s, rates)
    expected = reference_probabilities(rates, bin_lengths([250, 120, 75], 50.0), gamma, k, lam)
    torch.testing.assert_close(s.probabilities.double(), torch.tensor(expected, dtype=torch.float64), atol=1e-6, rtol=0)


def test_single_failing_bin_kernel_direction_and_decay():
    gamma, k = 0.6, 3
    s = make(frames=(500,), gamma=gamma, K=k, lambda_uniform=0.0)
    star = 6
    rates = [0.0] * s.num_bins
    rates[star] = 0.5
    set_rates(s, rates)
    p = s.probabilities
    for u in range(k):
        assert p[star - u] / p[star] == pytest.approx(gamma**u, rel=1e-5)
    assert p[: star - k + 1].sum() == 0  # beyond the kernel: nothing
    assert p[star + 1 :].sum() == 0  # the kernel looks forward only: later bins get nothing


def test_kernel_never_crosses_motion_boundary():
    s = make(frames=(250, 120), gamma=0.9, K=5, lambda_uniform=0.0)
    rates = [0.0] * s.num_bins
    rates[5] = 1.0  # first bin of motion 1
    set_rates(s, rates)
    p = s.probabilities
    assert p[:5].sum() == 0 and p[5] == pytest.approx(1.0)


def kernel_total(sampler: AdaptiveSampler) -> float:
    """Σ_s Σ_u γ^u r̄_{s+u}: the kernel mass before normalising (1 hides a missing normalisation)."""
    k = sampler.cfg.K
    motion_end = sampler.layout.bin_motion_end.tolist()
    rates = sampler.failure_rate.double().tolist()
    return sum(
        sampler.cfg.gamma**u * rates[s + u] for s in range(sampler.num_bins) for u in range(k) if s + u < motion_end[s]
    )


# kernel masses far above and far below 1: a floor added before normalising, or a distribution
# left unnormalised, changes the result only when the mass is not 1 already
FLOOR_RATES = {
    "mass_far_above_1": [1.0, 1.0, 0.8, 1.0, 0.6] + [0.0] * 5,  # motion 0 only: Σ kernel = 10.7
    "mass_far_below_1": [0.0, 0.05] + [0.0] * 8,  # Σ kernel = 0.095
}


@pytest.mark.parametrize("case", sorted(FLOOR_RATES))
def test_uniform_floor_holds_for_every_bin(case):
    """p'_s = λ w_s + (1-λ) p_s with p normalised first: bins the kernel does not reach sit exactly
    at the floor λ w_s, whatever the total failure mass."""
    lam = 0.2
    s = make(lambda_uniform=lam)
    set_rates(s, FLOOR_RATES[case])
    assert abs(kernel_total(s) - 1.0) > 0.5  # the test data must make the normalisation observable
    p, floor = s.probabilities, lam * frame_share(s)
    assert bool((p >= floor - 1e-7).all())
    torch.testing.assert_close(p[5:], floor[5:])  # motions 1 and 2: no failure, no kernel mass
    assert float(p[:5].sum()) == pytest.approx(float(floor[:5].sum()) + (1 - lam), abs=1e-6)
    assert p.sum().item() == pytest.approx(1.0, abs=1e-6)


def test_rate_not_count_so_num_envs_does_not_matter():
    small, large = make(alpha=0.3), make(alpha=0.3)
    rates = [(i % 4) / 4.0 for i in range(small.num_bins)]
    for _ in range(5):
        set_rates(small, rates, episodes=4)
        set_rates(large, rates, episodes=400)
    torch.testing.assert_close(small.probabilities, large.probabilities)
    torch.testing.assert_close(small.failure_rate, large.failure_rate)


def test_moving_average_uses_alpha_on_seen_bins_only():
    s = make(frames=(150,), alpha=0.25)
    s.update(torch.tensor([0, 0, 1]), torch.tensor([True, False, True]))
    torch.testing.assert_close(s.failure_rate, torch.tensor([0.25 * 0.5, 0.25 * 1.0, 0.0]))
    s.update(torch.tensor([0]), torch.tensor([True]))
    torch.testing.assert_close(s.failure_rate, torch.tensor([0.125 + 0.25 * (1 - 0.125), 0.25, 0.0]))


def test_mask_drops_episodes():
    s = make(frames=(150,))
    s.update(torch.tensor([0, 1]), torch.tensor([True, True]), mask=torch.tensor([False, True]))
    assert s.episode_counts.tolist() == [0.0, 1.0, 0.0] and s.failure_counts.tolist() == [0.0, 1.0, 0.0]


@pytest.mark.parametrize("case", ["all_fail", "no_fail", "empty"])
def test_degenerate_updates_stay_valid(case):
    s = make()
    n = s.num_bins * 3
    bins = torch.arange(n) % s.num_bins
    if case == "all_fail":
        s.update(bins, torch.ones(n, dtype=torch.bool))
    elif case == "no_fail":
        s.update(bins, torch.zeros(n, dtype=torch.bool))
    else:
        s.update(torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.bool))
    p = s.probabilities
    assert bool(torch.isfinite(p).all()) and p.sum().item() == pytest.approx(1.0, abs=1e-6)
    if case != "all_fail":
        torch.testing.assert_close(p, frame_share(s))


@pytest.mark.parametrize("tiny_rate", [1e-20, 1e-40])  # far below any real rate; 1e-40 is subnormal
def test_rates_decayed_to_nothing_give_uniform_not_nan(tiny_rate):
    s = make(lambda_uniform=0.0)
    state = s.state_dict()
    state["failure_rate"][3] = tiny_rate
    state["episode_counts"][3] = state["failure_counts"][3] = 1.0
    state["seen"] = state["episode_counts"] > 0
    s.load_state_dict(state)
    p = s.probabilities
    assert bool(torch.isfinite(p).all()) and p.sum().item() == pytest.approx(1.0, abs=1e-6)
    torch.testing.assert_close(p, frame_share(s))
    assert bool((torch.bincount(s.sample_bins(20_000), minlength=s.num_bins) > 0).all())


SHORT_LAST_BIN = 515  # 10.3 s at 50 fps: ten 1 s bins and a last bin of 0.3 s (15 frames)


@pytest.mark.parametrize(
    "cfg,setup",
    [
        ({"lambda_uniform": 1.0}, "rates"),  # curriculum=uniform
        ({"warmup_steps": 10}, "rates"),  # warm-up
        ({"lambda_uniform": 0.1}, "none"),  # the kernel has no failure mass yet
    ],
)
def test_uniform_means_uniform_over_frames(cfg, setup):
    """A short last bin gets its share of the frames (15/515 = 2.9%), not 1/B (9.1%)."""
    s = make(frames=(SHORT_LAST_BIN,), **cfg)
    if setup == "rates":
        set_rates(s, [0.5] * 10 + [0.0])
    p = s.probabilities
    assert s.num_bins == 11 and p[-1].item() == pytest.approx(15 / 515, rel=1e-5)
    torch.testing.assert_close(p[:-1], torch.full((10,), 50 / 515))
    torch.manual_seed(4)
    _, frames = s.sample(200_000)
    share_last = (frames >= 500).double().mean().item()
    assert share_last == pytest.approx(15 / 515, abs=0.002)  # frame-uniform starts, 1/B would be 0.091


def test_floor_is_lambda_times_frame_share():
    lam = 0.3
    s = make(frames=(SHORT_LAST_BIN, 120), lambda_uniform=lam)
    rates = [0.0] * s.num_bins
    rates[2] = 1.0
    set_rates(s, rates)
    p = s.probabilities
    floor = torch.tensor([lam * n / 635 for n in [50] * 10 + [15, 50, 50, 20]])
    assert torch.equal(p > floor * 1.01, torch.arange(s.num_bins) <= 2)  # kernel mass only on bins 0..2
    torch.testing.assert_close(p[3:], floor[3:])
    assert p.sum().item() == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize(
    "cfg,rates",
    [
        # K = 1, no floor: p is the rates normalised, 0.1 : 0.3 -> 0.25 : 0.75 (Σ rates = 0.4)
        ({"lambda_uniform": 0.0, "K": 1}, {1: 0.1, 6: 0.3}),
        # kernel and floor: Σ kernel = 5.4, far from 1
        ({"lambda_uniform": 0.1, "K": 3, "gamma": 0.8}, {1: 1.0, 2: 1.0, 6: 0.5, 9: 1.0}),
    ],
    ids=["rates_sum_0.4", "kernel_mass_5.4"],
)
def test_samples_follow_probabilities_and_stay_in_their_bin(cfg, rates):
    torch.manual_seed(0)
    s = make(frames=(250, 120, 75), **cfg)
    set_rates(s, [rates.get(b, 0.0) for b in range(s.num_bins)])
    assert abs(kernel_total(s) - 1.0) > 0.5  # an unnormalised draw would show
    lengths = bin_lengths([250, 120, 75], 50.0)
    rates_now = s.failure_rate.double().tolist()
    expected = reference_probabilities(rates_now, lengths, s.cfg.gamma, s.cfg.K, s.cfg.lambda_uniform)
    torch.testing.assert_close(s.probabilities.double(), torch.tensor(expected, dtype=torch.float64), atol=1e-6, rtol=0)
    n = 200_000
    bins = s.sample_bins(n)
    freq = torch.bincount(bins, minlength=s.num_bins).double() / n
    torch.testing.assert_close(freq, torch.tensor(expected, dtype=torch.float64), atol=5e-3, rtol=0)
    motion_ids, time_steps = s.layout.uniform_time_in_bin(bins)
    assert bool((s.bin_index(motion_ids, time_steps) == bins).all())
    frames = torch.tensor([250, 120, 75])
    assert bool((time_steps >= 0).all()) and bool((time_steps <= frames[motion_ids] - 1).all())


def test_time_inside_bin_is_uniform():
    torch.manual_seed(1)
    s = make(frames=(100,), manual_probabilities=[0.0, 1.0])
    _, t = s.sample(100_000)
    counts = torch.bincount(t - 50, minlength=50).double()
    assert int(t.min()) == 50 and int(t.max()) == 99
    assert (counts / counts.mean() - 1).abs().max() < 0.15


def test_non_integer_frames_per_bin_has_no_empty_bins():
    s = AdaptiveSampler(AdaptiveSamplerCfg(bin_size_s=0.998), motion_num_frames=[100], fps=50)
    assert bool((s.layout.bin_length >= 1).all()) and int(s.layout.bin_length.sum()) == 100
    every_frame = torch.arange(100)
    bins = s.bin_index(torch.zeros(100, dtype=torch.long), every_frame)
    assert bins.unique().tolist() == list(range(s.num_bins))


def test_warmup_samples_uniformly_then_adapts():
    s = make(frames=(500,), warmup_steps=100, lambda_uniform=0.0)
    rates = [0.0] * s.num_bins
    rates[3] = 1.0
    set_rates(s, rates)
    torch.testing.assert_close(s.probabilities, torch.full((10,), 0.1))
    s.env_step = 100
    p = s.probabilities
    assert int(p.argmax()) == 3 and p[4:].sum() == 0


def test_manual_override_and_reset():
    s = make(frames=(150,))
    s.set_manual_probabilities([0.0, 3.0, 1.0])
    torch.testing.assert_close(s.probabilities, torch.tensor([0.0, 0.75, 0.25]))
    assert set(s.sample_bins(1000).tolist()) == {1, 2}
    s.set_manual_probabilities(None)
    torch.testing.assert_close(s.probabilities, torch.full((3,), 1 / 3))


def test_every_manual_override_rewrites_one_cdf_in_place():
    """A draw captured (CUDA graph) for one override reads the next one's values: the CDF tensor is the same."""
    s = make(frames=(150,))
    s.set_manual_probabilities([0.0, 3.0, 1.0])
    cdf, (head, total) = s.sampling_cdf, s.sampling_parts()
    s.set_manual_probabilities(None)
    assert s.sampling_cdf is not cdf
    s.set_manual_probabilities([1.0, 0.0, 0.0])
    assert s.sampling_cdf is cdf
    torch.testing.assert_close(cdf, torch.tensor([1.0, 1.0, 1.0]))
    assert set(draw_bins(head, total, 1000).tolist()) == {0}  # views taken at the first override see the second
    torch.testing.assert_close(s.probabilities, torch.tensor([1.0, 0.0, 0.0]))


def test_metrics():
    s = make(frames=(500,), lambda_uniform=0.0, K=1)
    m = s.metrics()
    assert m["entropy_normalized"].item() == pytest.approx(1.0) and m["effective_bins"].item() == pytest.approx(10)
    rates = [0.0] * 10
    rates[4] = 1.0
    set_rates(s, rates)
    m = s.metrics()
    assert m["top1_bin"].item() == 4 and m["top1_prob"].item() == pytest.approx(1.0)
    assert m["entropy_normalized"].item() == pytest.approx(0.0, abs=1e-6)
    assert m["effective_bins"].item() == pytest.approx(1.0)
    assert m["mean_failure_rate"].item() == pytest.approx(0.1)


@settings(max_examples=40, deadline=None)
@given(num_bins=st.integers(1, 300), zeros=st.floats(0.0, 0.9), seed=st.integers(0, 2**31 - 1))
def test_both_ways_of_the_metrics_sums_agree(num_bins: int, zeros: float, seed: int):
    # the CPU takes the dot products, CUDA the stacked reduction: the CPU suite checks the CUDA one's maths here
    generator = torch.Generator().manual_seed(seed)
    p = torch.rand(num_bins, generator=generator)
    p[torch.rand(num_bins, generator=generator) < zeros] = 0.0
    p[0] += 0.1
    p /= p.sum()
    rates = torch.rand(num_bins, generator=generator)
    seen = (torch.rand(num_bins, generator=generator) < 0.7).float()
    for stacked, dotted in zip(stacked_sums(p, rates, seen), dot_sums(p, rates, seen), strict=True):
        torch.testing.assert_close(stacked, dotted, rtol=1e-5, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(num_bins=st.integers(1, 300), zeros=st.floats(0.0, 0.9), seed=st.integers(0, 2**31 - 1))
def test_metrics_match_a_float64_reference(num_bins: int, zeros: float, seed: int):
    generator = torch.Generator().manual_seed(seed)
    weights = torch.rand(num_bins, generator=generator, dtype=torch.float64)
    weights[torch.rand(num_bins, generator=generator) < zeros] = 0.0  # empty bins: p log p counts 0
    weights[0] += 0.1
    p = weights / weights.sum()
    rates = torch.rand(num_bins, generator=generator, dtype=torch.float64)
    seen = torch.rand(num_bins, generator=generator) < 0.7
    m = distribution_metrics(p.float(), rates.float(), seen)
    nonzero = p[p > 0]
    entropy = -(nonzero * nonzero.log()).sum() / math.log(num_bins) if num_bins > 1 else torch.tensor(1.0)
    expected = {
        "entropy_normalized": entropy,
        "top1_prob": p.max(),
        "effective_bins": 1.0 / (p * p).sum(),
        "prob_max_over_uniform": p.max() * num_bins,
        "mean_failure_rate": rates[seen].sum() / max(int(seen.sum()), 1),
        "seen_fraction": seen.double().mean(),
    }
    for name, value in expected.items():
        assert float(m[name]) == pytest.approx(float(value), rel=1e-5, abs=1e-6), name
    assert p[int(m["top1_bin"])] == p.max()
    assert all(value.dim() == 0 for value in m.values())


@settings(max_examples=60, deadline=None)
@given(
    frames=st.lists(st.integers(1, 400), min_size=1, max_size=5),
    gamma=st.floats(0.01, 1.0),
    k=st.integers(1, 8),
    lam=st.floats(0.0, 1.0),
    alpha=st.floats(0.01, 1.0),
    batches=st.lists(st.lists(st.tuples(st.integers(0, 10_000), st.booleans()), max_size=40), max_size=6),
)
def test_property_distribution_always_valid(frames, gamma, k, lam, alpha, batches):
    s = AdaptiveSampler(
        AdaptiveSamplerCfg(gamma=gamma, K=k, lambda_uniform=lam, alpha=alpha), motion_num_frames=frames, fps=50
    )
    for batch in batches:
        bins = torch.tensor([b % s.num_bins for b, _ in batch], dtype=torch.long)
        failed = torch.tensor([f for _, f in batch], dtype=torch.bool)
        s.update(bins, failed)
        p = s.probabilities
        assert bool(torch.isfinite(p).all())
        assert abs(p.sum().item() - 1.0) < 1e-5
        assert bool((p >= lam * frame_share(s) - 1e-6).all())
    expected = reference_probabilities(s.failure_rate.double().tolist(), bin_lengths(frames, 50.0), gamma, k, lam)
    torch.testing.assert_close(s.probabilities.double(), torch.tensor(expected, dtype=torch.float64), atol=1e-5, rtol=0)
    motion_ids, time_steps = s.sample(64)
    limits = torch.tensor(frames)[motion_ids]
    assert bool((time_steps >= 0).all()) and bool((time_steps < limits).all())
