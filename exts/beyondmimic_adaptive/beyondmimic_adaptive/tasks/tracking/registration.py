"""Gymnasium registration of a robot's tracking task (Isaac Lab's entry-point convention)."""

from __future__ import annotations

import gymnasium as gym


def register_tracking_task(task_id: str, module: str, env_cfg: str, runner_cfg: str) -> None:
    """Register ``task_id`` as a ``ManagerBasedRLEnv`` with the configs ``module:env_cfg`` and
    ``module:runner_cfg`` (the ``env_cfg_entry_point`` and ``rsl_rl_cfg_entry_point`` that the scripts read)."""
    gym.register(
        id=task_id,
        entry_point="isaaclab.envs:ManagerBasedRLEnv",
        disable_env_checker=True,
        kwargs={"env_cfg_entry_point": f"{module}:{env_cfg}", "rsl_rl_cfg_entry_point": f"{module}:{runner_cfg}"},
    )
