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
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path

os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")  # rsl-rl imports GitPython; no git binary is fine

from beyondmimic_adaptive.hydra_config import ConfigError, load_run_config
from beyondmimic_adaptive.run_checkpoints import latest_complete


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", help="cpu or cuda:N (config key: device)")
    parser.add_argument("--num-envs", type=int, help="parallel envs (num_envs)")
    parser.add_argument("--iterations", type=int, help="PPO iterations (iterations)")
    parser.add_argument("--motion-files", nargs="+", help="motion .npz files (motion_files)")
    parser.add_argument("--seed", type=int, help="seed (seed)")
    parser.add_argument("--log-dir", help="parent folder of runs (log_dir)")
    parser.add_argument("--run-name", help="run folder name (run_name)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of the packaged train.yaml")
    args = parser.parse_args(argv)
    flags = {
        "device": args.device,
        "num_envs": args.num_envs,
        "iterations": args.iterations,
        "seed": args.seed,
        "log_dir": args.log_dir,
        "run_name": args.run_name,
    }
    overrides = [f"{key}={value}" for key, value in flags.items() if value is not None]
    if args.motion_files:
        overrides.append("motion_files=[" + ",".join(str(Path(p).resolve()) for p in args.motion_files) + "]")
    return args, [*overrides, *args.overrides]


def main(argv: list[str] | None = None) -> None:
    _, overrides = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        run = load_run_config(overrides)
    except ConfigError as err:
        raise SystemExit(f"train.py: config error: {err}") from None

    if run.logger == "wandb":
        _check_wandb()
    # Isaac Lab and the task are imported only after the config is known to be valid: fast errors
    import gymnasium as gym
    import torch
    from isaaclab.envs import ManagerBasedRLEnv
    from isaaclab.utils.io import dump_yaml
    from isaaclab_rl.rsl_rl import RslRlVecEnvWrapper, check_rsl_rl_version, handle_deprecated_rsl_rl_cfg
    from omegaconf import OmegaConf
    from rsl_rl.runners import OnPolicyRunner

    import beyondmimic_adaptive.tasks  # noqa: F401 (registers every task)
    from beyondmimic_adaptive.hydra_config.isaaclab_binding import apply_run_config
    from beyondmimic_adaptive.motion import MotionFileError
    from beyondmimic_adaptive.sampler import SamplerStateError
    from beyondmimic_adaptive.terms import adaptive_curriculum_terms
    from beyondmimic_adaptive.viz.train_logging import SamplerLogHook, attach_log_hooks

    spec = gym.spec(run.task)
    env_cfg = _load_entry_point(spec.kwargs["env_cfg_entry_point"])()
    agent_cfg = _load_entry_point(spec.kwargs["rsl_rl_cfg_entry_point"])()

    if run.resume is not None:
        run_dir = Path(run.resume)
        checkpoint = _latest_checkpoint(run_dir)
    else:
        run_dir = Path(run.log_dir) / (run.run_name or datetime.datetime.now().strftime("%Y-%m-%d_%H-%M-%S"))
        if run_dir.exists() and any(run_dir.glob("model_*.pt")):
            raise SystemExit(f"train.py: {run_dir} already holds a run; pick another run_name or resume={run_dir}.")
    try:
        apply_run_config(env_cfg, agent_cfg, run, run_dir)  # env: scene, device, motions, curriculum; agent
    except ConfigError as err:
        raise SystemExit(f"train.py: config error: {err}") from None
    agent_cfg = handle_deprecated_rsl_rl_cfg(agent_cfg, check_rsl_rl_version())

    torch.manual_seed(run.seed)
    try:
        env = ManagerBasedRLEnv(cfg=env_cfg)
    except MotionFileError as err:
        # nothing is written before the env (motions against robot and sampler bins) is known to be valid
        raise SystemExit(f"train.py: motion file error: {err}") from None
    adaptive_terms = adaptive_curriculum_terms(env)
    restored = []
    if run.resume is not None:
        # before the first reset (RslRlVecEnvWrapper resets the env): the first starts of the
        # resumed run are drawn from the restored statistics, not from an empty sampler
        for term in adaptive_terms:
            try:
                restored.append((term, term.restore_state(term.cfg.state_path)))
            except SamplerStateError as err:
                env.close()
                raise SystemExit(f"train.py: cannot resume the sampler: {err}") from None
    run_dir.mkdir(parents=True, exist_ok=True)
    suffix = "" if run.resume is None else f"_resume_{checkpoint.stem}"
    (run_dir / f"config{suffix}.yaml").write_text(OmegaConf.to_yaml(run))
    dump_yaml(str(run_dir / f"env{suffix}.yaml"), env_cfg)
    dump_yaml(str(run_dir / f"agent{suffix}.yaml"), agent_cfg)
    for term in adaptive_terms:
        term.save_state()  # from the start: a run killed before its first periodic save still resumes
    wrapped = RslRlVecEnvWrapper(env, clip_actions=agent_cfg.clip_actions)
    runner = OnPolicyRunner(wrapped, _runner_cfg(agent_cfg, run, run_dir), log_dir=str(run_dir), device=run.device)
    hooks = [SamplerLogHook(term, name, run.image_interval) for name, term in _named_adaptive_terms(env)]
    attach_log_hooks(runner, hooks)
    if run.resume is not None:
        runner.load(str(checkpoint), map_location=run.device)
        for term, digest in restored:
            print(f"[train] resumed {checkpoint.name}; sampler state env_step={term.env_step} sha256={digest}")
    print(f"[train] {run.task} on {run.device}: {run.num_envs} envs x {run.iterations} iterations -> {run_dir}")
    runner.learn(num_learning_iterations=run.iterations)
    for term in adaptive_terms:
        term.flush_history()
        term.save_state()
    env.close()
    _report_logging_cost(hooks, runner)
    print(f"[train] done: checkpoints, TensorBoard events and sampler history in {run_dir}")


