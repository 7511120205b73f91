"""The Warp-fused step (``cfg.warp_step``, ``sampler/warp_step.py``) for the benches: its env step, and the
checks ``sampler_cost.py --warp`` prints on CUDA (graph equals eager bit for bit; the draws' distribution)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from sampler_cost import METRICS_INTERVAL_STEPS

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler.warp_step import WarpFusedStep


def warp_env_step(
    sampler: AdaptiveSampler,
    num_envs: int,
    reset_fraction: float,
    holder: list[WarpFusedStep] | None = None,
    draw_first: bool = False,
) -> Callable[[], None]:
    """``sampler_cost.per_env_step`` through :class:`WarpFusedStep`: the caller's rows live in the step's
    persistent inputs (written once here, as a term would write them in place), so an env step is one
    :meth:`WarpFusedStep.step` (record, exposure for ``hazard``, fold, draw: one CUDA-graph replay), the
    metrics every 24 steps, and the reset rows' start bins gathered into the term's per-env buffer.

    ``draw_first``: the step draws from the CDF before its fold (``step(draw_first=True)``: record and draw in one
    kernel, three kernels), and the step's own ``start_bins`` is the term's per-env buffer (the draw writes only the
    reset rows, so no gather or copy follows); for ``attribution: start`` the record reads those start bins
    (``attribute_to_start_bins``). An env step is then the replay and the metrics every 24 steps."""
    device = sampler.device
    step = WarpFusedStep(sampler, num_envs, seed=0)
    if holder is not None:
        holder.append(step)
    if draw_first and sampler.cfg.attribution == "start":
        step.attribute_to_start_bins()
    step.set_inputs(
        torch.randint(0, sampler.num_bins, (num_envs,), device=device),
        torch.rand(num_envs, device=device) < 0.3,
        torch.rand(num_envs, device=device) < reset_fraction,
        torch.randint(0, sampler.num_bins, (num_envs,), device=device),
    )
    resetting = step.finished.nonzero().flatten()  # the reset event's env ids (set up outside the timing)
    start_bins = torch.zeros(num_envs, dtype=torch.long, device=device)  # the curriculum term's
    folds = [0]

    def one_step() -> None:
        bins, _, _ = step.step(draw_first=draw_first)
        folds[0] += 1
        if folds[0] % METRICS_INTERVAL_STEPS == 0:
            sampler.metrics()
        if not draw_first:
            start_bins.index_copy_(0, resetting, bins.index_select(0, resetting))

    return one_step


def warp_graph_matches_eager(
    device: torch.device, steps: int = 50, num_envs: int = 512, draw_first: bool = False
) -> tuple[bool, bool]:
    """Whether the Warp step replayed as one CUDA graph and launched eagerly give the same statistics and
    the same starts bit for bit (same seed, same rows), for ``start`` and ``hazard``: (start, hazard).
    ``draw_first``: of ``step(draw_first=True)``."""
    results = []
    for attribution in ("start", "hazard"):
        cfg = AdaptiveSamplerCfg(attribution=attribution, alpha=0.1, warp_step=True)
        samplers = [AdaptiveSampler(cfg, [30000, 2017], fps=50, device=device) for _ in range(2)]
        steps_ = [
            WarpFusedStep(s, num_envs, seed=3, cuda_graph=g) for s, g in zip(samplers, (False, True), strict=True)
        ]
        generator = torch.Generator().manual_seed(0)
        same = True
        for _ in range(steps):
            rows = torch.randint(0, samplers[0].num_bins, (2, num_envs), generator=generator).to(device)
            finished = (torch.rand(num_envs, generator=generator) < 0.5).to(device)
            failed = (torch.rand(num_envs, generator=generator) < 0.3).to(device)
            starts = []
            for step in steps_:
                step.set_inputs(rows[0], failed, finished, rows[1])
                starts.append([t.clone() for t in step.step(draw_first=draw_first)])
            same &= all(torch.equal(a[finished], b[finished]) for a, b in zip(*starts, strict=True))
        eager, graphed = samplers
        for a, b in ((eager.failure_rate, graphed.failure_rate), (eager._totals, graphed._totals)):
            same &= torch.equal(a, b)
        same &= torch.equal(eager._adaptive_cdf, graphed._adaptive_cdf)
        results.append(bool(same))
    return results[0], results[1]


def warp_sampling_distance(device: torch.device, draws: int = 200, num_envs: int = 4096) -> tuple[float, float]:
    """Total variation between the Warp step's start bins (its RNG) and the distribution, and the noise level
    (``graph_checks.graph_sampling_distance`` for the Warp path)."""
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(alpha=1.0, warp_step=True), [5000], fps=50, device=device)
    generator = torch.Generator().manual_seed(1)
    bins = torch.arange(sampler.num_bins).repeat_interleave(10).to(device)
    failed = (torch.rand(bins.shape[0], generator=generator) < 0.5).to(device)
    sampler.update(bins, failed)
    step = WarpFusedStep(sampler, num_envs, seed=2)
    step.finished.fill_(True)
    counts = torch.zeros(sampler.num_bins, device=device)
    for _ in range(draws):
        start_bins, _, _ = step.step(fold=False)
        counts += torch.bincount(start_bins, minlength=sampler.num_bins)
    total = draws * num_envs
    distance = 0.5 * float((counts / total - sampler.probabilities).abs().sum())
    return distance, (sampler.num_bins / (2 * math.pi * total)) ** 0.5
