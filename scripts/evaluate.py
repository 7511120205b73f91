"""Evaluate a checkpoint from every bin: per-bin completion and tracking error (the ablation metric).

    python scripts/evaluate.py --checkpoint outputs/train/RUN/model_99.pt [--device cpu] [--envs-per-bin 2]
                               [--motion-files a.npz] [--out DIR] [hydra overrides of the packaged train.yaml]

Each env starts exactly at the first frame of one bin (plus the task's reset noise) and plays until
the end of its motion or its first failure; the episode limit is lifted to the longest motion.
Reports, per bin: completion (share of starts that reach the motion's end without failing) and the
mean body position error of frames in that bin (over all envs passing through it). The whole clip
is completed when the starts from each motion's first bin complete. Writes ``eval.json`` and
``eval.png`` next to the checkpoint (or under --out).

The task, the motion files, the bin size and the motion command's name are the run's: read from
``config.yaml`` next to the checkpoint (written by scripts/train.py). A key given on the command line
(``--motion-files``, ``--device`` or a Hydra override) replaces the saved one; without a saved config
the defaults of the packaged train.yaml apply.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

from beyondmimic_adaptive.cli_types import positive_int
from beyondmimic_adaptive.export.checkpoint_env import run_config
from beyondmimic_adaptive.hydra_config import ConfigError, parse_run
from beyondmimic_adaptive.run_checkpoints import is_complete


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, help="model_<it>.pt written by scripts/train.py")
    parser.add_argument("--device", default=None, help="cpu or cuda:N (default: config device)")
    parser.add_argument("--envs-per-bin", type=positive_int, default=2)
    parser.add_argument("--motion-files", nargs="+", help="motion files (default: the run's config.yaml)")
    parser.add_argument("--out", help="output folder (default: the checkpoint's folder)")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    checkpoint = Path(args.checkpoint)
    if not checkpoint.is_file():
        raise SystemExit(f"evaluate.py: checkpoint {checkpoint} does not exist.")
    overrides = list(args.overrides)
    if args.device:
        overrides.append(f"device={args.device}")
    if args.motion_files:
        overrides.append("motion_files=[" + ",".join(str(Path(p).resolve()) for p in args.motion_files) + "]")
    try:
        cfg = run_config(checkpoint.parent, overrides)
        run = parse_run(cfg)
        settings = eval_settings(cfg)
    except ConfigError as err:
        raise SystemExit(f"evaluate.py: config error: {err}") from None
    if not is_complete(checkpoint):
        raise SystemExit(
            f"evaluate.py: checkpoint {checkpoint} is truncated (its run was killed while saving it);"
            " pick an earlier model_<iteration>.pt."
        )
    result = evaluate(run, checkpoint, args.envs_per_bin, **settings)
    out = Path(args.out) if args.out else checkpoint.parent
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval.json").write_text(json.dumps(result, indent=1))
    plot(result, out / "eval.png")
    print(format_table(result))
    print(f"wrote {out / 'eval.json'} and {out / 'eval.png'}")


def eval_settings(cfg) -> dict[str, object]:
    """``bin_size_s`` and ``command_name`` of the run's adaptive curriculum entry (defaults without one)."""
    from beyondmimic_adaptive.hydra_config.schema import AdaptiveCurriculumNode, parse_curriculum

    nodes = [n for n in parse_curriculum(cfg.get("curriculum")).values() if isinstance(n, AdaptiveCurriculumNode)]
    node = nodes[0] if nodes else AdaptiveCurriculumNode()
    return {"bin_size_s": float(node.bin_size_s), "command_name": node.command_name}


