"""The sampler's fixed-shape fold as Warp kernels (``AdaptiveSamplerCfg.warp_step``).

:class:`WarpFold` launches the kernels of ``warp_kernels.py`` over the sampler's own tensors: the Warp arrays are
views of them, so ``probabilities``, ``metrics`` and ``state_dict`` read what the kernels wrote, and nothing is
read back to the host. :class:`~.warp_step.WarpFusedStep` adds the per-env record and draws around it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import torch

from .config import SamplerConfigError

if TYPE_CHECKING:
    from .config import AdaptiveSamplerCfg
    from .sampler import AdaptiveSampler

__all__ = ["AUTO_MIN_WARP", "ONE_BLOCK_MAX_BINS", "WarpFold", "all_reduces", "check_warp_supported", "warp_runs_on"]


AUTO_MIN_WARP = (1, 17)
"""The oldest NVIDIA Warp (major, minor) that ``warp_step: null`` (automatic) picks the Warp kernels with: the
version they were tested and measured with (Isaac Lab 3.0's). Older versions were not tried, and their tile
operations may differ. ``warp_step: true`` tries any installed Warp."""


ONE_BLOCK_MAX_BINS = 0
"""The default of :attr:`WarpFold.one_block_max_bins` on every device: libraries of at most this many bins fold in
one kernel of one block, larger ones in two grid kernels; 0 always takes the grid kernels.

The one-block fold saved two launches per step against the three grid kernels of the time but was slower where
measured (docs/benchmarks.md §1.9). On an NVIDIA H200 (``bench/sampler_profile.py --warp``) its GPU time per env
step was 58.6–65.2 µs at 10k bins against 21.2–23.6 µs for the three kernels, and 19.7–25.0 µs against 18.3–23.7 µs
at 100 bins: one block walks the bins in turn while the grid kernels spread them over the GPU. On Warp's CPU device
a block is one thread, whose tiles pad every library to ``FOLD_TILE`` bins, and the three kernels were faster at 100
and 10k bins too. The grid path is two kernels since (the rates folded inside the mass kernel).
``bench/sampler_cost.py --warp-one-block-max-bins N`` sets this bound for the samplers a benchmark builds."""


class WarpFold:
    """The sampler's fixed-shape fold as Warp kernels over its own tensors (``cfg.warp_step``).

    Called as the body of the sampler's fold graph (``AdaptiveSampler._fold_step``) in place of the
    torch ops of ``_fold_pending``. By default two grid kernels of one block per tile of ``SCAN_TILE`` bins: the
    folded rates of the tile and of the K - 1 bins after it (into scratch arrays: the statistics are only read,
    so the blocks need no grid-wide sync), the kernel masses and their scan; then the statistics committed (rates,
    the hazard's averages, the pending counts into the totals), the tiles' offsets and the uniform mass. Up to
    :attr:`one_block_max_bins` bins (0 by default: see :data:`ONE_BLOCK_MAX_BINS` for the measurement) it is
    **one** kernel of one block instead (``fold_one_block_kernel``: rates, then the kernel masses and their scan
    tile after tile with a running total, then the uniform part, with a barrier between the passes: no second
    launch, no grid-wide sync).

    Args:
        sampler: the fixed-shape sampler whose tensors the kernels update.
        one_block_max_bins: the bound (default :data:`ONE_BLOCK_MAX_BINS`, read when the fold is built); 0 always
            takes the two grid kernels.
    """

    def __init__(self, sampler: AdaptiveSampler, one_block_max_bins: int | None = None):
        check_warp_supported(sampler)
        import warp as wp

        from . import warp_kernels

        wp.init()
        self.wp: Any = wp
        self.kernels: Any = warp_kernels
        self.sampler = sampler
        device = sampler.device
        if device.type == "cuda" and device.index is None:
            device = torch.device("cuda", torch.cuda.current_device())
        self.device = device
        self.one_block_max_bins = ONE_BLOCK_MAX_BINS if one_block_max_bins is None else one_block_max_bins
        """Fold in one kernel of one block up to this many bins (read at each call; on CUDA the fold's graph
        keeps the path of its capture, so set it before the first fold)."""
        self.wp_device = wp.device_from_torch(device)
        self.hazard = sampler.cfg.attribution == "hazard"
        self._streams: dict[int, Any] = {}
        self._weight = sampler._kernel_weight.contiguous()
        tile = int(warp_kernels.SCAN_TILE)
        self._num_tiles = (sampler.num_bins + tile - 1) // tile
        self._tile_sums = torch.zeros(self._num_tiles, device=sampler.device)
        self._next_rate = torch.zeros_like(sampler.failure_rate)
        """Scratch: the folded rates, from the first grid kernel to the second (which commits them)."""
        self._next_smoothed = torch.zeros_like(sampler._hazard_counts)
        """Scratch: the hazard's folded count averages, likewise."""
        a = self.array
        self.arrays: dict[str, Any] = {
            "pending": a(sampler._pending),
            "totals": a(sampler._totals),
            "rate": a(sampler.failure_rate),
            "smoothed": a(sampler._hazard_counts),
            "bin_length": a(sampler._bin_length),
            "weight": a(self._weight),
            "kernel_mass": a(sampler._kernel_mass),
            "uniform_cdf": a(sampler._uniform_cdf),
            "uniform_mass": a(sampler._uniform_mass),
            "adaptive_cdf": a(sampler._adaptive_cdf),
            "tile_sums": a(self._tile_sums),
            "next_rate": a(self._next_rate),
            "next_smoothed": a(self._next_smoothed),
        }

    @property
    def one_block(self) -> bool:
        """Whether the next fold is the one-block kernel (the library has at most :attr:`one_block_max_bins`)."""
        return self.sampler.num_bins <= self.one_block_max_bins

    def __call__(self) -> None:
        """Two kernels (folded rates, masses, tile scans; commit, tile offsets, CDF), or one (:attr:`one_block`)."""
        cfg = self.sampler.cfg
        a = self.arrays
        hazard = int(self.hazard)
        share = self.sampler._uniform_share
        fold = [cfg.alpha, cfg.rate_prior, cfg.rate_prior * cfg.rate_prior_mean]
        on_cuda = self.device.type == "cuda"
        if self.one_block:
            inputs = [a["pending"], a["totals"], a["rate"], a["smoothed"], a["bin_length"], hazard, *fold]
            inputs += [a["weight"], a["kernel_mass"], a["uniform_cdf"], share, a["uniform_mass"], a["adaptive_cdf"]]
            block = int(self.kernels.FOLD_BLOCK) if on_cuda else 1
            self.launch(self.kernels.fold_one_block_kernel, 1, inputs, tiled_block=block)
            return
        block = int(self.kernels.SCAN_TILE) if on_cuda else 1
        scan = [a["pending"], a["rate"], a["smoothed"], a["bin_length"], hazard, *fold, a["next_rate"]]
        scan += [a["next_smoothed"], a["weight"], a["kernel_mass"], a["adaptive_cdf"], a["tile_sums"]]
        self.launch(self.kernels.rates_mass_scan_kernel, self._num_tiles, scan, tiled_block=block)
        cdf = [a["tile_sums"], a["uniform_cdf"], share, a["uniform_mass"], a["adaptive_cdf"], a["next_rate"]]
        cdf += [a["next_smoothed"], hazard, a["pending"], a["totals"], a["rate"], a["smoothed"]]
        self.launch(self.kernels.cdf_offsets_kernel, self._num_tiles, cdf, tiled_block=block)

    def array(self, tensor: torch.Tensor, dtype: Any = None) -> Any:
        """A Warp view of ``tensor`` (no copy)."""
        return self.wp.from_torch(tensor) if dtype is None else self.wp.from_torch(tensor, dtype=dtype)

    def launch(self, kernel: Any, dim: int, inputs: list[Any], tiled_block: int | None = None) -> None:
        """Launch on the sampler's device, on torch's current stream there (so a torch CUDA graph captures it)."""
        wp = self.wp
        stream = None
        if self.device.type == "cuda":  # one Warp stream per torch stream (warm-up side stream, capture stream)
            torch_stream = torch.cuda.current_stream(self.device)
            stream = self._streams.get(torch_stream.cuda_stream)
            if stream is None:
                stream = self._streams[torch_stream.cuda_stream] = wp.stream_from_torch(torch_stream)
        if tiled_block is not None:
            wp.launch_tiled(
                kernel, dim=[dim], inputs=inputs, block_dim=tiled_block, device=self.wp_device, stream=stream
            )
        else:
            wp.launch(kernel, dim=dim, inputs=inputs, device=self.wp_device, stream=stream)


def warp_runs_on(device: torch.device | str) -> bool:
    """Whether ``warp_step: null`` may pick the Warp kernels on ``device``: a CUDA device, and an NVIDIA Warp of
    :data:`AUTO_MIN_WARP` or newer that sees CUDA. Imports Warp only for a CUDA device; never raises."""
    if torch.device(device).type != "cuda":
        return False
    try:
        import warp as wp
    except ImportError:
        return False
    version = getattr(wp, "__version__", None)  # a stand-in module (a test double) has none
    if not isinstance(version, str):
        return False
    try:
        major_minor = tuple(int(part) for part in version.split(".")[:2])
        wp.init()
        return major_minor >= AUTO_MIN_WARP and bool(wp.is_cuda_available())
    except Exception:  # an unparsable version or a Warp that cannot start: the torch path
        return False


def all_reduces(cfg: AdaptiveSamplerCfg) -> bool:
    """Whether the sampler's counts will be all-reduced across processes: ``sync_distributed`` under
    torch.distributed, or under ``torchrun`` before the process group exists (``WORLD_SIZE`` > 1: rsl-rl's runner
    creates the group only after the env, and with it the sampler, is built)."""
    if not cfg.sync_distributed:
        return False
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return True
    try:
        return int(os.environ.get("WORLD_SIZE", "1")) > 1
    except ValueError:  # not ours to judge here (the training refuses it, naming it)
        return False


def check_warp_supported(sampler: AdaptiveSampler) -> None:
    """Refuse, with the fix, what the Warp kernels do not implement."""
    cfg = sampler.cfg
    if cfg.max_prob_ratio:
        raise SamplerConfigError(
            "warp_step does not support max_prob_ratio yet (the cap's water-filling is a sort, kept in torch): "
            "set curriculum.adaptive.max_prob_ratio to null or warp_step to false."
        )
    if not sampler.fixed_shapes:
        raise SamplerConfigError(
            "warp_step needs a fixed-shape sampler (the CPU's changed-bins fold keeps its own bookkeeping): build "
            "AdaptiveSampler(..., fixed_shapes=True), or set warp_step to false."
        )
    if all_reduces(cfg):
        raise SamplerConfigError(
            "warp_step does not all-reduce the pending counts under torch.distributed yet: set "
            "curriculum.adaptive.warp_step to null (the default, which takes the torch path there) or false for "
            "multi-GPU training."
        )
