"""The main job on a fresh machine: a trained G1 policy plays the shipped dance, then a short CPU training.

    python scripts/main_job.py [--out outputs/main] [--iterations 30] [--num-envs 16]
                               [--policy-envs 1] [--policy-seconds S] [--video-frames 300] [hydra overrides]

Four steps, one after the other in this process (each simulation is closed before the next starts):
1. policy: the shipped G1 policy (trained on a GPU) from frame 0 over the whole clip on the CPU
   -> g1_longdance/first_frame.json and a video of env 0, g1_longdance/play.mp4;
2. train (scripts/train.py): adaptive start sampling, stock rsl-rl PPO -> checkpoints, TensorBoard, sampler history;
3. evaluate (scripts/evaluate.py): the final checkpoint from every 1 s bin -> eval.json, eval.png;
4. heatmap (scripts/plot_sampler_history.py): start probability / failure rate per bin over training ->
   sampler_heatmap.png.
The work is beyondmimic_adaptive.main_job; the Hydra overrides apply to the training.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from beyondmimic_adaptive.cli_types import positive_float, positive_int
from beyondmimic_adaptive.main_job import MainJobSettings, run_main_job
from beyondmimic_adaptive.runs import RunError


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("outputs/main"))
    parser.add_argument("--iterations", type=positive_int, default=30)
    parser.add_argument("--num-envs", type=positive_int, default=16)
    parser.add_argument("--policy-envs", type=positive_int, default=1, help="starts from frame 0 of the G1 policy")
    parser.add_argument(
        "--policy-seconds", type=positive_float, help="play only the clip's first S seconds (default: all 119.4 s)"
    )
    parser.add_argument("--video-frames", type=int, default=300, help="frames of the G1 video (50 per s; 0: none)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for the packaged train.yaml")
    args = parser.parse_intermixed_args(argv)
    if args.video_frames < 0:
        parser.error(f"--video-frames {args.video_frames} is invalid: use an int >= 0 (0: no video).")
    settings = MainJobSettings(
        out=args.out,
        iterations=args.iterations,
        num_envs=args.num_envs,
        overrides=args.overrides,
        policy_envs=args.policy_envs,
        policy_seconds=args.policy_seconds,
        video_frames=args.video_frames,
    )
    try:
        run_main_job(settings)
    except RunError as err:
        raise SystemExit(f"[main] {err}") from None


if __name__ == "__main__":
    main()
