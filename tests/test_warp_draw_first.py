"""``WarpFusedStep.step(draw_first=True)``: record and draw as one kernel, then the fold (four kernels per step).

The finished envs draw from the CDF of the fold before, as the Isaac Lab terms' starts do. Against the parts
launched eagerly in that order (record, draw, fold) the statistics, the starts and the RNG states are equal bit
for bit; on CUDA that is the one CUDA graph's replay against eager launches. With
``attribute_to_start_bins`` the record reads the start bins the draw wrote at each env's previous end.
"""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("warp")
from test_warp_step import DEVICES, FRAMES, NUM_ENVS, _pair, random_rows

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler.warp_step import WarpFusedStep


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("attribution", ["start", "hazard"])
def test_draw_first_is_record_draw_fold_bit_for_bit(device: str, attribution: str) -> None:
    results = []
    for fused in (True, False):
        _, sampler = _pair(attribution, device, warmup_steps=0)
        step = WarpFusedStep(sampler, NUM_ENVS, seed=7)
        generator = torch.Generator().manual_seed(3)
        starts = []
        for _ in range(6):
            step.set_inputs(*random_rows(generator, sampler.num_bins, device))
            if fused:
                out = step.step(draw_first=True)
            else:
                step.record()
                out = step.sample()
                step.fold()
            starts.append([t[step.finished].clone() for t in out])
        assert sampler.failure_rate.max() > 0.05  # the folds saw failures: not a comparison of zeros
        state = (sampler.failure_rate, sampler._totals, sampler._pending, sampler._adaptive_cdf, step._rng)
        results.append(([t.clone() for t in state], starts))
    (state_a, starts_a), (state_b, starts_b) = results
    for a, b in zip(state_a, state_b, strict=True):
        assert torch.equal(a, b)
    for step_a, step_b in zip(starts_a, starts_b, strict=True):
        for a, b in zip(step_a, step_b, strict=True):
            assert torch.equal(a, b)


@pytest.mark.parametrize("device", DEVICES)
def test_draws_come_from_the_cdf_before_the_fold(device: str) -> None:
    """Every env fails in bin 13 (of a motion of its own): the fold moves mass there, but this step's draws
    still follow the CDF before it (frame-uniform: few in bin 13); the next step's draws follow the new one."""
    _, sampler = _pair("start", device, alpha=1.0, gamma=1e-6, lambda_uniform=0.0, warmup_steps=0)
    step = WarpFusedStep(sampler, NUM_ENVS, seed=0)
    step.bins.fill_(13)
    step.failed.fill_(True)
    step.finished.fill_(True)
    bins, _, _ = step.step(draw_first=True)
    assert int((bins == 13).sum()) < NUM_ENVS // 4  # one bin of 49 under the frame-uniform CDF
    step.failed.fill_(False)
    step.finished.fill_(True)
    bins, _, _ = step.step(fold=False, draw_first=True)
    assert bool((bins == 13).all())  # λ = 0, γ = 1e-6: (almost) all of the mass on the failed bin


@pytest.mark.parametrize("device", DEVICES)
def test_start_bins_feed_the_next_record(device: str) -> None:
    """``attribute_to_start_bins``: each finished env is recorded in the bin drawn at its previous end."""
    _, sampler = _pair("start", device, warmup_steps=0)
    step = WarpFusedStep(sampler, NUM_ENVS, seed=2)
    step.attribute_to_start_bins()
    assert step.bins is step.start_bins
    generator = torch.Generator().manual_seed(5)
    step.finished.fill_(True)
    step.step(fold=False, draw_first=True)  # every env gets a start
    for _ in range(5):
        finished = (torch.rand(NUM_ENVS, generator=generator) < 0.5).to(device)
        step.finished.copy_(finished)
        previous = step.start_bins.clone()
        sampler._pending.zero_()
        step.step(fold=False, draw_first=True)
        expected = torch.bincount(previous[finished], minlength=sampler.num_bins).float()
        assert torch.equal(sampler._pending[:, 0], expected)
        assert torch.equal(step.start_bins[~finished], previous[~finished])  # the running envs keep theirs
        assert bool((step.start_bins[finished] >= 0).all())


