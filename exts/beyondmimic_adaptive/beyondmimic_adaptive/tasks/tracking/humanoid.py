"""The Newton MuJoCo humanoid as a position-controlled robot (local USD, no network)."""

from __future__ import annotations

import isaaclab.sim as sim_utils
from isaaclab.actuators import ImplicitActuatorCfg
from isaaclab.assets import ArticulationCfg

from ...assets import newton_humanoid_usd

JOINT_GEARS: dict[str, float] = {
    "lower_waist:.*": 67.5,
    "abdomen_x": 67.5,
    ".*_thigh:0": 45.0,
    ".*_thigh:1": 135.0,
    ".*_thigh:2": 45.0,
    ".*_knee": 90.0,
    ".*_foot:.*": 22.5,
    ".*_upper_arm:.*": 67.5,
    ".*_elbow": 45.0,
}
"""Motor gear (torque at unit control) per joint of humanoid.usda, keyed by joint name expression."""

STIFFNESS_PER_GEAR = 2.0
"""PD stiffness = this x gear [N·m/rad]: holds the standing pose without saturating the motors."""
DAMPING_RATIO = 0.1
"""PD damping = this x stiffness [N·m·s/rad]."""
EFFORT_PER_GEAR = 2.0
"""Torque limit = this x gear [N·m]."""

BODY_NAMES = [
    "torso", "head", "left_upper_arm", "left_lower_arm", "left_hand", "lower_waist", "pelvis",
    "left_thigh", "left_shin", "left_foot", "right_thigh", "right_shin", "right_foot",
    "right_upper_arm", "right_lower_arm", "right_hand",
]  # fmt: skip
"""All bodies, in the order Isaac Lab reports them (the root, torso, first)."""
ANCHOR_BODY = "torso"
END_EFFECTORS = ["left_foot", "right_foot", "left_hand", "right_hand"]
STANDING_ROOT_HEIGHT = 1.34
"""Torso height [m] at which the feet touch the ground with all joints at 0."""


def humanoid_cfg() -> ArticulationCfg:
    """Articulation config of the humanoid with PD position actuators."""
    return ArticulationCfg(
        prim_path="{ENV_REGEX_NS}/Robot",
        spawn=sim_utils.UsdFileCfg(usd_path=str(newton_humanoid_usd())),
        init_state=ArticulationCfg.InitialStateCfg(pos=(0.0, 0.0, STANDING_ROOT_HEIGHT), joint_pos={".*": 0.0}),
        actuators={
            "body": ImplicitActuatorCfg(
                joint_names_expr=[".*"],
                stiffness={k: STIFFNESS_PER_GEAR * g for k, g in JOINT_GEARS.items()},
                damping={k: DAMPING_RATIO * STIFFNESS_PER_GEAR * g for k, g in JOINT_GEARS.items()},
                effort_limit_sim={k: EFFORT_PER_GEAR * g for k, g in JOINT_GEARS.items()},
                armature=0.01,
            ),
        },
    )
