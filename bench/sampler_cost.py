"""Cost of one env step of start sampling: this package, the public sampler's behaviour, uniform.

Per env step about ``reset_fraction`` of the envs finish: the curriculum update folds them and the
reset event samples as many new starts. Columns:

- ``per-env``: what the Isaac Lab terms run: :class:`PerEnvSampling` records the finished envs
  (the CPU reads only the reset envs' rows; CUDA records every env row with the finished ones
  masked, fixed shapes), the fold, starts for the resetting envs written to the term's start bins
  (CUDA draws for every env and gathers), and every 24 steps the logged metrics
  (``metrics_interval_steps``).
- ``subset``: ``AdaptiveSampler.update`` + ``sample`` on exactly the finished envs (dynamic sizes,
  eager launches; the fold is eager too).
- ``public``: the public sampler's behaviour as its command calls it, re-implemented in
  ``public_sampler.py``: per reset the failed envs and every env's bin, the draw, the start frames
  written, the sampling metrics (entropy, top-1 bin); per step the count EMA.
- ``pub core``: the public sampler's maths alone on the reset envs (count, EMA, draw): no
  full-width bin, no write, no metrics (the ``public`` column of runs before 2026-12-02).
- ``uniform``: the floor, uniform start frames and nothing recorded.
- ``compiled`` (with ``--compile``): ``per-env`` with ``compile: true``, the bodies of its CUDA graphs
  compiled by ``torch.compile`` (Inductor) before capture (``sampler/compiled.py``). The compile runs in
  the untimed warm-up. On the CPU the sampler keeps fixed shapes and only the fold is compiled (the
  per-env record and draw take the CPU's reset-rows path, as in ``per-env``).
- ``warp`` (with ``--warp``): the experimental Warp-fused step (``warp_step: true``, ``sampler/warp_step.py``):
  record, exposure, fold and draw as four Warp kernels (three up to ``--warp-one-block-max-bins`` bins, where
  the fold is one kernel of one block instead of two grid kernels), replayed on CUDA as one CUDA graph per env
  step (``warp_checks.warp_env_step``). On the CPU the kernels run eagerly on Warp's CPU device.
- ``warp 1st`` (with ``--warp``): the Warp step with ``draw_first``: the reset envs draw from the CDF of the
  fold before (as the Isaac Lab terms' starts do), so record and draw are one kernel (three per step), and the
  draw writes the reset rows of the term's per-env start bins itself (no gather, no copy; for ``start`` the
  record reads those bins): an env step is one CUDA-graph replay and the metrics every 24 steps.

``--attribution`` picks the statistics (one row each): ``start`` and ``failure`` cost the same
(only the bins recorded differ); ``hazard`` also records every env's current bin once per env step
(``record_exposure``, one scatter-add over all envs) before the fold, as the Isaac Lab fold event does.

On CUDA the timed region runs under ``torch.cuda.set_sync_debug_mode("error")``, so any
host-device sync raises instead of passing.

Memory columns (MB = 10^6 bytes): ``ours MB`` is what the per-env sampler holds. On the CPU that is
the bytes of every tensor reachable from the sampler and its ``PerEnvSampling`` (statistics, layout,
kernel tables, buffers; views counted once per storage). On CUDA it is the growth of
``torch.cuda.memory_allocated`` from before construction to after the timed steps, which also holds
the CUDA graphs' static tensors. ``public MB`` is the same for the public sampler (with its
command's per-env time steps and sampling metrics, 20 bytes per env). ``warp MB`` (with ``--warp``) is the same
for the draw-first Warp step: the sampler with the Warp fold's scratch rows and the step's per-env rows.

A cell's steps shrink so that one repeat takes about ``--budget-s`` seconds (at least 5 steps):
the largest libraries would otherwise take minutes per cell. A column that cannot run at a size
prints ``n/a`` and the reason below the table.

    python bench/sampler_cost.py --device cuda --envs 1024 4096 16384 --bins 100 1000 10000
    python bench/sampler_cost.py --device cpu --envs 4096 --bins 100000 1000000 --repeats 3
    python bench/sampler_cost.py --device cpu --envs 1024 4096 --bins 100 10000 --repeats 3 --attribution start hazard
    python bench/sampler_cost.py --device cpu --threads 1 --repeats 9 --stat min  # a CPU shared with other jobs
    python bench/sampler_cost.py --device cuda --envs 1024 4096 16384 --bins 100 1000 10000 --compile
    python bench/sampler_cost.py --device cuda --envs 1024 4096 16384 --bins 100 1000 10000 --warp
    python bench/sampler_cost.py --device cuda --envs 1024 4096 16384 --bins 100 1000 10000 --warp \\
        --warp-one-block-max-bins 16384  # the Warp fold as one kernel of one block up to 16384 bins
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

import torch
from graph_checks import graph_matches_eager, graph_sampling_distance
from held_memory import allocated_bytes, held_bytes
from public_sampler import PublicBeyondMimicSampler
from warp_bound import add_one_block_bound, set_one_block_bound

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.cli_types import positive_float, positive_int, share
from beyondmimic_adaptive.sampler import PerEnvSampling
from beyondmimic_adaptive.sampler.config import ATTRIBUTIONS


def time_per_env_step(
    sampler: AdaptiveSampler,
    num_envs: int,
    reset_fraction: float,
    steps: int,
    repeats: int,
    holder: list[PerEnvSampling] | None = None,
) -> float:
    """The ``per-env`` column: :func:`per_env_step` timed."""
    return _median_time(per_env_step(sampler, num_envs, reset_fraction, holder), sampler.device, steps, repeats)


def per_env_step(
    sampler: AdaptiveSampler, num_envs: int, reset_fraction: float, holder: list[PerEnvSampling] | None = None
) -> Callable[[], None]:
    """One env step of what the Isaac Lab terms run: record of the finished env rows (on CUDA every row,
    masked) + fold + starts for the resetting envs, written to the term's per-env start bins (the CUDA
    graph draws a start for every env and gathers the reset rows; the CPU draws only those)."""
    device = sampler.device
    per_env = PerEnvSampling(sampler, num_envs)
    if holder is not None:
        holder.append(per_env)
    bins = torch.randint(0, sampler.num_bins, (num_envs,), device=device)
    failed = torch.rand(num_envs, device=device) < 0.3
    finished = torch.rand(num_envs, device=device) < reset_fraction
    resetting = finished.nonzero().flatten()  # the reset event's env ids (set up outside the timing)
    start_bins = torch.zeros(num_envs, dtype=torch.long, device=device)  # the curriculum term's
    hazard = sampler.cfg.attribution == "hazard"
    folds = [0]

    def one_step() -> None:
        per_env.record(bins, failed, finished, rows=resetting)  # AdaptiveSamplingCurriculum.__call__
        if hazard:
            per_env.record_exposure(bins)
        sampler.fold()
        folds[0] += 1
        if folds[0] % METRICS_INTERVAL_STEPS == 0:
            sampler.metrics()
        start, _, _ = per_env.starts(resetting)  # AdaptiveSamplingCurriculum.sample_starts
        start_bins.index_copy_(0, resetting, start)

    return one_step


def time_subset_step(sampler: AdaptiveSampler, num_envs: int, reset_fraction: float, steps: int, repeats: int) -> float:
    """Record + fold + sampling of exactly the finished envs (dynamic sizes, eager)."""
    device = sampler.device
    num_reset = max(1, round(num_envs * reset_fraction))
    bins = torch.randint(0, sampler.num_bins, (num_reset,), device=device)
    failed = torch.rand(num_reset, device=device) < 0.3
    ran = torch.ones(num_reset, dtype=torch.bool, device=device)
    current_bins = torch.randint(0, sampler.num_bins, (num_envs,), device=device)
    hazard = sampler.cfg.attribution == "hazard"

    def one_step() -> None:
        if hazard:
            sampler.record_exposure(current_bins)
        sampler.update(bins, failed, mask=ran)
        sampler.sample(num_reset)

    return _median_time(one_step, device, steps, repeats)


def time_public_per_step(
    num_bins: int, num_envs: int, reset_fraction: float, steps: int, repeats: int, device, holder: list | None = None
) -> float:
    """The re-implemented public sampler as its command calls it: at reset, failures + draw + start
    frames + sampling metrics; every step the EMA fold (it syncs the host)."""
    sampler = PublicBeyondMimicSampler(num_bins * 50, num_bins, device, num_envs=num_envs)
    if holder is not None:
        holder.append(sampler)
    sampler.time_steps.copy_(torch.randint(0, num_bins * 50, (num_envs,), device=device))
    finished = torch.rand(num_envs, device=device) < reset_fraction
    if not bool(finished.any()):  # setup, untimed: the public command's multinomial refuses a draw for 0 envs
        finished[0] = True
    terminated = finished & (torch.rand(num_envs, device=device) < 0.3)
    resetting = finished.nonzero().flatten()

    def one_step() -> None:
        sampler.adaptive_sampling(resetting, terminated)
        sampler.step()

    return _median_time(one_step, device, steps, repeats, sync_check=False)


def time_public_core_per_step(
    num_bins: int, num_envs: int, reset_fraction: float, steps: int, repeats: int, device
) -> float:
    """The public sampler's maths alone: record failures + EMA fold + sampling on the reset envs."""
    sampler = PublicBeyondMimicSampler(num_bins * 50, num_bins, device)
    num_reset = max(1, round(num_envs * reset_fraction))
    time_steps = torch.randint(0, num_bins * 50, (num_reset,), device=device)
    failed = torch.rand(num_reset, device=device) < 0.3

    def one_step() -> None:
        sampler.record_failures(time_steps, failed)
        sampler.step()
        sampler.sample(num_reset)

    return _median_time(one_step, device, steps, repeats, sync_check=False)


