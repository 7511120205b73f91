"""``compile: true``: the CUDA-graph steps' bodies compiled with torch.compile (Inductor), checked on the CPU.

Inductor's CPU backend compiles the same fixed-shape bodies the CUDA graphs capture (the CUDA-graph path
replayed eagerly, as in tests/test_graph_path_on_cpu.py). Compiling takes tens of seconds on a small CPU,
so these tests are not in the fast tier, and each compiles one sampler's steps once.
"""

from __future__ import annotations

import pytest
import torch

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import PerEnvSampling, compiled
from beyondmimic_adaptive.sampler.config import SamplerConfigError

FRAMES = [250, 120, 75]
NUM_ENVS = 512


def graph_path(compile: bool, **cfg) -> PerEnvSampling:
    """PerEnvSampling on its CUDA-graph path (persistent inputs, full-width draws), replayed eagerly."""
    sampler = AdaptiveSampler(
        AdaptiveSamplerCfg(compile=compile, **cfg), motion_num_frames=FRAMES, fps=50, fixed_shapes=True
    )
    per_env = PerEnvSampling(sampler, NUM_ENVS, fixed_shapes=True)
    per_env._use_graph = True  # the CudaGraphedSteps of a CPU sampler call their (compiled) step eagerly
    return per_env


def test_compiled_steps_record_and_fold_like_eager_and_draw_from_the_distribution():
    cfg = {"attribution": "hazard", "rate_prior": 2.0, "rate_prior_mean": 0.1, "max_prob_ratio": 3.0, "alpha": 0.3}
    eager, fused = graph_path(False, **cfg), graph_path(True, **cfg)
    generator = torch.Generator().manual_seed(0)
    for _ in range(6):
        bins = torch.randint(0, eager.sampler.num_bins, (NUM_ENVS,), generator=generator)
        failed = torch.rand(NUM_ENVS, generator=generator) < 0.4
        finished = torch.rand(NUM_ENVS, generator=generator) < 0.3
        for per_env in (eager, fused):
            per_env.record(bins.to(torch.int32), failed, finished)
            per_env.record_exposure(bins)
            per_env.sampler.fold()
            per_env.sample()
    a, b = eager.sampler, fused.sampler
    # integer counts added in float: exact whatever the kernels
    for name in ("episode_counts", "failure_counts", "exposure_counts", "_pending"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    # the fused fold may round differently in the last ulp (a fused lerp, seen on the hazard averages)
    for name in ("_hazard_counts", "failure_rate", "_adaptive_cdf"):
        torch.testing.assert_close(getattr(b, name), getattr(a, name), rtol=1e-6, atol=1e-7, msg=name)
    assert b.episode_counts.sum() > 0 and b.failure_rate.max() > 0  # the steps recorded and failed somewhere
    # the compiled draw (Inductor's own random numbers) follows the distribution; frames inside the bin
    draws = 40
    counts = torch.zeros(b.num_bins, dtype=torch.float64)
    layout = b.layout
    for _ in range(draws):
        bins, motions, frames = fused.sample()
        counts += torch.bincount(bins, minlength=b.num_bins)
        assert torch.equal(motions, layout.bin_motion[bins])
        assert bool(
            ((frames >= layout.bin_start[bins]) & (frames < layout.bin_start[bins] + layout.bin_length[bins])).all()
        )
    total_variation = 0.5 * float((counts / counts.sum() - b.probabilities.double()).abs().sum())
    noise = (b.num_bins / (2 * torch.pi * draws * NUM_ENVS)) ** 0.5  # TV of pure sampling noise, about
    assert total_variation < 3 * noise, (total_variation, noise)


def test_compiled_sampling_with_torch_generator_draws_the_eager_starts(monkeypatch):
    """With ``fallback_random`` Inductor calls torch's generator: the same seed gives the same starts."""
    monkeypatch.setitem(compiled.COMPILE_OPTIONS, "fallback_random", True)
    eager, fused = graph_path(False, alpha=1.0), graph_path(True, alpha=1.0)
    bins = torch.arange(eager.sampler.num_bins)
    for per_env in (eager, fused):
        per_env.sampler.update(bins, bins % 3 == 0)
    assert torch.equal(eager.sampler.sampling_cdf, fused.sampler.sampling_cdf)
    for seed in range(3):
        torch.manual_seed(seed)
        expected = [t.clone() for t in eager.sample()]
        torch.manual_seed(seed)
        got = fused.sample()
        for name, want, have in zip(("bins", "motions", "frames"), expected, got, strict=True):
            assert torch.equal(want, have), name


@pytest.mark.parametrize("flag", ["compile", "cuda_graph", "sync_distributed"])
def test_the_switches_must_be_bools(flag):
    # a truthy string ("no") would otherwise switch the path on
    with pytest.raises(SamplerConfigError, match=rf"AdaptiveSamplerCfg.{flag}='no' is invalid: expected true or false"):
        AdaptiveSamplerCfg(**{flag: "no"}).validate()
