"""The Unitree G1 (29 DoF) with BeyondMimic's actuator model.

Model: MuJoCo Menagerie ``unitree_g1`` (BSD-3-Clause, Unitree Robotics) as shipped in mjlab 1.6.0,
converted to a collision-only USD by ``scripts/make_g1_usd.py``. Actuators: the numbers of the
paper's code and of mjlab's ``asset_zoo/robots/unitree_g1/g1_constants.py``: each joint's rotor
armature (reflected inertia of its motor's two-stage planetary gearbox), PD gains for a 10 Hz
natural frequency with damping ratio 2 (stiffness = armature·ω², damping = 2·ζ·armature·ω),
the motors' effort limits, and an action scale of 0.25·effort/stiffness per joint.
"""

from __future__ import annotations

import math

import isaaclab.sim as sim_utils
from isaaclab.actuators import ImplicitActuatorCfg
from isaaclab.assets import ArticulationCfg

from .....assets import G1_USD


def _two_stage_planetary(rotor: tuple[float, float, float], gears: tuple[float, float, float]) -> float:
    """Reflected inertia [kg·m²] of a two-stage planetary gearbox (rotor inertias per stage, gear ratios)."""
    return rotor[0] * (gears[1] * gears[2]) ** 2 + rotor[1] * gears[2] ** 2 + rotor[2]


ARMATURE: dict[str, float] = {
    "5020": _two_stage_planetary((0.139e-4, 0.017e-4, 0.169e-4), (1.0, 1.0 + 46 / 18, 1.0 + 56 / 16)),
    "7520_14": _two_stage_planetary((0.489e-4, 0.098e-4, 0.533e-4), (1.0, 4.5, 1.0 + 48 / 22)),
    "7520_22": _two_stage_planetary((0.489e-4, 0.109e-4, 0.738e-4), (1.0, 4.5, 5.0)),
    "4010": _two_stage_planetary((0.068e-4, 0.0, 0.0), (1.0, 5.0, 5.0)),
}
"""Rotor armature [kg·m²] per Unitree motor type."""
EFFORT_LIMIT: dict[str, float] = {"5020": 25.0, "7520_14": 88.0, "7520_22": 139.0, "4010": 5.0}
"""Motor torque limits [N·m] per motor type."""
NATURAL_FREQUENCY = 10.0 * 2.0 * math.pi
"""PD natural frequency ω [rad/s] (10 Hz)."""
DAMPING_RATIO = 2.0
"""PD damping ratio ζ."""

MOTOR_GROUPS: dict[str, tuple[str, float, tuple[str, ...]]] = {
    "arms_5020": ("5020", 1.0, (".*_elbow_joint", ".*_shoulder_.*_joint", ".*_wrist_roll_joint")),
    "hips_waist_7520_14": ("7520_14", 1.0, (".*_hip_pitch_joint", ".*_hip_yaw_joint", "waist_yaw_joint")),
    "hips_knees_7520_22": ("7520_22", 1.0, (".*_hip_roll_joint", ".*_knee_joint")),
    "wrists_4010": ("4010", 1.0, (".*_wrist_pitch_joint", ".*_wrist_yaw_joint")),
    # waist roll/pitch and ankles: a linkage driven by two 5020 motors (armature, gains and effort x2)
    "waist_5020x2": ("5020", 2.0, ("waist_pitch_joint", "waist_roll_joint")),
    "ankles_5020x2": ("5020", 2.0, (".*_ankle_pitch_joint", ".*_ankle_roll_joint")),
}
"""Actuator group -> (motor type, number of motors, joint name patterns)."""

