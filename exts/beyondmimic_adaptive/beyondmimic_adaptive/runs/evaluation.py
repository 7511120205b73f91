"""Evaluate checkpoints from every bin: per-bin completion and tracking error (the ablation metric).

Each env starts exactly at the first frame of one bin (plus the task's reset noise) and plays until
the end of its motion or its first failure; the episode limit is lifted to the longest motion.
Per bin: completion (share of starts that reach the motion's end without failing) and the mean body
position error of frames in that bin (over all envs passing through it). The whole clip is completed
when the starts from each motion's first bin complete. ``start_bins`` limits the starts to some bins
(``[0]``: the first motion's whole clip from frame 0, at a fraction of the cost); the per-bin values of
the bins not started are ``None`` and the report's ``start_bins`` lists the bins that were.

The task, the motion files, the bin size and the motion command's name are the run's (its saved
``config.yaml``); overrides replace saved keys.

Several checkpoints of runs that share those four keys (e.g. every checkpoint of every arm of an
ablation) are evaluated in one env (:func:`evaluate_checkpoints`): checkpoint ``k`` drives the
``k``-th contiguous block of envs, each block set up as a single evaluation's. The rollout is
latency-bound (thousands of sequential steps of a small batch), so K checkpoints in one env cost
about the steps of one evaluation instead of K.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .checkpoints import checked_checkpoint, load_actor
from .config import EvalSettings, RunConfig, RunError, eval_settings, saved_run_config
from .eval_report import plot_report
from .runner import make_env, make_runner
from .task_cfg import apply_run_config, motion_command_cfg, play_mode, task_cfgs


def evaluate_checkpoint(
    checkpoint: Path,
    envs_per_bin: int = 2,
    overrides: Sequence[str] = (),
    out: Path | None = None,
    start_bins: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Evaluate ``checkpoint`` with ``envs_per_bin`` starts per bin (every bin, or ``start_bins``); writes
    ``eval.json`` and ``eval.png`` to ``out`` (default: the checkpoint's folder) and returns the report."""
    outs = [out if out is not None else checkpoint.parent]
    return evaluate_checkpoints([checkpoint], envs_per_bin, overrides, outs, start_bins)[0]