def test_attribute_to_start_bins_refusals() -> None:
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(warp_step=True), FRAMES, fps=10)
    every_env = WarpFusedStep(sampler, NUM_ENVS, seed=0, draw_every_env=True)
    with pytest.raises(RuntimeError, match="attribute_to_start_bins\\) with draw_every_env: every env draws each step"):
        every_env.attribute_to_start_bins()
    with pytest.raises(RuntimeError, match="attribute_to_start_bins\\) with draw_every_env"):
        every_env.bind(bins=every_env.start_bins)
    step = WarpFusedStep(sampler, NUM_ENVS, seed=0)
    step.step(draw_first=True)
    with pytest.raises(RuntimeError, match=r"bind\(\) after the first step\(\): its CUDA graphs read the old buffers"):
        step.attribute_to_start_bins()


@pytest.mark.parametrize("device", DEVICES)
def test_bound_buffers_record_one_mask_and_draw_another(device: str) -> None:
    """The curriculum term's binding: the ended envs recorded, the reset envs drawn (a superset), the draws' bins in
    the caller's buffer; :meth:`record_draw` + :meth:`fold` eagerly equal ``step(draw_first=True)`` bit for bit."""
    results = []
    for eager in (True, False):
        _, sampler = _pair("start", device, warmup_steps=0)
        step = WarpFusedStep(sampler, NUM_ENVS, seed=11)
        ended, reset = (torch.zeros(NUM_ENVS, dtype=torch.bool, device=device) for _ in range(2))
        failed = torch.zeros(NUM_ENVS, dtype=torch.bool, device=device)
        seeded = torch.Generator().manual_seed(9)
        start_bins = torch.randint(0, sampler.num_bins, (NUM_ENVS,), generator=seeded).to(device)
        step.bind(finished=ended, failed=failed, needs_start=reset, start_bins=start_bins)
        step.attribute_to_start_bins()
        assert step.bins is start_bins and step.start_bins is start_bins and step.finished is ended
        generator = torch.Generator().manual_seed(4)
        for _ in range(5):
            reset.copy_((torch.rand(NUM_ENVS, generator=generator) < 0.5).to(device))
            ended.copy_(reset & (torch.rand(NUM_ENVS, generator=generator) < 0.6).to(device))
            failed.copy_((torch.rand(NUM_ENVS, generator=generator) < 0.5).to(device))
            expected = torch.zeros_like(sampler._pending[:, :2])
            expected.index_add_(0, start_bins[ended], torch.stack((ended, failed & ended), 1)[ended].float())
            bins_before, motions_before = start_bins.clone(), step.start_motions.clone()
            if eager:
                step.record_draw()
                assert torch.equal(sampler._pending[:, :2], expected)  # the ended envs only, in their start bins
                step.fold()
            else:
                step.step(draw_first=True)
            assert torch.equal(start_bins[~reset], bins_before[~reset])  # only the reset envs drew
            assert torch.equal(step.start_motions[~reset], motions_before[~reset])
        assert sampler.episode_counts.sum() > 10
        results.append((start_bins, step.start_frames, sampler.failure_rate, sampler._adaptive_cdf, step._rng))
    for eager_value, graph_value in zip(*results, strict=True):
        assert torch.equal(eager_value, graph_value)


def test_bind_refusals() -> None:
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(warp_step=True), FRAMES, fps=10)
    step = WarpFusedStep(sampler, NUM_ENVS, seed=0)
    rows = torch.zeros(NUM_ENVS, dtype=torch.bool)
    step.bind(finished=rows)
    assert step.finished is rows and step.needs_start is rows  # built without draw_every_env: the draw mask follows
    with pytest.raises(
        TypeError, match=rf"bind\(finished=...\) expects a contiguous bool tensor of shape \({NUM_ENVS},\)"
    ):
        step.bind(finished=rows.long())
    with pytest.raises(
        TypeError,
        match=r"bind\(start_bins=...\) expects a contiguous int64 tensor .* got torch.int64 tensor of shape \(97,\)",
    ):
        step.bind(start_bins=torch.zeros(NUM_ENVS + 1, dtype=torch.long))  # 97 rows
    with pytest.raises(TypeError, match=r"bind\(needs_start=...\) expects a contiguous bool"):
        step.bind(needs_start=torch.zeros(NUM_ENVS, 2, dtype=torch.bool)[:, 0])
    every_env = WarpFusedStep(sampler, NUM_ENVS, seed=0, draw_every_env=True)
    with pytest.raises(RuntimeError, match=r"bind\(needs_start=...\) with draw_every_env"):
        every_env.bind(needs_start=rows)
    step.step(draw_first=True)
    with pytest.raises(RuntimeError, match=r"bind\(\) after the first step\(\)"):
        step.bind(failed=rows)
