"""Tracking rewards exp(-error / std²) (BeyondMimic Sec. III; weights and stds in the env config)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from isaaclab.utils.math import quat_error_magnitude

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

    from .commands import MotionCommand


def _command(env: ManagerBasedRLEnv, command_name: str) -> MotionCommand:
    return env.command_manager.get_term(command_name)


def anchor_position_error_exp(env: ManagerBasedRLEnv, std: float, command_name: str = "motion") -> torch.Tensor:
    command = _command(env, command_name)
    error = (command.anchor_pos_w - command.robot_anchor_pos_w).square().sum(-1)
    return torch.exp(-error / std**2)


def anchor_orientation_error_exp(env: ManagerBasedRLEnv, std: float, command_name: str = "motion") -> torch.Tensor:
    command = _command(env, command_name)
    error = quat_error_magnitude(command.anchor_quat_w, command.robot_anchor_quat_w).square()
    return torch.exp(-error / std**2)


def body_position_error_exp(env: ManagerBasedRLEnv, std: float, command_name: str = "motion") -> torch.Tensor:
    command = _command(env, command_name)
    body_pos, _ = command.body_pose_relative_w()
    error = (body_pos - command.robot_body_pos_w).square().sum(-1).mean(-1)
    return torch.exp(-error / std**2)


def body_orientation_error_exp(env: ManagerBasedRLEnv, std: float, command_name: str = "motion") -> torch.Tensor:
    command = _command(env, command_name)
    _, body_quat = command.body_pose_relative_w()
    error = quat_error_magnitude(body_quat, command.robot_body_quat_w).square().mean(-1)
    return torch.exp(-error / std**2)


def body_linear_velocity_error_exp(env: ManagerBasedRLEnv, std: float, command_name: str = "motion") -> torch.Tensor:
    command = _command(env, command_name)
    error = (command.reference.body_lin_vel_w - command.robot_body_lin_vel_w).square().sum(-1).mean(-1)
    return torch.exp(-error / std**2)


def body_angular_velocity_error_exp(env: ManagerBasedRLEnv, std: float, command_name: str = "motion") -> torch.Tensor:
    command = _command(env, command_name)
    error = (command.reference.body_ang_vel_w - command.robot_body_ang_vel_w).square().sum(-1).mean(-1)
    return torch.exp(-error / std**2)
