"""The per-env step as a few Warp kernels (``AdaptiveSamplerCfg.warp_step``).

docs/benchmarks.md §1.8 found the graphed torch step host-bound and its graphs replaying 37 kernels
(``start``) or 47 (``hazard``) of about 2 µs each. Here one env step is four Warp kernels (``warp_env_kernels.py``,
``warp_kernels.py``; three with the opt-in one-block fold): the record of the finished envs and the exposure (one
thread per env), the fold (two grid kernels: the folded rates with the kernel masses and their scan per tile of
bins, then the statistics committed with the tiles' offsets; or, opted into, one kernel of one block:
:data:`~.warp_fold.ONE_BLOCK_MAX_BINS`), and the draw for the envs that reset (one thread per env).
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

from .graphed import CudaGraphedStep
from .warp_fold import WarpFold

if TYPE_CHECKING:
    from .sampler import AdaptiveSampler

__all__ = ["WarpFusedStep"]


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
        self._draw_every_env = draw_every_env
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
        self.bind(bins=self.start_bins)

    def bind(
        self,
        *,
        bins: torch.Tensor | None = None,
        failed: torch.Tensor | None = None,
        finished: torch.Tensor | None = None,
        needs_start: torch.Tensor | None = None,
        start_bins: torch.Tensor | None = None,
    ) -> None:
        """Read and write the caller's persistent (num_envs,) tensors instead of the step's own buffers.

        A caller that keeps these rows anyway (the curriculum term: its ended-episode mask, its reset mask, its
        start bins) then moves nothing into the step's inputs or out of its outputs per env step. ``finished``
        (the record's mask) and ``needs_start`` (the draw's) may differ: an env that resets without ending an
        episode (an ``env.reset()`` between steps) draws a start and records nothing. ``bins`` and ``start_bins``
        may be one tensor (:meth:`attribute_to_start_bins`). Call it before the first :meth:`step`, whose CUDA
        graphs read the buffers of their capture; the eager parts (:meth:`record_draw`, :meth:`fold`) read the
        bound tensors from the next launch on.

        Args:
            bins: int64, the bin each finished episode is recorded in.
            failed: bool, where the finished episode ended by a failure.
            finished: bool, the envs whose episode is recorded.
            needs_start: bool, the envs that draw a start (refused with ``draw_every_env``).
            start_bins: int64, where the draws' bins go (their motions and frames stay in the step's buffers).
        """
        if self._steps:
            raise RuntimeError(
                "WarpFusedStep.bind() after the first step(): its CUDA graphs read the old buffers. Bind right after "
                "building the step."
            )
        drawn_bins = self.start_bins if start_bins is None else start_bins
        if self._draw_every_env and bins is not None and bins is drawn_bins:
            raise RuntimeError(
                "WarpFusedStep: the start bins as the record's bins (attribute_to_start_bins) with draw_every_env: "
                "every env draws each step, so the bins of the envs still running would change. Build the step "
                "without draw_every_env."
            )
        if needs_start is not None and self._draw_every_env:
            raise RuntimeError(
                "WarpFusedStep.bind(needs_start=...) with draw_every_env: every env draws each step. Build the step "
                "without draw_every_env to draw only where a mask of yours holds."
            )
        wp, a = self._fold.wp, self._fold.array
        if finished is not None and needs_start is None and self.needs_start is self.finished:
            needs_start = finished  # the draw mask stays the record mask, as built
        # name -> (its value, the struct and field of the Warp view, the dtype)
        targets = {
            "bins": (bins, self._rows, "bins", wp.int64),
            "failed": (failed, self._rows, "failed", wp.bool),
            "finished": (finished, self._rows, "finished", wp.bool),
            "needs_start": (needs_start, self._draws, "needs_start", wp.bool),
            "start_bins": (start_bins, self._draws, "out_bins", wp.int64),
        }
        for name, (tensor, _, _, wp_dtype) in targets.items():
            if tensor is not None:
                self._check_bound(name, tensor, torch.long if wp_dtype is wp.int64 else torch.bool)
        for name, (tensor, struct, field, wp_dtype) in targets.items():
            if tensor is not None:
                setattr(self, name, tensor)
                setattr(struct, field, a(tensor, wp_dtype))

    def _check_bound(self, name: str, tensor: torch.Tensor, dtype: torch.dtype) -> None:
        ok = (
            isinstance(tensor, torch.Tensor)
            and tensor.shape == (self.num_envs,)
            and tensor.dtype == dtype
            and tensor.device == self._device
            and tensor.is_contiguous()
        )
        if not ok:
            found = (
                f"{tensor.dtype} tensor of shape {tuple(tensor.shape)} on {tensor.device}"
                if isinstance(tensor, torch.Tensor)
                else type(tensor).__name__
            )
            raise TypeError(
                f"WarpFusedStep.bind({name}=...) expects a contiguous {str(dtype).removeprefix('torch.')} tensor of "
                f"shape ({self.num_envs},) on {self._device} (one row per env, Warp reads it in place); got {found}."
            )

    # ------------------------------------------------------------------ the parts (eager launches)
    def record(self) -> None:
        """One kernel: the inputs' finished episodes (and the exposure, ``hazard``) into the pending counts."""
        self._fold.launch(self._kernels.record_kernel, self.num_envs, [self._rows])

    def record_draw(self) -> None:
        """One kernel: :meth:`record`, then starts for the :attr:`needs_start` envs from the CDF as it is now (the
        last fold's), as :meth:`step`'s ``draw_first`` does; for a caller that captures it in a graph of its own."""
        self._record_and_draw(self.sampler.sampling_cdf)

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
