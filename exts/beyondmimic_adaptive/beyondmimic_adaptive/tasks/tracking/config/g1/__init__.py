"""The Unitree G1 (29 DoF): ``Tracking-G1-v0``."""

import gymnasium as gym

from .env_cfg import TrackingG1EnvCfg, TrackingG1PPORunnerCfg

TASK_ID = "Tracking-G1-v0"

gym.register(
    id=TASK_ID,
    entry_point="isaaclab.envs:ManagerBasedRLEnv",
    disable_env_checker=True,
    kwargs={
        "env_cfg_entry_point": f"{__name__}.env_cfg:TrackingG1EnvCfg",
        "rsl_rl_cfg_entry_point": f"{__name__}.env_cfg:TrackingG1PPORunnerCfg",
    },
)

__all__ = ["TASK_ID", "TrackingG1EnvCfg", "TrackingG1PPORunnerCfg"]
