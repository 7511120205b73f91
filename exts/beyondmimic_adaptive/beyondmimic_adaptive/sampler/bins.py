"""Timeline bins of one or many motions, laid end to end in one global index."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import torch


class MotionInputError(ValueError):
    """The motion description handed to the sampler is unusable."""


class BinLayout:
    """Maps (motion id, frame) to a global bin id and back.

    Motion ``m`` with ``T_m`` frames is cut into bins of ``bin_size_s * fps`` frames; frame ``t``
    belongs to local bin ``floor(t / frames_per_bin)``. Bins of all motions are laid end to end, so
    global bin ids of motion ``m`` are ``bin_offsets[m] ... bin_offsets[m + 1] - 1``. The last bin of
    a motion may be shorter than the others, never empty.
    """

    def __init__(self, motion_num_frames: Sequence[int], fps: float, bin_size_s: float, device: str | torch.device):
        frames = check_layout_inputs(motion_num_frames, fps, bin_size_s)
        frames_per_bin = bin_size_s * fps
        self.device = torch.device(device)
        self.fps = float(fps)
        self.bin_size_s = float(bin_size_s)
        self.frames_per_bin = frames_per_bin
        self.motion_num_frames: list[int] = frames

        # Bin b of a motion starts at the first frame t with floor(t / fpb) >= b, i.e. ceil(b * fpb).
        # The small epsilon keeps exact multiples (b * fpb integral up to rounding) on their own bin.
        starts, motion_of_bin, bins_per_motion = [], [], []
        for motion_id, num_frames in enumerate(frames):
            num_bins = math.floor((num_frames - 1) / frames_per_bin + 1e-9) + 1
            local = torch.ceil(torch.arange(num_bins, dtype=torch.float64) * frames_per_bin - 1e-9).long()
            starts.append(local)
            motion_of_bin.append(torch.full((num_bins,), motion_id, dtype=torch.long))
            bins_per_motion.append(num_bins)
        local_start = torch.cat(starts)
        bin_motion = torch.cat(motion_of_bin)
        num_frames_t = torch.tensor(frames, dtype=torch.long)
        bins_per_motion_t = torch.tensor(bins_per_motion, dtype=torch.long)
        bin_offsets = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(bins_per_motion_t, 0)])
        frame_offsets = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(num_frames_t, 0)])
        # a bin ends where the next bin of the same motion starts, or at the motion's end
        next_start = torch.cat([local_start[1:], torch.zeros(1, dtype=torch.long)])
        is_last = torch.zeros_like(local_start, dtype=torch.bool)
        is_last[bin_offsets[1:] - 1] = True
        local_end = torch.where(is_last, num_frames_t[bin_motion], next_start)

        self.num_bins = int(bin_offsets[-1])
        to: dict[str, Any] = dict(device=self.device)
        length = local_end - local_start
        # one row per bin, so drawing a start gathers everything it needs with one index_select
        self._bin_rows = torch.stack((bin_motion, local_start, length, length - 1), dim=1).to(**to)
        self.bin_motion = self._bin_rows[:, 0]
        """(B,) motion id of each bin."""
        self.bin_start = self._bin_rows[:, 1]
        """(B,) first frame of each bin, within its motion."""
        self.bin_length = self._bin_rows[:, 2]
        """(B,) number of frames in each bin (>= 1)."""
        self.bin_offsets = bin_offsets.to(**to)
        """(M + 1,) first global bin id of each motion, then B."""
        self.bin_motion_end = bin_offsets[1:][bin_motion].to(**to)
        """(B,) one past the last global bin id of the bin's motion (the kernel must stop there)."""
        self.num_frames = num_frames_t.to(**to)
        """(M,) frames per motion."""
        self._frame_offsets = frame_offsets.to(**to)
        self._global_bin_start = (frame_offsets[bin_motion] + local_start).to(**to)

    def bin_index(self, motion_ids: torch.Tensor, time_steps: torch.Tensor) -> torch.Tensor:
        """Global bin id (long) of each (motion id, frame); frames are clamped to the motion.

        Motion ids must lie in [0, num_motions): they are not checked (a hot path, no host sync), and a
        negative one would index from the end as torch indexing does.
        """
        motion_ids = motion_ids.long()
        last_frame = self.num_frames[motion_ids] - 1
        frame = torch.minimum(time_steps.long().clamp_min(0), last_frame)
        global_frame = self._frame_offsets[motion_ids] + frame
        return torch.searchsorted(self._global_bin_start, global_frame, right=True) - 1

    def uniform_time_in_bin(
        self, bins: torch.Tensor, frames_out: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(motion ids, frames) with the frame drawn uniformly among the frames of each bin.

        Args:
            bins: (N,) long global bin ids.
            frames_out: optional (N,) long tensor the frames are written to (and returned).
        """
        motion, start, length, last_offset = self._bin_rows.index_select(0, bins).unbind(1)
        # rand * length can round up to length in float32; keep the frame inside the bin
        offset = torch.minimum((torch.rand(bins.shape, device=self.device) * length).long(), last_offset)
        return motion, torch.add(start, offset, out=frames_out)

    def draw_time_in_bin(self, bins: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`uniform_time_in_bin` for eager calls (the CPU), one op fewer: the draw is float64.

        For u <= 1 - 2^-53 and a length n < 2^52 the float64 product u n rounds to below n (where the
        exact product lies within half a unit of n, n is a power of two and n - n 2^-53 is a double),
        so the floor is already a frame inside the bin and needs no clamp.
        """
        motion, start, length, _ = self._bin_rows.index_select(0, bins).unbind(1)
        offset = (torch.rand(bins.shape, dtype=torch.float64, device=self.device) * length).long()
        return motion, torch.add(start, offset)

    def describe(self) -> dict[str, object]:
        """Plain description of the layout, stored with the sampler state to detect mismatches."""
        return {"motion_num_frames": list(self.motion_num_frames), "fps": self.fps, "bin_size_s": self.bin_size_s}


def check_layout_inputs(motion_num_frames: Sequence[int], fps: float, bin_size_s: float) -> list[int]:
    """The frame counts as ints, once they, ``fps`` and ``bin_size_s * fps`` (>= 1 frame per bin) are checked;
    a :class:`MotionInputError` naming the value and the fix otherwise."""
    frames = _validated_frames(motion_num_frames)
    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
        raise MotionInputError(f"fps={fps!r} is invalid: expected a finite number > 0 (frames per second).")
    frames_per_bin = bin_size_s * fps
    if frames_per_bin < 1.0:
        raise MotionInputError(
            f"bin_size_s * fps = {bin_size_s} * {fps} = {frames_per_bin:g} frames per bin: a bin must hold at "
            f"least one frame. Raise curriculum.adaptive.bin_size_s to >= {1.0 / fps:g} s."
        )
    return frames


def _validated_frames(motion_num_frames: Sequence[int]) -> list[int]:
    if isinstance(motion_num_frames, torch.Tensor):
        motion_num_frames = motion_num_frames.tolist()
    try:
        frames = list(motion_num_frames)
    except TypeError:
        raise MotionInputError(
            f"motion_num_frames={motion_num_frames!r} is invalid: expected a list with the frame count of each motion."
        ) from None
    if not frames:
        raise MotionInputError("motion_num_frames is empty: give at least one motion (its number of frames).")
    for index, count in enumerate(frames):
        if not (isinstance(count, numbers.Integral) and not isinstance(count, bool) and count >= 1):
            raise MotionInputError(
                f"motion_num_frames[{index}]={count!r} is invalid: every motion needs an integer frame count >= 1."
            )
    return [int(c) for c in frames]
