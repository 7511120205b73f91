"""Training throughput on 1 vs N GPUs (torchrun, rsl-rl's multi-GPU mode), and the ranks' final sampler digests.

    python bench/multigpu_train.py --gpus 1 2 --num-envs 4096 --iterations 30 [--warmup 5] [overrides...]
    python bench/multigpu_train.py --gpus 1 --device cpu --num-envs 16 --iterations 3 --warmup 1   # smoke run

For each GPU count n, ``torchrun --standalone --nproc_per_node n scripts/train.py --device cuda ...``
trains a new run (``num_envs`` envs per GPU: n GPUs collect n times the env steps of one per
iteration, rsl-rl's convention). From rank 0's TensorBoard events it takes each iteration's
collection and learning time (rsl-rl's ``Perf/collection_time``, ``Perf/learning_time``), drops the
first ``--warmup`` iterations (CUDA graph capture, allocator warm-up) and reports the median
s/iteration and env steps/s (all ranks' env steps of an iteration over its time, rsl-rl's
``Perf/total_fps``). From every rank's output it takes the line ``[train] sampler <term> (rank r of n):
state sha256=...`` printed after training: all ranks must hold the same statistics. Prints a
Markdown table; ``--out`` also writes the numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from beyondmimic_adaptive.cli_types import output_file, positive_int

ROOT = Path(__file__).resolve().parents[1]
DIGEST_LINE = re.compile(r"\[train\] sampler (\S+)(?: \(rank (\d+) of (\d+)\))?: state sha256=([0-9a-f]+)")


def rank_digests(output: str) -> dict[str, dict[int, str]]:
    """``{term: {rank: digest}}`` of the digest lines train prints after training (rank 0 without torchrun)."""
    found: dict[str, dict[int, str]] = {}
    for term, rank, _, digest in DIGEST_LINE.findall(output):
        found.setdefault(term, {})[int(rank or 0)] = digest
    return found


def iteration_times(run_dir: Path) -> list[tuple[float, float]]:
    """(collection s, learning s) of every iteration, from rank 0's TensorBoard events."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run_dir), size_guidance={"scalars": 0}).Reload()
    collect = [s.value for s in events.Scalars("Perf/collection_time")]
    learn = [s.value for s in events.Scalars("Perf/learning_time")]
    return list(zip(collect, learn, strict=True))


def summary(
    gpus: int, num_envs: int, steps_per_env: int, times: list[tuple[float, float]], warmup: int
) -> dict[str, Any]:
    """Median timings over the iterations after ``warmup``; env steps/s of all ranks together."""
    kept = times[warmup:]
    if not kept:
        raise SystemExit(f"multigpu_train.py: {len(times)} iterations, all warm-up; raise --iterations.")
    per_iteration = statistics.median(c + learn for c, learn in kept)
    return {
        "gpus": gpus,
        "envs_per_gpu": num_envs,
        "iterations_timed": len(kept),
        "s_per_iteration": per_iteration,
        "collection_s": statistics.median(c for c, _ in kept),
        "learning_s": statistics.median(learn for _, learn in kept),
        "env_steps_per_s": gpus * num_envs * steps_per_env / per_iteration,
    }


def run_once(args: argparse.Namespace, gpus: int, log_dir: Path) -> dict[str, Any]:
    """One training run on ``gpus`` processes; its summary and the ranks' digests."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(gpus)]
    command += ["scripts/train.py", "--device", args.device, "--num-envs", str(args.num_envs)]
    command += ["--iterations", str(args.iterations), "--log-dir", str(log_dir), "--run-name", f"gpus{gpus}"]
    command += [f"save_interval={args.iterations}", "image_interval=0", *args.overrides]
    print("$", " ".join(command), flush=True)
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    (log_dir / f"gpus{gpus}.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise SystemExit(f"multigpu_train.py: the {gpus}-GPU run failed:\n{(result.stdout + result.stderr)[-4000:]}")
    run_dir = log_dir / f"gpus{gpus}"
    agent = (run_dir / "agent.yaml").read_text()
    steps_per_env = int(re.search(r"^num_steps_per_env: (\d+)$", agent, re.MULTILINE).group(1))  # type: ignore[union-attr]
    found = summary(gpus, args.num_envs, steps_per_env, iteration_times(run_dir), args.warmup)
    found["digests"] = rank_digests(result.stdout)
    found["ranks_identical"] = all(
        len(by_rank) == gpus and len(set(by_rank.values())) == 1 for by_rank in found["digests"].values()
    )
    return found


def table(rows: list[dict[str, Any]]) -> str:
    base = rows[0]["env_steps_per_s"]
    lines = [
        "| GPUs | envs/GPU | s/iteration | collection s | learning s | env-steps/s | vs first | sampler digests |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        digests = "; ".join(
            f"{term}: " + ", ".join(f"r{rank} {digest}" for rank, digest in sorted(by_rank.items()))
            for term, by_rank in row["digests"].items()
        )
        same = "identical" if row["ranks_identical"] else "DIFFER"
        lines.append(
            f"| {row['gpus']} | {row['envs_per_gpu']} | {row['s_per_iteration']:.3f} | {row['collection_s']:.3f}"
            f" | {row['learning_s']:.3f} | {row['env_steps_per_s']:,.0f} | {row['env_steps_per_s'] / base:.2f}x"
            f" | {digests} ({same}) |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gpus", type=positive_int, nargs="+", default=[1, 2], help="process (GPU) counts")
    parser.add_argument("--device", default="cuda", help="cuda (each rank: cuda:LOCAL_RANK), or cpu for one process")
    parser.add_argument("--num-envs", type=positive_int, default=4096, help="envs per GPU")
    parser.add_argument("--iterations", type=positive_int, default=30)
    parser.add_argument("--warmup", type=int, default=5, help="first iterations left out of the medians")
    parser.add_argument("--log-dir", type=Path, help="where the runs go (default: a temporary folder)")
    parser.add_argument("--out", type=output_file("rows.json"), help="also write the rows as JSON here")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of train.yaml (task=..., motion_files=[...])")
    args = parser.parse_args()
    if args.device.startswith("cuda"):
        import torch

        available = torch.cuda.device_count()
        if max(args.gpus) > available:
            raise SystemExit(f"multigpu_train.py: --gpus {max(args.gpus)} but this host has {available} CUDA devices.")
    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="multigpu_train_"))
    log_dir.mkdir(parents=True, exist_ok=True)
    rows = [run_once(args, gpus, log_dir) for gpus in args.gpus]
    print(table(rows))
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=1))
    if not all(row["ranks_identical"] for row in rows):
        raise SystemExit("multigpu_train.py: the ranks' sampler statistics differ (see the table).")


if __name__ == "__main__":
    main()
