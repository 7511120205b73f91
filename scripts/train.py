"""Train a motion-tracking policy with adaptive start sampling (stock rsl-rl OnPolicyRunner).

    python scripts/train.py [--device cuda:0] [--num-envs 4096] [--iterations 1000]
                            [--motion-files a.npz b.npz] [hydra overrides, e.g. curriculum=uniform]

Flags are shortcuts for the keys of the packaged train.yaml; any key can also be given as a Hydra
override (``num_envs=64``, ``curriculum.adaptive.gamma=0.8``). A run writes to
``log_dir/<run_name or timestamp>/``: ``model_<it>.pt`` checkpoints and TensorBoard events (rsl-rl),
``config.yaml`` (the composed config), ``sampler/history_*.npz`` (per-bin heatmap data) and
``sampler/state.pt`` (the sampler statistics, saved at the start and with the checkpoints' cadence).
The sampler's per-bin probabilities and failure rates are logged as histograms every iteration and as
a heatmap image every ``image_interval`` iterations. ``logger=wandb`` logs to Weights & Biases through
rsl-rl's W&B writer (TensorBoard events are still written); ``WANDB_MODE=offline`` keeps it local.

Resume with ``resume=<run dir>`` (same motions and bins): the latest checkpoint is loaded with the
runner's own ``load`` and the sampler continues from ``sampler/state.pt``, not from uniform: it is
restored before the env's first reset, so even the first starts of the resumed run come from it.

Several GPUs: ``torchrun --standalone --nproc_per_node N scripts/train.py --device cuda --run-name NAME ...`` (rsl-rl's
multi-GPU mode; rank r on ``cuda:<LOCAL_RANK>`` with seed ``seed + r``; rank 0 writes the run folder;
the ranks' samplers must have the same bins; see ``beyondmimic_adaptive/runs/distributed.py``).

The work is :func:`beyondmimic_adaptive.runs.train`; this script turns its flags into overrides.
"""

from __future__ import annotations

import argparse
import sys

from beyondmimic_adaptive.runs import RunError, motion_files_override, paths_and_overrides, train


def parse_args(argv: list[str]) -> list[str]:
    """The command line as Hydra overrides of the packaged train.yaml (flags first, then the given overrides)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", help="cpu or cuda:N; under torchrun: cuda (config key: device)")
    parser.add_argument("--num-envs", type=int, help="parallel envs (num_envs)")
    parser.add_argument("--iterations", type=int, help="PPO iterations (iterations)")
    parser.add_argument("--motion-files", nargs="+", help="motion .npz files (motion_files)")
    parser.add_argument("--seed", type=int, help="seed (seed)")
    parser.add_argument("--log-dir", help="parent folder of runs (log_dir)")
    parser.add_argument("--run-name", help="run folder name (run_name)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of the packaged train.yaml")
    args = parser.parse_intermixed_args(argv)
    flags = {
        "device": args.device,
        "num_envs": args.num_envs,
        "iterations": args.iterations,
        "seed": args.seed,
        "log_dir": args.log_dir,
        "run_name": args.run_name,
    }
    overrides = [f"{key}={value}" for key, value in flags.items() if value is not None]
    motion_files, trailing = paths_and_overrides(args.motion_files or [])  # --motion-files a.npz key=value
    if motion_files:
        overrides.append(motion_files_override(motion_files))
    return [*overrides, *trailing, *args.overrides]


def main(argv: list[str] | None = None) -> None:
    try:
        train(parse_args(sys.argv[1:] if argv is None else argv))
    except RunError as err:
        raise SystemExit(f"train.py: {err}") from None


if __name__ == "__main__":
    main()
