"""The Newton MuJoCo humanoid as a position-controlled robot (local USD, no network).

Facts below were read off Isaac Lab's Newton articulation of this USD (16 bodies, 21 DoFs).
"""

from __future__ import annotations

import isaaclab.sim as sim_utils
from isaaclab.actuators import ImplicitActuatorCfg
from isaaclab.assets import ArticulationCfg

from .....assets import HUMANOID_USD

STIFFNESS: dict[str, float] = {
    "lower_waist:.*": 900.0,
    "abdomen_x": 900.0,
    ".*_thigh:.*": 900.0,
    ".*_knee": 900.0,
    ".*_foot:.*": 900.0,
    ".*_upper_arm:.*": 300.0,
    ".*_elbow": 180.0,
}
"""PD stiffness [N·m/rad] per joint of humanoid.usda. The 41 kg robot is an inverted pendulum whose
ankle, knee, hip and waist springs act in series: gear-scaled gains (2-10x gear) fold with zero
action; these hold the standing pose passively (settles 2 mm lower, 2.5° lean)."""
DAMPING_RATIO = 0.1
"""PD damping = this x stiffness [N·m·s/rad]."""
EFFORT_LIMIT: dict[str, float] = {
    "lower_waist:.*": 200.0,
    "abdomen_x": 200.0,
    ".*_thigh:.*": 300.0,
    ".*_knee": 300.0,
    ".*_foot:.*": 150.0,
    ".*_upper_arm:.*": 100.0,
    ".*_elbow": 60.0,
}
"""Torque limits [N·m]."""

BODY_NAMES = [
    "torso", "head", "left_upper_arm", "left_lower_arm", "left_hand", "lower_waist", "pelvis",
    "left_thigh", "left_shin", "left_foot", "right_thigh", "right_shin", "right_foot",
    "right_upper_arm", "right_lower_arm", "right_hand",
]  # fmt: skip
"""All bodies, in the order Isaac Lab reports them (the root, torso, first)."""
ANCHOR_BODY = "torso"
END_EFFECTORS = ["left_foot", "right_foot", "left_hand", "right_hand"]
STANDING_ROOT_HEIGHT = 1.29
"""Torso height [m] for the default pose: the feet (capsules of radius 0.027) touch at 1.2855."""


def humanoid_cfg() -> ArticulationCfg:
    """Articulation config of the humanoid with PD position actuators."""
    return ArticulationCfg(
        prim_path="{ENV_REGEX_NS}/Robot",
        spawn=sim_utils.UsdFileCfg(usd_path=str(HUMANOID_USD)),
        init_state=ArticulationCfg.InitialStateCfg(pos=(0.0, 0.0, STANDING_ROOT_HEIGHT), joint_pos={".*": 0.0}),
        actuators={
            "body": ImplicitActuatorCfg(
                joint_names_expr=[".*"],
                stiffness=STIFFNESS,
                damping={k: DAMPING_RATIO * v for k, v in STIFFNESS.items()},
                effort_limit_sim=EFFORT_LIMIT,
                armature=0.01,
            ),
        },
    )
