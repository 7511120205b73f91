"""Ops and time per env step of the three adaptive terms, sampler core apart from glue (kit-less).

    python bench/term_glue.py [--envs 32] [--steps 200] [--task Tracking-Humanoid-v0] [--device cuda:0] [--warp-step]

Per env step Isaac Lab calls the adaptive curriculum term (at resets), the start event (at resets:
``__call__``, and ``reset`` after the command's resample) and the fold event (every step). Their
cost on the GPU is the sampler core's graphs (bench/launch_count.py, bench/sampler_cost.py) plus
the *glue* around them: the terms' own ATen ops (each one kernel launch on CUDA) and Python. This
runs a real env with zero actions (the robots fall, so most steps reset some envs) and, for each
term, counts the non-view ATen ops under a ``TorchDispatchMode`` and times its calls, splitting off
what the sampler core does (``PerEnvSampling.record/starts/record_exposure``, ``AdaptiveSampler.fold/metrics``, and on
CUDA the curriculum term's record graph, whose replay holds the sampler's record and the starts' draw).
The core runs eagerly here (the CPU path); its op count on the GPU is bench/launch_count.py's.
Ops are counted in one pass and time measured in another (the counter's own overhead would skew it);
the CPU's times are noisy when other jobs share it.

On CUDA it also bounds the terms' share of an env step directly, without comparing two noisy throughputs
(bench/env_throughput.py): a CUDA event before and after each term call gives the stream time the call spans
(its kernels, and the GPU's wait for the host's launches when the queue had run dry), ``time.perf_counter``
its host time, and the timed pass's wall time (synchronized at both ends) the env step. The terms cannot add
more than host + stream time to a step, so ``1 - (host + stream) / step`` is a lower bound of the throughput
ratio sampler-on / sampler-off that env_throughput.py estimates (it counts the host's and the GPU's time
both, even where they overlap). Without ``--motion-files`` the task keeps its own clip.
"""

from __future__ import annotations

import argparse
import collections
import functools
import os
import time
from collections.abc import Callable
from typing import Any

from env_throughput import build_env
from torch.utils._python_dispatch import TorchDispatchMode

from beyondmimic_adaptive.cli_types import positive_int, sim_device

os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

TERMS = ("curriculum", "start event", "fold event")


class Meter(TorchDispatchMode):
    """Counts non-view ATen ops and seconds per (term, part), part being "core" or "glue"."""

    def __init__(self) -> None:
        super().__init__()
        self.counting = False
        self.term: str | None = None
        self.part = "glue"
        self.ops: collections.Counter[tuple[str, str]] = collections.Counter()
        self.names: dict[str, collections.Counter[str]] = {t: collections.Counter() for t in TERMS}
        self.seconds: collections.Counter[tuple[str, str]] = collections.Counter()
        self.calls: collections.Counter[str] = collections.Counter()
        self.cuda = False
        """Record a CUDA event pair around every term call (set on a CUDA env)."""
        self.events: list[tuple[Any, Any]] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if self.term is not None and not func.is_view:
            self.ops[(self.term, self.part)] += 1
            if self.part == "glue":
                self.names[self.term][func.overloadpacket.__name__] += 1
        return func(*args, **(kwargs or {}))

    def clear(self) -> None:
        self.ops.clear()
        self.seconds.clear()
        self.calls.clear()
        self.events.clear()
        for names in self.names.values():
            names.clear()


class TermProbe:
    """Stands in for a class term's callable: forwards ``__call__`` and ``reset``, metered as ``term``."""

    def __init__(self, meter: Meter, term: str, inner: Any) -> None:
        self.meter, self.term, self.inner = meter, term, inner
        self.__name__ = getattr(inner, "__name__", type(inner).__name__)

    def _run(self, call: Callable[[], Any], count: bool) -> Any:
        meter = self.meter
        meter.term = self.term
        events = stream_events() if meter.cuda else None
        start = time.perf_counter()
        try:
            return call()
        finally:
            meter.seconds[(self.term, "total")] += time.perf_counter() - start
            if events is not None:
                events[1].record()
                meter.events.append(events)
            meter.calls[self.term] += count
            meter.term = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(lambda: self.inner(*args, **kwargs), True)

    def reset(self, env_ids: Any = None) -> Any:
        return self._run(lambda: self.inner.reset(env_ids), False)


