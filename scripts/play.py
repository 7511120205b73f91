"""Play a trained checkpoint and record an MP4: the robot, the reference motion as a ghost, and the
current sampler bin and its start probability on screen.

    python scripts/play.py --checkpoint outputs/train/RUN/model_99.pt [--steps 500] [--num-envs 1]
                           [--out RUN/videos/play.mp4] [--device cuda:0] [hydra overrides]
    python scripts/play.py --task Tracking-G1-v0 --steps 100 --out g1.mp4   # no checkpoint: zero actions

The env is the run's (task, motion files and curriculum from its ``config.yaml``), in play mode (no
pushes, no observation noise); the sampler is restored from the run's ``sampler/state.pt``, so the
probability shown is the trained one. Env 0 is filmed. The renderer is a headless matplotlib stick
figure of the tracked bodies (beyondmimic_adaptive.viz.stick_figure says why), written by
imageio-ffmpeg's bundled ffmpeg (H.264, 50 fps, the control rate): it runs on the CPU in CI and after
GPU training alike. The work is beyondmimic_adaptive.viz.play_video.record_video.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from beyondmimic_adaptive.cli_types import output_file, positive_int
from beyondmimic_adaptive.runs import RunError, checked_checkpoint, load_policy_env
from beyondmimic_adaptive.viz.play_video import record_video


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, help="model_<it>.pt of scripts/train.py (none: zero actions)")
    parser.add_argument("--task", help="task id when there is no checkpoint (config key: task)")
    parser.add_argument("--steps", type=positive_int, default=500, help="control steps = video frames")
    parser.add_argument("--num-envs", type=positive_int, default=1, help="envs simulated (env 0 is filmed)")
    parser.add_argument("--device", help="cpu or cuda:N (default: the run's)")
    parser.add_argument(
        "--out", type=output_file("play.mp4"), help="MP4 path (default: RUN/videos/play_<checkpoint>.mp4)"
    )
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of config/train.yaml")
    args = parser.parse_intermixed_args(argv)
    if args.checkpoint is not None:
        try:
            checked_checkpoint(args.checkpoint)
        except RunError as err:
            parser.error(f"--checkpoint: {err}")
    if args.checkpoint is None and args.out is None:
        parser.error("without --checkpoint, give --out (where to write the video).")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    overrides = list(args.overrides)
    overrides += [f"device={args.device}"] if args.device else []
    overrides += [f"task={args.task}"] if args.task else []
    try:
        from beyondmimic_adaptive.viz.stick_figure import StickFigureRenderer  # checks the sizes first

        renderer_args = {"width": args.width, "height": args.height}
        StickFigureRenderer([], **renderer_args)
    except ValueError as err:
        raise SystemExit(f"play.py: {err}") from None
    try:
        loaded = load_policy_env(args.checkpoint, overrides, num_envs=args.num_envs)
    except RunError as err:
        raise SystemExit(f"play.py: {err}") from None
    out = args.out or args.checkpoint.parent / "videos" / f"play_{args.checkpoint.stem}.mp4"
    frames = record_video(loaded, out, args.steps, **renderer_args)
    print(f"[play] wrote {out} ({frames} frames)")


if __name__ == "__main__":
    main()
