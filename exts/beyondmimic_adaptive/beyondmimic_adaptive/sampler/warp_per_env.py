"""The terms' per-env calls over the Warp-fused step: one replay per env step (``cfg.warp_step: true`` only).

The Isaac Lab terms use it, with ``warp_step: true`` (the default ``null`` takes the torch path there), where the
curriculum term's own record replay cannot draw and fold: ``hazard`` attribution (its exposure is counted after the
command advanced) and commands without masked start requests. Elsewhere on CUDA
the curriculum term binds a :class:`WarpFusedStep` to its own buffers and replays its record, draw and fold itself
(``terms/curriculum.py``; docs/benchmarks.md §2 measured that wiring faster).

Isaac Lab runs an env step's sampler work in three places (``ManagerBasedRLEnv.step``): the curriculum term
records the finished episodes in ``_reset_idx``, the reset event draws the reset envs' starts right after it,
and the fold event runs at the end of the step, every step. :class:`WarpPerEnvSampling` keeps the calls of
:class:`~.per_env.PerEnvSampling` (``record``, ``record_exposure``, ``starts``) and adds :meth:`fold`:

- ``record`` and ``record_exposure`` only write their rows into the fused step's persistent inputs (copies);
- :meth:`fold` is :meth:`WarpFusedStep.step`: record (and the hazard's exposure), fold, and a start drawn
  for **every** env from the new CDF: one CUDA-graph replay of four kernels per env step;
- ``starts`` gathers the reset envs' rows of those draws.

So the starts of step t+1's resets come from the CDF folded at step t, as on the torch path (which draws at
the reset from the last fold). The draws are used once: a second reset before the next fold (an
``env.reset()`` between steps, the first step after the initial reset), a restore, the warm-up's end or a
manual override draws afresh first (one kernel), and a second record before the fold puts the staged rows
in with the torch record. The host keeps these flags: no sync.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from .warp_step import WarpFusedStep

if TYPE_CHECKING:
    from .sampler import AdaptiveSampler

__all__ = ["WarpPerEnvSampling"]


class WarpPerEnvSampling:
    """:class:`~.per_env.PerEnvSampling`'s calls for the Isaac Lab terms, with :meth:`fold` the fused step.

    Args:
        sampler: a sampler built with ``cfg.warp_step`` (or any sampler :class:`WarpFusedStep` accepts).
        num_envs: the envs (rows) of every call.
        seed: seed of the per-env Warp RNG states (default: drawn from torch's CPU generator).
    """

    def __init__(self, sampler: AdaptiveSampler, num_envs: int, *, seed: int | None = None):
        self.sampler = sampler
        self.num_envs = num_envs
        self.fused = WarpFusedStep(sampler, num_envs, seed=seed, draw_every_env=True)
        """The fused step: its persistent inputs hold the staged rows, its outputs the drawn starts."""
        self._row_shape = torch.Size((num_envs,))
        self._staged = False
        """Rows of finished episodes wait in the step's inputs (recorded by the next :meth:`fold`)."""
        self._exposure_staged = False
        self._all_alive = True
        """The step's ``alive`` input is all True (the hazard's exposure counts every env)."""
        self._drawn_from: tuple[torch.Tensor, int] | None = None
        """The CDF and manual generation the unused draws came from; None once a reset used them (or none yet)."""

    def record(
        self, bins: torch.Tensor, failed: torch.Tensor, finished: torch.Tensor, rows: torch.Tensor | None = None
    ) -> None:
        """Stage the rows (all (num_envs,)); the next :meth:`fold` records those marked ``finished``.

        ``rows`` (the reset env ids) is accepted for :class:`~.per_env.PerEnvSampling`'s signature and unused.
        """
        self._check_row("bins", bins, (torch.int32, torch.int64))
        self._check_row("failed", failed, (torch.bool,))
        self._check_row("finished", finished, (torch.bool,))
        fused = self.fused
        if self._staged:  # a second reset before the fold: the staged rows go in with the torch record
            self.sampler.record(fused.bins, fused.failed, mask=fused.finished)
        fused.bins.copy_(bins)
        fused.failed.copy_(failed)
        fused.finished.copy_(finished)
        self._staged = True

    def record_exposure(self, bins: torch.Tensor, alive: torch.Tensor | None = None) -> None:
        """Stage each env's bin of this step (``attribution: hazard``); the next :meth:`fold` counts it.

        One call per fold: the step holds one exposure row per env, so a second call before the fold is refused
        (``PerEnvSampling`` would add both).

        Args:
            bins: (num_envs,) global bin id each env is in during this step (int32/int64).
            alive: optional (num_envs,) bool; False skips an env. None counts every env.
        """
        if self._exposure_staged:
            raise RuntimeError(
                "WarpPerEnvSampling.record_exposure: called twice before a fold, the step holds one exposure row per "
                "env (the second would replace the first); fold() between the two calls."
            )
        self._check_row("bins", bins, (torch.int32, torch.int64))
        fused = self.fused
        fused.current_bins.copy_(bins)
        if alive is not None:
            self._check_row("alive", alive, (torch.bool,))
            fused.alive.copy_(alive)
            self._all_alive = False
        elif not self._all_alive:
            fused.alive.fill_(True)
            self._all_alive = True
        self._exposure_staged = True

    def fold(self) -> None:
        """The env step's one replay: record the staged rows (and exposure), fold, draw a start for every env."""
        fused = self.fused
        if fused._hazard and not self._exposure_staged:  # no exposure staged since the last fold: count none
            fused.alive.fill_(False)
            self._all_alive = False
        fused.step(fold=True)
        self._drawn_from = self._distribution()
        if self._staged:  # the rows are counted: a step without resets (no record call) must count none
            fused.finished.zero_()
            self._staged = False
        self._exposure_staged = False

    def _distribution(self) -> tuple[torch.Tensor, int]:
        """What the starts are drawn from: the sampling CDF tensor and the manual override's generation."""
        return self.sampler.sampling_cdf, self.sampler.manual_generation

    def discard_draws(self) -> None:
        """Draw afresh at the next :meth:`starts` (the statistics changed in place: a restored state)."""
        self._drawn_from = None

    def starts(self, rows: torch.Tensor | slice | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(start bins, motion ids, frames) of the envs in ``rows`` (the reset event's call).

        For ``rows`` None or ``slice(None)`` the outputs are the step's persistent buffers: copy them before
        the next :meth:`fold`.

        Args:
            rows: (n,) int env ids, a slice, or None for all envs.
        """
        fused = self.fused
        drawn, now = self._drawn_from, self._distribution()
        if drawn is None or drawn[0] is not now[0] or drawn[1] != now[1]:  # used, never drawn, or changed since
            fused.sample()
        self._drawn_from = None
        outputs = (fused.start_bins, fused.start_motions, fused.start_frames)
        if rows is None:
            return outputs
        if isinstance(rows, slice):
            return outputs[0][rows], outputs[1][rows], outputs[2][rows]
        if not (isinstance(rows, torch.Tensor) and rows.dim() == 1 and rows.dtype in (torch.int32, torch.int64)):
            found = f"{rows.dtype} tensor of shape {tuple(rows.shape)}" if isinstance(rows, torch.Tensor) else rows
            raise TypeError(f"WarpPerEnvSampling.starts(rows=...) expects 1-D int32/int64 env ids; got {found}.")
        return outputs[0].index_select(0, rows), outputs[1].index_select(0, rows), outputs[2].index_select(0, rows)

    def _check_row(self, name: str, value: torch.Tensor, dtypes: tuple[torch.dtype, ...]) -> None:
        # shape, dtype and device live on the host: no sync
        if not (isinstance(value, torch.Tensor) and value.shape == self._row_shape and value.dtype in dtypes):
            found = f"{value.dtype} tensor of shape {tuple(value.shape)}" if isinstance(value, torch.Tensor) else value
            raise TypeError(
                f"WarpPerEnvSampling: {name} must be a ({self.num_envs},) tensor of {[str(d) for d in dtypes]} "
                f"(one row per env); got {found}."
            )