JOINT_NAMES = [
    "left_hip_pitch_joint", "left_hip_roll_joint", "left_hip_yaw_joint", "left_knee_joint",
    "left_ankle_pitch_joint", "left_ankle_roll_joint", "right_hip_pitch_joint", "right_hip_roll_joint",
    "right_hip_yaw_joint", "right_knee_joint", "right_ankle_pitch_joint", "right_ankle_roll_joint",
    "waist_yaw_joint", "waist_roll_joint", "waist_pitch_joint", "left_shoulder_pitch_joint",
    "left_shoulder_roll_joint", "left_shoulder_yaw_joint", "left_elbow_joint", "left_wrist_roll_joint",
    "left_wrist_pitch_joint", "left_wrist_yaw_joint", "right_shoulder_pitch_joint", "right_shoulder_roll_joint",
    "right_shoulder_yaw_joint", "right_elbow_joint", "right_wrist_roll_joint", "right_wrist_pitch_joint",
    "right_wrist_yaw_joint",
]  # fmt: skip
"""The 29 joints in Unitree's order: the MJCF's, and the column order of Unitree's retargeted CSVs."""
BODY_NAMES = [
    "pelvis", "left_hip_roll_link", "left_knee_link", "left_ankle_roll_link", "right_hip_roll_link",
    "right_knee_link", "right_ankle_roll_link", "torso_link", "left_shoulder_roll_link", "left_elbow_link",
    "left_wrist_yaw_link", "right_shoulder_roll_link", "right_elbow_link", "right_wrist_yaw_link",
]  # fmt: skip
"""The 14 tracked bodies of BeyondMimic's G1 task (the root, pelvis, first)."""
ANCHOR_BODY = "torso_link"
"""The body whose pose anchors the tracking."""
END_EFFECTORS = ["left_ankle_roll_link", "right_ankle_roll_link", "left_wrist_yaw_link", "right_wrist_yaw_link"]
"""Bodies whose height error ends an episode."""
INIT_ROOT_HEIGHT = 0.76
"""Pelvis height [m] of the knees-bent spawn pose (episodes start on the reference anyway)."""


def stiffness(motor: str, count: float = 1.0) -> float:
    """PD stiffness [N·m/rad] of ``count`` motors of type ``motor``."""
    return count * ARMATURE[motor] * NATURAL_FREQUENCY**2


def damping(motor: str, count: float = 1.0) -> float:
    """PD damping [N·m·s/rad] of ``count`` motors of type ``motor``."""
    return count * 2.0 * DAMPING_RATIO * ARMATURE[motor] * NATURAL_FREQUENCY


def action_scale() -> dict[str, float]:
    """Joint pattern -> action scale 0.25·effort/stiffness (BeyondMimic's G1 scale)."""
    scale: dict[str, float] = {}
    for motor, count, patterns in MOTOR_GROUPS.values():
        for pattern in patterns:
            scale[pattern] = 0.25 * (count * EFFORT_LIMIT[motor]) / stiffness(motor, count)
    return scale


def g1_cfg() -> ArticulationCfg:
    """Articulation config of the G1 with implicit PD actuators per motor group."""
    actuators = {
        name: ImplicitActuatorCfg(
            joint_names_expr=list(patterns),
            stiffness=stiffness(motor, count),
            damping=damping(motor, count),
            joint_effort_limit=count * EFFORT_LIMIT[motor],
            armature=count * ARMATURE[motor],
        )
        for name, (motor, count, patterns) in MOTOR_GROUPS.items()
    }
    return ArticulationCfg(
        prim_path="{ENV_REGEX_NS}/Robot",
        spawn=sim_utils.UsdFileCfg(usd_path=str(G1_USD)),
        init_state=ArticulationCfg.InitialStateCfg(
            pos=(0.0, 0.0, INIT_ROOT_HEIGHT),
            joint_pos={
                ".*_hip_pitch_joint": -0.312,
                ".*_knee_joint": 0.669,
                ".*_ankle_pitch_joint": -0.363,
                ".*_elbow_joint": 0.6,
                "left_shoulder_roll_joint": 0.2,
                "left_shoulder_pitch_joint": 0.2,
                "right_shoulder_roll_joint": -0.2,
                "right_shoulder_pitch_joint": 0.2,
            },
        ),
        soft_joint_pos_limit_factor=0.9,
        actuators=actuators,
    )
