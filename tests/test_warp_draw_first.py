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
    with pytest.raises(RuntimeError, match="with draw_every_env: every env draws each step"):
        every_env.attribute_to_start_bins()
    step = WarpFusedStep(sampler, NUM_ENVS, seed=0)
    step.step(draw_first=True)
    with pytest.raises(RuntimeError, match=r"after the first step\(\): its CUDA graphs read the old bins buffer"):
        step.attribute_to_start_bins()
