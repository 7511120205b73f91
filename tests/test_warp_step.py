"""The Warp-fused step (``sampler/warp_step.py``, ``cfg.warp_step``) against the torch path, on Warp's CPU device.

- statistics (totals, pending counts, the hazard's averages, the start and failure rates): bit for bit the torch
  fixed-shape fold (the same element-wise maths; torch's lerp is a fused multiply-add, which the kernel
  reproduces); the hazard's rates within 2 ulps (torch's float32 expm1 is not always correctly rounded);
- kernel masses: within 2 float32 ulps at this test's small K (torch's sum over the K rows adds them in an order
  that depends on the bin's place in its vector loop; about 9 ulps at K = 257); the CDF and the probabilities:
  within float32 rounding of a scan, and the float64 reference of ``reference_math.py``;
- starts drawn from given uniforms: the torch path's (bins, motions, frames), but where a draw lies within
  the CDFs' rounding of a bin edge; starts from the Warp RNG: the distribution (total variation).

The fold has two paths (``WarpFold.one_block_max_bins``): two grid kernels (the default), or one kernel of one
block up to the bound (opt-in). The ``fold_path`` fixture runs a test on each, whatever its library's size; the
tests of the draw alone take the default.
"""

from __future__ import annotations

import math

import pytest
import torch
from reference_math import bin_lengths, reference_probabilities

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler.config import SamplerConfigError

pytest.importorskip("warp")
from beyondmimic_adaptive.sampler.warp_fold import WarpFold
from beyondmimic_adaptive.sampler.warp_step import WarpFusedStep

FRAMES = [120, 57, 9, 300]
"""Four motions of 12, 6, 1 and 30 bins at 10 fps and 1 s bins: K = 5 crosses every motion boundary."""
NUM_ENVS = 96
DEVICES = ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]
"""Warp's CPU device always; on a machine with a GPU also CUDA (there ``step`` replays one CUDA graph)."""


FOLD_PATHS = {"one block": 1 << 30, "two kernels": 0}
"""``WarpFold.one_block_max_bins`` that forces each fold path."""


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=list(FOLD_PATHS))
def fold_path(request: pytest.FixtureRequest) -> str:
    return request.param


def _force_path(sampler: AdaptiveSampler, fold_path: str) -> None:
    fold = sampler._warp_fold
    assert isinstance(fold, WarpFold)
    fold.one_block_max_bins = FOLD_PATHS[fold_path]
    assert fold.one_block == (fold_path == "one block")


def _pair(
    attribution: str, device: str = "cpu", fold_path: str = "two kernels", **overrides: object
) -> tuple[AdaptiveSampler, AdaptiveSampler]:
    """(torch fixed-shape sampler, Warp sampler whose fold takes ``fold_path``) of the same config."""
    cfg = AdaptiveSamplerCfg(**{"attribution": attribution, "alpha": 0.3, **overrides})  # type: ignore[arg-type]
    torch_sampler = AdaptiveSampler(cfg, FRAMES, fps=10, device=device, fixed_shapes=True)
    warp_cfg = AdaptiveSamplerCfg(**{**vars(cfg), "warp_step": True})
    warp_sampler = AdaptiveSampler(warp_cfg, FRAMES, fps=10, device=device)
    _force_path(warp_sampler, fold_path)
    return torch_sampler, warp_sampler


def random_rows(generator: torch.Generator, num_bins: int, device: str) -> tuple[torch.Tensor, ...]:
    """One env step's random (bins, failed, finished, current bins, alive) rows of ``NUM_ENVS`` envs."""
    bins = torch.randint(0, num_bins, (NUM_ENVS,), generator=generator)
    failed = torch.rand(NUM_ENVS, generator=generator) < 0.4
    finished = torch.rand(NUM_ENVS, generator=generator) < 0.3
    current = torch.randint(0, num_bins, (NUM_ENVS,), generator=generator)
    alive = torch.rand(NUM_ENVS, generator=generator) < 0.9
    return tuple(t.to(device) for t in (bins, failed, finished, current, alive))


def _run_folds(
    attribution: str, folds: int = 6, seed: int = 0, device: str = "cpu", fold_path: str = "two kernels", **overrides
):
    """Both paths after ``folds`` env steps of the same random rows: (torch sampler, fused step)."""
    torch_sampler, warp_sampler = _pair(attribution, device, fold_path, **overrides)
    step = WarpFusedStep(warp_sampler, NUM_ENVS, seed=1)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(folds):
        bins, failed, finished, current, alive = random_rows(generator, torch_sampler.num_bins, device)
        torch_sampler.record(bins, failed, mask=finished)
        if attribution == "hazard":
            torch_sampler.record_exposure(current, mask=alive)
        torch_sampler.fold()
        step.set_inputs(bins, failed, finished, current, alive)
        step.record()
        step.fold()
    return torch_sampler, step


