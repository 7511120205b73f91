"""``Tracking-Humanoid-v0``: the tracking task on the Newton MuJoCo humanoid and the long demo clip."""

from __future__ import annotations

from isaaclab.utils import configclass

from .....assets import DEMO_LONG_MOTION
from ...rl_cfg import TrackingPPORunnerCfg
from ...tracking_env_cfg import TrackingEnvCfg
from .robot import ANCHOR_BODY, BODY_NAMES, END_EFFECTORS, humanoid_cfg


@configclass
class TrackingHumanoidEnvCfg(TrackingEnvCfg):
    """The humanoid (16 bodies, 21 joints, PD position actuators) tracking ``demo_long.npz``."""

    def __post_init__(self):
        super().__post_init__()
        self.scene.robot = humanoid_cfg()
        self.commands.motion.motion_files = [str(DEMO_LONG_MOTION)]
        self.commands.motion.anchor_body_name = ANCHOR_BODY
        self.commands.motion.body_names = list(BODY_NAMES)
        self.terminations.end_effector_height.params["body_names"] = list(END_EFFECTORS)


@configclass
class TrackingHumanoidPPORunnerCfg(TrackingPPORunnerCfg):
    experiment_name = "tracking_humanoid"
