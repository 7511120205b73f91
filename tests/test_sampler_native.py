"""The CPU fold's C loops (sampler/native.py, native_fold.py): the torch ops' values bit for bit, and a clean
fall-back to the torch ops where no C compiler is found."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import native

FRAMES = [200_000, 1234, 40]  # 4000 + 25 + 1 bins: three motion ends, a one-frame last bin
STATISTICS = ("failure_rate", "episode_counts", "failure_counts", "exposure_counts", "_hazard_counts", "_pending")

needs_compiler = pytest.mark.skipif(native.library() is None, reason="no C compiler: the C loops did not build")


def _make(cfg: dict, use_native: bool, monkeypatch, frames: list[int] = FRAMES) -> AdaptiveSampler:
    with monkeypatch.context() as patch:
        if not use_native:
            patch.setattr(native, "library", lambda: None)
        sampler = AdaptiveSampler(AdaptiveSamplerCfg(**cfg), motion_num_frames=frames, fps=50, fixed_shapes=False)
    assert (sampler._changed.native is not None) == use_native
    return sampler


@needs_compiler
@pytest.mark.parametrize(
    "cfg",
    [
        dict(attribution="hazard", alpha=0.3, K=7, gamma=0.5),
        dict(attribution="hazard", alpha=0.7, rate_prior=0.3, rate_prior_mean=0.2, max_prob_ratio=4.0),
        dict(attribution="start", alpha=0.2, K=3, lambda_uniform=0.0),
        dict(attribution="failure", alpha=1.0, K=1),
    ],
)
def test_the_c_loops_give_the_torch_fold_bit_for_bit(cfg, monkeypatch):
    """Statistics, kernel masses and the CDF, step after step, with few records (partial kernel updates for
    the torch path) and many (every bin folded), and after a state load."""
    with_c, with_torch = _make(cfg, True, monkeypatch), _make(cfg, False, monkeypatch)
    generator = torch.Generator().manual_seed(3)
    for step in range(30):
        n = (3, 40, 2500)[step % 3]
        bins = torch.randint(0, with_c.num_bins, (n,), generator=generator)
        failed = torch.rand(n, generator=generator) < 0.4
        exposure = torch.randint(0, with_c.num_bins, (n * 2,), generator=generator)
        for sampler in (with_c, with_torch):
            sampler.record(bins, failed)
            if cfg["attribution"] == "hazard":
                sampler.record_exposure(exposure)
            sampler.fold()
        for name in (*STATISTICS, "_kernel_mass", "sampling_cdf"):
            assert torch.equal(getattr(with_c, name), getattr(with_torch, name)), (step, name)
    assert with_c.failure_rate.count_nonzero() > 100
    fresh = _make(cfg, True, monkeypatch)
    fresh.load_state_dict(with_torch.state_dict())
    assert torch.equal(fresh.sampling_cdf, with_torch.sampling_cdf)


@needs_compiler
def test_the_kernel_mass_loop_equals_the_torch_steps_on_every_bin():
    """Kernel masses and their cumulative sum over 100k bins of random rates and weights, zeros among them."""
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(K=6), motion_num_frames=[5_000_000], fps=50)
    changed = sampler._changed
    generator = torch.Generator().manual_seed(1)
    num_bins = sampler.num_bins
    rates = torch.rand(num_bins, generator=generator) * (torch.rand(num_bins, generator=generator) < 0.7)
    sampler.failure_rate.copy_(rates)
    changed.native.kernel_mass_and_cdf()
    mass, cdf = sampler._kernel_mass.clone(), sampler._adaptive_cdf.clone()
    changed.kernel_mass(sampler._kernel_mass)  # the torch steps
    assert torch.equal(mass, sampler._kernel_mass)
    assert torch.equal(cdf, torch.cumsum(sampler._kernel_mass, 0))
    # the cumulative sum alone (after a partial kernel update, which 100k bins and few records take)
    sampler._kernel_mass.copy_(torch.rand(num_bins, generator=generator) ** 4)
    changed.native.cdf_of_mass()
    assert torch.equal(sampler._adaptive_cdf, torch.cumsum(sampler._kernel_mass, 0))
    assert not changed._partial_costs_more(2)  # a fold of two episodes at 100k bins takes that path


def test_without_a_compiler_the_loops_warn_once_and_the_torch_ops_run(monkeypatch, tmp_path):
    monkeypatch.setattr(native, "_tried", False)
    monkeypatch.setattr(native, "_library", None)
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    monkeypatch.setenv("BEYONDMIMIC_ADAPTIVE_CACHE", str(tmp_path))  # no library built before
    with pytest.warns(RuntimeWarning, match="Install a C compiler"):
        assert native.library() is None
    assert native.library() is None  # no second build, no second warning
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(attribution="hazard"), motion_num_frames=[200], fps=50)
    assert sampler.fixed_shapes  # a small library keeps the fixed-shape fold without the loops
    sampler.record_exposure(torch.tensor([1, 2]))
    sampler.update(torch.tensor([1]), torch.tensor([True]))
    assert sampler.failure_rate[1] > 0


def test_the_cache_folder_follows_the_package_variable_then_xdg(monkeypatch, tmp_path):
    from beyondmimic_adaptive.cache import cache_dir

    monkeypatch.delenv("BEYONDMIMIC_ADAPTIVE_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cache_dir() == Path.home() / ".cache" / "beyondmimic_adaptive"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "beyondmimic_adaptive"  # the C loops and the converted clips alike
    monkeypatch.setenv("BEYONDMIMIC_ADAPTIVE_CACHE", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"


def test_the_loops_can_be_switched_off(monkeypatch):
    monkeypatch.setattr(native, "_tried", False)
    monkeypatch.setattr(native, "_library", None)
    monkeypatch.setenv(native.DISABLE_VARIABLE, "0")
    assert native.library() is None
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(attribution="hazard"), motion_num_frames=[500_000], fps=50)
    assert not sampler.fixed_shapes and sampler._changed.native is None


@needs_compiler
def test_hazard_on_the_cpu_folds_the_changed_bins_with_the_loops_at_any_size():
    small = AdaptiveSampler(AdaptiveSamplerCfg(attribution="hazard"), motion_num_frames=[500], fps=50)
    assert not small.fixed_shapes and small._changed.native is not None
    # start keeps the fixed shapes of a small library (its changed-bins fold was not faster there)
    assert AdaptiveSampler(AdaptiveSamplerCfg(attribution="start"), motion_num_frames=[500], fps=50).fixed_shapes


def test_a_buffer_the_loops_cannot_read_is_refused():
    with pytest.raises(ValueError, match=r"contiguous torch\.float32 CPU tensor"):
        native.check_buffer("rates", torch.zeros(4, 2)[:, 0], torch.float32)
    with pytest.raises(ValueError, match="totals"):
        native.check_buffer("totals", torch.zeros(4), torch.float64)
