"""The public BeyondMimic sampler's behaviour (HybridRobotics/whole_body_tracking,
``MotionCommand._adaptive_sampling``), re-implemented for the benchmarks only.

What it does, defects included, so users see what switching costs and buys:
- failures are counted in the bin where the episode FAILED, as counts (no episode counts);
- an exponential moving average of those counts (factor 0.001) is folded every env step;
- the uniform term is added to the raw counts before normalising (not a floor);
- a conv1d kernel over future bins (size 1 by default: off), multinomial sampling;
- host syncs on the hot path: a Python ``if`` on ``torch.any``, boolean-mask indexing, ``bincount``.
"""

from __future__ import annotations

import torch


class PublicBeyondMimicSampler:
    """One motion of ``num_frames`` frames cut into ``num_bins`` bins."""

    def __init__(self, num_frames: int, num_bins: int, device, alpha: float = 0.001, uniform_ratio: float = 0.1,
                 kernel_size: int = 1, kernel_decay: float = 0.8):  # fmt: skip
        self.num_frames, self.num_bins, self.device = num_frames, num_bins, torch.device(device)
        self.alpha, self.uniform_ratio, self.kernel_size = alpha, uniform_ratio, kernel_size
        self.kernel = (kernel_decay ** torch.arange(kernel_size, device=self.device, dtype=torch.float32)).flip(0)
        self.kernel /= self.kernel.sum()
        self.failed_count = torch.zeros(num_bins, device=self.device)
        self._step_failed = torch.zeros(num_bins, device=self.device)

    def record_failures(self, time_steps: torch.Tensor, failed: torch.Tensor) -> None:
        """At reset: count failed episodes in the bin where they failed."""
        if torch.any(failed):  # host sync
            bins = (time_steps * self.num_bins // self.num_frames).clamp(0, self.num_bins - 1)
            self._step_failed[:] = torch.bincount(bins[failed], minlength=self.num_bins)  # mask + bincount: syncs

    def step(self) -> None:
        """Every env step: fold the step's failure counts into the EMA."""
        self.failed_count = self.alpha * self._step_failed + (1 - self.alpha) * self.failed_count
        self._step_failed.zero_()

    def sample(self, n: int) -> torch.Tensor:
        """Start frames for ``n`` envs."""
        p = self.failed_count + self.uniform_ratio / self.num_bins  # uniform term added to raw counts
        p = torch.nn.functional.pad(p.view(1, 1, -1), (0, self.kernel_size - 1), mode="replicate")
        p = torch.nn.functional.conv1d(p, self.kernel.view(1, 1, -1)).view(-1)
        p = p / p.sum()
        bins = torch.multinomial(p, n, replacement=True)
        offset = torch.rand(n, device=self.device)
        return ((bins + offset) / self.num_bins * (self.num_frames - 1)).long()