@pytest.mark.parametrize(
    ("attribution", "overrides"),
    [
        ("start", {}),
        ("failure", {}),
        ("hazard", {}),
        ("start", {"rate_prior": 2.0, "rate_prior_mean": 0.1, "alpha": 0.7}),
        ("hazard", {"rate_prior": 1.5, "rate_prior_mean": 0.2}),
    ],
)
def test_fold_matches_the_torch_fold(
    attribution: str, overrides: dict[str, object], device: str, fold_path: str
) -> None:
    torch_sampler, step = _run_folds(attribution, device=device, fold_path=fold_path, **overrides)
    fused = step.sampler
    assert fused.failure_rate.max() > 0.05  # the folds saw failures: the comparison below is not of zeros
    # the hazard's rates: torch's float32 expm1 (CPU and CUDA) is not always correctly rounded, ours (through
    # float64) is; they differ by an ulp on a few inputs (about 3 % in [-20, 0] on the CPU; these seeds hit none)
    if attribution == "hazard":
        rate_ulp = torch.finfo(torch.float32).eps * torch_sampler.failure_rate.abs()
        assert ((fused.failure_rate - torch_sampler.failure_rate).abs() <= 2 * rate_ulp).all()
    else:
        assert torch.equal(fused.failure_rate, torch_sampler.failure_rate)
    assert torch.equal(fused._totals, torch_sampler._totals)
    assert torch.equal(fused._pending, torch_sampler._pending)  # cleared by both
    assert torch.equal(fused._hazard_counts, torch_sampler._hazard_counts)
    ulp = torch.finfo(torch.float32).eps * torch_sampler._kernel_mass.abs()
    assert ((fused._kernel_mass - torch_sampler._kernel_mass).abs() <= 2 * ulp).all()
    total = float(torch_sampler._adaptive_cdf[-1])
    assert (fused._adaptive_cdf - torch_sampler._adaptive_cdf).abs().max() <= 1e-6 * total
    assert (fused.probabilities - torch_sampler.probabilities).abs().max() <= 1e-6
    assert torch.equal(fused._uniform_mass, torch_sampler._uniform_mass) or math.isclose(
        float(fused._uniform_mass), float(torch_sampler._uniform_mass), rel_tol=1e-6
    )


@pytest.mark.parametrize("attribution", ["start", "hazard"])
def test_probabilities_match_the_float64_reference(attribution: str, fold_path: str) -> None:
    _, step = _run_folds(attribution, folds=4, seed=3, fold_path=fold_path)
    sampler, cfg = step.sampler, step.sampler.cfg
    lengths = bin_lengths(FRAMES, 10.0)
    expected = reference_probabilities(
        sampler.failure_rate.double().tolist(), lengths, cfg.gamma, cfg.K, cfg.lambda_uniform
    )
    assert torch.allclose(
        sampler.probabilities.double(), torch.tensor(expected, dtype=torch.float64), atol=2e-7, rtol=0
    )


def test_no_failures_give_the_frame_uniform_distribution(fold_path: str) -> None:
    _, warp_sampler = _pair("start", fold_path=fold_path)
    step = WarpFusedStep(warp_sampler, 8, seed=0)
    step.set_inputs(torch.arange(8), torch.zeros(8, dtype=torch.bool), torch.ones(8, dtype=torch.bool))
    step.record()
    step.fold()
    assert torch.allclose(warp_sampler.probabilities, warp_sampler._frame_share, atol=1e-7, rtol=0)
    assert float(warp_sampler._uniform_mass) == 1.0


@pytest.mark.parametrize("attribution", ["start", "hazard"])
def test_starts_from_given_uniforms_are_the_torch_paths(attribution: str, device: str) -> None:
    torch_sampler, step = _run_folds(attribution, device=device)
    generator = torch.Generator().manual_seed(7)
    u_bin = torch.rand(NUM_ENVS, generator=generator)
    u_frame = torch.rand(NUM_ENVS, generator=generator)
    u_bin[:3] = torch.tensor([0.0, 0.999999940, 0.5])  # both ends and a middle
    u_frame[:2] = torch.tensor([0.0, 0.999999940])
    u_bin, u_frame = u_bin.to(device), u_frame.to(device)
    step.finished.fill_(True)
    bins, motions, frames = step.sample((u_bin, u_frame))
    head, total = torch_sampler.sampling_parts()
    expected = torch.searchsorted(head, u_bin * total, right=True)
    motion, start, length, last = torch_sampler.layout._bin_rows.index_select(0, expected).unbind(1)
    expected_frames = start + torch.minimum((u_frame * length).long(), last)
    # a draw may only land in the neighbouring bin where it lies within the CDFs' rounding of the edge
    edge_gap = (
        torch_sampler._adaptive_cdf.index_select(0, expected.clamp_max(torch_sampler.num_bins - 2)) - u_bin * total
    ).abs()
    differs = bins != expected
    assert bool((edge_gap[differs] <= 1e-6 * float(total)).all())
    same = ~differs
    assert int(same.sum()) >= NUM_ENVS - 2
    assert torch.equal(motions[same], motion[same]) and torch.equal(frames[same], expected_frames[same])


