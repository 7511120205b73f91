"""Learning ablation: uniform vs adaptive start sampling, same seed and budget, evaluated as it trains.

    python bench/ablation.py --out outputs/ablation --device cuda:0 --num-envs 4096 \
        --eval-every 250 --max-iterations 3000 [--arms adaptive uniform] [--motion-files demo_long.npz]

Each arm trains once for ``--max-iterations`` PPO iterations in a process of its own (``python -m
beyondmimic_adaptive.runs train``: the function scripts/train.py calls; a checkpoint every
``--eval-every``). While it trains, this process evaluates every new checkpoint from every bin
(``evaluate_checkpoint`` of beyondmimic_adaptive.runs, as scripts/evaluate.py; same device) and appends
one JSON line to ``OUT/results.jsonl``: arm, iterations, training wall time at that checkpoint, per-bin completion
and full-clip completion. Both arms get the same budget; the table reports the first checkpoint
whose full-clip completion reaches ``--done-at``.

Rerunning the command continues where it stopped: evaluated checkpoints are skipped and an
unfinished arm resumes from its latest checkpoint (``resume=``). Run the arms side by side on two
GPUs with one process per arm (``--arms adaptive --device cuda:0`` and ``--arms uniform --device
cuda:1``, same ``--out``). ``--plot`` draws OUT/ablation.png (completion over iterations) and
OUT/completion_heatmaps.png (per-bin completion per checkpoint) from results.jsonl, OUT/reach_latest.png
(where each bin's median start ends, for rows with survival times) and OUT/reach_heatmaps.png (the same at
every checkpoint with them, one panel per arm). ``--ingest`` adds the rows
of evaluations made elsewhere (``scripts/evaluate.py --out ARM/eval_model_<it>``, e.g. after ``--train-only``);
``scripts/evaluate.py --checkpoint OUT/adaptive/model_*.pt OUT/uniform/model_*.pt --envs-per-bin 16 --out OUT``
evaluates all of them in one process (one env, about the device time of one evaluation) into exactly those folders.
``--variant hazard_k2=hazard:curriculum.adaptive.K=2`` adds an arm that trains as ``hazard`` with more overrides;
copy an arm's run folder to OUT/hazard_k2 first to branch it from that arm's latest checkpoint.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from ablation_plots import (
    plot_completion_curves,
    plot_completion_heatmaps,
    plot_latest_per_bin,
    plot_reach,
    plot_reach_heatmaps,
    rows_by_arm,
)

from beyondmimic_adaptive.cli_types import positive_int, share
from beyondmimic_adaptive.runs import (
    RunError,
    checkpoint_iteration,
    checkpoints_by_iteration,
    evaluate_checkpoint,
    is_complete,
    latest_complete,
    motion_files_override,
)
from beyondmimic_adaptive.runs.eval_report import require_every_bin

ARMS: dict[str, list[str]] = {
    "adaptive": ["curriculum=adaptive"],
    "uniform": ["curriculum=uniform"],
    "hazard": ["curriculum=adaptive", "curriculum.adaptive.attribution=hazard"],
    "public": ["curriculum=public"],
}
"""Arm name -> the Hydra overrides of the train config that make it (uniform: frame-uniform starts, statistics kept;
public: the public BeyondMimic code's sampler, HybridRobotics/whole_body_tracking, defects included, to show what
this package's fixes buy)."""


def arm_table(variants: list[str]) -> dict[str, list[str]]:
    """:data:`ARMS` plus the ``--variant NAME=ARM:KEY=VALUE[,KEY=VALUE...]`` arms: NAME trains as ARM with the
    extra Hydra overrides (e.g. ``hazard_k2=hazard:curriculum.adaptive.K=2,curriculum.adaptive.gamma=0.5``)."""
    table = dict(ARMS)
    for spec in variants:
        name, sep, rest = spec.partition("=")
        base, colon, extra = rest.partition(":")
        if not (sep and colon and extra and name.isidentifier()) or base not in ARMS or name in table:
            raise SystemExit(
                f"ablation --variant: {spec!r} is not NAME=ARM:KEY=VALUE[,KEY=VALUE...] with ARM one of "
                f"{sorted(ARMS)} and a NAME of its own (letters, digits, _)."
            )
        table[name] = [*ARMS[base], *extra.split(",")]
    return table


def load_results(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def train_overrides(args: argparse.Namespace, arm: str, last_checkpoint: int | None) -> list[str]:
    """The arm's train config: up to iteration max - 1, a fresh run or a resume of its latest checkpoint."""
    overrides = [f"device={args.device}", f"num_envs={args.num_envs}", f"seed={args.seed}", f"task={args.task}"]
    overrides += [f"iterations={args.max_iterations - (last_checkpoint or 0)}", f"save_interval={args.eval_every}"]
    overrides += [*args.arm_table[arm], *([motion_files_override(args.motion_files)] if args.motion_files else [])]
    if last_checkpoint is None:
        return [*overrides, f"log_dir={args.out}", f"run_name={arm}"]
    return [*overrides, f"resume={args.out / arm}"]


def start_training(args: argparse.Namespace, arm: str, last_checkpoint: int | None) -> subprocess.Popen:
    """Train the arm in a process of its own (its checkpoints are evaluated here while it trains)."""
    command = [sys.executable, "-m", "beyondmimic_adaptive.runs", "train", *train_overrides(args, arm, last_checkpoint)]
    with (args.out / f"{arm}_train.log").open("a") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)


def evaluate(args: argparse.Namespace, arm: str, checkpoint: Path) -> dict:
    """Evaluate ``checkpoint`` in this process; the report is also written to ARM/eval_<checkpoint>/."""
    out = args.out / arm / f"eval_{checkpoint.stem}"
    return evaluate_checkpoint(checkpoint, args.envs_per_bin, [f"device={args.device}"], out)


REPORT_KEYS = (
    "mean_completion",
    "full_clip_completion",
    "completion_per_bin",
    "median_furthest_frame",
    "num_frames",
    "envs_per_bin",
)
"""The keys of an evaluation report that a results.jsonl row copies (each row needs them all)."""


def result_row(arm: str, iterations: int, report: dict, train_wall_s: float | None) -> dict:
    """One line of results.jsonl from an evaluation report (``evaluate_checkpoint``'s, or its eval.json)."""
    row = {"arm": arm, "iterations": iterations, "train_wall_s": train_wall_s}
    row |= {key: report[key] for key in REPORT_KEYS}
    row["bin_size_s"] = report.get("bin_size_s", 1.0)  # the reach plots' bins (rows before 2026-12-04: 1 s)
    if "median_seconds_played_per_bin" in report:  # evaluations since 2026-12-02
        row["median_seconds_played_per_bin"] = report["median_seconds_played_per_bin"]
    return row


def ingest(args: argparse.Namespace, results_path: Path) -> list[tuple[str, int]]:
    """Append a row for every ARM/eval_model_<it>/eval.json not in results.jsonl yet (evaluations run
    elsewhere, e.g. ``scripts/evaluate.py --out ARM/eval_model_<it>`` on a device, or several checkpoints
    at once with ``--out OUT``); returns the (arm, it) added."""
    known = {(r["arm"], r["iterations"]) for r in load_results(results_path)}
    added: list[tuple[str, int]] = []
    rows: list[dict] = []
    for arm in args.arms:
        found = []
        for report_path in (args.out / arm).glob("eval_model_*/eval.json"):
            iterations = checkpoint_iteration(Path(report_path.parent.name.removeprefix("eval_") + ".pt"))
            if iterations is not None and (arm, iterations) not in known:
                found.append((iterations, report_path))
        for iterations, report_path in sorted(found):
            rows.append(result_row(arm, iterations, _read_report(report_path), None))
            added.append((arm, iterations))
    with results_path.open("a") as f:  # every report read first: a bad one adds nothing
        f.writelines(json.dumps(row) + "\n" for row in rows)
    return added


def _read_report(path: Path) -> dict:
    """An evaluation report (eval.json) with the keys a results row needs, or SystemExit naming the problem."""
    try:
        report = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        message = f"ablation --ingest: {path} is not an evaluation report ({err}); delete it or evaluate again."
        raise SystemExit(message) from None
    missing = [key for key in REPORT_KEYS if not isinstance(report, dict) or key not in report]
    if missing:
        raise SystemExit(
            f"ablation --ingest: {path} lacks {', '.join(missing)}: not a report of scripts/evaluate.py;"
            " delete it or evaluate the checkpoint again."
        )
    try:
        require_every_bin(report, f"ablation --ingest: {path}")
    except ValueError as err:
        raise SystemExit(str(err)) from None
    return report


def run_arm(args: argparse.Namespace, arm: str, results_path: Path) -> None:
    run_dir = args.out / arm
    rows = [r for r in load_results(results_path) if r["arm"] == arm]
    evaluated = {r["iterations"] for r in rows}
    # rsl-rl names the last checkpoint of iterations 0..N-1 model_<N-1>, and a resumed run repeats
    # the loaded checkpoint's iteration number: from model_<k>, max - k more iterations end at max - 1
    # (a checkpoint cut off by a kill is skipped here and by the training's resume alike)
    newest, _ = latest_complete(run_dir)
    last = None if newest is None else checkpoint_iteration(newest)
    wall_offset = max((r["train_wall_s"] for r in rows if r["train_wall_s"] is not None), default=0.0)
    finished = last is not None and last >= args.max_iterations - 1
    training = None if finished else start_training(args, arm, last)
    started = time.time()
    while True:
        running = training is not None and training.poll() is None
        ready = sorted(
            (it, path)
            for it, path in checkpoints_by_iteration(run_dir).items()
            # a checkpoint still being written, or cut off by a kill, is not a complete zip yet
            if it > 0 and it not in evaluated and is_complete(path) and not args.train_only
        )
        for iterations, path in ready:
            report = evaluate(args, arm, path)
            written = path.stat().st_mtime
            # training time to this checkpoint (None: written by an earlier, unobserved process)
            row = result_row(arm, iterations, report, wall_offset + written - started if written >= started else None)
            with results_path.open("a") as f:
                f.write(json.dumps(row) + "\n")
            evaluated.add(iterations)
            print(f"{arm:>9} {iterations:>6} it  {row['train_wall_s'] or float('nan'):>7.0f} s  mean completion "
                  f"{row['mean_completion']:.3f}  full clip {row['full_clip_completion']}", flush=True)  # fmt: skip
        if not running and not ready:
            break
        time.sleep(2.0)
    if training is not None and training.returncode != 0:
        raise SystemExit(f"ablation: training of arm {arm!r} failed (exit {training.returncode}); see {arm}_train.log")


def summary(results: list[dict], done_at: float) -> str:
    """Per arm: the first checkpoint completing the whole clip (every motion from its first frame,
    share >= done_at) and the last checkpoint's per-bin completion."""
    lines = [f"{'arm':>9} {'completes at':>12} {'last':>6} {'mean completion':>16} {'bins < 0.9':>11}"]
    for arm, rows in rows_by_arm(results).items():
        first = next((r["iterations"] for r in rows if min(r["full_clip_completion"]) >= done_at), None)
        last = rows[-1]
        below = sum(c < 0.9 for c in last["completion_per_bin"])
        lines.append(
            f"{arm:>9} {'never' if first is None else first:>12} {last['iterations']:>6} "
            f"{last['mean_completion']:>16.3f} {below:>11}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--device", default="cuda:0")
    parser.add_argument("--num-envs", type=positive_int, default=4096)
    parser.add_argument("--eval-every", type=positive_int, default=250, help="checkpoint and evaluate every N its")
    parser.add_argument("--max-iterations", type=positive_int, default=3000, help="the budget, the same for every arm")
    parser.add_argument("--arms", nargs="+", default=["adaptive", "uniform"], help=f"of {sorted(ARMS)} and --variant")
    parser.add_argument(
        "--variant",
        nargs="+",
        default=[],
        help="NAME=ARM:KEY=VALUE[,KEY=VALUE...]: an arm NAME that trains as ARM with these Hydra overrides",
    )
    parser.add_argument("--task", default="Tracking-Humanoid-v0", help="registered task id (e.g. Tracking-G1-v0)")
    parser.add_argument("--train-only", action="store_true", help="train and checkpoint; evaluate nothing now")
    parser.add_argument("--motion-files", nargs="+")
    parser.add_argument("--envs-per-bin", type=positive_int, default=8)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--plot", action="store_true", help="draw the plots from results.jsonl")
    parser.add_argument("--plot-only", action="store_true", help="draw the plots and train nothing")
    parser.add_argument(
        "--ingest", action="store_true", help="add rows for ARM/eval_model_*/eval.json made elsewhere; train nothing"
    )
    parser.add_argument("--done-at", type=share, default=0.9, help="full-clip completion counted as completing")
    args = parser.parse_args(argv)
    args.arm_table = arm_table(args.variant)
    unknown = [arm for arm in args.arms if arm not in args.arm_table]
    if unknown:
        parser.error(
            f"--arms {' '.join(unknown)}: not an arm; choose from {sorted(args.arm_table)} (add one with --variant)"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    results_path = args.out / "results.jsonl"
    if args.ingest:
        for arm, iterations in ingest(args, results_path):
            print(f"ingested {arm} @ {iterations}")
    elif not args.plot_only:
        for arm in args.arms:
            try:
                run_arm(args, arm, results_path)
            except RunError as err:
                raise SystemExit(f"ablation: evaluating arm {arm!r}: {err}") from None
    results = load_results(results_path)
    if args.plot or args.plot_only:
        plot_completion_curves(results, args.out / "ablation.png", args.done_at)
        plot_completion_heatmaps(results, args.out / "completion_heatmaps.png")
        plot_latest_per_bin(results, args.out / "completion_latest.png")
        latest = {f"{arm} @ {rows[-1]['iterations']}": rows[-1] for arm, rows in rows_by_arm(results).items()}
        sizes = sorted({row.get("bin_size_s", 1.0) for row in results})
        if len(sizes) > 1:
            raise SystemExit(f"ablation --plot: the rows' bin sizes differ ({sizes} s); plot arms of one bin size.")
        bin_size_s = sizes[0] if sizes else 1.0
        plot_reach(latest, args.out / "reach_latest.png", bin_size_s)  # arms whose latest row has survival times
        plot_reach_heatmaps(results, args.out / "reach_heatmaps.png", bin_size_s)  # every row with survival times
    print(f"whole clip counted as completed at a share >= {args.done_at:g} of its starts from frame 0")
    print(summary(results, args.done_at))


if __name__ == "__main__":
    main()
