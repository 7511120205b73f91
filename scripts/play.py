"""Play a trained checkpoint and record an MP4: the robot, the reference motion as a ghost, and the
current sampler bin and its start probability on screen.

    python scripts/play.py --checkpoint outputs/train/RUN/model_99.pt [--steps 500] [--num-envs 1]
                           [--out RUN/videos/play.mp4] [--device cuda:0] [hydra overrides]
    python scripts/play.py --task Tracking-G1-v0 --steps 100     # no checkpoint: zero actions

The env is the run's (task, motion files and curriculum from its ``config.yaml``), in play mode (no
pushes, no observation noise); the sampler is restored from the run's ``sampler/state.pt``, so the
probability shown is the trained one. Env 0 is filmed. The renderer is a headless matplotlib stick
figure of the tracked bodies (beyondmimic_adaptive.viz.stick_figure says why), written by
imageio-ffmpeg's bundled ffmpeg (H.264, 50 fps, the control rate): it runs on the CPU in CI and after
GPU training alike.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from beyondmimic_adaptive.cli_types import positive_int
from beyondmimic_adaptive.runs import RunError, checked_checkpoint, load_policy_env


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, help="model_<it>.pt of scripts/train.py (none: zero actions)")
    parser.add_argument("--task", help="task id when there is no checkpoint (config key: task)")
    parser.add_argument("--steps", type=positive_int, default=500, help="control steps = video frames")
    parser.add_argument("--num-envs", type=positive_int, default=1, help="envs simulated (env 0 is filmed)")
    parser.add_argument("--device", help="cpu or cuda:N (default: the run's)")
    parser.add_argument("--out", type=Path, help="MP4 path (default: RUN/videos/play_<checkpoint>.mp4)")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of config/train.yaml")
    args = parser.parse_args(argv)
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
    frames = record(loaded, out, args.steps, renderer_args)
    print(f"[play] wrote {out} ({frames} frames)")


def record(loaded, out: Path, steps: int, renderer_args: dict) -> int:
    """Step the policy ``steps`` times, writing one frame of env 0 per control step; returns the frame count."""
    import imageio.v2 as imageio
    import torch

    from beyondmimic_adaptive.terms import adaptive_curriculum_terms
    from beyondmimic_adaptive.viz.stick_figure import StickFigureRenderer, tracked_edges, usd_body_parents

    env, wrapped = loaded.env, loaded.wrapped
    command = env.command_manager.get_term("motion")
    parents = usd_body_parents(env.cfg.scene.robot.spawn.usd_path)
    renderer = StickFigureRenderer(tracked_edges(parents, list(command.body_names)), **renderer_args)
    samplers = [term.sampler for term in adaptive_curriculum_terms(env)]
    out.parent.mkdir(parents=True, exist_ok=True)
    fps = round(1.0 / env.step_dt)
    obs = wrapped.get_observations()
    written = 0
    with imageio.get_writer(str(out), fps=fps, codec="libx264", macro_block_size=16) as writer:
        for step in range(steps):
            with torch.inference_mode():
                obs, _, _, _ = wrapped.step(loaded.policy(obs))
            robot = command.robot_body_pos_w[0].cpu().numpy()
            reference = (command.reference.body_pos_w[0] + env.scene.env_origins[0]).cpu().numpy()
            writer.append_data(renderer.render(robot, reference, overlay(command, samplers, step, env.step_dt)))
            written += 1
    env.close()
    return written


def overlay(command, samplers: list, step: int, dt: float) -> str:
    """On-screen text: time, motion frame, and (with adaptive sampling) env 0's bin and its start probability."""
    motion, frame = int(command.motion_ids[0]), int(command.time_steps[0])
    lines = [f"t {step * dt:6.2f} s   motion {motion} frame {frame}"]
    for sampler in samplers:
        bin_id = int(sampler.bin_index(command.motion_ids[:1], command.time_steps[:1])[0])
        p = float(sampler.probabilities[bin_id])
        lines.append(f"bin {bin_id}/{sampler.num_bins}   p {p:.3f} (uniform {1 / sampler.num_bins:.3f})")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