@pytest.mark.parametrize("num_bins", [1, 2, 15, 16, 17, 100, 5000])
def test_the_draws_search_is_searchsorted(num_bins: int, device: str) -> None:
    """The draw's search (rounds of 7 probes, then halving) returns ``torch.searchsorted(right=True)``'s bin, bit for
    bit on the same CDF: random masses with runs of empty bins (flat CDF stretches, ties), both ends of [0, 1)."""
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(warp_step=True), [num_bins * 10], fps=10, device=device)
    generator = torch.Generator().manual_seed(num_bins)
    masses = torch.rand(num_bins, generator=generator) * (torch.rand(num_bins, generator=generator) < 0.7)
    masses[: num_bins // 2] = 0.0  # u = 0 must pass the leading empty bins (their CDF entries equal x = 0)
    masses[-1] = 1.0  # not all empty
    sampler.set_manual_probabilities((masses / masses.sum()).tolist())
    step = WarpFusedStep(sampler, NUM_ENVS, seed=0)
    step.finished.fill_(True)
    u_bin = torch.rand(NUM_ENVS, generator=generator)
    u_bin[:2] = torch.tensor([0.0, 0.999999940])
    bins, _, _ = step.sample((u_bin.to(device), torch.zeros(NUM_ENVS, device=device)))
    head, total = sampler.sampling_parts()
    assert torch.equal(bins, torch.searchsorted(head, u_bin.to(device) * total, right=True))


def test_only_finished_envs_get_a_start() -> None:
    _, step = _run_folds("start")
    step.start_bins.fill_(-1)
    step.finished.copy_(torch.arange(NUM_ENVS) % 3 == 0)
    bins, _, _ = step.sample()
    assert bool((bins[step.finished] >= 0).all()) and bool((bins[~step.finished] == -1).all())


def test_rng_starts_follow_the_distribution(device: str) -> None:
    _, step = _run_folds("start", folds=8, device=device)
    sampler = step.sampler
    step.finished.fill_(True)
    counts = torch.zeros(sampler.num_bins, device=device)
    draws = 60
    for _ in range(draws):
        bins, motions, frames = step.sample()
        counts += torch.bincount(bins, minlength=sampler.num_bins)
        layout = sampler.layout
        assert torch.equal(motions, layout.bin_motion[bins])
        assert bool(
            ((frames >= layout.bin_start[bins]) & (frames < layout.bin_start[bins] + layout.bin_length[bins])).all()
        )
    total = draws * NUM_ENVS
    distance = 0.5 * float((counts / total - sampler.probabilities).abs().sum())
    noise = (sampler.num_bins / (2 * math.pi * total)) ** 0.5
    assert distance < 2.0 * noise


def test_step_is_record_fold_draw_and_deterministic_for_a_seed(device: str, fold_path: str) -> None:
    """On CUDA ``step`` replays one CUDA graph and the parts launch eagerly: graph equals eager bit for bit."""
    results = []
    for whole in (True, False):
        _, warp_sampler = _pair("hazard", device, fold_path)
        step = WarpFusedStep(warp_sampler, NUM_ENVS, seed=5)
        generator = torch.Generator().manual_seed(2)
        for _ in range(4):
            bins = torch.randint(0, warp_sampler.num_bins, (NUM_ENVS,), generator=generator)
            finished = torch.rand(NUM_ENVS, generator=generator) < 0.5
            bins, finished = bins.to(device), finished.to(device)
            step.set_inputs(bins, finished & (bins % 2 == 0), finished, bins.flip(0))
            if whole:
                starts = step.step()
            else:
                step.record()
                step.fold()
                starts = step.sample()
        results.append((warp_sampler.failure_rate.clone(), *(s.clone() for s in starts)))
    for first, second in zip(*results, strict=True):
        assert torch.equal(first, second)


def test_manual_and_warmup_cdfs_are_drawn_from() -> None:
    _, warp_sampler = _pair("start")
    step = WarpFusedStep(warp_sampler, NUM_ENVS, seed=0)
    step.finished.fill_(True)
    manual = [0.0] * warp_sampler.num_bins
    manual[13] = 1.0
    warp_sampler.set_manual_probabilities(manual)
    assert bool((step.step(fold=False)[0] == 13).all())
    warp_sampler.set_manual_probabilities(None)
    assert step.sampler.sampling_cdf is warp_sampler._adaptive_cdf


def test_refused_configs_say_what_to_change() -> None:
    with pytest.raises(SamplerConfigError, match="max_prob_ratio"):
        AdaptiveSampler(AdaptiveSamplerCfg(warp_step=True, max_prob_ratio=3.0), FRAMES, fps=10)
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(), FRAMES, fps=10, fixed_shapes=False)
    with pytest.raises(SamplerConfigError, match="fixed_shapes=True"):
        WarpFold(sampler)
    expected = r"AdaptiveSamplerCfg.warp_step=1 is invalid: expected true, false or null"
    with pytest.raises(SamplerConfigError, match=expected):
        AdaptiveSamplerCfg(warp_step=1).validate()  # type: ignore[arg-type]


