"""The sampler's manual override: a fixed start distribution that replaces the adaptive one while it is set."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .config import SamplerConfigError
from .distribution import cdf_parts


class ManualOverride:
    """A start distribution given by hand (debugging, evaluations, benchmark controls), normalised here.

    Its probabilities and CDF are allocated by the first override and rewritten in place by every later one:
    the draws keep one CUDA graph per CDF tensor, so a draw captured for one override replays for the next,
    and turning overrides on and off costs no new capture.
    """

    def __init__(self, num_bins: int, bin_size_s: float, device: torch.device):
        self._num_bins = num_bins
        self._bin_size_s = bin_size_s
        self._device = device
        self.active = False
        """Whether an override is set (the sampler draws from it instead of the adaptive distribution)."""
        self.generation = 0
        """Counts the calls of :meth:`set`: one override replaces another in the same tensors, so a draw made
        earlier is known to be stale by this number, not by the CDF tensor's identity."""
        self._buffers: tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, torch.Tensor]] | None = None
        """(B,) probabilities, (B,) CDF and the CDF's draw views (:func:`cdf_parts`), once the first override is set."""

    def set(self, probabilities: Sequence[float] | torch.Tensor | None) -> None:
        """Set the override (one non-negative value per bin, any positive sum), or end it with ``None``."""
        if probabilities is None:
            self.active = False
            self.generation += 1
            return
        values = torch.as_tensor(probabilities, dtype=torch.float32).flatten().cpu()
        if values.numel() != self._num_bins:
            raise SamplerConfigError(
                f"manual_probabilities has {values.numel()} entries but the motions have {self._num_bins} bins "
                f"(bin_size_s={self._bin_size_s}); give one value per bin or null."
            )
        if not bool(torch.isfinite(values).all()) or bool((values < 0).any()) or float(values.sum()) <= 0:
            raise SamplerConfigError("manual_probabilities must be finite, non-negative and have a positive sum.")
        normalised = (values / values.sum()).to(self._device)
        if self._buffers is None:
            cdf = torch.cumsum(normalised, 0)
            self._buffers = (normalised, cdf, cdf_parts(cdf))
        else:
            self._buffers[0].copy_(normalised)
            torch.cumsum(self._buffers[0], 0, out=self._buffers[1])
        self.active = True
        self.generation += 1

    @property
    def probabilities(self) -> torch.Tensor:
        """(B,) the override, summing to 1 (the persistent buffer: clone it to keep it)."""
        return self._require()[0]

    @property
    def cdf(self) -> torch.Tensor:
        """(B,) the override's CDF, persistent across overrides."""
        return self._require()[1]

    @property
    def parts(self) -> tuple[torch.Tensor, torch.Tensor]:
        """:attr:`cdf` as (all entries but the last, the last as a (1,) tensor): persistent views."""
        return self._require()[2]

    def _require(self) -> tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        if not self.active or self._buffers is None:
            raise RuntimeError("ManualOverride: no override is set; call set(probabilities) first.")
        return self._buffers