def _check_wandb() -> None:
    import importlib.util

    if importlib.util.find_spec("wandb") is None:
        raise SystemExit(
            "train.py: logger=wandb needs the wandb package (pip install -r requirements/isaaclab-kitless.txt);"
            " or use logger=tensorboard."
        )


def _runner_cfg(agent_cfg, run, run_dir: Path) -> dict:
    """rsl-rl's train cfg dict, with the W&B writer in rsl-rl's dict form when ``logger=wandb``."""
    cfg = agent_cfg.to_dict()
    if run.logger == "wandb":
        # wandb writes its run files (offline runs too) under WANDB_DIR: keep them in the run folder
        os.environ.setdefault("WANDB_DIR", str(run_dir))
        cfg["logger"] = {
            "class_name": "rsl_rl.utils.wandb_log_writer:WandbLogWriter",
            "project_name": run.wandb_project,
        }
        cfg["wandb_project"] = run.wandb_project
    return cfg


def _named_adaptive_terms(env) -> list:
    """(curriculum entry name, live AdaptiveSamplingCurriculum) pairs."""
    from beyondmimic_adaptive.terms import find_adaptive_curriculum

    named = []
    for name in env.curriculum_manager.active_terms:
        try:
            named.append((name, find_adaptive_curriculum(env, name)))
        except TypeError:  # another kind of curriculum term
            continue
    return named


def _report_logging_cost(hooks: list, runner) -> None:
    """Print what the sampler logging cost next to the mean PPO iteration time."""
    iterations = max(1, len(hooks[0].hook_seconds)) if hooks else 1
    iteration_s = runner.logger.tot_time / iterations
    for hook in hooks:
        images = hook.image_seconds
        image_mean = sum(images) / len(images) if images else 0.0
        hook_mean = sum(hook.hook_seconds) / max(1, len(hook.hook_seconds))
        print(
            f"[train] sampler logging ({hook.name}): {hook_mean * 1e3:.1f} ms per iteration (histograms), "
            f"{len(images)} heatmap images at {image_mean * 1e3:.0f} ms each; PPO iteration {iteration_s:.2f} s"
        )


def _latest_checkpoint(run_dir: Path) -> Path:
    """The newest checkpoint written to the end; a save cut off by a kill is skipped, and said so."""
    checkpoint, truncated = latest_complete(run_dir)
    if checkpoint is None:
        if not truncated:
            raise SystemExit(f"train.py: resume={run_dir} holds no model_<iteration>.pt checkpoint.")
        names = ", ".join(p.name for p in truncated)  # with no complete one, that is every checkpoint
        raise SystemExit(
            f"train.py: resume={run_dir}: every checkpoint ({names}) is truncated (the run was killed while"
            " saving); start a new run instead."
        )
    for skipped in truncated:
        print(f"[train] skipping {skipped.name}: truncated (killed while saving); resuming {checkpoint.name}")
    return checkpoint


def _load_entry_point(entry_point: str):
    from isaaclab.utils.string import string_to_callable

    return string_to_callable(entry_point)


if __name__ == "__main__":
    main()
