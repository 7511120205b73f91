"""Failure terms of the tracking task (BeyondMimic thresholds in the env config)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from isaaclab.managers import ManagerTermBase, TerminationTermCfg

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

    from .commands import MotionCommand


def _command(env: ManagerBasedRLEnv, command_name: str) -> MotionCommand:
    return env.command_manager.get_term(command_name)


def _gravity_z_in_frame(quat_xyzw: torch.Tensor) -> torch.Tensor:
    """z component of the unit gravity vector (0, 0, -1) expressed in the frame of ``quat``."""
    x, y = quat_xyzw[..., 0], quat_xyzw[..., 1]
    return 2.0 * (x * x + y * y) - 1.0


def anchor_height_error(env: ManagerBasedRLEnv, threshold: float, command_name: str = "motion") -> torch.Tensor:
    """The robot anchor's height is more than ``threshold`` m off the reference."""
    command = _command(env, command_name)
    return (command.anchor_pos_w[:, 2] - command.robot_anchor_pos_w[:, 2]).abs() > threshold


def anchor_orientation_error(env: ManagerBasedRLEnv, threshold: float, command_name: str = "motion") -> torch.Tensor:
    """The z component of gravity in the anchor frame differs by more than ``threshold`` (tilt)."""
    command = _command(env, command_name)
    error = _gravity_z_in_frame(command.anchor_quat_w) - _gravity_z_in_frame(command.robot_anchor_quat_w)
    return error.abs() > threshold


class body_height_error(ManagerTermBase):
    """Any of ``body_names`` (end effectors) is more than ``threshold`` m off its reference height."""

    def __init__(self, cfg: TerminationTermCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        command = _command(env, cfg.params.get("command_name", "motion"))
        unknown = [name for name in cfg.params["body_names"] if name not in command.body_names]
        if unknown:
            raise ValueError(
                f"body_height_error: bodies {unknown} are not tracked by the command ({command.body_names})."
            )
        self._index = torch.tensor(
            [command.body_names.index(name) for name in cfg.params["body_names"]], device=env.device
        )

    def __call__(
        self, env: ManagerBasedRLEnv, threshold: float, body_names: list[str], command_name: str = "motion"
    ) -> torch.Tensor:
        command = _command(env, command_name)
        body_pos, _ = command.body_pose_relative_w()
        error = (body_pos[:, self._index, 2] - command.robot_body_pos_w[:, self._index, 2]).abs()
        return (error > threshold).any(dim=-1)