def evaluate(run, checkpoint: Path, envs_per_bin: int, bin_size_s: float = 1.0, command_name: str = "motion") -> dict:
    import gymnasium as gym
    import torch
    from isaaclab.envs import ManagerBasedRLEnv
    from isaaclab.utils.string import string_to_callable
    from isaaclab_rl.rsl_rl import RslRlVecEnvWrapper, check_rsl_rl_version, handle_deprecated_rsl_rl_cfg
    from rsl_rl.runners import OnPolicyRunner
    from tqdm import tqdm

    import beyondmimic_adaptive.tasks  # noqa: F401 (registers every task)
    from beyondmimic_adaptive.export.checkpoint_env import play_mode
    from beyondmimic_adaptive.motion import load_motion
    from beyondmimic_adaptive.sampler import BinLayout
    from beyondmimic_adaptive.tasks.tracking import set_device
    from beyondmimic_adaptive.terms import disable_adaptive_sampling

    try:
        spec = gym.spec(run.task)
    except gym.error.Error as err:
        raise SystemExit(f"evaluate.py: task {run.task!r} of the run's config is not registered ({err}).") from None
    env_cfg = string_to_callable(spec.kwargs["env_cfg_entry_point"])()
    agent_cfg = string_to_callable(spec.kwargs["rsl_rl_cfg_entry_point"])()
    motion_cfg = getattr(env_cfg.commands, command_name, None)
    if motion_cfg is None or not hasattr(motion_cfg, "motion_files"):
        raise SystemExit(
            f"evaluate.py: task {run.task!r} has no motion command {command_name!r} (curriculum command_name of the"
            " run's config); give the name of its motion command term."
        )
    if run.motion_files is not None:
        motion_cfg.motion_files = [str(Path(p).resolve()) for p in run.motion_files]
    frames = [load_motion(p).num_frames for p in motion_cfg.motion_files]
    fps = 1.0 / (env_cfg.sim.dt * env_cfg.decimation)
    layout = BinLayout(frames, fps, bin_size_s=bin_size_s, device="cpu")
    disable_adaptive_sampling(env_cfg)  # starts come from set_start below, not from a sampler
    play_mode(env_cfg)  # judged on the motion alone: no pushes, no observation noise, nominal joint defaults
    env_cfg.scene.num_envs = layout.num_bins * envs_per_bin
    env_cfg.episode_length_s = max(frames) / fps + 1.0
    env_cfg.seed = run.seed
    set_device(env_cfg, run.device)
    env = ManagerBasedRLEnv(cfg=env_cfg)
    agent_cfg.device = run.device
    agent_cfg = handle_deprecated_rsl_rl_cfg(agent_cfg, check_rsl_rl_version())
    wrapped = RslRlVecEnvWrapper(env, clip_actions=agent_cfg.clip_actions)
    runner = OnPolicyRunner(wrapped, agent_cfg.to_dict(), log_dir=None, device=run.device)
    runner.load(str(checkpoint), map_location=run.device)
    policy = runner.get_inference_policy(device=run.device)

    device = env.device
    layout = BinLayout(frames, fps, bin_size_s=bin_size_s, device=device)
    command = env.command_manager.get_term(command_name)
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
            failed = torch.stack([terminations.get_term(n) for n in failure_terms] + [no_failure], dim=1).any(dim=1)
            completed |= finished & ~failed  # the motion's end or the (lifted) time limit
            active &= ~finished
            progress.update(int(finished.sum()))
    env.close()
    completion = completed.float().view(layout.num_bins, envs_per_bin).mean(1)
    first_bins = layout.bin_offsets[:-1]
    played = reached.view(layout.num_bins, envs_per_bin).float()  # frames played from each start
    from_first = played[first_bins]
    return {
        "checkpoint": str(checkpoint),
        "task": run.task,
        "bin_size_s": bin_size_s,
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


def format_table(result: dict) -> str:
    lines = [f"{'bin':>4} {'motion':>6} {'completion':>10} {'body pos err [m]':>16}"]
    for b, (m, c, e) in enumerate(
        zip(result["bin_motion"], result["completion_per_bin"], result["body_pos_error_per_bin"], strict=True)
    ):
        lines.append(f"{b:>4} {m:>6} {c:>10.2f} {e:>16.3f}")
    lines.append(f"full-clip completion per motion: {result['full_clip_completion']}")
    lines.append(f"median furthest frame from frame 0: {result['median_furthest_frame']} of {result['num_frames']}")
    lines.append(f"mean completion over bins: {result['mean_completion']:.3f}")
    return "\n".join(lines)


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bins = range(len(result["completion_per_bin"]))
    fig, ax = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
    ax[0].bar(bins, result["completion_per_bin"], color="tab:green")
    ax[0].set(ylabel="completion from bin", ylim=(0, 1.05), title=Path(result["checkpoint"]).name)
    ax[1].bar(bins, result["body_pos_error_per_bin"], color="tab:red")
    ax[1].set(xlabel=f"bin ({result['bin_size_s']:g} s)", ylabel="body pos error [m]")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
