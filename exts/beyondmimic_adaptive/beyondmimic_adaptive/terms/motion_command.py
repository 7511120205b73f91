"""The start contract between the reset event and a motion command.

Isaac Lab resets a env in this order: curriculum terms, scene, reset EVENTS, then the managers,
the command manager among them (``CommandTerm.reset`` -> ``_resample_command``). An event cannot
simply write the command's time step: the command's own resample would overwrite it. So the
contract is a request: the event calls :meth:`MotionStartCommand.set_start`, and the command's
resample, later in the same reset, starts those envs exactly there (time step and robot state).

A motion command works with the adaptive terms when it offers the members of
:class:`MotionStartCommand`. :class:`MotionStartCommandTerm` implements the bookkeeping; a
subclass implements four members: ``command`` (Isaac Lab's command tensor), ``motion_fps``,
``motion_num_frames`` (readable before ``super().__init__``, which reads it) and
``_write_start_state`` (the robot state for a start). A subclass that overrides
``_resample_command`` must call ``super()._resample_command(env_ids)``: the start event checks at
the first reset that the requested starts were applied.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

import torch
from isaaclab.managers import CommandTerm, CommandTermCfg
from isaaclab.utils import configclass

from .env_ids import EnvIds, fill_envs, normalize_env_ids

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv


@runtime_checkable
class MotionStartCommand(Protocol):
    """What the adaptive curriculum and start event need from a motion command."""

    motion_ids: torch.Tensor
    """(num_envs,) long: motion each env is tracking."""
    time_steps: torch.Tensor
    """(num_envs,) long: current frame of that motion (at curriculum time: where the episode ended)."""

    @property
    def motion_num_frames(self) -> Sequence[int]:
        """Frames of each motion, in motion-id order."""
        ...

    @property
    def motion_fps(self) -> float:
        """Frames per second of the motions (one frame per control step)."""
        ...

    def set_start(self, env_ids: EnvIds, motion_ids: torch.Tensor, time_steps: torch.Tensor) -> None:
        """Request that the episodes of ``env_ids`` start at these motions and frames.

        Called by the reset event before the command's own reset; the command must apply exactly
        these starts (time step and robot state) when it resamples those envs in the same reset.
        """
        ...


@runtime_checkable
class MaskedStartRequests(Protocol):
    """Optional part of the start contract: requests over every env at once, with a mask (capturable).

    A command that offers it lets the curriculum term, on the CUDA-graph path, draw the reset envs'
    starts and request them inside its record graph (one replay per reset instead of a draw, a gather
    and an ``index_copy_`` per buffer in the start event). It must mean exactly what :meth:`set_start`
    of the masked envs means.
    """

    def request_starts_where(self, mask: torch.Tensor, motion_ids: torch.Tensor, time_steps: torch.Tensor) -> None:
        """Request starts for the envs where ``mask`` (num_envs,) bool holds, from (num_envs,) long rows.

        Fixed shapes and in place, no host sync: it may run inside a captured CUDA graph.
        """
        ...


class MotionStartCommandTerm(CommandTerm):
    """Command base that keeps (motion id, time step) per env and honours start requests.

    Envs reset without a request (no adaptive event configured) start uniformly over all frames
    of all motions: the plain baseline.
    """

    cfg: MotionStartCommandTermCfg
    motion_end_funcs: ClassVar[tuple[Callable, ...]] = ()
    """Termination functions of your own that end an episode at the motion's end (besides
    :func:`~beyondmimic_adaptive.terms.motion_finished`); enabling adaptive sampling checks that
    their terms are time-outs (``time_out=True``), as it does for ``motion_finished``."""

    def __init__(self, cfg: MotionStartCommandTermCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        try:
            num_frames = list(self.motion_num_frames)
        except AttributeError as err:
            raise AttributeError(
                f"{type(self).__name__}.motion_num_frames failed in MotionStartCommandTerm.__init__ ({err}): make "
                "what it reads available before super().__init__(cfg, env) (e.g. load the motions first)."
            ) from err
        frames = torch.as_tensor(num_frames, dtype=torch.long, device=self.device)
        self._num_frames = frames
        self._frame_offsets = torch.cumsum(frames, 0) - frames
        self.motion_ids = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)
        self.time_steps = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)
        self._requested_motion = torch.zeros_like(self.motion_ids)
        self._requested_time = torch.zeros_like(self.time_steps)
        self._start_requested = torch.zeros(self.num_envs, dtype=torch.bool, device=self.device)

    @property
    @abstractmethod
    def motion_num_frames(self) -> Sequence[int]:
        """Frames of each motion, in motion-id order (available before ``super().__init__``)."""
        raise NotImplementedError

    @property
    @abstractmethod
    def motion_fps(self) -> float:
        """Frames per second of the motions."""
        raise NotImplementedError

    # ---------------------------------------------------------------- contract
    def set_start(self, env_ids: EnvIds, motion_ids: torch.Tensor, time_steps: torch.Tensor) -> None:
        env_ids = normalize_env_ids(env_ids, self.num_envs, self.device)
        motion_ids = motion_ids.to(self.device, torch.long)
        time_steps = time_steps.to(self.device, torch.long)
        if isinstance(env_ids, slice):
            self._requested_motion[env_ids] = motion_ids
            self._requested_time[env_ids] = time_steps
        else:  # index_copy_: the same one kernel as ``x[ids] = v``, without advanced indexing's Python
            self._requested_motion.index_copy_(0, env_ids, motion_ids)
            self._requested_time.index_copy_(0, env_ids, time_steps)
        fill_envs(self._start_requested, env_ids, True)

    def request_starts_where(self, mask: torch.Tensor, motion_ids: torch.Tensor, time_steps: torch.Tensor) -> None:
        """:meth:`set_start` for the envs where ``mask`` holds, from full-width rows (:class:`MaskedStartRequests`)."""
        torch.where(mask, motion_ids, self._requested_motion, out=self._requested_motion)
        torch.where(mask, time_steps, self._requested_time, out=self._requested_time)
        self._start_requested.logical_or_(mask)

    def motion_finished(self) -> torch.Tensor:
        """(num_envs,) bool: the reference reached the last frame (a success, not a failure)."""
        return self.time_steps >= self._num_frames[self.motion_ids] - 1

    # ---------------------------------------------------------------- CommandTerm hooks
    def _resample_command(self, env_ids: EnvIds) -> None:
        env_ids = normalize_env_ids(env_ids, self.num_envs, self.device)
        requested = self._start_requested[env_ids]
        uniform_motion, uniform_time = self._uniform_starts(requested.shape[0])
        self.motion_ids[env_ids] = torch.where(requested, self._requested_motion[env_ids], uniform_motion)
        self.time_steps[env_ids] = torch.where(requested, self._requested_time[env_ids], uniform_time)
        fill_envs(self._start_requested, env_ids, False)
        self._write_start_state(env_ids)

    def _update_command(self) -> None:
        # advance one frame per control step; hold the last frame (the motion_finished
        # termination ends the episode there). In place: the curriculum term's CUDA graph reads this tensor
        torch.minimum(self.time_steps + 1, self._num_frames[self.motion_ids] - 1, out=self.time_steps)

    def _update_metrics(self) -> None:
        pass

    def _uniform_starts(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        total = self._num_frames.sum()
        global_frame = (torch.rand(n, device=self.device) * total).long().clamp_max(total - 1)
        motion = torch.searchsorted(self._frame_offsets, global_frame, right=True) - 1
        return motion, global_frame - self._frame_offsets[motion]

    @abstractmethod
    def _write_start_state(self, env_ids: torch.Tensor | slice) -> None:
        """Set the robot of ``env_ids`` to the reference at ``motion_ids``/``time_steps`` (+ noise).

        ``env_ids`` is normalised (:func:`~beyondmimic_adaptive.terms.env_ids.normalize_env_ids`):
        ``slice(None)`` for all envs or an int64 id tensor.
        """
        raise NotImplementedError


@configclass
class MotionStartCommandTermCfg(CommandTermCfg):
    """Configuration of a :class:`MotionStartCommandTerm`."""

    resampling_time_range: tuple[float, float] = (1.0e9, 1.0e9)
    """Never resample mid-episode: a motion command only changes at reset."""
