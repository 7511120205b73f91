"""Motion-tracking task (BeyondMimic) on the Newton humanoid, registered as ``Tracking-Humanoid-v0``."""

import gymnasium as gym

from .agents import TrackingPPORunnerCfg
from .env_cfg import TrackingHumanoidEnvCfg, set_device
from .motion_command import MotionCommand, MotionCommandCfg

TASK_ID = "Tracking-Humanoid-v0"

gym.register(
    id=TASK_ID,
    entry_point="isaaclab.envs:ManagerBasedRLEnv",
    disable_env_checker=True,
    kwargs={
        "env_cfg_entry_point": f"{__name__}.env_cfg:TrackingHumanoidEnvCfg",
        "rsl_rl_cfg_entry_point": f"{__name__}.agents:TrackingPPORunnerCfg",
    },
)

__all__ = [
    "TASK_ID",
    "MotionCommand",
    "MotionCommandCfg",
    "TrackingHumanoidEnvCfg",
    "TrackingPPORunnerCfg",
    "set_device",
]
