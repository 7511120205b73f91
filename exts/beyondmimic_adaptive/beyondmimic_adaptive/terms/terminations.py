"""Termination term: the reference motion reached its last frame (a success, use time_out=True)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv


def motion_finished(env: ManagerBasedRLEnv, command_name: str = "motion") -> torch.Tensor:
    """(num_envs,) bool: the :class:`MotionStartCommandTerm` ``command_name`` is at its last frame."""
    return env.command_manager.get_term(command_name).motion_finished()