@pytest.mark.parametrize("tiles", [10, 300])
def test_cdf_over_several_scan_tiles(tiles: int, device: str, fold_path: str) -> None:
    """Libraries of many tiles of ``SCAN_TILE`` bins: the grid kernels need the tiles' offsets, and beyond
    ``SCAN_TILE`` tiles each thread of a block adds more than one tile sum into the offsets and the total; the
    one-block kernel carries a running total over its tiles of ``FOLD_TILE`` bins (300 tiles: 19 of them)."""
    from beyondmimic_adaptive.sampler.warp_kernels import FOLD_TILE, SCAN_TILE

    frames = [(tiles - 1) * SCAN_TILE * 10 + 3, 120, 9]
    torch_sampler = AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.5), frames, fps=10, device=device, fixed_shapes=True)
    warp_sampler = AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.5, warp_step=True), frames, fps=10, device=device)
    _force_path(warp_sampler, fold_path)
    assert (torch_sampler.num_bins + SCAN_TILE - 1) // SCAN_TILE == tiles
    assert tiles < 300 or torch_sampler.num_bins > 18 * FOLD_TILE
    generator = torch.Generator().manual_seed(4)
    bins = torch.randint(0, torch_sampler.num_bins, (4000,), generator=generator)
    failed = torch.rand(4000, generator=generator) < 0.3
    bins, failed = bins.to(device), failed.to(device)
    for sampler in (torch_sampler, warp_sampler):
        sampler.update(bins, failed)
    assert torch.equal(warp_sampler.failure_rate, torch_sampler.failure_rate)
    total = float(torch_sampler._adaptive_cdf[-1])
    assert (warp_sampler._adaptive_cdf - torch_sampler._adaptive_cdf).abs().max() <= 1e-5 * total
    assert (warp_sampler.probabilities - torch_sampler.probabilities).abs().max() <= 1e-7
    if fold_path == "one block":  # one running total: no step back at a tile's edge (the offsets' ulp)
        assert bool((warp_sampler._adaptive_cdf.diff() >= 0).all())


def test_the_bound_picks_the_fold_path(device: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Up to ``one_block_max_bins`` bins one kernel of one block, above it two grid kernels; by default the grid
    kernels on every device (the one-block fold was slower on an H200 and on the CPU: docs/benchmarks.md §1.9), one
    block only if asked."""
    from beyondmimic_adaptive.sampler import warp_fold

    sampler = AdaptiveSampler(AdaptiveSamplerCfg(warp_step=True), FRAMES, fps=10, device=device)  # 49 bins
    assert warp_fold.ONE_BLOCK_MAX_BINS == 0
    assert sampler._warp_fold.one_block_max_bins == 0 and not sampler._warp_fold.one_block
    monkeypatch.setattr(warp_fold, "ONE_BLOCK_MAX_BINS", 49)  # what bench's --warp-one-block-max-bins 49 does
    assert AdaptiveSampler(AdaptiveSamplerCfg(warp_step=True), FRAMES, fps=10, device=device)._warp_fold.one_block
    kernels = {True: ["fold_one_block_kernel"], False: ["rates_mass_scan_kernel", "cdf_offsets_kernel"]}
    for bound in (49, 48):
        fold = WarpFold(sampler, one_block_max_bins=bound)
        assert fold.one_block == (bound == 49)
        launched: list[str] = []

        def count(kernel: object, *args: object, into: list[str] = launched, **kwargs: object) -> None:
            into.append(kernel.key)  # type: ignore[attr-defined]

        fold.launch = count  # type: ignore[method-assign]
        fold()
        assert launched == kernels[bound == 49]
