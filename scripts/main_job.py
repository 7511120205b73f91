"""The main job on a fresh machine: a short CPU training on the long demo clip, then its evaluation.

    python scripts/main_job.py [--out outputs/main] [--iterations 30] [--num-envs 16] [hydra overrides]

Three steps, each its own process (one Isaac Lab simulation per process):
1. scripts/train.py: adaptive start sampling, stock rsl-rl PPO -> checkpoints, TensorBoard, sampler history;
2. scripts/evaluate.py: the final checkpoint from every 1 s bin -> eval.json, eval.png;
3. scripts/plot_sampler_history.py: start probability / failure rate per bin over training -> sampler_heatmap.png.
A short CPU run shows the pipeline, not a trained policy: real training runs on a GPU (README).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent


def run(step: str, *args: str) -> None:
    started = time.perf_counter()
    print(f"[main] {step}: {' '.join(args)}", flush=True)
    result = subprocess.run([sys.executable, *args], check=False)
    if result.returncode != 0:
        raise SystemExit(f"[main] {step} failed (exit {result.returncode})")
    print(f"[main] {step} done in {time.perf_counter() - started:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("outputs/main"))
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--num-envs", type=int, default=16)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for the packaged train.yaml")
    args = parser.parse_args()
    started = time.perf_counter()
    train = [str(SCRIPTS / "train.py"), "--log-dir", str(args.out.parent), "--run-name", args.out.name]
    train += ["--iterations", str(args.iterations), "--num-envs", str(args.num_envs), *args.overrides]
    run("train", *train)
    checkpoint = args.out / f"model_{args.iterations - 1}.pt"
    run("evaluate", str(SCRIPTS / "evaluate.py"), "--checkpoint", str(checkpoint), "--envs-per-bin", "1")
    run("heatmap", str(SCRIPTS / "plot_sampler_history.py"), str(args.out))
    print(f"[main] all done in {time.perf_counter() - started:.0f} s; outputs in {args.out}/:")
    for name in ("config.yaml", checkpoint.name, "eval.json", "eval.png", "sampler_heatmap.png", "sampler/"):
        print(f"  {args.out / name}")
    print(f"  TensorBoard: tensorboard --logdir {args.out}")


if __name__ == "__main__":
    main()