def evaluate_checkpoints(
    checkpoints: Sequence[Path],
    envs_per_bin: int = 2,
    overrides: Sequence[str] = (),
    outs: Sequence[Path] | None = None,
    start_bins: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """Evaluate every checkpoint in one env (``envs_per_bin`` starts per bin each, from every bin or from
    ``start_bins``, global bin indices over the motions in order); writes each one's
    ``eval.json`` and ``eval.png`` to its ``outs`` entry (default: :func:`report_dirs` without a parent)
    and returns the reports, in order: each the report :func:`evaluate_checkpoint` gives for it alone.

    The runs must share the task, the motion files, the bin size, the motion command's name, their ``env.``
    overrides but rewards and curriculum, and their ``agent.actor`` / ``agent.obs_groups`` overrides (their saved
    ``config.yaml`` with ``overrides`` on top); the device and the env seed are the first one's.
    """
    if envs_per_bin < 1:
        raise RunError(f"envs_per_bin={envs_per_bin} is invalid: use an int >= 1 (--envs-per-bin).")
    if not checkpoints:
        raise RunError("no checkpoint to evaluate: give at least one model_<iteration>.pt (--checkpoint).")
    outs = list(outs) if outs is not None else report_dirs(checkpoints)
    if len(outs) != len(checkpoints):
        raise RunError(f"{len(checkpoints)} checkpoints but {len(outs)} output folders: give one folder each.")
    _check_distinct(checkpoints, outs)
    configs = [saved_run_config(checkpoint.parent, overrides) for checkpoint in checkpoints]
    settings = [eval_settings(config.cfg) for config in configs]
    _check_shared_setup(checkpoints, configs, settings)
    for checkpoint in checkpoints:
        checked_checkpoint(checkpoint)
    reports = evaluate_policies(configs[0], checkpoints, envs_per_bin, settings[0], start_bins)
    for report, out in zip(reports, outs, strict=True):
        out.mkdir(parents=True, exist_ok=True)
        (out / "eval.json").write_text(json.dumps(report, indent=1))
        plot_report(report, out / "eval.png")
    return reports


def report_dirs(checkpoints: Sequence[Path], parent: Path | None = None) -> list[Path]:
    """Where each checkpoint's report goes when several are evaluated at once: ``<run folder>/eval_<stem>``,
    or ``<parent>/<run folder name>/eval_<stem>`` (an ablation's ``ARM/eval_model_<it>`` with ``parent=OUT``)."""
    if parent is None:
        return [checkpoint.parent / f"eval_{checkpoint.stem}" for checkpoint in checkpoints]
    return [parent / checkpoint.parent.name / f"eval_{checkpoint.stem}" for checkpoint in checkpoints]


def _check_distinct(checkpoints: Sequence[Path], outs: Sequence[Path]) -> None:
    seen: dict[Path, Path] = {}
    for checkpoint, out in zip(checkpoints, outs, strict=True):
        if out.resolve() in seen:
            raise RunError(
                f"checkpoints {seen[out.resolve()]} and {checkpoint} would both write their report to {out}; give each"
                " checkpoint once, from run folders with different names."
            )
        seen[out.resolve()] = checkpoint


def _shared_setup(config: RunConfig, settings: EvalSettings) -> dict[str, Any]:
    """What must agree between checkpoints evaluated in one env."""
    files = config.run.motion_files
    return {
        "task": config.run.task,
        "motion_files": None if files is None else [str(Path(p).resolve()) for p in files],
        "bin_size_s": settings.bin_size_s,
        "command_name": settings.command_name,
        # one env for all: its overrides (a termination threshold) must be every run's; rewards and the curriculum do
        # not act in an evaluation. The policies are built from the first run's agent cfg: its actor must fit all
        "env": {k: v for k, v in config.run.env.items() if k not in ("rewards", "curriculum")},
        "agent": {k: v for k, v in config.run.agent.items() if k in ("actor", "obs_groups")},
    }


def _check_shared_setup(
    checkpoints: Sequence[Path], configs: Sequence[RunConfig], settings: Sequence[EvalSettings]
) -> None:
    first = _shared_setup(configs[0], settings[0])
    for checkpoint, config, setting in zip(checkpoints[1:], configs[1:], settings[1:], strict=True):
        for key, value in _shared_setup(config, setting).items():
            if value != first[key]:
                raise RunError(
                    f"checkpoints {checkpoints[0]} and {checkpoint} differ in {key} ({first[key]!r} vs {value!r}"
                    " in their runs' config.yaml); checkpoints evaluated together need the same task, motion files,"
                    " bin size, motion command, env. overrides (rewards aside) and actor: evaluate them in separate"
                    " calls, or override the key."
                )


def _batched_policy(policies: Sequence[Any], envs_each: int) -> Callable[[Any], Any]:
    """``obs -> actions`` with policy ``k`` acting on envs ``k * envs_each ... (k + 1) * envs_each - 1``."""
    import torch

    if len(policies) == 1:
        return policies[0]

    def act(obs: Any) -> Any:  # a TensorDict of observation groups, sliced along its batch dimension
        return torch.cat([policy(obs[k * envs_each : (k + 1) * envs_each]) for k, policy in enumerate(policies)])

    return act


def checked_start_bins(start_bins: Sequence[int] | None, num_bins: int) -> list[int]:
    """``start_bins`` as a sorted list (``None``: every bin); a :class:`RunError` names a bin out of
    ``0..num_bins-1``, a repeated one, or an empty list."""
    if start_bins is None:
        return list(range(num_bins))
    bins = [int(b) for b in start_bins]
    if not bins:
        raise RunError("start_bins is empty: give at least one bin (--start-bins 0), or leave it out for every bin.")
    outside = [b for b in bins if not 0 <= b < num_bins]
    if outside:
        raise RunError(
            f"start bins {outside} are outside these motions' bins 0..{num_bins - 1}: use bins in that range"
            " (--start-bins)."
        )
    repeated = sorted({b for b in bins if bins.count(b) > 1})
    if repeated:
        raise RunError(f"start bins {repeated} are given twice: give each once (--envs-per-bin sets starts per bin).")
    return sorted(bins)


def _per_bin(values: Any, started: Sequence[int], num_bins: int) -> list[Any]:
    """A list over every bin: ``values[i]`` at bin ``started[i]``, ``None`` where no start was made."""
    full: list[Any] = [None] * num_bins
    for b, v in zip(started, values.tolist(), strict=True):
        full[b] = v
    return full


def evaluate_policies(
    config: RunConfig,
    checkpoints: Sequence[Path],
    envs_per_bin: int,
    settings: EvalSettings,
    start_bins: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """Roll out each checkpoint's policy from the first frame of every bin (or of ``start_bins``), all in
    one env (one block of ``len(start_bins) * envs_per_bin`` envs per checkpoint); a JSON-able report per
    checkpoint."""
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
    started = checked_start_bins(start_bins, layout.num_bins)
    num_policies, envs_each = len(checkpoints), len(started) * envs_per_bin
    env_cfg.scene.num_envs = num_policies * envs_each
    env_cfg.episode_length_s = max(frames) / fps + 1.0
    env = make_env(env_cfg)
    try:
        wrapped, runner = make_runner(env, agent_cfg, run)
        policies = []
        for checkpoint in checkpoints:  # one runner, each actor loaded into it in turn and copied out
            load_actor(runner, checkpoint, run.device, run.task)
            policies.append(copy.deepcopy(runner.get_inference_policy(device=run.device)))
        policy = _batched_policy(policies, envs_each)

        device = env.device
        layout = BinLayout(frames, fps, bin_size_s=settings.bin_size_s, device=device)
        command = env.command_manager.get_term(settings.command_name)
        starts = torch.tensor(started, device=device).repeat_interleave(envs_per_bin).repeat(num_policies)
        # each block's bins are counted apart: global bin + block * num_bins
        bin_offset = torch.arange(num_policies, device=device).repeat_interleave(envs_each) * layout.num_bins
        command.set_start(slice(None), layout.bin_motion[starts], layout.bin_start[starts])
        env.reset()
        obs = wrapped.get_observations()
        active = torch.ones(env.num_envs, dtype=torch.bool, device=device)
        start_frames = layout.bin_start[starts]
        reached = torch.zeros(env.num_envs, dtype=torch.long, device=device)  # frames played before the end
        completed = torch.zeros_like(active)
        error_sum = torch.zeros(num_policies * layout.num_bins, device=device)
        error_count = torch.zeros_like(error_sum)
        terminations = env.termination_manager
        failure_terms = [n for n in terminations.active_terms if not terminations.get_term_cfg(n).time_out]
        no_failure = torch.zeros_like(active)
        ended_in = torch.zeros(env.num_envs, dtype=torch.long, device=device)  # block bin of the last frame played
        fired = torch.zeros(env.num_envs, len(failure_terms), dtype=torch.bool, device=device)  # terms that ended it
        with torch.inference_mode(), tqdm(total=env.num_envs, desc="episodes finished") as progress:
            step = 0
            while bool(active.any()):
                body_pos, _ = command.body_pose_relative_w()
                error = (body_pos - command.robot_body_pos_w).norm(dim=-1).mean(-1)
                bins = layout.bin_index(command.motion_ids, command.time_steps) + bin_offset
                error_sum.index_add_(0, bins, error * active)
                error_count.index_add_(0, bins, active.float())
                reached = torch.where(active, command.time_steps - start_frames, reached)
                obs, _, dones, _ = wrapped.step(policy(obs))
                finished = active & dones.bool()
                failures = [terminations.get_term(n) for n in failure_terms]
                failing = torch.stack([*failures, no_failure], dim=1)
                failed = failing.any(dim=1)
                completed |= finished & ~failed  # the motion's end or the (lifted) time limit
                ended_in = torch.where(finished, bins, ended_in)
                fired |= finished[:, None] & failing[:, :-1]
                active &= ~finished
                progress.update(int(finished.sum()))
                step += 1
                if step % 50 == 0:  # a long clip with few failures: show how far the rollout is, drawn now
                    progress.set_postfix_str(f"step {step} of at most {max(frames)}")  # (no episode may end for long)
    finally:
        env.close()
    shape = (num_policies, len(started), envs_per_bin)
    completion = completed.float().view(shape).mean(2).cpu()
    played = reached.view(shape).float().cpu()  # frames played from each start
    # None (JSON null) where no env played a frame of the bin: 0.0 would read as perfect tracking
    errors = (error_sum / error_count).where(error_count > 0, torch.nan).view(num_policies, layout.num_bins).cpu()
    first_bins = layout.bin_offsets[:-1].tolist()
    median_played = played.median(dim=2).values
    row = {b: i for i, b in enumerate(started)}  # bin -> its row among the started ones
    ended_by = torch.zeros(len(failure_terms), num_policies * layout.num_bins, device=ended_in.device)
    ended_by.index_add_(1, ended_in, fired.T.float())
    ended_by = ended_by.view(len(failure_terms), num_policies, layout.num_bins).cpu()
    return [
        {
            "checkpoint": str(checkpoint),
            "task": run.task,
            "bin_size_s": settings.bin_size_s,
            "motion_files": list(motion_cfg.motion_files),
            "envs_per_bin": envs_per_bin,
            "start_bins": started,
            "bin_motion": layout.bin_motion.tolist(),
            "completion_per_bin": _per_bin(completion[k], started, layout.num_bins),
            "body_pos_error_per_bin": [None if math.isnan(e) else e for e in errors[k].tolist()],
            # per motion (None: its first bin was not started): the share of its frame-0 starts that end it
            "full_clip_completion": [float(completion[k, row[b]]) if b in row else None for b in first_bins],
            # per motion: median over the starts at its frame 0 of the frames played before the end or a failure
            "median_furthest_frame": [float(median_played[k, row[b]]) if b in row else None for b in first_bins],
            # per start bin: median seconds played before the clip's end or a failure (where does it fall?)
            "median_seconds_played_per_bin": _per_bin(median_played[k] / fps, started, layout.num_bins),
            "num_frames": frames,
            "fps": fps,  # the control rate: frames per second of num_frames and the seconds played
            "mean_completion": float(completion[k].mean()),  # over the started bins
            # per failure term: the starts whose episode this term ended (with any other that fired in the same
            # step), counted in the bin of the last frame played: which condition fails, and where
            "failures_per_end_bin": {name: ended_by[t, k].int().tolist() for t, name in enumerate(failure_terms)},
        }
        for k, checkpoint in enumerate(checkpoints)
    ]