def stream_events() -> tuple[Any, Any]:
    """A CUDA event pair whose first event is recorded now, on the current stream."""
    import torch

    pair = (torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
    pair[0].record()
    return pair


def core(meter: Meter, method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` metered as the sampler core of whichever term calls it (once, when core calls core)."""

    @functools.wraps(method)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if meter.part == "core":
            return method(*args, **kwargs)
        term, part = meter.term, meter.part
        meter.part = "core"
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            if term is not None:
                meter.seconds[(term, "core")] += time.perf_counter() - start
            meter.part = part

    return wrapped


def timed(meter: Meter, part: str, method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` with its host time added to ``part`` of the term that calls it (a share of that term's core)."""

    @functools.wraps(method)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        term = meter.term
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            if term is not None:
                meter.seconds[(term, part)] += time.perf_counter() - start

    return wrapped


def install(env: Any, meter: Meter, name: str = "adaptive") -> None:
    """Put probes in place of the three terms and meter the sampler core's entry points."""
    from beyondmimic_adaptive.terms import find_adaptive_curriculum
    from beyondmimic_adaptive.terms.wiring import fold_event_name, start_event_name

    term = find_adaptive_curriculum(env, name)
    for method in ("record", "starts", "record_exposure", "fold"):  # fold: the Warp-fused step's replay
        if hasattr(term.per_env, method):
            setattr(term.per_env, method, core(meter, getattr(term.per_env, method)))
    term.sampler.fold = core(meter, term.sampler.fold)
    term.sampler.metrics = core(meter, term.sampler.metrics)  # the logged distribution metrics, once per interval
    if term._record_graph is not None:  # CUDA graphs: the whole record (the sampler's included) is one replay
        guarded = term._record_graph
        guarded._sources = timed(meter, "guard", guarded._sources)  # the data-pointer check of Isaac Lab's buffers
        term._record_graph = core(meter, guarded)
    from beyondmimic_adaptive.sampler import graphed

    graphed.CudaGraphedStep.__call__ = timed(meter, "graph", graphed.CudaGraphedStep.__call__)  # type: ignore[method-assign]
    manager = env.curriculum_manager
    cfgs = {
        "curriculum": manager._term_cfgs[manager.active_terms.index(name)],
        "start event": env.event_manager.get_term_cfg(start_event_name(name)),
        "fold event": env.event_manager.get_term_cfg(fold_event_name(name)),
    }
    for label, cfg in cfgs.items():
        cfg.func = TermProbe(meter, label, cfg.func)


def run(env: Any, meter: Meter, steps: int, count_ops: bool) -> float:
    """``steps`` env steps with zero actions; returns their wall seconds (synchronized on CUDA)."""
    import torch

    action = torch.zeros(env.num_envs, env.action_manager.total_action_dim, device=env.device)
    meter.clear()
    sync = torch.cuda.synchronize if meter.cuda else (lambda: None)
    sync()
    start = time.perf_counter()
    if count_ops:
        with meter:
            for _ in range(steps):
                env.step(action)
    else:
        for _ in range(steps):
            env.step(action)
    sync()
    return time.perf_counter() - start


def step_bound(meter: Meter, steps: int, wall_s: float) -> str:
    """The terms' host and stream time per env step against the step's wall time, and the ratio's lower bound."""
    host_us = 1e6 * sum(meter.seconds[(term, "total")] for term in TERMS) / steps
    stream_us = 1e3 * sum(first.elapsed_time(last) for first, last in meter.events) / steps
    step_us = 1e6 * wall_s / steps
    bound = 1.0 - (host_us + stream_us) / step_us
    return (
        f"per env step: {step_us:.0f} us wall; the terms' host time {host_us:.0f} us, their stream time "
        f"{stream_us:.0f} us; throughput ratio with the terms >= {bound:.4f} (1 - (host + stream) / step)"
    )


def table(
    meter: Meter, steps: int, ops: collections.Counter[tuple[str, str]], op_calls: collections.Counter[str]
) -> list[str]:
    lines = [
        f"{'term':<12} {'calls/step':>10} {'core ops/step':>13} {'glue ops/step':>13} {'glue ops/call':>13} "
        f"{'core us/call':>12} {'glue us/call':>12}"
    ]
    totals = collections.Counter()
    for term in TERMS:
        calls = max(meter.calls[term], 1)
        core_s, total_s = meter.seconds[(term, "core")], meter.seconds[(term, "total")]
        row = {"core": ops[(term, "core")] / steps, "glue": ops[(term, "glue")] / steps}
        totals.update(row)
        totals["glue_s"] += (total_s - core_s) / steps
        totals["core_s"] += core_s / steps
        glue_per_call = ops[(term, "glue")] / max(op_calls[term], 1)
        lines.append(
            f"{term:<12} {meter.calls[term] / steps:>10.2f} {row['core']:>13.1f} {row['glue']:>13.1f} "
            f"{glue_per_call:>13.1f} {1e6 * core_s / calls:>12.1f} {1e6 * (total_s - core_s) / calls:>12.1f}"
        )
    lines.append(
        f"{'total':<12} {'':>10} {totals['core']:>13.1f} {totals['glue']:>13.1f} {'':>13} "
        f"{'':>12} {'':>12}   (per env step: core {1e6 * totals['core_s']:.0f} us, "
        f"glue {1e6 * totals['glue_s']:.0f} us)"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="Tracking-Humanoid-v0")
    parser.add_argument("--envs", type=positive_int, default=32)
    parser.add_argument("--steps", type=positive_int, default=200, help="env steps per pass (ops, then time)")
    parser.add_argument("--warmup", type=positive_int, default=10)
    parser.add_argument("--device", type=sim_device, default="cpu", help="cpu or cuda:N")
    parser.add_argument("--motion-files", nargs="+", help="clips to track (default: the task's own)")
    parser.add_argument(
        "--warp-step", action="store_true", help="the terms on the Warp-fused step (warp_step, docs §1.9)"
    )
    args = parser.parse_args()
    import torch

    env = build_env(args.task, args.envs, args.device, args.motion_files, args.warp_step)
    try:
        env.reset()
        meter = Meter()
        meter.cuda = str(env.device).startswith("cuda")
        run(env, meter, 2, count_ops=False)  # the events find their curriculum term at their first calls
        install(env, meter)
        run(env, meter, args.warmup, count_ops=False)  # first calls: lazy look-ups, one-time checks
        run(env, meter, args.steps, count_ops=True)
        ops, op_calls = collections.Counter(meter.ops), collections.Counter(meter.calls)
        names = {t: collections.Counter(n) for t, n in meter.names.items()}
        wall_s = run(env, meter, args.steps, count_ops=False)
        warp = " (warp_step)" if args.warp_step else ""
        print(
            f"{args.task}{warp}, {args.envs} envs, {args.steps} env steps per pass, "
            f"torch {torch.__version__} on {env.device}"
        )
        print("\n".join(table(meter, args.steps, ops, op_calls)))
        if meter.cuda:
            print(step_bound(meter, args.steps, wall_s))
        for term in TERMS:
            calls = max(meter.calls[term], 1)
            guard, graph = (1e6 * meter.seconds[(term, part)] / calls for part in ("guard", "graph"))
            if guard or graph:
                print(f"  {term}: of its core per call, {graph:.1f} us in CUDA-graph steps, {guard:.1f} us guard check")
        for term in TERMS:
            detail = ", ".join(f"{op} {n}" for op, n in sorted(names[term].items()))
            print(f"  glue ops of {term} ({args.steps} steps): {detail or '-'}")
    finally:
        env.close()


if __name__ == "__main__":
    main()
