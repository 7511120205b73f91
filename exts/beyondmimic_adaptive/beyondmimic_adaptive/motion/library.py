"""Many motion clips as one set of device tensors, indexed by (motion id, frame)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import torch

from .clip import MotionClip


@dataclass
class ReferenceFrame:
    """Reference quantities of one frame per env (robot joint/body order)."""

    joint_pos: torch.Tensor
    """(N, J)"""
    joint_vel: torch.Tensor
    """(N, J)"""
    body_pos_w: torch.Tensor
    """(N, B, 3), in the motion's frame (add the env origin for the simulation's world frame)."""
    body_quat_w: torch.Tensor
    """(N, B, 4) in (x, y, z, w) order, Isaac Lab 3.0's convention (files store w, x, y, z)."""
    body_lin_vel_w: torch.Tensor
    """(N, B, 3)"""
    body_ang_vel_w: torch.Tensor
    """(N, B, 3)"""

    def assign(self, env_ids: torch.Tensor | slice, other: ReferenceFrame) -> None:
        """Overwrite the rows ``env_ids`` with ``other`` (one row per selected env)."""
        for item in fields(self):
            getattr(self, item.name)[env_ids] = getattr(other, item.name)


class MotionLibrary:
    """Clips laid end to end on the device; :meth:`frame` gathers one frame per env."""

    def __init__(self, clips: Sequence[MotionClip], device: str | torch.device):
        if not clips:
            raise ValueError("MotionLibrary needs at least one clip (motion_files is empty).")
        self.device = torch.device(device)
        self.fps = clips[0].fps
        self.num_frames: list[int] = [clip.num_frames for clip in clips]
        self._num_frames = torch.tensor(self.num_frames, dtype=torch.long, device=self.device)
        self._offsets = torch.cumsum(self._num_frames, 0) - self._num_frames

        def stack(key: str) -> torch.Tensor:
            return torch.from_numpy(np.concatenate([getattr(clip, key) for clip in clips])).to(self.device)

        self._joint_pos = stack("joint_pos")
        self._joint_vel = stack("joint_vel")
        self._body_pos_w = stack("body_pos_w")
        self._body_quat_w = stack("body_quat_w")[..., [1, 2, 3, 0]]  # wxyz (file) -> xyzw (Isaac Lab 3.0)
        self._body_lin_vel_w = stack("body_lin_vel_w")
        self._body_ang_vel_w = stack("body_ang_vel_w")

    def frame(self, motion_ids: torch.Tensor, time_steps: torch.Tensor) -> ReferenceFrame:
        """The reference at (motion id, frame) per env; frames are clamped into the motion."""
        frame = torch.minimum(time_steps.clamp_min(0), self._num_frames[motion_ids] - 1)
        index = self._offsets[motion_ids] + frame
        return ReferenceFrame(
            joint_pos=self._joint_pos[index],
            joint_vel=self._joint_vel[index],
            body_pos_w=self._body_pos_w[index],
            body_quat_w=self._body_quat_w[index],
            body_lin_vel_w=self._body_lin_vel_w[index],
            body_ang_vel_w=self._body_ang_vel_w[index],
        )
