"""Adaptive start-time sampler: per-bin failure rates -> kernel -> uniform floor -> samples.

Plain torch, no Isaac Lab import. ``update`` and ``sample`` are vectorised and never synchronise
the host with the device (no ``.item()``, no data-dependent shapes, no Python branch on a tensor).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.distributed as dist

from .batch_checks import check_episode_batch
from .bins import BinLayout
from .changed_bins import ChangedBins, chunked_addcmul_
from .config import AdaptiveSamplerCfg
from .distribution import cap_probabilities, cdf_parts, draw_bins
from .graphed import CudaGraphedStep
from .hazard import hazard_of
from .manual import ManualOverride
from .metrics import distribution_metrics
from .native_fold import default_fixed_shapes, native_fold
from .rates import FoldTables, fold_every_bin, fold_rows
from .state import STATE_FORMAT, SamplerStateError, check_state

__all__ = ["AdaptiveSampler", "SamplerStateError"]

NEGLIGIBLE_FAILURE_MASS = 1e-12
"""Kernel mass at or below which the rates count as all zero (the distribution is then uniform)."""


class AdaptiveSampler:
    """Draws episode start (motion id, time step) pairs, favouring bins shortly before failures.

    Per bin s (BeyondMimic Sec. III-F):

    - ``r̄_s``: failure rate F_s/N_s of the episodes counted in s, smoothed over updates with an
      exponential moving average (factor ``alpha``); bins never seen contribute 0.
    - ``p_s ∝ Σ_{u<K} γ^u r̄_{s+u}``, the sum stopping at the end of the bin's motion; uniform over
      frames when every rate is 0.
    - ``p'_s = λ w_s + (1-λ) p_s`` with ``w_s = n_s / N`` the bin's share of all N frames: the paper's
      λ/B floor, made exact for a motion's shorter last bin, so λ = 1 (and the warm-up) start uniformly
      over frames. A start bin is drawn from ``p'`` and the frame uniformly in it.
    """

    def __init__(
        self,
        cfg: AdaptiveSamplerCfg,
        motion_num_frames: Sequence[int],
        fps: float,
        device: str | torch.device = "cpu",
        *,
        fixed_shapes: bool | None = None,
    ):
        """``fixed_shapes``: True: every fold covers all bins with fixed shapes (what CUDA graphs capture).
        False: a fold updates only the bins recorded since the last one (``changed_bins.py``: far less
        work on the CPU; same statistics bit for bit, kernel masses summed in double precision, u = 0..K-1).
        None (default): True on CUDA and for small libraries (K × B <= 16384) but with ``attribution: hazard``
        where the CPU's C loops compiled (``native_fold.py``), else False."""
        cfg.validate()
        self.cfg = cfg
        self.layout = BinLayout(motion_num_frames, fps, cfg.bin_size_s, device)
        self.device = self.layout.device
        num_bins = self.layout.num_bins
        self.env_step = 0
        """Env steps so far; the Isaac Lab terms keep it current (it drives the warm-up)."""

        if fixed_shapes is None:
            fixed_shapes = cfg.warp_step or default_fixed_shapes(self.device, cfg.attribution, cfg.K, num_bins)
        self.fixed_shapes = bool(fixed_shapes)
        """Whether the fold covers all bins with fixed shapes (see the constructor)."""
        # statistics (the sampler state); the CPU fold reads each bin's kernel window as a view of the
        # rates padded with K - 1 zeros
        padded_rates = torch.zeros(num_bins + (0 if self.fixed_shapes else cfg.K - 1), device=self.device)
        self.failure_rate = padded_rates[:num_bins]
        """(B,) smoothed failure rate r̄ per bin."""
        # episodes, failures and exposure side by side, so folding the pending counts in is one addition
        self._totals = torch.zeros(num_bins, 3, dtype=torch.float64, device=self.device)
        self.episode_counts = self._totals[:, 0]
        """(B,) episodes counted per bin since the start (totals, for diagnostics)."""
        self.failure_counts = self._totals[:, 1]
        """(B,) failed episodes per bin since the start."""
        self.exposure_counts = self._totals[:, 2]
        """(B,) env steps spent per bin since the start (recorded with ``attribution: hazard``)."""
        self._hazard_counts = torch.zeros(num_bins, 2, device=self.device)
        """(B, 2) moving averages of the per-update failures and exposure (``attribution: hazard``)."""
        self._bin_length = self.layout.bin_length.to(torch.float32)

        # Kernel as a gather: window[u, s] = s + u, weight (1 - λ) γ^u, 0 past the motion's last bin.
        # Laid out (K, B) so the gather is one flat index_select and the sum runs over the leading dim
        # (both several times faster on the CPU than advanced indexing and a sum over dim 1).
        lam = cfg.lambda_uniform
        steps = torch.arange(cfg.K, device=self.device)
        window = steps[:, None] + torch.arange(num_bins, device=self.device)[None, :]
        inside = window < self.layout.bin_motion_end[None, :]
        # the gather table of the fixed-shape fold (the CPU's reads shifted views instead)
        self._kernel_index = torch.where(inside, window, 0).flatten() if self.fixed_shapes else None
        self._window_flat = torch.empty(window.numel(), device=self.device) if self.fixed_shapes else None
        self._window_rates = None if self._window_flat is None else self._window_flat.view(window.shape)
        """(K, B) the gathered window rates of the fixed-shape fold (persistent, both shapes made once)."""
        decay = torch.full_like(window, cfg.gamma, dtype=torch.float32) ** steps[:, None] * (1.0 - lam)
        self._kernel_weight = torch.where(inside, decay, torch.zeros(()))
        self._changed = None if self.fixed_shapes else ChangedBins(self._kernel_weight, padded_rates)
        """On the CPU (no graph to replay, every op pays for every element): the bins recorded since the
        last fold, so the fold updates only those and the kernel masses that read them."""
        # With kernel mass k' = (1 - λ) k and total T' = Σ k', the distribution λ w + (1 - λ) k / T
        # is (k' + m w) / (T' + m) with uniform mass m = λ/(1 - λ) T'. The sampler keeps it as the
        # unnormalised CDF cumsum(k') + m cumsum(w), which needs no division (sampling scales its
        # draw by the CDF's last entry). Without failure mass (T' <= NEGLIGIBLE_FAILURE_MASS, or
        # λ = 1, where k' = 0) m is 1 instead, which makes the CDF (almost exactly) frame-uniform.
        self._uniform_share = lam / (1.0 - lam) if lam < 1.0 else 0.0
        frames = self.layout.bin_length.to(torch.float64)
        self._frame_share = (frames / frames.sum()).to(torch.float32)
        """(B,) w_s = n_s / N: each bin's share of all frames, the uniform start distribution."""
        self._uniform_cdf = (torch.cumsum(frames, 0) / frames.sum()).to(torch.float32)
        """(B,) cumsum(w): the frame-uniform CDF, and the ramp the uniform mass is spread with."""

        self._manual = ManualOverride(num_bins, cfg.bin_size_s, self.device)
        if cfg.manual_probabilities is not None:
            self._manual.set(cfg.manual_probabilities)
        self._pending = torch.zeros(num_bins, 3, device=self.device)
        """(B, 3) episodes, failures and exposure recorded since the last fold (one all-reduce)."""
        # views made once: on the CPU every view made per step is an op (about a microsecond)
        self._pending_episodes = self._pending[:, :2]
        self._pending_exposure = self._pending[:, 2]
        self._episode_rows = torch.tensor([[1.0, 0.0], [1.0, 1.0]], device=self.device)
        """(2, 2) the pending (episodes, failures) of a finished episode that did not / did fail."""
        self._kernel_mass = torch.empty(num_bins, device=self.device)
        """(B,) k' = (1 - λ) Σ_u γ^u r̄_{s+u}."""
        self._uniform_mass = torch.empty(1, device=self.device)
        """(1,) m: the uniform part of the unnormalised distribution."""
        self._adaptive_cdf = torch.empty(num_bins, device=self.device)
        """(B,) cumsum(k') + m cumsum(w), unnormalised: its last entry is the total T' + m.
        With ``max_prob_ratio`` it is cumsum(q) of the capped distribution q instead."""
        self._adaptive_parts = cdf_parts(self._adaptive_cdf)
        tables = FoldTables.of(self._pending, self._bin_length, self._hazard_counts)
        native = native_fold(  # the CPU's C loops over these tensors (None on CUDA, for fixed shapes, no compiler)
            self._changed, self._pending, self._totals, self._hazard_counts, self._bin_length, tables.neg_length,
            padded_rates, self._kernel_weight, self._kernel_mass, self._adaptive_cdf,
        )  # fmt: skip
        self._fold_tables = tables._replace(native=native)
        self._uniform_parts = cdf_parts(self._uniform_cdf)
        self._cap: torch.Tensor | None = None
        """(B,) max_prob_ratio w_s, the per-bin probability cap (None: no cap)."""
        self._capped = torch.zeros(num_bins, device=self.device)
        """(B,) the capped distribution q (used with ``max_prob_ratio``)."""
        if cfg.max_prob_ratio:
            self._cap = self._frame_share * cfg.max_prob_ratio
        self._refresh()
        self._warp_fold: Callable[[], None] | None = None
        """The fold as Warp kernels (``cfg.warp_step`` true: ``warp_fold.py``), or None."""
        self._warp_metrics: Callable[[torch.Tensor | None], dict[str, torch.Tensor]] | None = None
        """:meth:`metrics` as two Warp kernels over the fold's tensors (with :attr:`_warp_fold`), or None."""
        if cfg.warp_step:
            from .warp_fold import WarpFold  # Warp is imported only when asked for
            from .warp_metrics import WarpMetrics

            self._warp_fold = WarpFold(self)
            self._warp_metrics = WarpMetrics(self._warp_fold)
        fold_body = self._fold_pending if self._warp_fold is None else self._warp_fold
        compile_fold = cfg.compile and self._warp_fold is None  # Dynamo cannot trace Warp launches
        self._fold_step = CudaGraphedStep(fold_body, self.device, enabled=cfg.cuda_graph, compile=compile_fold)

    @property
    def seen(self) -> torch.Tensor:
        """(B,) bool, whether a bin has received at least one episode."""
        return self.episode_counts > 0

    @property
    def num_bins(self) -> int:
        """Total number of bins B over all motions."""
        return self.layout.num_bins

    def bin_index(self, motion_ids: torch.Tensor, time_steps: torch.Tensor) -> torch.Tensor:
        """Global bin ids (long) of (motion id, time step) pairs."""
        return self.layout.bin_index(motion_ids, time_steps)

    # ------------------------------------------------------------------ statistics
    def update(self, bins: torch.Tensor, failed: torch.Tensor, mask: torch.Tensor | None = None) -> None:
        """Record finished episodes and fold them into the statistics (:meth:`record` + :meth:`fold`).

        Args:
            bins: (N,) global bin ids of the episodes, each in [0, num_bins) (also where ``mask`` is False: the
                rows are indexed before they are masked, with fixed shapes and no host sync).
            failed: (N,) bool, True where the episode ended by a failure term.
            mask: optional (N,) bool; False drops an episode (e.g. one that never ran).
        """
        check_episode_batch(bins, failed, mask, "update")
        self._record_checked(bins, failed, mask)
        self.fold()

    def record(self, bins: torch.Tensor, failed: torch.Tensor, mask: torch.Tensor | None = None) -> None:
        """Add finished episodes to the pending per-bin counts; the statistics change at :meth:`fold`."""
        check_episode_batch(bins, failed, mask, "record")
        self._record_checked(bins, failed, mask)

    def _record_checked(
        self, bins: torch.Tensor, failed: torch.Tensor, mask: torch.Tensor | None = None, few_rows: bool = False
    ) -> None:
        """:meth:`record` of arguments already checked (``PerEnvSampling`` checks its rows itself).

        ``few_rows``: the rows are few (e.g. only the reset envs'), so the CPU fold may visit the bins of
        the masked-out ones too (a bin without pending counts folds to the values it holds) rather
        than pay for finding the rows the mask keeps."""
        if bins.dtype != torch.long:
            bins = bins.long()
        if mask is None:  # rows (1, 0) or (1, 1): one gather instead of ones, a product and a stack
            counts = self._episode_rows.index_select(0, failed.long())
        else:
            weight = mask.to(torch.float32)
            counts = torch.stack((weight, weight * failed), dim=1)
        self._pending_episodes.index_add_(0, bins, counts)
        if self._changed is not None:
            kept = bins if mask is None or few_rows else bins.index_select(0, mask.nonzero().squeeze(1))
            self._changed.note(kept)

    def record_exposure(self, bins: torch.Tensor, mask: torch.Tensor | None = None) -> None:
        """Add one env step of exposure to the bin of each env (``attribution: hazard``).

        Args:
            bins: (N,) global bin id each env is in during this step.
            mask: optional (N,) bool; False skips an env (e.g. one that is not running).
        """
        check_episode_batch(bins, None, mask, "record_exposure")
        if bins.dtype != torch.long:
            bins = bins.long()
        weight = torch.ones(bins.shape, device=self.device) if mask is None else mask.to(torch.float32)
        self._record_exposure_checked(bins, weight, bins if mask is None else None)

    def _record_exposure_checked(self, bins: torch.Tensor, weight: torch.Tensor, kept: torch.Tensor | None) -> None:
        """:meth:`record_exposure` of checked long ``bins`` with float ``weight`` (1 or 0 per row); ``kept``:
        the bins of the rows of weight 1 if the caller has them (else found here, for the CPU fold)."""
        self._pending_exposure.index_add_(0, bins, weight)
        if self._changed is not None:
            self._changed.note(kept if kept is not None else bins.index_select(0, weight.nonzero().squeeze(1)))

    @property
    def hazard(self) -> torch.Tensor:
        """(B,) per-step hazard h_s = F̄_s / Ē_s of ``attribution: hazard`` (0 where never visited)."""
        return hazard_of(self._hazard_counts)

    def fold(self) -> None:
        """One update: pending counts -> per-bin rates -> moving average -> distribution.

        Under torch.distributed (and ``cfg.sync_distributed``) the pending counts are all-reduced
        first, so every rank folds the same global counts and keeps identical statistics. Every rank
        must then call ``fold`` equally often (the Isaac Lab terms fold on a shared step cadence).
        """
        reduced = self.cfg.sync_distributed and dist.is_available() and dist.is_initialized()
        if reduced:
            dist.all_reduce(self._pending)
        if self._changed is None:
            self._fold_step()
            return
        # CPU: other ranks' counts may sit in any bin after the all-reduce
        rows = self._changed.take(everything=reduced)
        if rows is None:
            self._fold_pending()
        elif rows.numel():  # else nothing was recorded: statistics and distribution stay as they are
            fold_rows(self.cfg, rows, self._fold_tables, self._totals, self.failure_rate)
            self._refresh(rows)

    def _fold_pending(self) -> None:
        """The fixed-shape body of :meth:`fold` (replayed as one CUDA graph on the GPU).

        Thirteen kernels in all: every op here is one launch, so the fold is written with as few as
        the maths allows (the GPU cost per env step is mostly launches, docs/benchmarks.md §1).
        """
        serial = self._changed is not None
        fold_every_bin(self.cfg, self._fold_tables, self._totals, self.failure_rate, self._hazard_counts, serial)
        self._refresh()

    def _refresh(self, changed_rates: torch.Tensor | None = None) -> None:
        """Recompute the unnormalised adaptive CDF from the current rates (on the CPU, only the kernel
        masses that read ``changed_rates`` if given)."""
        if self._changed is not None:
            self._changed.kernel_mass_and_cdf(self._kernel_mass, self._adaptive_cdf, changed_rates)
        else:
            # the fixed-shape fold keeps its gather table and buffers
            assert self._kernel_index is not None and self._window_flat is not None and self._window_rates is not None
            torch.index_select(self.failure_rate, 0, self._kernel_index, out=self._window_flat)
            torch.sum(self._window_rates.mul_(self._kernel_weight), dim=0, out=self._kernel_mass)
            torch.cumsum(self._kernel_mass, 0, out=self._adaptive_cdf)
        total_kernel_mass = self._adaptive_parts[1]
        no_failure_mass = total_kernel_mass <= NEGLIGIBLE_FAILURE_MASS
        torch.add(no_failure_mass, total_kernel_mass, alpha=self._uniform_share, out=self._uniform_mass)
        if self._changed is None:
            self._adaptive_cdf.addcmul_(self._uniform_cdf, self._uniform_mass)
        else:
            chunked_addcmul_(self._adaptive_cdf, self._uniform_cdf, self._uniform_mass)
        if self._cap is not None:
            normalised = (
                torch.addcmul(self._kernel_mass, self._frame_share, self._uniform_mass) / self._adaptive_cdf[-1:]
            )
            cap_probabilities(normalised, self._cap, out=self._capped)
            torch.cumsum(self._capped, 0, out=self._adaptive_cdf)

    # ------------------------------------------------------------------ distribution
    @property
    def in_warmup(self) -> bool:
        """True while ``env_step < cfg.warmup_steps`` (sampling is uniform over frames then)."""
        return self.env_step < self.cfg.warmup_steps

    @property
    def probabilities(self) -> torch.Tensor:
        """(B,) start-bin distribution currently used by :meth:`sample`; sums to 1."""
        if self._manual.active:
            return self._manual.probabilities.clone()
        if self.in_warmup:
            return self._frame_share.clone()
        if self._cap is not None:
            return self._capped.clone()
        # (k' + m w) / (T' + m); the CDF's last entry is T' + m
        return torch.addcmul(self._kernel_mass, self._frame_share, self._uniform_mass) / self._adaptive_cdf[-1]

    def set_manual_probabilities(self, probabilities: Sequence[float] | torch.Tensor | None) -> None:
        """Override the distribution for debugging (normalised here); ``None`` restores adaptive."""
        self._manual.set(probabilities)

    @property
    def manual_generation(self) -> int:
        """Counts the manual overrides set or ended: a draw cached from :attr:`sampling_cdf` is stale once it moves
        (an override rewrites the same CDF tensor in place)."""
        return self._manual.generation

    @property
    def sampling_cdf(self) -> torch.Tensor:
        """(B,) the CDF :meth:`sample_bins` draws from now (manual, warm-up uniform or adaptive).

        Not normalised: its last entry is the total mass, and a draw is scaled by it. The tensor is
        persistent and updated in place by :meth:`fold`; only a change of mode (warm-up ending, a
        manual override or its end) hands out another tensor; every manual override shares one
        (:class:`ManualOverride`).
        """
        if self._manual.active:
            return self._manual.cdf
        return self._uniform_cdf if self.in_warmup else self._adaptive_cdf

    def sample_bins(self, n: int, out: torch.Tensor | None = None) -> torch.Tensor:
        """(n,) start bins drawn from :attr:`probabilities` (inverse CDF: no host sync).

        Args:
            n: number of draws.
            out: optional (n,) long tensor the bins are written to (and returned).
        """
        return draw_bins(*self.sampling_parts(), n, out=out)

    def sampling_parts(self) -> tuple[torch.Tensor, torch.Tensor]:
        """:attr:`sampling_cdf` as (all entries but the last, the last as a (1,) tensor): persistent views."""
        if self._manual.active:
            return self._manual.parts
        return self._uniform_parts if self.in_warmup else self._adaptive_parts

    def sample(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(motion ids, time steps) of n episode starts; time uniform inside the drawn bin."""
        return self.layout.uniform_time_in_bin(self.sample_bins(n))

    def metrics(self) -> dict[str, torch.Tensor]:
        """Summary of the distribution and statistics as 0-d device tensors (for logging; ``metrics.py``)."""
        if self._warp_metrics is None:
            return distribution_metrics(self.probabilities, self.failure_rate, self.seen)
        adaptive = not (self._manual.active or self.in_warmup)  # Warp folds have no cap
        return self._warp_metrics(None if adaptive else self.probabilities)

    def _state_tensors(self) -> dict[str, torch.Tensor]:
        """The statistics' tensors by state key (``seen`` is derived from ``episode_counts``)."""
        return {
            "failure_rate": self.failure_rate,
            "seen": self.seen,
            "episode_counts": self.episode_counts,
            "failure_counts": self.failure_counts,
            "pending": self._pending,
            "exposure_counts": self.exposure_counts,
            "hazard_counts": self._hazard_counts,
        }

    def state_dict(self) -> dict[str, object]:
        """Everything needed to continue with the same statistics (tensors on the CPU)."""
        tensors = {key: tensor.cpu().clone() for key, tensor in self._state_tensors().items()}
        header = {"format": STATE_FORMAT, "layout": self.layout.describe(), "env_step": self.env_step}
        return header | tensors | {"attribution": self.cfg.attribution}

    def load_state_dict(self, state: dict[str, object]) -> None:
        """Restore statistics saved by :meth:`state_dict`.

        The whole state is checked first (format and version, layout, attribution, dtypes and shapes,
        finite values, rates in [0, 1], counts >= 0 with failures <= episodes, the env step); a
        refused state raises :class:`SamplerStateError` naming the key and leaves the sampler
        unchanged. A version-1 state (before exposure) loads for ``start`` and ``failure``.
        """
        like = self._state_tensors()
        checked = check_state(state, self.layout.describe(), like, self.cfg.attribution)
        for key, tensor in like.items():
            if key != "seen":  # derived, not stored
                tensor.copy_(checked[key])
        self.env_step = checked["env_step"]
        if self._changed is not None:
            self._changed.fold_all_next()  # the loaded pending counts may sit in any bin
        self._refresh()
