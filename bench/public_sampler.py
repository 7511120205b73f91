"""The public BeyondMimic sampler's behaviour (HybridRobotics/whole_body_tracking,
``MotionCommand._adaptive_sampling`` and the EMA in ``_update_command``), re-implemented for the
benchmarks only.

What it does, defects included, so users see what switching costs and buys:
- failures are counted in the bin where the episode FAILED, as counts (no episode counts);
- an exponential moving average of those counts (factor 0.001) is folded every env step;
- the uniform term is added to the raw counts before normalising (not a floor);
- a conv1d kernel over future bins (size 1 by default: off), multinomial sampling;
- host syncs on the hot path: a Python ``if`` on ``torch.any``, boolean-mask indexing, ``bincount``.

Two ways to call it: :meth:`adaptive_sampling` is the public command's per-reset call as written
there (the failed envs read from the full-width termination buffer, the bin of every env computed,
the start frames written into the command's per-env time steps, and the sampling metrics, entropy
and top-1 bin, computed on every call); :meth:`record_failures` + :meth:`sample` are the sampler's
maths alone ("public core" in ``sampler_cost.py``).
"""

from __future__ import annotations

import math

import torch


class PublicBeyondMimicSampler:
    """One motion of ``num_frames`` frames cut into ``num_bins`` bins, for ``num_envs`` envs."""

    def __init__(self, num_frames: int, num_bins: int, device, alpha: float = 0.001, uniform_ratio: float = 0.1,
                 kernel_size: int = 1, kernel_decay: float = 0.8, num_envs: int = 1):  # fmt: skip
        self.num_frames, self.num_bins, self.device = num_frames, num_bins, torch.device(device)
        self.alpha, self.uniform_ratio, self.kernel_size = alpha, uniform_ratio, kernel_size
        self.kernel = (kernel_decay ** torch.arange(kernel_size, device=self.device, dtype=torch.float32)).flip(0)
        self.kernel /= self.kernel.sum()
        self.failed_count = torch.zeros(num_bins, device=self.device)
        self._step_failed = torch.zeros(num_bins, device=self.device)
        self.time_steps = torch.zeros(num_envs, dtype=torch.long, device=self.device)
        """(num_envs,) the command's current frame of every env."""
        self.metrics = {
            name: torch.zeros(num_envs, device=self.device)
            for name in ("sampling_entropy", "sampling_top1_prob", "sampling_top1_bin")
        }

    def adaptive_sampling(self, env_ids: torch.Tensor, terminated: torch.Tensor) -> None:
        """The public command's call at reset: count the failures of ``env_ids``, draw their starts."""
        episode_failed = terminated[env_ids]
        if torch.any(episode_failed):  # host sync
            current_bin_index = torch.clamp(
                (self.time_steps * self.num_bins) // max(self.num_frames, 1), 0, self.num_bins - 1
            )  # every env's bin
            fail_bins = current_bin_index[env_ids][episode_failed]  # mask: sync
            self._step_failed[:] = torch.bincount(fail_bins, minlength=self.num_bins)
        p = self._probabilities()
        sampled_bins = torch.multinomial(p, len(env_ids), replacement=True)
        uniform = torch.rand(len(env_ids), device=self.device) * (1.0 - 0.0) + 0.0  # isaaclab sample_uniform
        self.time_steps[env_ids] = ((sampled_bins + uniform) / self.num_bins * (self.num_frames - 1)).long()
        entropy = -(p * (p + 1e-12).log()).sum()
        top1_prob, top1_bin = p.max(dim=0)
        self.metrics["sampling_entropy"][:] = entropy / math.log(self.num_bins)
        self.metrics["sampling_top1_prob"][:] = top1_prob
        self.metrics["sampling_top1_bin"][:] = top1_bin.float() / self.num_bins

    def record_failures(self, time_steps: torch.Tensor, failed: torch.Tensor) -> None:
        """The counting alone, on the reset envs' frames: failed episodes in the bin where they failed."""
        if torch.any(failed):  # host sync
            bins = (time_steps * self.num_bins // self.num_frames).clamp(0, self.num_bins - 1)
            self._step_failed[:] = torch.bincount(bins[failed], minlength=self.num_bins)  # mask + bincount: syncs

    def step(self) -> None:
        """Every env step: fold the step's failure counts into the EMA."""
        self.failed_count = self.alpha * self._step_failed + (1 - self.alpha) * self.failed_count
        self._step_failed.zero_()

    def sample(self, n: int) -> torch.Tensor:
        """The drawing alone: start frames for ``n`` envs."""
        bins = torch.multinomial(self._probabilities(), n, replacement=True)
        offset = torch.rand(n, device=self.device)
        return ((bins + offset) / self.num_bins * (self.num_frames - 1)).long()

    def _probabilities(self) -> torch.Tensor:
        p = self.failed_count + self.uniform_ratio / self.num_bins  # uniform term added to raw counts
        p = torch.nn.functional.pad(p.view(1, 1, -1), (0, self.kernel_size - 1), mode="replicate")
        p = torch.nn.functional.conv1d(p, self.kernel.view(1, 1, -1)).view(-1)
        return p / p.sum()
