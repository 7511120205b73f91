"""The Newton MuJoCo humanoid: ``Tracking-Humanoid-v0``."""

import gymnasium as gym

from .env_cfg import TrackingHumanoidEnvCfg, TrackingHumanoidPPORunnerCfg

TASK_ID = "Tracking-Humanoid-v0"

gym.register(
    id=TASK_ID,
    entry_point="isaaclab.envs:ManagerBasedRLEnv",
    disable_env_checker=True,
    kwargs={
        "env_cfg_entry_point": f"{__name__}.env_cfg:TrackingHumanoidEnvCfg",
        "rsl_rl_cfg_entry_point": f"{__name__}.env_cfg:TrackingHumanoidPPORunnerCfg",
    },
)

__all__ = ["TASK_ID", "TrackingHumanoidEnvCfg", "TrackingHumanoidPPORunnerCfg"]