def time_uniform_per_step(num_envs: int, reset_fraction: float, steps: int, repeats: int, device, frames: int) -> float:
    """The floor: uniform start frames, nothing recorded."""
    num_reset = max(1, round(num_envs * reset_fraction))
    return _median_time(lambda: torch.randint(0, frames, (num_reset,), device=device), device, steps, repeats)


METRICS_INTERVAL_STEPS = 24
"""Env steps between the curriculum term's metric refreshes (``AdaptiveCurriculumTermCfg.metrics_interval_steps``)."""

BUDGET_S = 1.0
"""Seconds one repeat of a cell may take; fewer steps beyond that (``--budget-s``)."""

STATISTIC = statistics.median
"""How a cell's repeats become one number (``--stat``): the median, or the minimum (the least
disturbed repeat: on a machine shared with other jobs, the closest to the code's own cost)."""


def _median_time(one_step, device: torch.device, steps: int, repeats: int, sync_check: bool = True) -> float:
    warmup = 20
    for _ in range(warmup):  # first calls set up (CUDA graph capture, a compile): not timed, not in the estimate
        one_step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(warmup):
        one_step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    per_step = (time.perf_counter() - start) / warmup
    steps = max(5, min(steps, int(BUDGET_S / max(per_step, 1e-9))))
    samples = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
            if sync_check:
                torch.cuda.set_sync_debug_mode("error")
        start = time.perf_counter()
        for _ in range(steps):
            one_step()
        if device.type == "cuda":
            torch.cuda.set_sync_debug_mode("default")
            torch.cuda.synchronize()
        samples.append((time.perf_counter() - start) / steps * 1e6)
    return STATISTIC(samples)


