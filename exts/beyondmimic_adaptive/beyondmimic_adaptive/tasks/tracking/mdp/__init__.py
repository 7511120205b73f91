"""BeyondMimic's MDP terms, robot-agnostic: the motion command, observations, rewards, failures, events."""

from .commands import MotionCommand, MotionCommandCfg
from .events import randomize_joint_default_pos, solver_capacity_watch
from .observations import motion_anchor_ori_b, motion_anchor_pos_b, robot_body_ori_b, robot_body_pos_b
from .rewards import (
    anchor_orientation_error_exp,
    anchor_position_error_exp,
    body_angular_velocity_error_exp,
    body_linear_velocity_error_exp,
    body_orientation_error_exp,
    body_position_error_exp,
)
from .terminations import anchor_height_error, anchor_orientation_error, body_height_error

__all__ = [
    "MotionCommand",
    "MotionCommandCfg",
    "anchor_height_error",
    "anchor_orientation_error",
    "anchor_orientation_error_exp",
    "anchor_position_error_exp",
    "body_angular_velocity_error_exp",
    "body_height_error",
    "body_linear_velocity_error_exp",
    "body_orientation_error_exp",
    "body_position_error_exp",
    "motion_anchor_ori_b",
    "motion_anchor_pos_b",
    "randomize_joint_default_pos",
    "robot_body_ori_b",
    "robot_body_pos_b",
    "solver_capacity_watch",
]
