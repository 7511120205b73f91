"""Play a policy from the first frame of its clip, as a user would watch it: does it get through?

Every env starts at frame 0 of motion 0 (the run's first motion file; plus the task's reset noise) and
plays until the motion's end, its first failure (a non-time-out termination term) or ``max_steps``; the
episode limit is lifted to the clip's length. This is the full-clip line of :mod:`.evaluation` (its
``full_clip_completion`` and ``median_furthest_frame``) without the starts from the other bins: a few
envs instead of one per bin, cheap enough for the CPU, with env 0 optionally filmed.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .config import RunError


@dataclass(frozen=True)
class FirstFrameResult:
    """What a rollout from frame 0 reached, per env."""

    furthest_frame: list[int]
    """Per env: the motion frame it was on at its end: ``num_frames - 1`` for the whole clip, the frame of its
    failure, or the frame reached when the step budget ran out."""
    failed: list[bool]
    """Per env: ended by a failure termination (anchor height, anchor orientation, end-effector height)."""
    completed: list[bool]
    """Per env: reached the clip's end without a failure."""
    failure_step: list[int | None]
    """Per env: the control step of its failure (None without one)."""
    num_frames: int
    """Frames of the clip (motion 0)."""
    steps: int
    """Control steps played (the step budget, or fewer when every env ended earlier)."""
    seconds: float
    """Wall time of the rollout."""


def rollout_from_first_frame(
    env: Any,
    wrapped: Any,
    policy: Callable[[Any], Any],
    max_steps: int,
    film: Callable[[int], None] | None = None,
    progress: bool = False,
) -> FirstFrameResult:
    """Reset every env of ``env`` to frame 0 of motion 0 and play ``policy`` for at most ``max_steps`` steps.

    ``env`` is the task's :class:`~isaaclab.envs.ManagerBasedRLEnv` (its episode limit must cover the steps:
    :func:`evaluate_from_first_frame` lifts it), ``wrapped`` its rsl-rl wrapper; ``film(step)`` is called
    after every step (:func:`beyondmimic_adaptive.viz.play_video.filming`). Each env plays one episode. With
    ``progress``, a progress bar counts the steps.
    """
    import torch
    from tqdm import tqdm

    if max_steps < 1:
        raise RunError(f"max_steps={max_steps} is invalid: use an int >= 1.")
    device = env.device
    command = env.command_manager.get_term("motion")
    terminations = env.termination_manager
    failure_terms = [n for n in terminations.active_terms if not terminations.get_term_cfg(n).time_out]
    active = torch.ones(env.num_envs, dtype=torch.bool, device=device)
    failed = torch.zeros_like(active)
    reached = torch.zeros(env.num_envs, dtype=torch.long, device=device)
    failure_step = torch.full((env.num_envs,), -1, dtype=torch.long, device=device)
    started, steps = time.perf_counter(), 0
    bar = tqdm(total=max_steps, desc="steps from frame 0", disable=not progress, mininterval=5.0)
    with torch.inference_mode(), bar:  # the reset too: the env's buffers may be inference tensors of a rollout before
        zeros = torch.zeros(env.num_envs, dtype=torch.long, device=device)
        command.set_start(slice(None), zeros, zeros)
        env.reset()
        obs = wrapped.get_observations()
        while steps < max_steps and bool(active.any()):
            reached = torch.where(active, command.time_steps, reached)
            obs, _, dones, _ = wrapped.step(policy(obs))
            if film is not None:
                film(steps)
            finished = active & dones.bool()
            failing = torch.stack([terminations.get_term(n) for n in failure_terms], dim=1).any(dim=1)
            failure_step = torch.where(finished & failing, steps, failure_step)
            failed |= finished & failing
            active &= ~finished
            steps += 1
            bar.update()
        reached = torch.where(active, command.time_steps, reached)  # still playing at the budget's end
    completed = ~failed & ~active
    return FirstFrameResult(
        furthest_frame=reached.tolist(),
        failed=failed.tolist(),
        completed=completed.tolist(),
        failure_step=[s if s >= 0 else None for s in failure_step.tolist()],
        num_frames=int(command.motion_num_frames[0]),
        steps=steps,
        seconds=time.perf_counter() - started,
    )


def evaluate_from_first_frame(
    checkpoint: Path,
    num_envs: int = 2,
    overrides: Sequence[str] = (),
    max_seconds: float | None = None,
    video: Path | None = None,
    video_frames: int = 0,
    out: Path | None = None,
) -> dict[str, Any]:
    """Play ``checkpoint`` from frame 0 in ``num_envs`` envs over the whole clip (or its first ``max_seconds``).

    With ``video``, env 0's first ``video_frames`` steps are filmed into that MP4. With ``out``, the report
    is written there as JSON. Returns the report: per env the furthest frame and whether it completed
    the clip (or the evaluated prefix), and ``full_clip_completion``, the share of envs that did.
    """
    from .policy import load_policy_env

    if num_envs < 1:
        raise RunError(f"num_envs={num_envs} is invalid: use an int >= 1.")
    if max_seconds is not None and max_seconds <= 0:
        raise RunError(f"max_seconds={max_seconds} is invalid: use a number > 0 (or None: the whole clip).")
    loaded = load_policy_env(checkpoint, overrides, num_envs=num_envs, keep_sampler=False)
    env = loaded.env
    try:
        command = env.command_manager.get_term("motion")
        clip_frames, step_dt = int(command.motion_num_frames[0]), float(env.step_dt)
        # step k is judged on frame k (the command advances after the terminations): the motion's end
        # ends the episode at step clip_frames - 1, so the whole clip is clip_frames steps
        # at least one step: a max_seconds under one control step (0 < max_seconds < step_dt / 2) plays one
        budget = clip_frames if max_seconds is None else min(clip_frames, max(1, round(max_seconds / env.step_dt)))
        env.cfg.episode_length_s = (budget + 1) * env.step_dt + 1.0  # the limit never ends an episode first
        with contextlib.ExitStack() as stack:
            film: Callable[[int], None] | None = None
            if video is not None and video_frames > 0:
                from ..viz.play_video import filming

                film = _first_frames(stack.enter_context(filming(env, video)), video_frames)
            result = rollout_from_first_frame(env, loaded.wrapped, loaded.policy, budget, film, progress=True)
    finally:
        env.close()
    whole_clip = budget == clip_frames
    prefix_done = result.completed if whole_clip else [not f for f in result.failed]
    report: dict[str, Any] = {
        "checkpoint": str(checkpoint),
        "task": loaded.run.task,
        "device": loaded.run.device,
        "num_envs": num_envs,
        "num_frames": clip_frames,
        "step_dt": step_dt,
        "frames_evaluated": budget,
        "whole_clip": whole_clip,
        "full_clip_completion": sum(result.completed) / num_envs,
        "prefix_completion": sum(prefix_done) / num_envs,
        "median_furthest_frame": statistics.median_low(result.furthest_frame),
        **asdict(result),
        "video": str(video) if video is not None and video_frames > 0 else None,
    }
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1))
    return report


def _first_frames(film: Callable[[int], None], frames: int) -> Callable[[int], None]:
    """``film`` for the first ``frames`` steps, nothing after."""

    def first(step: int) -> None:
        if step < frames:
            film(step)

    return first
