"""The per-env step as a few Warp kernels (experimental; ``AdaptiveSamplerCfg.warp_step``).

docs/benchmarks.md §1.8 found the graphed torch step host-bound and its graphs replaying 37 kernels
(``start``) or 47 (``hazard``) of about 2 µs each. Here one env step is four Warp kernels (``warp_env_kernels.py``,
``warp_kernels.py``; three with the opt-in one-block fold): the record of the finished envs and the exposure (one
thread per env), the fold (two grid kernels: the folded rates with the kernel masses and their scan per tile of
bins, then the statistics committed with the tiles' offsets; or, opted into, one kernel of one block:
:data:`ONE_BLOCK_MAX_BINS`), and the draw for the envs that reset (one thread per env).
With ``step(draw_first=True)`` the finished envs draw from the CDF of the fold before (as the Isaac Lab terms'
starts do), so the record and the draw are one kernel: three per step.
On CUDA :meth:`WarpFusedStep.step` replays all of them as **one** CUDA graph, captured on torch's stream,
after the caller has written its rows into the persistent inputs :attr:`~WarpFusedStep.bins` etc. in
place (or let :meth:`WarpFusedStep.set_inputs` copy them).

The statistics are the sampler's own tensors (``failure_rate``, totals, pending counts, the hazard's
averages, the kernel masses, the CDF): the Warp arrays are views of them, so ``probabilities``,
``metrics`` and ``state_dict`` read what the kernels wrote. Nothing is read back to the host: no sync.

Differences from the torch path (``tests/test_warp_step.py`` bounds them):

- the CDF is a scan per tile of bins plus a float32 running total (one block) or each tile's offset
  (grid kernels) (torch's CPU cumsum accumulates in float64, its CUDA scan in float32 in another order):
  the CDF and the probabilities agree to float32 rounding of the total; with the grid kernels, at a tile
  edge the CDF may step back by about an ulp of the total (an offset and the previous tile's last entry
  are rounded in different orders), which moves a draw only where it falls within that ulp;
- the hazard's ``expm1`` is computed through float64; kernel masses may be fused multiply-adds on CUDA;
- draws use a Warp RNG state per env (PCG, seeded from torch's CPU generator), not torch's generator;
  with given uniforms (:meth:`WarpFusedStep.sample`'s ``uniforms``) they are the torch path's starts.

Not supported (refused with a message): ``max_prob_ratio`` (the cap's sort stays in torch), the
changed-bins CPU fold (build the sampler with ``fixed_shapes=True``), and an all-reduce under
torch.distributed. Measured on an H200 in docs/benchmarks.md §1.9 and §1.11: the default order at about 4× plain
uniform starts (host-bound by the caller's gather and copy), ``step(draw_first=True)`` at a median 1.84–1.89×.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from .config import SamplerConfigError
from .graphed import CudaGraphedStep

if TYPE_CHECKING:
    from .sampler import AdaptiveSampler

__all__ = ["ONE_BLOCK_MAX_BINS", "WarpFold", "WarpFusedStep"]


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
        _check_supported(sampler)
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


class WarpFusedStep:
    """Record, fold and start draws of a fixed number of envs, as Warp kernels over the sampler's tensors.

    Args:
        sampler: a fixed-shape sampler (``fixed_shapes=True``; the default on CUDA) without ``max_prob_ratio``.
        num_envs: the envs (rows) of every call.
        seed: seed of the per-env RNG states (default: drawn from torch's CPU generator, no device sync).
        cuda_graph: replay :meth:`step` as one CUDA graph (default: ``sampler.cfg.cuda_graph`` on CUDA).
        draw_every_env: draw a start for every env, not only the ``finished`` ones (the Isaac Lab terms draw
            ahead for the next resets: ``warp_per_env.py``).
    """

    def __init__(
        self,
        sampler: AdaptiveSampler,
        num_envs: int,
        *,
        seed: int | None = None,
        cuda_graph: bool | None = None,
        draw_every_env: bool = False,
    ):
        if not (isinstance(num_envs, int) and num_envs >= 1):
            raise ValueError(f"WarpFusedStep(num_envs={num_envs!r}): expected an int >= 1 (the env count).")
        fold = sampler._warp_fold if isinstance(sampler._warp_fold, WarpFold) else WarpFold(sampler)
        self._fold = fold
        """The fold's kernels (the sampler's own when it has ``warp_step``, else made here)."""
        self.sampler = sampler
        self.num_envs = num_envs
        device = fold.device
        self._device = device
        self._hazard = fold.hazard
        wp = fold.wp
        # persistent inputs (the caller writes them in place, or set_inputs copies into them)
        self.bins = torch.zeros(num_envs, dtype=torch.long, device=device)
        """(num_envs,) the bin each finished episode is attributed to."""
        self.failed = torch.zeros(num_envs, dtype=torch.bool, device=device)
        """(num_envs,) True where the finished episode ended by a failure."""
        self.finished = torch.zeros(num_envs, dtype=torch.bool, device=device)
        """(num_envs,) True for the envs whose episode ended now: they are recorded and get a start."""
        self.current_bins = torch.zeros(num_envs, dtype=torch.long, device=device)
        """(num_envs,) each env's bin during this step (the exposure of ``attribution: hazard``)."""
        self.alive = torch.ones(num_envs, dtype=torch.bool, device=device)
        """(num_envs,) False skips an env's exposure."""
        self.needs_start = torch.ones(num_envs, dtype=torch.bool, device=device) if draw_every_env else self.finished
        """(num_envs,) the envs that get a start: ``finished`` itself, or every env (``draw_every_env``)."""
        # persistent outputs
        self.start_bins = torch.zeros(num_envs, dtype=torch.long, device=device)
        """(num_envs,) start bins; fresh in the rows of :attr:`needs_start` after :meth:`step` / :meth:`sample`."""
        self.start_motions = torch.zeros(num_envs, dtype=torch.long, device=device)
        """(num_envs,) start motion ids (fresh where ``needs_start``)."""
        self.start_frames = torch.zeros(num_envs, dtype=torch.long, device=device)
        """(num_envs,) start frames within the motion (fresh where ``needs_start``)."""
        self._rng = torch.zeros(num_envs, dtype=torch.int32, device=device)
        self._uniforms = torch.zeros(2, num_envs, device=device)
        if seed is None:
            seed = int(torch.randint(0, 2**31 - 1, (1,)))  # the CPU generator: no device sync
        layout = sampler.layout
        self._bin_length_long = layout.bin_length.contiguous()  # kept: the Warp views below read their memory
        self._bin_motion = layout.bin_motion.contiguous()
        self._bin_start = layout.bin_start.contiguous()
        from . import warp_env_kernels

        self._kernels: Any = warp_env_kernels
        a = fold.array
        rows = warp_env_kernels.EpisodeRows()
        rows.bins, rows.failed = a(self.bins, wp.int64), a(self.failed, wp.bool)
        rows.finished, rows.alive = a(self.finished, wp.bool), a(self.alive, wp.bool)
        rows.exposure_bins, rows.with_exposure = a(self.current_bins, wp.int64), int(self._hazard)
        rows.pending = fold.arrays["pending"]
        self._rows = rows
        """The record's arrays (one struct per kernel launch)."""
        draws = warp_env_kernels.StartDraws()
        draws.needs_start, draws.rng_state = a(self.needs_start, wp.bool), a(self._rng, wp.uint32)
        draws.bin_uniform, draws.frame_uniform = a(self._uniforms[0]), a(self._uniforms[1])
        draws.bin_motion, draws.bin_start = a(self._bin_motion, wp.int64), a(self._bin_start, wp.int64)
        draws.bin_length = a(self._bin_length_long, wp.int64)
        draws.out_bins, draws.out_motions = a(self.start_bins, wp.int64), a(self.start_motions, wp.int64)
        draws.out_frames = a(self.start_frames, wp.int64)
        self._draws = draws
        """The draw's arrays."""
        self._cdf_arrays: dict[int, tuple[torch.Tensor, Any]] = {}
        fold.launch(warp_env_kernels.seed_kernel, num_envs, [seed, draws.rng_state])
        self._use_graph = (sampler.cfg.cuda_graph if cuda_graph is None else cuda_graph) and device.type == "cuda"
        self._steps: dict[tuple[bool, bool, int], tuple[torch.Tensor, CudaGraphedStep]] = {}

    # ------------------------------------------------------------------ the whole step
    def set_inputs(
        self,
        bins: torch.Tensor,
        failed: torch.Tensor,
        finished: torch.Tensor,
        current_bins: torch.Tensor | None = None,
        alive: torch.Tensor | None = None,
    ) -> None:
        """Copy the rows of this step into the persistent inputs (one copy each; skip this by writing them)."""
        self.bins.copy_(bins)
        self.failed.copy_(failed)
        self.finished.copy_(finished)
        if current_bins is not None:
            self.current_bins.copy_(current_bins)
        if alive is not None:
            self.alive.copy_(alive)

    def step(self, fold: bool = True, draw_first: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Record the finished envs (and, for ``hazard``, every alive env's exposure), fold if ``fold``,
        and draw starts for the finished envs: one CUDA-graph replay.

        Args:
            fold: fold the pending counts (two grid kernels, or one with the one-block fold).
            draw_first: draw from the CDF **before** this step's fold, as the Isaac Lab terms' starts do (a
                reset at step t + 1 samples the CDF folded at step t). The record and the draw are then one
                kernel (``record_draw_kernel``): three kernels per step instead of four. An env's row of
                :attr:`bins` is read before its new start bin is written, so a caller that attributes episodes
                to their start bin (``attribution: start``) may keep :attr:`start_bins` as its ``bins``: the
                draw then feeds the next record with no copy (:meth:`attribute_to_start_bins`).

        Returns the persistent (start bins, motion ids, frames); their :attr:`needs_start` rows are fresh, the
        others keep their earlier values (so they can serve as the caller's per-env start buffers).
        """
        cdf = self.sampler.sampling_cdf  # warm-up, adaptive or manual: chosen on the host, no sync
        key = (fold, draw_first, id(cdf))
        entry = self._steps.get(key)
        if entry is None:
            if len(self._steps) >= 8:
                self._steps.clear()

            def body() -> None:
                if draw_first:
                    self._record_and_draw(cdf)
                else:
                    self.record()
                if fold:
                    self.fold()
                if not draw_first:
                    self._draw(cdf, None)

            entry = (cdf, CudaGraphedStep(body, self._device, enabled=self._use_graph))
            self._steps[key] = entry
        entry[1]()
        return self.start_bins, self.start_motions, self.start_frames

    def attribute_to_start_bins(self) -> None:
        """Make :attr:`bins` (the bin each finished episode is recorded in) the same buffer as :attr:`start_bins`.

        For ``attribution: start`` with :meth:`step`'s ``draw_first``: each record then attributes an episode to
        the start bin drawn for it at its previous end, and no copy moves the draws into the record's input.
        Call it before the first :meth:`step`: the CUDA graphs read the buffers of their capture.
        """
        if self.needs_start is not self.finished:
            raise RuntimeError(
                "WarpFusedStep.attribute_to_start_bins() with draw_every_env: every env draws each step, so the bins "
                "of the envs still running would change. Build the step without draw_every_env."
            )
        if self._steps:
            raise RuntimeError(
                "WarpFusedStep.attribute_to_start_bins() after the first step(): its CUDA graphs read the old "
                "bins buffer. Call it right after building the step."
            )
        self.bins = self.start_bins
        self._rows.bins = self._draws.out_bins

    # ------------------------------------------------------------------ the parts (eager launches)
    def record(self) -> None:
        """One kernel: the inputs' finished episodes (and the exposure, ``hazard``) into the pending counts."""
        self._fold.launch(self._kernels.record_kernel, self.num_envs, [self._rows])

    def fold(self) -> None:
        """The fold (:class:`WarpFold`): two grid kernels, or one kernel of one block up to its bound."""
        self._fold()

    def sample(self, uniforms: tuple[torch.Tensor, torch.Tensor] | None = None) -> tuple[torch.Tensor, ...]:
        """One kernel: starts for the :attr:`needs_start` envs from :attr:`AdaptiveSampler.sampling_cdf`.

        Args:
            uniforms: optional (bin draws, frame draws), each (num_envs,) float32 in [0, 1): used instead of
                the Warp RNG, so the starts equal the torch path's for the same draws.
        """
        self._draw(self.sampler.sampling_cdf, uniforms)
        return self.start_bins, self.start_motions, self.start_frames

    # ------------------------------------------------------------------ helpers
    def _record_and_draw(self, cdf: torch.Tensor) -> None:
        inputs = [self._rows, self._cdf_array(cdf), 1, self._draws]
        self._fold.launch(self._kernels.record_draw_kernel, self.num_envs, inputs)

    def _draw(self, cdf: torch.Tensor, uniforms: tuple[torch.Tensor, torch.Tensor] | None) -> None:
        if uniforms is not None:
            self._uniforms[0].copy_(uniforms[0])
            self._uniforms[1].copy_(uniforms[1])
        inputs = [self._cdf_array(cdf), int(uniforms is None), self._draws]
        self._fold.launch(self._kernels.draw_kernel, self.num_envs, inputs)

    def _cdf_array(self, cdf: torch.Tensor) -> Any:
        """The Warp view of ``cdf`` (one per CDF tensor, kept with it so that its id stays its own)."""
        cached = self._cdf_arrays.get(id(cdf))
        if cached is None:
            cached = self._cdf_arrays[id(cdf)] = (cdf, self._fold.array(cdf))
        return cached[1]


def _check_supported(sampler: AdaptiveSampler) -> None:
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
    if cfg.sync_distributed and torch.distributed.is_available() and torch.distributed.is_initialized():
        raise SamplerConfigError(
            "warp_step does not all-reduce the pending counts under torch.distributed yet: set "
            "curriculum.adaptive.warp_step to false for multi-GPU training."
        )
