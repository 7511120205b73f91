"""The Newton MuJoCo humanoid: ``Tracking-Humanoid-v0``."""

from ...registration import register_tracking_task
from .env_cfg import TrackingHumanoidEnvCfg, TrackingHumanoidPPORunnerCfg

TASK_ID = "Tracking-Humanoid-v0"

register_tracking_task(TASK_ID, f"{__name__}.env_cfg", "TrackingHumanoidEnvCfg", "TrackingHumanoidPPORunnerCfg")

__all__ = ["TASK_ID", "TrackingHumanoidEnvCfg", "TrackingHumanoidPPORunnerCfg"]
