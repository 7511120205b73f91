"""The main job on a fresh machine: a short CPU training on the long demo clip, then its evaluation.

    python scripts/main_job.py [--out outputs/main] [--iterations 30] [--num-envs 16] [hydra overrides]

Three steps, one after the other in this process (each simulation is closed before the next starts):
1. train (scripts/train.py): adaptive start sampling, stock rsl-rl PPO -> checkpoints, TensorBoard, sampler history;
2. evaluate (scripts/evaluate.py): the final checkpoint from every 1 s bin -> eval.json, eval.png;
3. heatmap (scripts/plot_sampler_history.py): start probability / failure rate per bin over training ->
   sampler_heatmap.png.
A short CPU run shows the pipeline, not a trained policy: real training runs on a GPU (README).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from beyondmimic_adaptive.cli_types import positive_int
from beyondmimic_adaptive.runs import RunError, evaluate_checkpoint, train
from beyondmimic_adaptive.runs.eval_report import format_table
from beyondmimic_adaptive.viz import plot_run_history


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("outputs/main"))
    parser.add_argument("--iterations", type=positive_int, default=30)
    parser.add_argument("--num-envs", type=positive_int, default=16)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for the packaged train.yaml")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    overrides = [f"log_dir={args.out.parent}", f"run_name={args.out.name}", f"iterations={args.iterations}"]
    overrides += [f"num_envs={args.num_envs}", *args.overrides]
    try:
        run_dir = step("train", lambda: train(overrides))
        checkpoint = run_dir / f"model_{args.iterations - 1}.pt"
        print(format_table(step("evaluate", lambda: evaluate_checkpoint(checkpoint, envs_per_bin=1))))
    except RunError as err:
        raise SystemExit(f"[main] {err}") from None
    step("heatmap", lambda: plot_run_history(run_dir))
    print(f"[main] all done in {time.perf_counter() - started:.0f} s; outputs in {run_dir}/:")
    for name in ("config.yaml", checkpoint.name, "eval.json", "eval.png", "sampler_heatmap.png", "sampler/"):
        print(f"  {run_dir / name}")
    print(f"  TensorBoard: tensorboard --logdir {run_dir}")


def step[T](name: str, work: Callable[[], T]) -> T:
    """Run one step of the job, printing its name and duration."""
    started = time.perf_counter()
    print(f"[main] {name} ...", flush=True)
    result = work()
    print(f"[main] {name} done in {time.perf_counter() - started:.0f} s", flush=True)
    return result


if __name__ == "__main__":
    main()
