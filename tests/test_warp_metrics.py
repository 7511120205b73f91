"""The distribution metrics as Warp kernels (``sampler/warp_metrics.py``), on Warp's CPU device (and CUDA if there).

- a given distribution (manual, warm-up): the float64 reference of ``test_sampler_math.py``'s metrics test, over
  several chunks of bins, and ties to the first bin (as ``torch.max(dim=0)``);
- the fold's own distribution: ``distribution_metrics`` of the sampler's probabilities, after random folds;
- what ``AdaptiveSampler.metrics`` takes with ``warp_step``, and that a later call leaves earlier values alone.
"""

from __future__ import annotations

import math

import pytest
import torch
from host_sync import no_host_sync
from hypothesis import given, settings
from hypothesis import strategies as st

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import distribution_metrics

pytest.importorskip("warp")
from beyondmimic_adaptive.sampler.metrics import METRIC_NAMES
from beyondmimic_adaptive.sampler.warp_metrics import WarpMetrics

DEVICES = ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]
CHUNK = 8
"""Bins per block in these tests: a few hundred bins span many chunks, as 100k bins do at the default."""


def _sampler(num_bins: int, device: str = "cpu", **cfg) -> AdaptiveSampler:
    """A Warp-fold sampler of ``num_bins`` 1 s bins at 10 fps (one motion), its metrics over chunks of CHUNK."""
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(warp_step=True, **cfg), [num_bins * 10], fps=10, device=device)
    sampler._warp_metrics = WarpMetrics(sampler._warp_fold, chunk_bins=CHUNK)
    return sampler


def _record_random(sampler: AdaptiveSampler, generator: torch.Generator, folds: int) -> None:
    for _ in range(folds):
        bins = torch.randint(0, sampler.num_bins, (64,), generator=generator).to(sampler.device)
        failed = (torch.rand(64, generator=generator) < 0.4).to(sampler.device)
        sampler.record(bins, failed)
        sampler.fold()


@settings(max_examples=30, deadline=None)
@given(num_bins=st.integers(1, 200), zeros=st.floats(0.0, 0.9), seed=st.integers(0, 2**31 - 1))
def test_given_distribution_matches_a_float64_reference(num_bins: int, zeros: float, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    weights = torch.rand(num_bins, generator=generator, dtype=torch.float64)
    weights[torch.rand(num_bins, generator=generator) < zeros] = 0.0  # empty bins: p log p counts 0
    weights[0] += 0.1
    sampler = _sampler(num_bins)
    _record_random(sampler, generator, 2)
    sampler.set_manual_probabilities(weights)
    p = sampler.probabilities.double()  # the float32 distribution the kernels read, exactly
    rates, seen = sampler.failure_rate.double(), sampler.seen
    m = sampler.metrics()
    nonzero = p[p > 0]
    entropy = -(nonzero * nonzero.log()).sum() / math.log(num_bins) if num_bins > 1 else torch.tensor(1.0)
    expected = {
        "entropy_normalized": entropy,
        "top1_prob": p.max(),
        "top1_bin": torch.argmax(p),  # the first of ties (a float32 distribution may have them)
        "effective_bins": 1.0 / (p * p).sum(),
        "prob_max_over_uniform": p.max() * num_bins,
        "mean_failure_rate": rates[seen].sum() / max(int(seen.sum()), 1),
        "seen_fraction": seen.double().mean(),
    }
    assert list(m) == list(METRIC_NAMES)
    for name, value in expected.items():
        assert float(m[name]) == pytest.approx(float(value), rel=1e-5, abs=1e-6), name
    assert all(value.dim() == 0 and value.dtype == torch.float32 for value in m.values())


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("tied", [(0, 1), (3, 70), (9, 150), (150, 151)])
def test_ties_go_to_the_first_bin(tied: tuple[int, int], device: str) -> None:
    # two bins share the largest probability, in one chunk or in two; the smaller one is top-1, as torch.max says
    weights = torch.ones(160, dtype=torch.float64)
    weights[list(tied)] = 4.0
    sampler = _sampler(160, device)
    sampler.set_manual_probabilities(weights)
    assert int(sampler.metrics()["top1_bin"]) == tied[0] == int(torch.max(sampler.probabilities, dim=0)[1])
    sampler.set_manual_probabilities(None)  # no failure recorded: frame-uniform, every bin tied
    assert int(sampler.metrics()["top1_bin"]) == 0


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("num_bins", "chunk"), [(1, CHUNK), (300, CHUNK), (300, 2048), (4100, 2048)])
def test_the_folds_distribution_matches_the_torch_metrics(num_bins: int, chunk: int, device: str) -> None:
    generator = torch.Generator().manual_seed(num_bins)
    sampler = _sampler(num_bins, device, alpha=0.3, lambda_uniform=0.2)
    sampler._warp_metrics = WarpMetrics(sampler._warp_fold, chunk_bins=chunk)
    _record_random(sampler, generator, 6)
    expected = distribution_metrics(sampler.probabilities, sampler.failure_rate, sampler.seen)
    got = sampler.metrics()
    assert float(got["mean_failure_rate"]) > 0.0 and float(got["seen_fraction"]) > 0.0
    for name in METRIC_NAMES:
        torch.testing.assert_close(got[name], expected[name], rtol=2e-6, atol=1e-7, msg=name)


def test_the_warmup_measures_the_frame_uniform_distribution() -> None:
    sampler = _sampler(50, warmup_steps=10)
    _record_random(sampler, torch.Generator().manual_seed(0), 3)
    assert sampler.in_warmup
    m = sampler.metrics()
    assert float(m["entropy_normalized"]) == pytest.approx(1.0) and float(m["effective_bins"]) == pytest.approx(50)
    sampler.env_step = 10  # warm-up over: the failures recorded so far shape the distribution
    assert float(sampler.metrics()["entropy_normalized"]) < 0.999


def test_a_later_call_leaves_earlier_values_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    sampler = _sampler(100)
    before = sampler.metrics()
    kept = {name: value.clone() for name, value in before.items()}
    _record_random(sampler, torch.Generator().manual_seed(1), 3)
    with no_host_sync(monkeypatch):
        after = sampler.metrics()
    assert float(after["seen_fraction"]) > 0.0
    for name, value in before.items():
        torch.testing.assert_close(value, kept[name], rtol=0, atol=0, msg=name)
