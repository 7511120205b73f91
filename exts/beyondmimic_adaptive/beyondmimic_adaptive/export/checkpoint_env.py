"""Build a task's env and load a checkpoint of ``scripts/train.py`` for playing or exporting it.

The run's ``config.yaml`` (next to the checkpoint) gives the task and the motion files; command-line
overrides replace saved keys. The env is in play mode, as mjlab's ``play`` and ``scripts/evaluate.py``:
no pushes, no observation noise, no randomised joint defaults (so the exported defaults are nominal).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class LoadedPolicy:
    """An env (and its rsl-rl wrapper) with the policy of a checkpoint."""

    env: Any
    """The :class:`~isaaclab.envs.ManagerBasedRLEnv`."""
    wrapped: Any
    """Its :class:`~isaaclab_rl.rsl_rl.RslRlVecEnvWrapper`."""
    runner: Any
    """rsl-rl's OnPolicyRunner holding the loaded checkpoint (``None`` without one)."""
    policy: Any
    """Inference callable ``obs -> actions`` (zeros without a checkpoint)."""
    run: Any
    """The run's :class:`~beyondmimic_adaptive.hydra_config.RunNode`."""


def run_config(run_dir: Path | None, overrides: list[str]):
    """The run's saved ``config.yaml`` with ``overrides`` on top (config/train.yaml's defaults without one)."""
    from omegaconf import OmegaConf

    from ..hydra_config import compose_config

    composed = compose_config("train", overrides)  # validates the overrides in any case
    saved = run_dir / "config.yaml" if run_dir is not None else None
    if saved is None or not saved.is_file():
        return composed
    cfg = OmegaConf.load(saved)
    for override in overrides:
        key = override.split("=", 1)[0].lstrip("+~")
        OmegaConf.update(cfg, key, OmegaConf.select(composed, key), merge=False)
    return cfg


def play_mode(env_cfg: Any) -> None:
    """Judge or show the policy on the motion alone (mjlab's play mode): no pushes, no observation
    noise, nominal joint defaults. The task's reset noise stays."""
    for event in ("push_robot", "joint_default_pos"):
        if getattr(env_cfg.events, event, None) is not None:
            setattr(env_cfg.events, event, None)
    env_cfg.observations.policy.enable_corruption = False


def load_policy_env(
    checkpoint: Path | None, overrides: list[str], num_envs: int, keep_sampler: bool = True
) -> LoadedPolicy:
    """Env of the checkpoint's run (``num_envs`` envs, play mode) and the checkpoint's policy.

    With ``keep_sampler`` the adaptive sampler stays (restored from the run's ``sampler/state.pt`` when
    there is one, so its probabilities are the trained ones) and writes nothing. ``checkpoint=None``
    plays zero actions (the default pose's targets): for trying a task and the renderer without training.
    """
    import gymnasium as gym
    import torch
    from isaaclab.envs import ManagerBasedRLEnv
    from isaaclab.utils.string import string_to_callable
    from isaaclab_rl.rsl_rl import RslRlVecEnvWrapper, check_rsl_rl_version, handle_deprecated_rsl_rl_cfg
    from rsl_rl.runners import OnPolicyRunner

    from .. import tasks  # noqa: F401 (registers every task)
    from ..hydra_config import parse_run
    from ..hydra_config.isaaclab_binding import apply_curriculum_config
    from ..tasks.tracking import set_device
    from ..terms import AdaptiveCurriculumTermCfg, adaptive_curriculum_terms, disable_adaptive_sampling

    run_dir = checkpoint.parent if checkpoint is not None else None
    cfg = run_config(run_dir, overrides)
    run = parse_run(cfg)
    spec = gym.spec(run.task)
    env_cfg = string_to_callable(spec.kwargs["env_cfg_entry_point"])()
    agent_cfg = string_to_callable(spec.kwargs["rsl_rl_cfg_entry_point"])()
    if run.motion_files is not None:
        env_cfg.commands.motion.motion_files = [str(Path(p).resolve()) for p in run.motion_files]
    if keep_sampler:
        apply_curriculum_config(env_cfg, cfg.get("curriculum"))
    else:
        disable_adaptive_sampling(env_cfg)
    for term in vars(env_cfg.curriculum or {}).values():
        if isinstance(term, AdaptiveCurriculumTermCfg):
            term.history_dir, term.state_path = None, None  # playing writes nothing into the run
    play_mode(env_cfg)
    env_cfg.scene.num_envs = num_envs
    env_cfg.seed = run.seed
    set_device(env_cfg, run.device)
    env = ManagerBasedRLEnv(cfg=env_cfg)
    state = run_dir / "sampler" / "state.pt" if run_dir is not None else None
    if keep_sampler and state is not None and state.is_file():
        for term in adaptive_curriculum_terms(env):
            term.restore_state(str(state))
    agent_cfg.device = run.device
    agent_cfg = handle_deprecated_rsl_rl_cfg(agent_cfg, check_rsl_rl_version())
    wrapped = RslRlVecEnvWrapper(env, clip_actions=agent_cfg.clip_actions)
    if checkpoint is None:
        num_actions = env.action_manager.total_action_dim
        return LoadedPolicy(
            env, wrapped, None, lambda obs: torch.zeros(env.num_envs, num_actions, device=env.device), run
        )
    runner = OnPolicyRunner(wrapped, agent_cfg.to_dict(), log_dir=None, device=run.device)
    runner.load(str(checkpoint), map_location=run.device)
    return LoadedPolicy(env, wrapped, runner, runner.get_inference_policy(device=run.device), run)
