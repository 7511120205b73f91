"""The start contract on WBT's ``MotionCommand`` (HybridRobotics/whole_body_tracking, tasks/tracking/mdp/commands.py).

What WBT's command does, and what the adapter changes:

- ``_resample_command(env_ids)`` (called by the command manager's reset, after the reset events)
  draws ``time_steps`` in ``_adaptive_sampling`` and writes the robot state at ``time_steps``. The
  adapter replaces only the draw: envs with a start requested by :class:`AdaptiveStartEvent` start
  there, the others uniformly. WBT's state write is kept as it is.
- ``_update_command`` advances ``time_steps`` and re-samples in place, without a reset, the envs
  that reach the motion's end; such an episode would go on from a start the sampler never drew. The
  adapter holds the last frame instead, and the ``motion_end`` termination (a success, added by
  :func:`use_adaptive_sampling`) ends the episode there. Requested starts are clamped to the
  second-to-last frame: a start on the last frame would reach the end in its first update.
- WBT tracks one motion per file; ``motion_ids`` is the per-env motion index (all 0) the contract needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..terms.env_ids import fill_envs, normalize_env_ids

WBT_HOOKS = ("_adaptive_sampling", "_resample_command", "_update_command")
"""The methods of WBT's MotionCommand that the adapter relies on (present since its first release)."""

_CLASSES: dict[type, type] = {}


class WbtStartContract:
    """Mixin placed before WBT's ``MotionCommand`` (or a class that behaves like it)."""

    # provided by WBT's MotionCommand (declared for the type checker; the mixin defines none of them)
    num_envs: int
    device: torch.device | str
    motion: Any
    time_steps: torch.Tensor

    def __init__(self, cfg, env):
        super().__init__(cfg, env)  # type: ignore[call-arg]  # the next class in the MRO is WBT's command
        self.motion_ids = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)
        """(num_envs,) long: motion of each env (WBT loads one motion: always 0)."""
        self._requested_time = torch.zeros_like(self.motion_ids)
        self._start_requested = torch.zeros(self.num_envs, dtype=torch.bool, device=self.device)
        self._last_frame = int(self.motion.time_step_total) - 1
        if self._last_frame < 2:
            raise ValueError(
                f"{type(self).__name__}: the motion has {self._last_frame + 1} frames; adaptive starts need at "
                "least 3 (a start must run one step before the last frame)."
            )

    # ---------------------------------------------------------------- contract
    @property
    def motion_num_frames(self) -> Sequence[int]:
        """Frames of the (single) motion."""
        return [self._last_frame + 1]

    @property
    def motion_fps(self) -> float:
        """Frames per second of the motion (WBT keeps the npz's ``fps`` array)."""
        return float(np.asarray(self.motion.fps).reshape(-1)[0])

    @property
    def latest_start(self) -> int:
        """The last frame a start may be on: the second-to-last frame of the motion."""
        return self._last_frame - 1

    def set_start(self, env_ids: torch.Tensor | slice, motion_ids: torch.Tensor, time_steps: torch.Tensor) -> None:
        """Request starts for ``env_ids``; the command's next resample of those envs starts there."""
        ids = normalize_env_ids(env_ids, self.num_envs, self.device)
        self.motion_ids[ids] = motion_ids.to(self.device, torch.long)
        self._requested_time[ids] = time_steps.to(self.device, torch.long).clamp(0, self.latest_start)
        fill_envs(self._start_requested, ids, True)

    def request_starts_where(self, mask: torch.Tensor, motion_ids: torch.Tensor, time_steps: torch.Tensor) -> None:
        """:meth:`set_start` for the envs where ``mask`` holds, from full-width rows (fixed shapes, capturable)."""
        torch.where(mask, motion_ids, self.motion_ids, out=self.motion_ids)
        torch.where(mask, time_steps.clamp(0, self.latest_start), self._requested_time, out=self._requested_time)
        self._start_requested.logical_or_(mask)

    def motion_finished(self) -> torch.Tensor:
        """(num_envs,) bool: the reference is on the motion's last frame (a success)."""
        return self.time_steps >= self._last_frame

    # ---------------------------------------------------------------- WBT hooks
    def _adaptive_sampling(self, env_ids) -> None:
        # WBT draws time_steps here, inside _resample_command, right before it writes the robot state
        ids = normalize_env_ids(env_ids, self.num_envs, self.device)
        requested = self._start_requested[ids]
        uniform = (torch.rand(requested.shape, device=self.device) * (self.latest_start + 1)).long()
        self.time_steps[ids] = torch.where(requested, self._requested_time[ids], uniform)
        self.motion_ids[ids] = torch.where(requested, self.motion_ids[ids], torch.zeros_like(uniform))
        fill_envs(self._start_requested, ids, False)

    def _update_command(self) -> None:
        # hold the last frame: WBT's update advances by one and re-samples what passes the end
        self.time_steps.clamp_(max=self._last_frame - 1)
        super()._update_command()  # type: ignore[misc]  # WBT's MotionCommand's, next in the MRO


def adaptive_motion_command_class(base: type | None = None) -> type:
    """``base`` (default: WBT's ``MotionCommand``, imported now) with the start contract mixed in."""
    if base is None:
        base = _wbt_motion_command()
    if issubclass(base, WbtStartContract):
        return base
    if base not in _CLASSES:
        missing = [name for name in WBT_HOOKS if not callable(getattr(base, name, None))]
        if missing:
            raise TypeError(
                f"{base.__module__}.{base.__qualname__} lacks {missing}: the WBT adapter needs a command that "
                "behaves like whole_body_tracking's MotionCommand (draws time_steps in _adaptive_sampling, called "
                "by _resample_command). Point commands.<name> at WBT's MotionCommandCfg."
            )
        name = f"Adaptive{base.__name__}"
        _CLASSES[base] = type(name, (WbtStartContract, base), {"__module__": __name__, "__qualname__": name})
    return _CLASSES[base]


def _wbt_motion_command() -> type:
    try:
        from whole_body_tracking.tasks.tracking.mdp.commands import MotionCommand
    except ImportError as err:
        raise ImportError(
            f"the WBT adapter needs whole_body_tracking ({err}). Install it as its README says "
            "(python -m pip install -e source/whole_body_tracking in its checkout), or pass base=."
        ) from err
    return MotionCommand


def __getattr__(name: str):
    if name == "AdaptiveMotionCommand":  # importable by name (configs dumped to text), built on first use
        return adaptive_motion_command_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
