"""Where the per-env sampler step's time goes: the host issuing work, or the GPU running it.

    python bench/sampler_profile.py --device cuda --envs 4096 16384 --bins 100 10000 [--attribution start hazard]
    python bench/sampler_profile.py --device cpu --envs 1024 --bins 100
    python bench/sampler_profile.py --device cuda --envs 4096 16384 --bins 100 10000 --attribution start hazard --warp

Runs the ``per-env`` step of ``sampler_cost.py`` (what the Isaac Lab terms run per env step: record,
fold, metrics every 24 steps, starts for the resetting envs) and reports per env step:

- ``wall us``: the time per step over ``--steps`` steps, synchronised at the end (the bench's number);
- ``issue us``: the host's time to issue one step without waiting for the GPU, over ``--burst``
  steps (few enough that the launch queue never fills, so the host never waits);
- ``kernels``: GPU kernels per step, and ``kernel us``: their summed run time per step
  (``torch.profiler``: CUDA-graph replays show the kernels they hold);
- ``aten ops``: the ATen ops the host dispatches per step (outside graph replays).

``--by-kernel N`` lists each cell's N longest kernels by their GPU time per step (on CUDA).

If ``issue us`` is close to ``wall us``, the host is the bottleneck (Python, launches): fewer
launches and less Python help. If ``kernel us`` is close to ``wall us``, the GPU is: fewer, fused
kernels help. If both are well below, the time goes in gaps between kernels (launch latency inside
the graphs). On the CPU there is no GPU: ``issue us`` is the step's time, and the kernel columns read 0.

``--warp`` profiles the experimental Warp-fused step instead (``warp_step: true``; ``warp_checks.warp_env_step``:
record, fold and draw as four Warp kernels in one CUDA graph, three up to ``--warp-one-block-max-bins`` bins; the
profiler's CUDA activity counts Warp's kernels). With ``--warp-draw-first``: the step of ``sampler_cost.py``'s
``warp 1st`` column (record and draw in one kernel, three kernels, no gather or copy after the replay).
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Any

import torch
from sampler_cost import METRICS_INTERVAL_STEPS, per_env_step
from warp_bound import add_one_block_bound, set_one_block_bound

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.cli_types import positive_int, share
from beyondmimic_adaptive.sampler.config import ATTRIBUTIONS


def profile_cell(
    device: torch.device,
    num_envs: int,
    num_bins: int,
    attribution: str,
    steps: int,
    burst: int,
    fraction: float,
    warp: bool = False,
    draw_first: bool = False,
) -> dict[str, Any]:
    """The four numbers of one cell (see the module docstring); ``warp``: of the Warp-fused step (``draw_first``:
    its draw-first step), and ``by_kernel``: GPU µs per step of each kernel name (empty on the CPU)."""
    cfg = AdaptiveSamplerCfg(attribution=attribution, warp_step=warp)
    sampler = AdaptiveSampler(cfg, [num_bins * 50], 50, device=device)
    if warp:
        from warp_checks import warp_env_step

        one_step = warp_env_step(sampler, num_envs, fraction, draw_first=draw_first)
    else:
        one_step = per_env_step(sampler, num_envs, fraction)
    for _ in range(2 * METRICS_INTERVAL_STEPS):  # graph capture and warm-up, untimed
        one_step()
    _sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        one_step()
    _sync(device)
    wall = (time.perf_counter() - start) / steps
    start = time.perf_counter()
    for _ in range(burst):
        one_step()
    issue = (time.perf_counter() - start) / burst
    _sync(device)
    activities = [torch.profiler.ProfilerActivity.CPU]
    if device.type == "cuda":
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    with torch.profiler.profile(activities=activities) as prof:
        for _ in range(steps):
            one_step()
        _sync(device)
    kernels = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
    ops = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CPU and e.name.startswith("aten::")]
    top_level_ops = [e for e in ops if e.cpu_parent is None or not e.cpu_parent.name.startswith("aten::")]
    by_kernel: dict[str, float] = {}
    for e in kernels:
        by_kernel[e.name] = by_kernel.get(e.name, 0.0) + e.device_time / steps
    return {
        "wall_us": wall * 1e6,
        "issue_us": issue * 1e6,
        "kernels": len(kernels) / steps,
        "kernel_us": sum(e.device_time for e in kernels) / steps,
        "aten_ops": len(top_level_ops) / steps,
        "by_kernel": by_kernel,
    }


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--envs", type=positive_int, nargs="+", default=[4096])
    parser.add_argument("--bins", type=positive_int, nargs="+", default=[100, 10000])
    parser.add_argument("--attribution", nargs="+", default=["start"], choices=ATTRIBUTIONS)
    parser.add_argument("--reset-fraction", type=share, default=0.01, help="share of envs finishing per step")
    parser.add_argument("--steps", type=positive_int, default=200, help="steps of the wall and profiled runs")
    parser.add_argument("--burst", type=positive_int, default=10, help="steps issued without waiting (issue us)")
    parser.add_argument("--warp", action="store_true", help="profile the Warp-fused step (warp_step) instead")
    parser.add_argument(
        "--warp-draw-first", action="store_true", help="with --warp: its draw-first step (three kernels, no gather)"
    )
    parser.add_argument(
        "--by-kernel", type=positive_int, default=0, metavar="N", help="also list each cell's N longest kernels"
    )
    add_one_block_bound(parser)
    args = parser.parse_args(argv)
    set_one_block_bound(args)
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    if args.warp_draw_first and not args.warp:
        parser.error("--warp-draw-first profiles a Warp step: add --warp")
    path = "per-env step"
    if args.warp:
        path = "Warp-fused step, draw first" if args.warp_draw_first else "Warp-fused step"
    print(f"device: {name}; torch {torch.__version__}; {path}, {args.reset_fraction:.0%} of envs resetting")
    columns = ("wall us", "issue us", "kernels", "kernel us", "aten ops")
    print(f"{'envs':>7} {'bins':>7} {'attribution':>11} " + " ".join(f"{c:>9}" for c in columns))
    for num_bins, num_envs, attribution in itertools.product(args.bins, args.envs, args.attribution):
        r = profile_cell(
            device,
            num_envs,
            num_bins,
            attribution,
            args.steps,
            args.burst,
            args.reset_fraction,
            args.warp,
            args.warp_draw_first,
        )
        print(
            f"{num_envs:>7} {num_bins:>7} {attribution:>11} {r['wall_us']:>9.1f} {r['issue_us']:>9.1f}"
            f" {r['kernels']:>9.1f} {r['kernel_us']:>9.1f} {r['aten_ops']:>9.1f}",
            flush=True,
        )
        longest = sorted(r["by_kernel"].items(), key=lambda item: -item[1])[: args.by_kernel]
        for name, micros in longest:
            print(f"{'':>27} {micros:>9.2f} us per step  {name[:90]}")


if __name__ == "__main__":
    main()
