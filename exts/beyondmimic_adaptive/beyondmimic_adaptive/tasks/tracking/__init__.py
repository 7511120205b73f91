"""BeyondMimic motion tracking: a robot-agnostic task (``tracking_env_cfg``, ``mdp``) and one folder per
robot under ``config/`` that registers its gymnasium task (``Tracking-Humanoid-v0``, ``Tracking-G1-v0``)."""

from . import config  # noqa: F401 (registers every robot's task)
from .mdp import MotionCommand, MotionCommandCfg
from .rl_cfg import TrackingPPORunnerCfg
from .tracking_env_cfg import TrackingEnvCfg, set_device

__all__ = ["MotionCommand", "MotionCommandCfg", "TrackingEnvCfg", "TrackingPPORunnerCfg", "set_device"]
