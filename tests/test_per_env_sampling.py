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


@pytest.mark.parametrize("frames", [FRAMES, [200_000]], ids=["fixed-shape fold", "changed-bins fold"])
@pytest.mark.parametrize("attribution", ["start", "hazard"])
def test_the_reset_ids_hint_records_the_same_statistics(frames, attribution):
    """``record(..., rows=reset ids)`` reads only those rows on the CPU (no scan of every env); ids of envs
    that did not finish are fine. The statistics must equal those recorded from the full-width mask."""
    generator = torch.Generator().manual_seed(7)
    samplers = [
        AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.3, attribution=attribution), motion_num_frames=frames, fps=50)
        for _ in range(2)
    ]
    scan, hinted = (PerEnvSampling(s, num_envs=256) for s in samplers)
    for _ in range(20):
        bins = torch.randint(0, samplers[0].num_bins, (256,), generator=generator)
        failed = torch.rand(256, generator=generator) < 0.4
        resetting = torch.rand(256, generator=generator) < 0.1
        finished = resetting & (torch.rand(256, generator=generator) < 0.8)  # some resets end no episode
        failed &= finished
        scan.record(bins, failed, finished)
        hinted.record(bins, failed, finished, rows=resetting.nonzero().flatten().to(torch.int32))
        for per_env in (scan, hinted):
            per_env.record_exposure(bins)
            per_env.sampler.fold()
    a, b = samplers
    for name in ("failure_rate", "episode_counts", "failure_counts", "exposure_counts", "_hazard_counts"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert torch.equal(a.sampling_cdf, b.sampling_cdf)
    assert a.failure_counts.sum() > 0


def test_the_reset_ids_hint_must_be_env_ids():
    per_env = PerEnvSampling(make(), num_envs=64)
    rows = (torch.zeros(64, dtype=torch.long), torch.zeros(64, dtype=torch.bool), torch.zeros(64, dtype=torch.bool))
    with pytest.raises(TypeError, match=r"record\(rows=...\) expects 1-D int32/int64 env ids on cpu or None"):
        per_env.record(*rows, rows=slice(None))


@pytest.mark.parametrize("graphs", [False, True], ids=["eager", "graph path"])
def test_starts_are_the_rows_of_the_requested_envs_only(graphs):
    sampler = make()
    sampler.set_manual_probabilities([0.0] * (sampler.num_bins - 2) + [1.0, 3.0])
    per_env = PerEnvSampling(sampler, num_envs=4000)
    per_env._use_graph = graphs  # the graph path replays eagerly on the CPU: every env, then the rows
    rows = torch.arange(0, 4000, 2)
    bins, motions, frames = per_env.starts(rows)
    assert bins.shape == motions.shape == frames.shape == (2000,)
    layout = sampler.layout
    assert torch.equal(motions, layout.bin_motion[bins])
    assert bool(
        ((frames >= layout.bin_start[bins]) & (frames < layout.bin_start[bins] + layout.bin_length[bins])).all()
    )
    assert set(bins.tolist()) == {sampler.num_bins - 2, sampler.num_bins - 1}
    assert (bins == sampler.num_bins - 1).double().mean().item() == pytest.approx(0.75, abs=0.04)
    every = per_env.starts(None)
    assert every[0].shape == (4000,)
    assert per_env.starts(slice(0, 10))[0].shape == (10,)


def test_eager_frames_are_uniform_inside_their_bin():
    """The eager draw floors a float64 product, with no clamp: every frame of a bin, none outside."""
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(bin_size_s=0.16), motion_num_frames=[8, 13], fps=50)  # 8-frame bins
    bins = torch.arange(sampler.num_bins).repeat(20000)
    motions, frames = sampler.layout.draw_time_in_bin(bins)
    layout = sampler.layout
    offsets = frames - layout.bin_start[bins]
    assert torch.equal(motions, layout.bin_motion[bins])
    assert bool(((offsets >= 0) & (offsets < layout.bin_length[bins])).all())
    for b in range(sampler.num_bins):
        counts = torch.bincount(offsets[bins == b], minlength=int(layout.bin_length[b])).double()
        assert counts.min() > 0.9 * counts.mean() and counts.max() < 1.1 * counts.mean(), (b, counts)


def test_searching_all_but_the_last_cdf_entry_equals_clamping():
    """``sample_bins`` searches cdf[:-1] instead of clamping a search of cdf: the same bins, also for a
    draw equal to the total and for CDFs with flat (zero-probability) stretches."""
    generator = torch.Generator().manual_seed(9)
    for _ in range(50):
        steps = torch.rand(30, generator=generator) * (torch.rand(30, generator=generator) < 0.6)
        cdf = torch.cumsum(steps, 0)
        draws = torch.cat((torch.rand(200, generator=generator) * cdf[-1], cdf, cdf[-1:]))
        clamped = torch.searchsorted(cdf, draws, right=True).clamp_max(29)
        assert torch.equal(torch.searchsorted(cdf[:-1], draws, right=True), clamped)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA: the draw is a captured graph there")
def test_manual_overrides_on_and_off_replay_two_captured_draws():
    """Every override shares one CDF tensor: its capture replays the next override's values; adaptive keeps its own."""
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.3), motion_num_frames=FRAMES, fps=50, device="cuda")
    per_env = PerEnvSampling(sampler, num_envs=256)
    last, first = sampler.num_bins - 1, 0
    for probabilities, expected in [(last, {last}), (None, None), (first, {first}), (None, None), (last, {last})]:
        if probabilities is None:
            sampler.set_manual_probabilities(None)
        else:
            sampler.set_manual_probabilities([float(b == probabilities) for b in range(sampler.num_bins)])
        for _ in range(5):  # past the graph's warm-up calls: captured, then replayed
            bins, _, _ = per_env.sample()
        if expected is not None:
            assert set(bins.tolist()) == expected
    assert len(per_env._sample_steps) == 2  # one capture for the override, one for adaptive
