"""The CPU fold updates only the bins recorded since the last fold, with the full fold's results."""

from __future__ import annotations

import collections

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import PerEnvSampling
from beyondmimic_adaptive.sampler.changed_bins import SERIAL_ELEMENTS

FRAMES = [20000, 1234, 40]  # 400 + 25 + 1 bins: a few episodes per fold take the partial path


def make(fixed_shapes: bool = False, **cfg) -> AdaptiveSampler:
    return AdaptiveSampler(AdaptiveSamplerCfg(**cfg), motion_num_frames=FRAMES, fps=50, fixed_shapes=fixed_shapes)


def assert_same_statistics(a: AdaptiveSampler, b: AdaptiveSampler) -> None:
    for name in ("failure_rate", "episode_counts", "failure_counts", "exposure_counts", "_hazard_counts", "_pending"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name


@pytest.mark.parametrize(
    "cfg",
    [
        dict(attribution="start", alpha=0.3),
        dict(attribution="failure", alpha=0.5, K=1),
        dict(attribution="start", alpha=0.2, K=3, rate_prior=2.0, rate_prior_mean=0.1, max_prob_ratio=3.0),
        dict(attribution="hazard", alpha=0.3, K=7, gamma=0.5),
        dict(attribution="hazard", alpha=0.1, rate_prior=1.0, rate_prior_mean=0.2, lambda_uniform=0.0),
    ],
)
def test_changed_bins_fold_matches_the_full_fold(cfg):
    generator = torch.Generator().manual_seed(11)
    sparse, dense = make(**cfg), make(fixed_shapes=True, **cfg)
    assert not sparse.fixed_shapes and dense.fixed_shapes
    for step in range(60):
        # few episodes (the partial path) most steps, many (the full path) every seventh
        n = 60 if step % 7 == 6 else int(torch.randint(0, 6, (), generator=generator))
        bins = torch.randint(0, sparse.num_bins, (n,), generator=generator)
        failed = torch.rand(n, generator=generator) < 0.4
        exposure = torch.randint(0, sparse.num_bins, (int(torch.randint(0, 4, (), generator=generator)),))
        for s in (sparse, dense):
            s.record(bins, failed)
            s.record_exposure(exposure)
            s.fold()
        # statistics: element-wise maths, bit for bit those of the fixed-shape (GPU) fold
        assert_same_statistics(sparse, dense)
        # the distribution: bit for bit what a full recomputation from these rates gives ...
        fresh = make(**cfg)
        fresh.load_state_dict(sparse.state_dict())
        assert torch.equal(fresh.sampling_cdf, sparse.sampling_cdf)
        # ... and the fixed-shape fold's up to float32 rounding (its kernel sum adds in another order)
        torch.testing.assert_close(sparse.probabilities, dense.probabilities, rtol=1e-6, atol=1e-9)
    assert sparse.failure_rate.count_nonzero() > 20  # the test exercised many bins


def test_loaded_pending_counts_are_folded_in_every_bin():
    source = make(alpha=0.5)
    source.record(torch.arange(0, source.num_bins, 3), torch.ones(142, dtype=torch.bool))
    loaded, reference = make(alpha=0.5), make(fixed_shapes=True, alpha=0.5)
    for s in (loaded, reference):
        s.load_state_dict(source.state_dict())  # 142 bins with pending episodes, recorded elsewhere
        s.fold()
    assert_same_statistics(loaded, reference)
    assert loaded.failure_rate.count_nonzero() == 142


class _LargestWork(TorchDispatchMode):
    """Per op, the most elements it produced (for index_add_ / index_copy_ / index_fill_: it wrote)."""

    def __init__(self) -> None:
        super().__init__()
        self.numel: collections.Counter[str] = collections.Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        name = func.overloadpacket.__name__
        if not func.is_view and isinstance(out, torch.Tensor):
            work = args[2].numel() if name.startswith("index_") and name.endswith("_") else out.numel()
            self.numel[name] = max(self.numel[name], work)
        return out


def test_cpu_env_step_never_builds_the_kernel_window():
    """At 20k bins a fold of 41 episodes built 100k-element K x B tables (gather, product, sum), which
    torch splits over threads: milliseconds on a loaded CPU. Now only the CDF's cumsum (one thread in
    torch, or in the C loops of native_fold.py) spans every bin; its uniform part goes in chunks,
    everything else scales with the episodes.
    Run with two torch threads, where splitting can happen (with one thread, as the suite runs, the
    chunks are deliberately whole: changed_bins.ONE_THREAD_ELEMENTS)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        _check_no_kernel_window()
    finally:
        torch.set_num_threads(threads)


def _check_no_kernel_window() -> None:
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(), motion_num_frames=[1_000_000], fps=50)
    per_env = PerEnvSampling(sampler, 4096)
    generator = torch.Generator().manual_seed(2)
    bins = torch.randint(0, sampler.num_bins, (4096,), generator=generator)
    failed = torch.rand(4096, generator=generator) < 0.3
    finished = torch.rand(4096, generator=generator) < 0.01
    resetting = finished.nonzero().flatten()
    with _LargestWork() as largest:
        per_env.record(bins, failed, finished)
        sampler.fold()
        per_env.sample(resetting)
    whole = {name for name, numel in largest.numel.items() if numel >= sampler.num_bins}
    assert max(largest.numel.values()) <= sampler.num_bins, largest.numel
    assert whole == (set() if sampler._changed.native is not None else {"cumsum"}), largest.numel
    assert largest.numel["addcmul_"] <= SERIAL_ELEMENTS


def assert_same_and_restorable(sparse: AdaptiveSampler, dense: AdaptiveSampler, cfg: dict, frames: list[int]) -> None:
    """The partial-fold sampler equals the fixed-shape one, and its state restores the same CDF."""
    assert_same_statistics(sparse, dense)
    fresh = AdaptiveSampler(AdaptiveSamplerCfg(**cfg), motion_num_frames=frames, fps=50)
    fresh.load_state_dict(sparse.state_dict())
    assert torch.equal(fresh.sampling_cdf, sparse.sampling_cdf)
    torch.testing.assert_close(sparse.probabilities, dense.probabilities, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("attribution", ["start", "hazard"])
def test_many_changed_bins_take_the_stepwise_and_chunked_paths_with_the_same_results(attribution):
    """Thousands of changed bins (every env's exposure): the kernel masses go one window step at a time
    and expm1 in chunks, so no op is split over threads; the results stay those of the full fold."""
    cfg = dict(attribution=attribution, K=7, alpha=0.3)
    frames = [1_000_000]  # 20000 bins: the full recomputation runs in two chunks
    sparse = AdaptiveSampler(AdaptiveSamplerCfg(**cfg), motion_num_frames=frames, fps=50)
    dense = AdaptiveSampler(AdaptiveSamplerCfg(**cfg), motion_num_frames=frames, fps=50, fixed_shapes=True)
    generator = torch.Generator().manual_seed(4)
    for _ in range(4):
        bins = torch.randint(0, sparse.num_bins, (400,), generator=generator)
        failed = torch.rand(400, generator=generator) < 0.5
        exposure = torch.randint(0, sparse.num_bins, (5000,), generator=generator)
        for s in (sparse, dense):
            s.record(bins, failed)
            if attribution == "hazard":
                s.record_exposure(exposure)
            s.fold()
        assert_same_and_restorable(sparse, dense, cfg, frames)


def test_the_default_work_depends_on_device_and_size():
    def default(frames: int, K: int = 5) -> bool:
        return AdaptiveSampler(AdaptiveSamplerCfg(K=K), motion_num_frames=[frames], fps=50).fixed_shapes

    assert default(3276 * 50)  # K x B = 16380: the fixed-shape fold's ops stay small on the CPU
    assert not default(3277 * 50)
    assert not default(100 * 50, K=200)
    assert not AdaptiveSampler(AdaptiveSamplerCfg(), motion_num_frames=[500], fps=50, fixed_shapes=False).fixed_shapes


@pytest.mark.parametrize("attribution", ["start", "hazard"])
def test_a_bin_recorded_many_times_in_one_fold_folds_once(attribution):
    """The CPU fold takes the recorded bins with their duplicates (no sort, no unique): every copy
    gathers, computes and writes back the same values, also when copies fall in different chunks."""
    cfg = dict(attribution=attribution, alpha=0.3, K=7)
    frames = [1_000_000]  # 20000 bins: 4000 recorded entries stay on the partial path, in two chunks
    sparse = AdaptiveSampler(AdaptiveSamplerCfg(**cfg), motion_num_frames=frames, fps=50)
    dense = AdaptiveSampler(AdaptiveSamplerCfg(**cfg), motion_num_frames=frames, fps=50, fixed_shapes=True)
    generator = torch.Generator().manual_seed(5)
    for _ in range(5):
        bins = torch.randint(0, 40, (4000,), generator=generator) * 7  # 40 distinct bins, 100 copies each
        failed = torch.rand(4000, generator=generator) < 0.3
        for s in (sparse, dense):
            s.record(bins, failed)
            if attribution == "hazard":
                s.record_exposure(bins[:50])
            s.fold()
        assert_same_and_restorable(sparse, dense, cfg, frames)
    assert sparse.episode_counts.sum() == 5 * 4000


def test_the_cpu_kernel_window_reads_zeros_past_the_last_bin():
    """The CPU reads bin s's window as rates[s:s + K] of a zero-padded buffer: the last bins' windows
    must add nothing past the end (the weights there are 0, the padding stays 0)."""
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(alpha=1.0, K=5, gamma=0.5), motion_num_frames=[200_000], fps=50)
    assert not sampler.fixed_shapes
    last = sampler.num_bins - 1
    sampler.update(torch.tensor([last, last - 1]), torch.tensor([True, True]))
    mass = sampler._kernel_mass
    scale = 1.0 - sampler.cfg.lambda_uniform
    assert mass[last].item() == pytest.approx(scale * 1.0)
    assert mass[last - 1].item() == pytest.approx(scale * 1.5)
    assert mass[last - 4].item() == pytest.approx(scale * (0.5**3 + 0.5**4))
    assert mass[last - 5].item() == pytest.approx(scale * 0.5**4)  # reads last - 1 only
    assert float(mass[: last - 5].abs().sum()) == 0.0


@pytest.mark.parametrize("attribution", ["start", "hazard"])
def test_one_thread_folds_in_larger_chunks_with_the_same_results(attribution):
    """With one torch thread nothing can be split over threads, so the CPU fold issues larger chunks
    (fewer ops); the chunks are element-wise or per line, so the results must not change."""
    cfg = AdaptiveSamplerCfg(attribution=attribution, K=7, alpha=0.3, rate_prior=1.0)
    generator = torch.Generator().manual_seed(6)
    steps = [
        (torch.randint(0, 20000, (n,), generator=generator), torch.rand(n, generator=generator) < 0.5)
        for n in (400, 3000, 9000, 40)
    ]
    threads = torch.get_num_threads()
    samplers = []
    try:
        for count in (1, 2):
            torch.set_num_threads(count)
            sampler = AdaptiveSampler(cfg, motion_num_frames=[1_000_000], fps=50)
            for bins, failed in steps:
                sampler.record(bins, failed)
                if attribution == "hazard":
                    sampler.record_exposure(bins.flip(0))
                sampler.fold()
            samplers.append(sampler)
    finally:
        torch.set_num_threads(threads)
    assert_same_statistics(*samplers)
    assert torch.equal(samplers[0].sampling_cdf, samplers[1].sampling_cdf)
