"""The Unitree G1 (29 DoF): ``Tracking-G1-v0``."""

from ...registration import register_tracking_task
from .env_cfg import TrackingG1EnvCfg, TrackingG1PPORunnerCfg

TASK_ID = "Tracking-G1-v0"

register_tracking_task(TASK_ID, f"{__name__}.env_cfg", "TrackingG1EnvCfg", "TrackingG1PPORunnerCfg")

__all__ = ["TASK_ID", "TrackingG1EnvCfg", "TrackingG1PPORunnerCfg"]
