"""The public BeyondMimic sampler's behaviour, re-implemented for comparison (plain torch, no Isaac Lab).

Source: HybridRobotics/whole_body_tracking, ``tasks/tracking/mdp/commands.py``: ``MotionCommand._adaptive_sampling``
(called by the command's ``_resample_command`` at reset), the EMA in ``MotionCommand._update_command`` and the
``adaptive_*`` fields of ``MotionCommandCfg`` (kernel size 1, lambda 0.8, uniform ratio 0.1, alpha 0.001).
It is the third arm of the Table II study (``curriculum=public``): what the public code does, so that the
arms show what this package's sampler (:class:`~beyondmimic_adaptive.sampler.AdaptiveSampler`) changes.

What it does, defects included:

- bins: ``int(num_frames // frames_per_bin) + 1`` of them (the public code: ``time_step_total // (1 / step_dt)
  + 1``, 1 s bins); a frame's bin is ``frame * B // num_frames``, so bins are a little shorter than
  ``bin_size_s`` and no bin is short at the end;
- failures are counted in the bin where the episode FAILED (the failed episode's current frame), as raw
  counts: no episode counts, so a bin's weight is not a failure *rate* and grows with the number of envs;
- failed = the termination manager's ``terminated`` buffer (every non-time-out term), read at reset;
- an exponential moving average of those counts with factor ``alpha`` (0.001) is folded every env step,
  failures or not, so the counts decay between the resets of a bin;
- the uniform term ``uniform_ratio / B`` is added to the raw counts before normalising: it is not a floor,
  its weight shrinks as counts grow (with thousands of envs the uniform share is nearly gone);
- a conv1d kernel ``kernel_decay**u`` over the next ``kernel_size`` bins (the last bin replicated), size 1 by
  default: off;
- starts: bins drawn with ``torch.multinomial``, then ``((bin + U[0, 1)) / B * (num_frames - 1)).long()``:
  spread over ``num_frames - 1`` frames while failures are binned over ``num_frames``, so an episode that
  fails right at its start in the first frames of bin ``b`` is charged to bin ``b - 1``;
- host syncs on the per-reset path: a Python ``if`` on ``torch.any``, boolean-mask indexing, ``bincount`` with a
  data-dependent size. That is allowed here (it is a comparison, not a hot path of this package).

The public code tracks one motion. Several motions are handled by binning their concatenated timeline
(motion 0's frames, then motion 1's, ...): a bin may straddle two motions. Statistics are per process: the
public code does not all-reduce them across ranks, and neither does this.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from .bins import check_layout_inputs
from .config import SamplerConfigError, _is_int, _is_number
from .state import SamplerStateError

PUBLIC_STATE_FORMAT = "beyondmimic_adaptive.public_sampler/1"
"""``format`` key of :meth:`PublicBeyondMimicSampler.state_dict` (an adaptive sampler's state is refused)."""


@dataclass
class PublicSamplerCfg:
    """Parameters of the public sampler (HybridRobotics/whole_body_tracking ``MotionCommandCfg`` defaults)."""

    bin_size_s: float = 1.0
    """Nominal bin length [s]; the public code fixes it at 1 s (``1 / step_dt`` frames)."""
    alpha: float = 0.001
    """EMA factor of the failure counts, folded every env step (``adaptive_alpha``), in (0, 1]."""
    uniform_ratio: float = 0.1
    """Added to the counts as ``uniform_ratio / B`` per bin before normalising (``adaptive_uniform_ratio``), > 0."""
    kernel_size: int = 1
    """Kernel length in bins over the future (``adaptive_kernel_size``), >= 1; 1 = off."""
    kernel_decay: float = 0.8
    """Kernel weight decay per future bin (``adaptive_lambda``), in (0, 1]."""

    def validate(self) -> None:
        """Raise :class:`SamplerConfigError` naming the first out-of-range field and its range."""
        _check(_is_number(self.bin_size_s) and self.bin_size_s > 0, "bin_size_s", self.bin_size_s, "> 0 seconds")
        _check(_is_number(self.alpha) and 0.0 < self.alpha <= 1.0, "alpha", self.alpha, "in (0, 1]")
        _check(
            _is_number(self.uniform_ratio) and self.uniform_ratio > 0,
            "uniform_ratio",
            self.uniform_ratio,
            "a finite number > 0 (with 0 nothing can be drawn before the first failure)",
        )
        _check(_is_int(self.kernel_size) and self.kernel_size >= 1, "kernel_size", self.kernel_size, "an int >= 1")
        _check(
            _is_number(self.kernel_decay) and 0.0 < self.kernel_decay <= 1.0,
            "kernel_decay",
            self.kernel_decay,
            "in (0, 1]",
        )


def _check(ok: bool, field: str, value: object, expected: str) -> None:
    if not ok:
        raise SamplerConfigError(
            f"PublicSamplerCfg.{field}={value!r} is invalid: expected {expected}. "
            f"Fix it in the config (YAML key curriculum.public.{field}) or the PublicSamplerCfg(...) call."
        )


def public_bin_count(num_frames: int, frames_per_bin: float) -> int:
    """The public code's bin count: ``int(num_frames // frames_per_bin) + 1``."""
    return int(num_frames // frames_per_bin) + 1


class PublicBeyondMimicSampler:
    """One timeline of ``num_frames`` frames cut into ``num_bins`` bins, for ``num_envs`` envs.

    Two ways to call it: :meth:`adaptive_sampling` is the public command's per-reset call as written
    there (the failed envs read from the full-width termination buffer, the bin of every env computed,
    the start frames written into the command's per-env time steps, and the sampling metrics computed on
    every call); :meth:`record_failures` + :meth:`step` + :meth:`sample` are the sampler's maths alone
    (what the curriculum term ``curriculum=public`` calls; "public core" in ``bench/sampler_cost.py``).
    Frames are positions on the timeline; :meth:`timeline_frames` and :meth:`split_frames` convert
    to and from (motion id, frame) when several motions are concatenated (:meth:`for_motions`).
    """

    def __init__(self, num_frames: int, num_bins: int, device: torch.device | str, alpha: float = 0.001,
                 uniform_ratio: float = 0.1, kernel_size: int = 1, kernel_decay: float = 0.8,
                 num_envs: int = 1):  # fmt: skip
        self.num_frames, self.num_bins, self.device = num_frames, num_bins, torch.device(device)
        self.alpha, self.uniform_ratio, self.kernel_size = alpha, uniform_ratio, kernel_size
        # the public kernel, not flipped: conv1d correlates, so bin s gets decay**u of bin s + u
        self.kernel = kernel_decay ** torch.arange(kernel_size, device=self.device, dtype=torch.float32)
        self.kernel /= self.kernel.sum()
        self.failed_count = torch.zeros(num_bins, device=self.device)
        """(num_bins,) the EMA of the failure counts (the public ``bin_failed_count``)."""
        self._step_failed = torch.zeros(num_bins, device=self.device)
        self.time_steps = torch.zeros(num_envs, dtype=torch.long, device=self.device)
        """(num_envs,) the command's current frame of every env (:meth:`adaptive_sampling` only)."""
        self.metrics = {
            name: torch.zeros(num_envs, device=self.device)
            for name in ("sampling_entropy", "sampling_top1_prob", "sampling_top1_bin")
        }
        self.motion_num_frames: list[int] = [num_frames]
        """Frames of each motion on the timeline, in motion-id order."""
        self._starts = torch.zeros(1, dtype=torch.long, device=self.device)
        self._ends = torch.tensor([num_frames], dtype=torch.long, device=self.device)
        self.env_step = 0
        """Env steps folded so far (saved with the state; the term sets it)."""

    @classmethod
    def for_motions(
        cls,
        cfg: PublicSamplerCfg,
        motion_num_frames: Sequence[int],
        fps: float,
        device: torch.device | str,
        num_envs: int = 1,
    ) -> PublicBeyondMimicSampler:
        """The sampler of ``cfg`` over the concatenated timeline of motions of these lengths at ``fps``."""
        cfg.validate()
        frames = check_layout_inputs(motion_num_frames, fps, cfg.bin_size_s)
        total = sum(frames)
        bins = public_bin_count(total, cfg.bin_size_s * fps)
        sampler = cls(total, bins, device, cfg.alpha, cfg.uniform_ratio, cfg.kernel_size, cfg.kernel_decay, num_envs)
        sampler.motion_num_frames = frames
        ends = torch.tensor(frames, dtype=torch.long, device=sampler.device).cumsum(0)
        sampler._starts, sampler._ends = ends - torch.tensor(frames, device=sampler.device), ends
        return sampler

    def timeline_frames(self, motion_ids: torch.Tensor, frames: torch.Tensor) -> torch.Tensor:
        """Positions on the concatenated timeline of (motion id, frame) pairs."""
        return self._starts[motion_ids] + frames

    def split_frames(self, timeline: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(motion ids, frames) of positions on the concatenated timeline."""
        motion_ids = torch.searchsorted(self._ends, timeline, right=True).clamp(max=len(self.motion_num_frames) - 1)
        return motion_ids, timeline - self._starts[motion_ids]

    def bin_of(self, frames: torch.Tensor) -> torch.Tensor:
        """The public code's bin of timeline frames: ``clamp(frame * B // num_frames, 0, B - 1)``."""
        return torch.clamp((frames * self.num_bins) // max(self.num_frames, 1), 0, self.num_bins - 1)

    def adaptive_sampling(self, env_ids: torch.Tensor, terminated: torch.Tensor) -> None:
        """The public command's call at reset: count the failures of ``env_ids``, draw their starts."""
        episode_failed = terminated[env_ids]
        if torch.any(episode_failed):  # host sync
            current_bin_index = self.bin_of(self.time_steps)  # every env's bin
            fail_bins = current_bin_index[env_ids][episode_failed]  # mask: sync
            self._step_failed[:] = torch.bincount(fail_bins, minlength=self.num_bins)
        p = self.probabilities()
        sampled_bins = torch.multinomial(p, len(env_ids), replacement=True)
        uniform = torch.rand(len(env_ids), device=self.device) * (1.0 - 0.0) + 0.0  # isaaclab sample_uniform
        self.time_steps[env_ids] = ((sampled_bins + uniform) / self.num_bins * (self.num_frames - 1)).long()
        for name, value in self.sampling_metrics(p).items():
            self.metrics[name][:] = value

    def record_failures(self, time_steps: torch.Tensor, failed: torch.Tensor) -> None:
        """The counting alone, on the reset envs' timeline frames: failed episodes in the bin where they failed.

        As the public code, this step's counts are *replaced* (a step has one reset call)."""
        if torch.any(failed):  # host sync
            self._step_failed[:] = torch.bincount(self.bin_of(time_steps)[failed], minlength=self.num_bins)

    def step(self) -> None:
        """Every env step: fold the step's failure counts into the EMA."""
        self.failed_count = self.alpha * self._step_failed + (1 - self.alpha) * self.failed_count
        self._step_failed.zero_()

    def sample(self, n: int) -> torch.Tensor:
        """The drawing alone: start frames on the timeline for ``n`` envs."""
        bins = torch.multinomial(self.probabilities(), n, replacement=True)
        offset = torch.rand(n, device=self.device)
        return ((bins + offset) / self.num_bins * (self.num_frames - 1)).long()

    def probabilities(self) -> torch.Tensor:
        """(num_bins,) the start distribution: counts + uniform_ratio / B, the kernel, normalised."""
        p = self.failed_count + self.uniform_ratio / self.num_bins  # uniform term added to raw counts
        p = torch.nn.functional.pad(p.view(1, 1, -1), (0, self.kernel_size - 1), mode="replicate")
        p = torch.nn.functional.conv1d(p, self.kernel.view(1, 1, -1)).view(-1)
        return p / p.sum()

    def sampling_metrics(self, p: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The public command's metrics: normalised entropy, top-1 probability and top-1 bin / B."""
        p = self.probabilities() if p is None else p
        entropy = -(p * (p + 1e-12).log()).sum()
        top1_prob, top1_bin = p.max(dim=0)
        return {
            "sampling_entropy": entropy / math.log(self.num_bins) if self.num_bins > 1 else torch.ones_like(entropy),
            "sampling_top1_prob": top1_prob,
            "sampling_top1_bin": top1_bin.float() / self.num_bins,
        }

    def layout(self) -> dict[str, Any]:
        """What a saved state must match: the motions' frames and the bin count."""
        return {"motion_num_frames": list(self.motion_num_frames), "num_bins": self.num_bins}

    def state_dict(self) -> dict[str, Any]:
        """The statistics to resume with (copies on the CPU)."""
        return {
            "format": PUBLIC_STATE_FORMAT,
            "layout": self.layout(),
            "env_step": int(self.env_step),
            "failed_count": self.failed_count.detach().cpu().clone(),
            "step_failed": self._step_failed.detach().cpu().clone(),
        }

    def load_state_dict(self, state: object) -> None:
        """Load a :meth:`state_dict`; checks everything first, so a refused state changes nothing."""
        if not isinstance(state, dict) or state.get("format") != PUBLIC_STATE_FORMAT:
            found = state.get("format") if isinstance(state, dict) else type(state).__name__
            raise SamplerStateError(
                f"not a public sampler state (format {found!r}, expected {PUBLIC_STATE_FORMAT!r}): the run was "
                "trained with another curriculum; resume it with that curriculum, or start a new run."
            )
        if state.get("layout") != self.layout():
            raise SamplerStateError(
                f"saved public sampler state was made for {state.get('layout')}, but this run has {self.layout()}. "
                "Use the same motion files, fps and bin_size_s, or start a new run."
            )
        for key in ("failed_count", "step_failed"):
            value = state.get(key)
            ok = isinstance(value, torch.Tensor) and value.shape == (self.num_bins,) and value.is_floating_point()
            if not (ok and isinstance(value, torch.Tensor) and bool((torch.isfinite(value) & (value >= 0)).all())):
                raise SamplerStateError(
                    f"saved public sampler state key {key!r} must be a finite, non-negative float tensor of shape "
                    f"({self.num_bins},), got {value!r:.80}."
                )
        if not _is_int(state.get("env_step")) or state["env_step"] < 0:
            raise SamplerStateError(f"saved public sampler state key 'env_step' must be an int >= 0, got "
                                    f"{state.get('env_step')!r}.")  # fmt: skip
        self.failed_count = state["failed_count"].to(self.device, torch.float32).clone()
        self._step_failed.copy_(state["step_failed"])
        self.env_step = int(state["env_step"])
