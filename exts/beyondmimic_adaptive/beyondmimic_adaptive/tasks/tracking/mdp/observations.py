"""Observation terms of the tracking task (BeyondMimic Sec. III)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from isaaclab.utils.math import matrix_from_quat, quat_apply_inverse, quat_inv, quat_mul

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

    from .commands import MotionCommand


def _command(env: ManagerBasedRLEnv, command_name: str) -> MotionCommand:
    return env.command_manager.get_term(command_name)


def _rotation_6d(quat: torch.Tensor) -> torch.Tensor:
    """First two columns of the rotation matrix: continuous, unlike Euler angles or quaternions."""
    return matrix_from_quat(quat)[..., :2].reshape(*quat.shape[:-1], 6)


def motion_anchor_pos_b(env: ManagerBasedRLEnv, command_name: str = "motion") -> torch.Tensor:
    """Reference anchor position in the robot anchor's frame, (N, 3)."""
    command = _command(env, command_name)
    return quat_apply_inverse(command.robot_anchor_quat_w, command.anchor_pos_w - command.robot_anchor_pos_w)


def motion_anchor_ori_b(env: ManagerBasedRLEnv, command_name: str = "motion") -> torch.Tensor:
    """Reference anchor orientation relative to the robot anchor, 6D rotation, (N, 6)."""
    command = _command(env, command_name)
    return _rotation_6d(quat_mul(quat_inv(command.robot_anchor_quat_w), command.anchor_quat_w))


def robot_body_pos_b(env: ManagerBasedRLEnv, command_name: str = "motion") -> torch.Tensor:
    """Tracked robot bodies' positions in the robot anchor frame, (N, 3B) (critic only)."""
    command = _command(env, command_name)
    anchor_quat = command.robot_anchor_quat_w[:, None].expand(-1, len(command.body_names), -1)
    offset = command.robot_body_pos_w - command.robot_anchor_pos_w[:, None]
    return quat_apply_inverse(anchor_quat, offset).flatten(1)


def robot_body_ori_b(env: ManagerBasedRLEnv, command_name: str = "motion") -> torch.Tensor:
    """Tracked robot bodies' orientations relative to the robot anchor, 6D each, (N, 6B) (critic only)."""
    command = _command(env, command_name)
    anchor_quat = command.robot_anchor_quat_w[:, None].expand(-1, len(command.body_names), -1)
    return _rotation_6d(quat_mul(quat_inv(anchor_quat), command.robot_body_quat_w)).flatten(1)
