"""Evaluate a checkpoint from every bin: per-bin completion and tracking error (the ablation metric).

Each env starts exactly at the first frame of one bin (plus the task's reset noise) and plays until
the end of its motion or its first failure; the episode limit is lifted to the longest motion.
Per bin: completion (share of starts that reach the motion's end without failing) and the mean body
position error of frames in that bin (over all envs passing through it). The whole clip is completed
when the starts from each motion's first bin complete.

The task, the motion files, the bin size and the motion command's name are the run's (its saved
``config.yaml``); overrides replace saved keys.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .checkpoints import checked_checkpoint, load_actor
from .config import EvalSettings, RunConfig, RunError, eval_settings, saved_run_config
from .eval_report import plot_report
from .runner import make_env, make_runner
from .task_cfg import apply_run_config, motion_command_cfg, play_mode, task_cfgs


def evaluate_checkpoint(
    checkpoint: Path, envs_per_bin: int = 2, overrides: Sequence[str] = (), out: Path | None = None
) -> dict[str, Any]:
    """Evaluate ``checkpoint`` with ``envs_per_bin`` starts per bin; writes ``eval.json`` and ``eval.png``
    to ``out`` (default: the checkpoint's folder) and returns the report."""
    if envs_per_bin < 1:
        raise RunError(f"envs_per_bin={envs_per_bin} is invalid: use an int >= 1 (--envs-per-bin).")
    config = saved_run_config(checkpoint.parent, overrides)
    settings = eval_settings(config.cfg)
    checked_checkpoint(checkpoint)
    report = evaluate_policy(config, checkpoint, envs_per_bin, settings)
    out = out if out is not None else checkpoint.parent
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval.json").write_text(json.dumps(report, indent=1))
    plot_report(report, out / "eval.png")
    return report


def evaluate_policy(config: RunConfig, checkpoint: Path, envs_per_bin: int, settings: EvalSettings) -> dict[str, Any]:
    """Roll out the checkpoint's policy from the first frame of every bin; the report as a JSON-able dict."""
    import torch
    from tqdm import tqdm

    from ..motion import load_motion
    from ..sampler import BinLayout

    run = config.run
    env_cfg, agent_cfg = task_cfgs(run.task)
    motion_cfg = motion_command_cfg(env_cfg, run.task, settings.command_name)
    agent_cfg = apply_run_config(env_cfg, agent_cfg, config, curriculum=False, command_name=settings.command_name)
    play_mode(env_cfg)  # judged on the motion alone: no pushes, no observation noise, nominal joint defaults
    frames = [load_motion(p).num_frames for p in motion_cfg.motion_files]
    fps = 1.0 / (env_cfg.sim.dt * env_cfg.decimation)
    layout = BinLayout(frames, fps, bin_size_s=settings.bin_size_s, device="cpu")
    env_cfg.scene.num_envs = layout.num_bins * envs_per_bin
    env_cfg.episode_length_s = max(frames) / fps + 1.0
    env = make_env(env_cfg)
    try:
        wrapped, runner = make_runner(env, agent_cfg, run)
        load_actor(runner, checkpoint, run.device)
        policy = runner.get_inference_policy(device=run.device)

        device = env.device
        layout = BinLayout(frames, fps, bin_size_s=settings.bin_size_s, device=device)
        command = env.command_manager.get_term(settings.command_name)
        start_bins = torch.arange(layout.num_bins, device=device).repeat_interleave(envs_per_bin)
        command.set_start(slice(None), layout.bin_motion[start_bins], layout.bin_start[start_bins])
        env.reset()
        obs = wrapped.get_observations()
        active = torch.ones(env.num_envs, dtype=torch.bool, device=device)
        start_frames = layout.bin_start[start_bins]
        reached = torch.zeros(env.num_envs, dtype=torch.long, device=device)  # frames played before the end
        completed = torch.zeros_like(active)
        error_sum = torch.zeros(layout.num_bins, device=device)
        error_count = torch.zeros(layout.num_bins, device=device)
        terminations = env.termination_manager
        failure_terms = [n for n in terminations.active_terms if not terminations.get_term_cfg(n).time_out]
        no_failure = torch.zeros_like(active)
        with torch.inference_mode(), tqdm(total=env.num_envs, desc="episodes finished") as progress:
            while bool(active.any()):
                body_pos, _ = command.body_pose_relative_w()
                error = (body_pos - command.robot_body_pos_w).norm(dim=-1).mean(-1)
                bins = layout.bin_index(command.motion_ids, command.time_steps)
                error_sum.index_add_(0, bins, error * active)
                error_count.index_add_(0, bins, active.float())
                reached = torch.where(active, command.time_steps - start_frames, reached)
                obs, _, dones, _ = wrapped.step(policy(obs))
                finished = active & dones.bool()
                failures = [terminations.get_term(n) for n in failure_terms]
                failed = torch.stack([*failures, no_failure], dim=1).any(dim=1)
                completed |= finished & ~failed  # the motion's end or the (lifted) time limit
                active &= ~finished
                progress.update(int(finished.sum()))
    finally:
        env.close()
    completion = completed.float().view(layout.num_bins, envs_per_bin).mean(1)
    first_bins = layout.bin_offsets[:-1]
    played = reached.view(layout.num_bins, envs_per_bin).float()  # frames played from each start
    from_first = played[first_bins]
    return {
        "checkpoint": str(checkpoint),
        "task": run.task,
        "bin_size_s": settings.bin_size_s,
        "motion_files": list(motion_cfg.motion_files),
        "envs_per_bin": envs_per_bin,
        "bin_motion": layout.bin_motion.tolist(),
        "completion_per_bin": completion.tolist(),
        "body_pos_error_per_bin": (error_sum / error_count.clamp_min(1)).tolist(),
        "full_clip_completion": completion[first_bins].tolist(),
        # per motion: median over the starts at its frame 0 of the frames played before the end or a failure
        "median_furthest_frame": from_first.median(dim=1).values.tolist(),
        # per start bin: median seconds played before the clip's end or a failure (where does it fall?)
        "median_seconds_played_per_bin": (played.median(dim=1).values / fps).tolist(),
        "num_frames": frames,
        "mean_completion": float(completion.mean()),
    }