def main() -> None:
    global BUDGET_S, STATISTIC
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--envs", type=positive_int, nargs="+", default=[1024, 4096, 16384])
    parser.add_argument("--bins", type=positive_int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--reset-fraction", type=share, default=0.01, help="share of envs finishing per step")
    parser.add_argument("--steps", type=positive_int, default=200)
    parser.add_argument("--repeats", type=positive_int, default=15)
    parser.add_argument("--threads", type=positive_int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--budget-s", type=positive_float, default=BUDGET_S, help="seconds per repeat")
    parser.add_argument(
        "--attribution", nargs="+", default=["start", "hazard"], choices=ATTRIBUTIONS, help="statistics to time"
    )
    parser.add_argument("--stat", choices=("median", "min"), default="median", help="statistic over the repeats")
    parser.add_argument(
        "--compile", action="store_true", help="add the 'compiled' column: per-env with compile: true (torch.compile)"
    )
    parser.add_argument("--warp", action="store_true", help="add the 'warp' column: the Warp-fused step (warp_step)")
    add_one_block_bound(parser)
    args = parser.parse_args()
    set_one_block_bound(args)
    BUDGET_S = args.budget_s
    STATISTIC = min if args.stat == "min" else statistics.median
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(
        f"device: {name}; torch {torch.__version__}; {torch.get_num_threads()} CPU threads;"
        f" {args.reset_fraction:.0%} of envs reset per step"
    )
    names = ("per-env", "subset", "public", "pub core", "uniform", "ours MB", "public MB")
    names += ("compiled",) if args.compile else ()
    names += ("warp", "warp 1st", "warp MB") if args.warp else ()
    columns = " ".join(f"{column:>10}" for column in names)
    header = f"us per env step ({args.stat}):"
    print(f"{header:<26}{'envs':>7} {'bins':>7} {'attribution':>11} {columns}")
    reasons: list[str] = []
    for num_bins in args.bins:
        for num_envs, attribution in itertools.product(args.envs, args.attribution):
            cells = _measure_cell(args, device, num_bins, num_envs, attribution, reasons)
            row = f"{'':>26}{num_envs:>7} {num_bins:>7} {attribution:>11} "
            print(row + " ".join(f"{c:>10}" for c in cells), flush=True)
    for reason in reasons:
        print(f"n/a: {reason}")
    if device.type == "cuda":
        print("host-device syncs inside update+sample: none (sync debug mode 'error' raised nothing)")
        same, difference = graph_matches_eager(device)
        print(f"CUDA-graph record+fold equals the eager subset record+fold bit for bit: {same}")
        distance, noise = graph_sampling_distance(device)
        print(f"CUDA-graph sampling vs its distribution: total variation {distance:.4f} (sampling noise ~{noise:.4f})")
        if args.compile:
            torch._dynamo.reset()
            same, difference = graph_matches_eager(device, compile=True)
            print(
                f"compiled CUDA-graph record+fold vs the eager subset: equal bit for bit: {same}; counts equal:"
                f" {difference[0]}; largest |difference| of rates {difference[1]:.3g}, of probabilities"
                f" {difference[2]:.3g}"
            )
            distance, noise = graph_sampling_distance(device, compile=True)
            print(f"compiled sampling vs its distribution: total variation {distance:.4f} (noise ~{noise:.4f})")
        if args.warp:
            from warp_checks import warp_graph_matches_eager, warp_sampling_distance

            same = warp_graph_matches_eager(device)
            print(f"Warp step: one CUDA graph equals eager launches bit for bit (start, hazard): {same}")
            same = warp_graph_matches_eager(device, draw_first=True)
            print(f"Warp step, draw first: one CUDA graph equals eager launches bit for bit (start, hazard): {same}")
            distance, noise = warp_sampling_distance(device)
            print(f"Warp step sampling vs its distribution: total variation {distance:.4f} (noise ~{noise:.4f})")


def _measure_cell(args, device: torch.device, num_bins: int, num_envs: int, attribution: str, reasons: list[str]):
    """The row of one (bins, envs, attribution): five costs in µs and two sizes in MB, or n/a."""
    frames = [num_bins * 50]
    cfg = AdaptiveSamplerCfg(attribution=attribution)
    steps, repeats, fraction = args.steps, args.repeats, args.reset_fraction

    def per_env_cost() -> tuple[float, float]:
        before = allocated_bytes(device)
        sampler = AdaptiveSampler(cfg, motion_num_frames=frames, fps=50, device=device)
        holder: list[PerEnvSampling] = []
        cost = time_per_env_step(sampler, num_envs, fraction, steps, repeats, holder)
        return cost, held_bytes(device, before, sampler, holder)

    def subset_cost() -> float:
        sampler = AdaptiveSampler(replace(cfg, cuda_graph=False), motion_num_frames=frames, fps=50, device=device)
        return time_subset_step(sampler, num_envs, fraction, steps, repeats)

    def public_cost() -> tuple[float, float]:
        before = allocated_bytes(device)
        holder: list[PublicBeyondMimicSampler] = []
        cost = time_public_per_step(num_bins, num_envs, fraction, steps, repeats, device, holder)
        return cost, held_bytes(device, before, holder[0])

    def public_core_cost() -> float:
        return time_public_core_per_step(num_bins, num_envs, fraction, steps, repeats, device)

    def compiled_cost() -> float:
        torch._dynamo.reset()  # each cell compiles anew: no recompile limit reached over the cells
        compiled = AdaptiveSampler(
            replace(cfg, compile=True), motion_num_frames=frames, fps=50, device=device, fixed_shapes=True
        )
        return time_per_env_step(compiled, num_envs, fraction, steps, repeats)

    def warp_cost(draw_first: bool = False) -> float | tuple[float, float]:
        from warp_checks import warp_env_step

        before, holder = allocated_bytes(device), []
        fused = AdaptiveSampler(replace(cfg, warp_step=True), motion_num_frames=frames, fps=50, device=device)
        step = warp_env_step(fused, num_envs, fraction, holder, draw_first=draw_first)
        cost = _median_time(step, device, steps, repeats)
        return (cost, held_bytes(device, before, fused, holder)) if draw_first else cost

    cells = ["n/a"] * (7 + args.compile + 3 * args.warp)
    measures = {0: per_env_cost, 1: subset_cost, 2: public_cost, 3: public_core_cost}
    sizes = {0: 5, 2: 6, 8 + args.compile: 9 + args.compile}  # the MB column of a cost column
    if args.compile:
        measures[7] = compiled_cost
    if args.warp:
        measures[7 + args.compile] = warp_cost
        measures[8 + args.compile] = lambda: warp_cost(draw_first=True)
    for column, measure in measures.items():
        try:
            result = measure()
        except (RuntimeError, MemoryError) as error:  # e.g. out of memory at a million bins
            reasons.append(f"{num_envs} envs x {num_bins} bins, column {column}: {type(error).__name__}: {error}")
            continue
        if isinstance(result, tuple):
            cells[column] = f"{result[0]:.1f}"
            cells[sizes[column]] = f"{result[1] / 1e6:.2f}"
        else:
            cells[column] = f"{result:.1f}"
    cells[4] = f"{time_uniform_per_step(num_envs, fraction, steps, repeats, device, num_bins):.1f}"
    return cells


if __name__ == "__main__":
    main()
