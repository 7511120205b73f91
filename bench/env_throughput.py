"""Env-steps per second of a tracking task with adaptive sampling off and on, interleaved in one run.

    python bench/env_throughput.py --task Tracking-G1-v0 --device cuda:0 --num-envs 4096 16384 [--rounds 2]
    python bench/env_throughput.py --device cpu --num-envs 16 64 [--steps 300] [--motion-files a.npz] [--warp-step]
    python bench/env_throughput.py --task Tracking-G1-v0 --device cuda:0 --num-envs 4096 --compile

One process per env count (one Isaac Lab simulation per process) builds the task with its adaptive
curriculum term, reset event and fold event, then times ``--rounds`` rounds of the three modes (``--modes off
adaptive`` leaves out the control), the order reversed every other round (off, adaptive, flat; flat, adaptive,
off; ...), so that drift of the machine (clocks, other jobs) falls on every mode alike:

- ``adaptive``: the three terms run as in training;
- ``off``: the same env with the three terms' functions swapped for no-ops, so the motion command's
  own uniform starts apply (the floor the plugin is measured against; what is left of the terms is
  the managers' Python call, well under a microsecond per term);
- ``flat``: the three terms run as in training (record, fold, draw: the same kernels and graphs), but
  the sampler draws from a fixed distribution proportional to each bin's frames, i.e. starts uniform
  over frames as ``off``. The simulation then does the same work as in ``off``: ``adaptive`` moves the
  starts to the bins where the robot falls, which changes the physics' work (contacts, falls, resets)
  as well. ``flat`` / ``off`` is the cost of the sampler alone; ``adaptive`` / ``off`` adds that shift.

``--count-ops STEPS`` also counts, per mode, the top-level ATen ops the host dispatches per env step
(``torch.profiler``, after the timed steps, not timed): on a GPU each is about one kernel launch, so the
ops the sampler terms add, against the env's own, bound their host overhead in a host-bound step.

Each phase runs ``--warmup`` untimed steps and then ``--steps`` timed steps with zero actions; resets
happen naturally (without a policy the robot falls, so resets are far more frequent than in
training: a worst case for the sampler).

Besides the medians, each mode's rate is paired with ``off``'s of the same round: the geometric mean of those
per-round ratios and its 95 % interval (Student t over the rounds' log ratios) say whether a target such as
``adaptive/off >= 0.99`` is met (interval above it), missed (below) or not resolved by the run (it straddles).
Many short rounds resolve more than a few long ones when the machine drifts. On an H200 the G1's rounds of 60
steps still varied by about 8 % (docs/benchmarks.md §2): pairing within a fraction of a second, e.g. ``--rounds 400
--steps 5 --warmup 1`` (each phase synchronizes the device at both ends of its timed steps), leaves less of the
drift in each pair. Beyond 40 rounds the summary leaves out the per-round list; ``--rows-out`` keeps every row.
The summary leaves out the first ``--skip-rounds`` rounds (default 1): the first round pays one-time costs (the
first graph captures and compiles; on the G1 on an H200 its rates were 5-14 % of the later rounds'), which would
move a paired mean over 360 rounds by a few tenths of a percent; the rows keep them.
``--rows-out`` gets each row as soon as it is timed: ``--summarize ROWS`` summarizes a run stopped early.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from throughput_summary import MODES, after_warmup_rounds, complete_rounds, read_rows, summary

from beyondmimic_adaptive.cli_types import output_file, positive_int, sim_device

os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")


class _NoOp:
    """Stands in for a term's function (and a class term's ``reset``) while sampling is off."""

    __name__ = "no_op"

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        return None

    def reset(self, env_ids: Any = None) -> None:
        return None


@contextmanager
def sampling_off(env: Any, name: str = "adaptive") -> Iterator[None]:
    """Swap the functions of the curriculum term ``name`` and its two events for no-ops, then restore them."""
    from beyondmimic_adaptive.terms.wiring import fold_event_name, start_event_name

    cfgs = [env.curriculum_manager._term_cfgs[env.curriculum_manager.active_terms.index(name)]]
    cfgs += [
        env.event_manager.get_term_cfg(start_event_name(name)),
        env.event_manager.get_term_cfg(fold_event_name(name)),
    ]
    saved = [cfg.func for cfg in cfgs]
    try:
        for cfg in cfgs:
            cfg.func = _NoOp()
        yield
    finally:
        for cfg, func in zip(cfgs, saved, strict=True):
            cfg.func = func


@contextmanager
def flat_starts(env: Any, name: str = "adaptive") -> Iterator[None]:
    """Let the sampler of the curriculum term ``name`` draw starts uniform over frames (its manual override,
    weights = frames per bin) while everything else runs as in training; then back to adaptive."""
    from beyondmimic_adaptive.terms import find_adaptive_curriculum

    term = find_adaptive_curriculum(env, name)
    if term.cfg.sampler.manual_probabilities is not None:
        raise SystemExit("env_throughput: the task sets manual_probabilities; the flat mode would replace them.")
    term.sampler.set_manual_probabilities(term.sampler.layout.bin_length.float())
    try:
        yield
    finally:
        term.sampler.set_manual_probabilities(None)


def prime_sampling(env: Any, name: str = "adaptive") -> None:
    """Fold the sampler's statistics once, so that an ``off`` phase may come first.

    The curriculum term refuses to record once the env has stepped without a single fold (its check for a
    missing fold event); with the fold event swapped out by an ``off`` phase, the first reset of the next
    ``adaptive`` phase would trip that check. Folding directly (rather than stepping) cannot meet a reset
    before the fold.
    """
    from beyondmimic_adaptive.terms import find_adaptive_curriculum

    find_adaptive_curriculum(env, name).fold_statistics()


def _timed_steps(env: Any, action: Any, steps: int, warmup: int) -> tuple[float, int]:
    import torch

    for _ in range(warmup):
        env.step(action)
    resets = torch.zeros((), dtype=torch.long, device=env.device)
    if env.device != "cpu":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(action)
        resets += (terminated | truncated).sum()
    if env.device != "cpu":
        torch.cuda.synchronize()
    return steps * env.num_envs / (time.perf_counter() - start), int(resets)


PHASES = {"off": sampling_off, "adaptive": contextlib.nullcontext, "flat": flat_starts}
"""What each mode does to the env for its phase (a context manager taking the env)."""


def ops_per_step(env: Any, action: Any, steps: int) -> float:
    """Top-level ATen ops the host dispatches per env step (``torch.profiler``; on a GPU each is about one
    kernel launch): the env's own plus, in the ``adaptive`` and ``flat`` modes, the sampler terms'."""
    import torch

    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            env.step(action)
    top_level = [
        e
        for e in prof.events()
        if e.name.startswith("aten::") and not (e.cpu_parent and e.cpu_parent.name.startswith("aten::"))
    ]
    return len(top_level) / steps


WARP_STEP: dict[str, bool | None] = {"true": True, "false": False, "null": None}
"""``--warp-step`` values and the ``warp_step`` each sets."""


def build_env(
    task: str,
    num_envs: int,
    device: str,
    motion_files: list[str] | None,
    warp_step: bool | None,
    compile: bool = False,
) -> Any:
    """The registered ``task`` with its adaptive terms, on ``device`` (also bench/term_glue.py's env).

    ``motion_files`` None keeps the task's own clips; ``warp_step`` puts the terms on the Warp-fused step (None:
    the default, automatic);
    ``compile`` compiles the bodies of the terms' CUDA graphs (the sampler's ``compile``).
    """
    from isaaclab.envs import ManagerBasedRLEnv

    from beyondmimic_adaptive.runs.task_cfg import task_cfgs
    from beyondmimic_adaptive.tasks.tracking import set_device

    cfg, _ = task_cfgs(task)
    cfg.scene.num_envs = num_envs
    set_device(cfg, device)
    if motion_files:
        cfg.commands.motion.motion_files = motion_files
    cfg.curriculum.adaptive.sampler.warp_step = warp_step
    cfg.curriculum.adaptive.sampler.compile = compile
    return ManagerBasedRLEnv(cfg=cfg)


def measure(args: argparse.Namespace, num_envs: int, sink: TextIO | None = None) -> list[dict]:
    """Build the task once and time the modes ``args.rounds`` times, alternating their order; each row also goes
    to ``sink`` (JSON lines, flushed) as soon as it is timed."""
    import torch
    from tqdm import trange

    env = build_env(args.task, num_envs, args.device, args.motion_files, WARP_STEP[args.warp_step], args.compile)
    env.reset()
    action = torch.zeros(num_envs, env.action_manager.total_action_dim, device=env.device)
    term = env.curriculum_manager._term_cfgs[env.curriculum_manager.active_terms.index("adaptive")].func
    one_replay = term._fused is not None
    print(f"the term's sampler: warp_step {term.sampler.cfg.warp_step}, one replay {one_replay}", file=sys.stderr)
    prime_sampling(env)
    rows = []
    modes = tuple(args.modes)
    for round_index in trange(args.rounds, desc=f"{num_envs} envs: rounds", file=sys.stderr):
        for mode in modes if round_index % 2 == 0 else modes[::-1]:
            calls_before = term._calls + term._folds
            with PHASES[mode](env):
                rate, resets = _timed_steps(env, action, args.steps, args.warmup)
            rows.append({"num_envs": num_envs, "mode": mode, "round": round_index, "env_steps_per_s": rate})
            rows[-1]["resets"] = resets
            rows[-1]["term_calls"] = term._calls + term._folds - calls_before  # must be 0 when off
            if args.count_ops:
                with PHASES[mode](env):
                    rows[-1]["ops_per_step"] = ops_per_step(env, action, args.count_ops)
            if sink is not None:
                sink.write(json.dumps(rows[-1]) + "\n")
                sink.flush()
    env.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="Tracking-Humanoid-v0", help="registered task id (e.g. Tracking-G1-v0)")
    parser.add_argument("--device", type=sim_device, default="cpu", help="cpu or cuda:N")
    parser.add_argument("--num-envs", type=positive_int, nargs="+", default=[16, 64])
    parser.add_argument(
        "--rounds", type=positive_int, default=2, help="rounds of the modes (order reversed every other)"
    )
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=MODES,
        default=list(MODES),
        help="the modes each round times (off always: every ratio is paired with it); e.g. off adaptive",
    )
    parser.add_argument("--steps", type=positive_int, default=300, help="timed env steps per phase")
    parser.add_argument("--warmup", type=positive_int, default=50, help="untimed env steps before each phase")
    parser.add_argument("--motion-files", nargs="+")
    parser.add_argument(
        "--count-ops", type=positive_int, default=0, metavar="STEPS", help="count host ops per env step over STEPS"
    )
    parser.add_argument(
        "--warp-step",
        nargs="?",
        const="true",
        default="false",
        choices=sorted(WARP_STEP),
        help="the sampler's warp_step: true (also the bare flag; docs §2), false (default: the torch path), or null "
        "(the config's default, automatic)",
    )
    parser.add_argument(
        "--compile",
        action="store_true",
        help="compile the terms' graph bodies (the sampler's compile; the first adaptive phase pays the compile)",
    )
    parser.add_argument(
        "--skip-rounds",
        type=int,
        default=1,
        help="rounds left out of the summary (one-time costs of the first round; the rows keep them)",
    )
    parser.add_argument(
        "--rows-out", type=output_file("rows.jsonl"), help="also write every phase's row (JSON lines) to this file"
    )
    parser.add_argument(
        "--summarize",
        type=Path,
        metavar="ROWS",
        help="print the summary of a --rows-out file (its complete rounds) and exit",
    )
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.skip_rounds < 0:
        parser.error(f"--skip-rounds {args.skip_rounds}: give a number of rounds >= 0")
    if args.summarize:
        rows = after_warmup_rounds(complete_rounds(read_rows(args.summarize)), args.skip_rounds)
        if not rows:
            parser.error(f"--summarize {args.summarize}: no complete round after --skip-rounds {args.skip_rounds}")
        print(summary(rows))
        return
    if not args.single and args.rounds <= args.skip_rounds:
        parser.error(
            f"--rounds {args.rounds} with --skip-rounds {args.skip_rounds} leaves no round to summarize;"
            " give more rounds or --skip-rounds 0"
        )
    if "off" not in args.modes or len(set(args.modes)) != len(args.modes) or len(args.modes) < 2:
        parser.error(f"--modes {' '.join(args.modes)}: give off and at least one of adaptive, flat, each once")
    args.modes = [m for m in MODES if m in args.modes]  # off first: the summary pairs every ratio with it
    if args.rows_out and not args.rows_out.parent.is_dir():  # before minutes of measurement, not after
        parser.error(f"--rows-out {args.rows_out}: the folder {args.rows_out.parent} does not exist; create it first")
    if args.single:
        with open(args.rows_out, "a") if args.rows_out else contextlib.nullcontext() as sink:
            print("RESULT " + json.dumps(measure(args, args.num_envs[0], sink)))
        return
    if args.rows_out:
        args.rows_out.write_text("")  # each env count's process appends its rows as it times them
    rows: list[dict] = []
    for num_envs in args.num_envs:
        command = [sys.executable, __file__, "--single", "--task", args.task, "--device", args.device]
        command += ["--num-envs", str(num_envs), "--rounds", str(args.rounds), "--steps", str(args.steps)]
        command += ["--modes", *args.modes]
        command += (
            ["--warmup", str(args.warmup)]
            + (["--count-ops", str(args.count_ops)] if args.count_ops else [])
            + (["--motion-files", *args.motion_files] if args.motion_files else [])
            + ["--warp-step", args.warp_step]
            + (["--compile"] if args.compile else [])
            + (["--rows-out", str(args.rows_out)] if args.rows_out else [])
        )
        # stderr passes through: the progress bar, and the error of a run that fails
        out = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
        line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
        if line is None:
            raise SystemExit(
                f"env_throughput: the run with {num_envs} envs failed (exit code {out.returncode}); its error is above"
            )
        rows += json.loads(line[len("RESULT ") :])
        for row in rows[-len(args.modes) * args.rounds :]:
            rate = row["env_steps_per_s"]
            print(
                f"  {num_envs:>6} envs  round {row['round']}  {row['mode']:>8}: {rate:>10.0f} env-steps/s", flush=True
            )
    warp = (f" (warp_step {args.warp_step})" if args.warp_step != "false" else "") + (
        " (compile)" if args.compile else ""
    )
    print(f"\n{args.task}{warp} on {args.device}; per phase {args.steps} timed steps after {args.warmup} warm-up steps")
    if args.skip_rounds:
        print(f"(the summary leaves out the first {args.skip_rounds} round(s) of each env count: --skip-rounds)")
    print(summary(after_warmup_rounds(rows, args.skip_rounds)))
    if args.rows_out:
        print(f"wrote {len(rows)} rows to {args.rows_out}")


if __name__ == "__main__":
    main()
