"""Learning ablation: uniform vs adaptive start sampling, same seed and budget, evaluated as it trains.

    python bench/ablation.py --out outputs/ablation --device cuda:0 --num-envs 4096 \
        --chunk 250 --max-iterations 3000 [--arms adaptive uniform] [--motion-files demo_long.npz]

Each arm trains in chunks of ``--chunk`` PPO iterations (``scripts/train.py``, resuming the arm's
run folder after the first chunk, which also exercises resume). After every chunk the latest
checkpoint is evaluated from every bin (``scripts/evaluate.py``) and one JSON line is appended to
``OUT/results.jsonl``: arm, iterations, training wall time, per-bin completion, full-clip
completion. An arm stops once the whole clip is completed from frame 0 (``--done-at``) or at
``--max-iterations``. Rerunning the command continues where it stopped (it reads results.jsonl),
so a long ablation can be split over several calls. ``--plot`` draws OUT/ablation.png.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def load_results(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def run_chunk(args: argparse.Namespace, arm: str, done_iterations: int) -> float:
    run_dir = args.out / arm
    command = [sys.executable, str(SCRIPTS / "train.py"), "--device", args.device, "--num-envs", str(args.num_envs)]
    command += ["--iterations", str(args.chunk), "--seed", str(args.seed), f"save_interval={args.chunk}"]
    command += [f"curriculum={arm}"]
    if done_iterations == 0:
        command += ["--log-dir", str(args.out), "--run-name", arm]
    else:
        command += [f"resume={run_dir}"]
    if args.motion_files:  # last: the flag takes every argument after it
        command += ["--motion-files", *args.motion_files]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def evaluate(args: argparse.Namespace, arm: str) -> dict:
    run_dir = args.out / arm
    checkpoint = max(run_dir.glob("model_*.pt"), key=lambda p: int(p.stem.split("_")[1]))
    command = [sys.executable, str(SCRIPTS / "evaluate.py"), "--checkpoint", str(checkpoint), "--device", args.device]
    command += ["--envs-per-bin", str(args.envs_per_bin), "--out", str(run_dir / "eval")]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return json.loads((run_dir / "eval" / "eval.json").read_text())


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for arm in sorted({r["arm"] for r in results}):
        rows = [r for r in results if r["arm"] == arm]
        ax.plot([r["iterations"] for r in rows], [r["mean_completion"] for r in rows], marker="o", label=arm)
    ax.set(xlabel="PPO iterations", ylabel="mean completion from every bin", ylim=(0, 1.05))
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--device", default="cuda:0")
    parser.add_argument("--num-envs", type=int, default=4096)
    parser.add_argument("--chunk", type=int, default=250)
    parser.add_argument("--max-iterations", type=int, default=3000)
    parser.add_argument("--arms", nargs="+", default=["adaptive", "uniform"], choices=["adaptive", "uniform"])
    parser.add_argument("--motion-files", nargs="+")
    parser.add_argument("--envs-per-bin", type=int, default=8)
    parser.add_argument("--done-at", type=float, default=0.9, help="full-clip completion that ends an arm")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--max-chunks", type=int, default=1_000_000, help="chunks to run in this call (all arms)")
    parser.add_argument("--plot", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results_path = args.out / "results.jsonl"
    chunks = 0
    for arm in args.arms:
        while chunks < args.max_chunks:
            rows = [r for r in load_results(results_path) if r["arm"] == arm]
            iterations = rows[-1]["iterations"] if rows else 0
            if iterations >= args.max_iterations or (rows and min(rows[-1]["full_clip_completion"]) >= args.done_at):
                break
            wall = run_chunk(args, arm, iterations)
            report = evaluate(args, arm)
            row = {
                "arm": arm,
                "iterations": iterations + args.chunk,
                "train_wall_s": (rows[-1]["train_wall_s"] if rows else 0.0) + wall,
                "mean_completion": report["mean_completion"],
                "full_clip_completion": report["full_clip_completion"],
                "completion_per_bin": report["completion_per_bin"],
            }
            with results_path.open("a") as f:
                f.write(json.dumps(row) + "\n")
            chunks += 1
            print(f"{arm:>9} {row['iterations']:>6} it  {row['train_wall_s']:>8.0f} s  mean completion "
                  f"{row['mean_completion']:.3f}  full clip {row['full_clip_completion']}", flush=True)  # fmt: skip
    if args.plot:
        plot(load_results(results_path), args.out / "ablation.png")


if __name__ == "__main__":
    main()
