"""Film a policy playing: env 0's tracked bodies and the reference as a ghost, one MP4 frame per control step.

The frames come from :class:`~.stick_figure.StickFigureRenderer`; the overlay shows the time, the
motion frame and, with adaptive sampling, env 0's bin and its start probability. The video is written
by imageio-ffmpeg's bundled ffmpeg (H.264, at the control rate).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def record_video(loaded: Any, out: Path, steps: int, width: int = 640, height: int = 480) -> int:
    """Step ``loaded``'s policy ``steps`` times, writing one frame of env 0 per step to ``out``; closes the env.

    ``loaded`` is a :class:`~beyondmimic_adaptive.runs.LoadedPolicy`; returns the number of frames written.
    """
    import torch

    env, wrapped = loaded.env, loaded.wrapped
    try:
        with filming(env, out, width, height) as film:
            obs = wrapped.get_observations()
            for step in range(steps):
                with torch.inference_mode():
                    obs, _, _, _ = wrapped.step(loaded.policy(obs))
                film(step)
    finally:
        env.close()
    return steps


@contextlib.contextmanager
def filming(env: Any, out: Path, width: int = 640, height: int = 480) -> Iterator[Callable[[int], None]]:
    """Open an MP4 at ``out`` for ``env``'s env 0; yields ``film(step)``, which appends the current frame.

    Call ``film`` once per control step, after the step (the video runs at the control rate); the file is
    complete when the ``with`` block ends. The env stays open.
    """
    import imageio.v2 as imageio

    from ..terms import adaptive_curriculum_terms
    from .stick_figure import StickFigureRenderer, tracked_edges, usd_body_parents

    command = env.command_manager.get_term("motion")
    parents = usd_body_parents(env.cfg.scene.robot.spawn.usd_path)
    renderer = StickFigureRenderer(tracked_edges(parents, list(command.body_names)), width=width, height=height)
    samplers = [term.sampler for term in adaptive_curriculum_terms(env)]
    out.parent.mkdir(parents=True, exist_ok=True)
    fps = round(1.0 / env.step_dt)
    video: Any = imageio.get_writer(str(out), fps=fps, codec="libx264", macro_block_size=16)  # a v2 Writer
    with video as writer:

        def film(step: int) -> None:
            robot = command.robot_body_pos_w[0].cpu().numpy()
            reference = (command.reference.body_pos_w[0] + env.scene.env_origins[0]).cpu().numpy()
            writer.append_data(renderer.render(robot, reference, overlay(command, samplers, step, env.step_dt)))

        yield film


def overlay(command: Any, samplers: list[Any], step: int, dt: float) -> str:
    """On-screen text: time, motion frame, and (with adaptive sampling) env 0's bin and its start probability."""
    motion, frame = int(command.motion_ids[0]), int(command.time_steps[0])
    lines = [f"t {step * dt:6.2f} s   motion {motion} frame {frame}"]
    for sampler in samplers:
        bin_id = int(sampler.bin_index(command.motion_ids[:1], command.time_steps[:1])[0])
        p = float(sampler.probabilities[bin_id])
        lines.append(f"bin {bin_id}/{sampler.num_bins}   p {p:.3f} (uniform {1 / sampler.num_bins:.3f})")
    return "\n".join(lines)
