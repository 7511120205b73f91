"""Curriculum term: records why each finished episode ended and updates the adaptive sampler."""

from __future__ import annotations

from dataclasses import field, replace
from typing import TYPE_CHECKING, cast

import torch
import torch.distributed as dist
from isaaclab.managers import CurriculumTermCfg, ManagerTermBase
from isaaclab.utils import configclass

from ..sampler import (
    AdaptiveSampler,
    AdaptiveSamplerCfg,
    PerEnvSampling,
    SamplerHistory,
    read_sampler_state,
    save_sampler_state,
    state_digest,
)
from ..sampler.graphed import GuardedGraphedStep
from ..sampler.warp_fold import all_reduces, warp_runs_on
from ..sampler.warp_per_env import WarpPerEnvSampling
from ..sampler.warp_step import WarpFusedStep
from .checks import check_motion_lengths, check_positive_ints, checked_motion_command
from .env_ids import EnvIds, EnvIdsNormalizer
from .episode_ends import EpisodeEnds
from .motion_command import MaskedStartRequests

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv


class AdaptiveSamplingCurriculum(ManagerTermBase):
    """Owns the :class:`AdaptiveSampler` of one motion command and feeds it finished episodes.

    Isaac Lab calls curriculum terms first in ``_reset_idx``, while the termination buffers, the
    episode lengths and the command's time steps of the finished episodes are still intact. An
    episode is counted only when a termination term fired for it: resets without one (``env.reset()``
    mid-episode from an eval loop or a wrapper, a visualizer's reset request, which only sets the
    ``terminated`` buffer) end no episode of the MDP and say nothing about its start. It failed when
    a non-time-out term fired (time-outs and the end of the motion are successes). Episodes that
    never ran a step (the very first reset, a reset right after a step's reset) are not counted.

    Episodes are *recorded* here, at resets, and *folded* into the statistics by the
    :class:`AdaptiveFoldEvent` interval event once per env step. Isaac Lab calls curriculum terms
    only on steps with resets, which differ between ranks; the interval event runs on every step of
    every rank, so under torch.distributed every rank all-reduces and folds in lockstep. With
    the Warp kernels (``warp_step``; the default ``null`` takes them wherever this applies) on one CUDA device
    (``start`` or ``failure`` attribution, a command with masked requests) the record replay folds too, right
    after its draw, and the fold event folds only on steps without a reset: the same statistics, one replay per
    env step.
    """

    cfg: AdaptiveCurriculumTermCfg

    def __init__(self, cfg: AdaptiveCurriculumTermCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        check_positive_ints(cfg, ("metrics_interval_steps", "state_save_interval_steps"))
        self.command = checked_motion_command(env, cfg.command_name)
        self._masked_requests = isinstance(self.command, MaskedStartRequests)
        self._hazard = cfg.sampler.attribution == "hazard"  # only then is exposure recorded (its cost)
        self._by_start = cfg.sampler.attribution == "start"
        graphed = cfg.sampler.cuda_graph and torch.device(env.device).type == "cuda"
        self._one_replay_applies = self._one_replay_wiring(graphed)
        self.sampler = AdaptiveSampler(
            self._resolved_sampler_cfg(env.device),
            self.command.motion_num_frames,
            self.command.motion_fps,
            device=env.device,
        )
        """The sampler, built with ``warp_step`` resolved (``null``: :meth:`_resolved_sampler_cfg`)."""
        self.per_env: PerEnvSampling | WarpPerEnvSampling = (
            WarpPerEnvSampling(self.sampler, env.num_envs)
            if self.sampler.cfg.warp_step and not self._one_replay_applies
            else PerEnvSampling(self.sampler, env.num_envs)
        )
        """Fixed-shape record and sample over all envs (CUDA graphs on the GPU); with ``warp_step`` where the record
        replay cannot draw and fold (``hazard``, a command without masked requests) the Warp-fused step, whose one
        replay per env step (:meth:`fold_statistics`) records, folds and draws."""
        self.ends = EpisodeEnds(env)
        """Which of a reset's episodes ended, and by which terms (persistent masks, the log counts)."""
        self.failure_terms = self.ends.failure_terms
        """Names of the termination terms that count as failures (every non-time-out term)."""
        self.success_terms = self.ends.success_terms
        """Names of the time-out termination terms (an episode they end is a success)."""
        self.start_bins = torch.zeros(env.num_envs, dtype=torch.long, device=env.device)
        """(num_envs,) bin each env's current episode started in (written by :meth:`sample_starts`)."""
        self.history = (
            SamplerHistory(cfg.history_dir, cfg.history_interval_steps) if cfg.history_dir is not None else None
        )
        """Per-bin snapshots for heatmaps (``cfg.history_dir``), written with each state save; call
        :meth:`flush_history` at the end."""
        self.normalize_ids = EnvIdsNormalizer(env.num_envs, env.device)
        """The env ids in normal form; a reset's ids tensor is converted once for this term and its start event."""
        self._finished = torch.zeros(env.num_envs, dtype=torch.bool, device=env.device)
        self._fused: WarpFusedStep | None = None
        """With ``warp_step`` on the graph path: the Warp kernels the record replay runs (record and draw, fold)."""
        self._folded = False
        """The record replay folded since the fold event last ran (it then skips its own fold)."""
        self._record_graph = self._graphed_record()
        """On the CUDA-graph path, :meth:`_record_ended` (termination reads, the record, the log counts) and,
        where the command takes masked requests, the reset envs' new starts (:meth:`_record_and_draw`; with
        ``warp_step`` also the fold, :meth:`_record_draw_fold`) as one graph replay, captured anew if Isaac Lab
        ever moves a buffer it reads (:meth:`_external_buffers`), one capture per sampling CDF (warm-up,
        adaptive)."""
        self._log_calls = 0
        self._next_log_step = 0  # env step (common_step_counter) of the next log
        self._wired = False  # the start and fold events proved present (their checks then stop)
        check_motion_lengths(self.command, cfg.sampler.bin_size_s)
        self._calls = 0
        self._folds = 0
        self._starts_sampled = False
        self._step_offset = 0  # env steps before this process started (restored state)
        self._next_state_save = cfg.state_save_interval_steps

    @property
    def env_step(self) -> int:
        """Env steps of the whole training, across resumes."""
        return self._step_offset + self._env.common_step_counter

    @property
    def sampler_path(self) -> str:
        """The sampler's step as built (``warp_step`` resolved), for the logs."""
        warp = f"warp_step {self.cfg.sampler.warp_step} -> {self.sampler.cfg.warp_step}"
        if self._fused is not None:
            return f"{warp}: Warp kernels, one record replay per env step records, draws and folds"
        if isinstance(self.per_env, WarpPerEnvSampling):
            return f"{warp}: Warp kernels, the fold event replays the step"
        return f"{warp}: torch{', CUDA graphs' if self.per_env.graphed else ''}"

    def save_state(self, path: str | None = None) -> None:
        """Write the sampler state (atomically) to ``path`` or ``cfg.state_path``; rank 0 only."""
        path = path or self.cfg.state_path
        if path is not None and (not dist.is_initialized() or dist.get_rank() == 0):
            save_sampler_state(self.sampler, path)

    def restore_state(self, path: str) -> str:
        """Load a saved sampler state (refusing foreign or mismatched ones).

        Call it before the env's first reset, so that the first starts come from the restored
        statistics. Returns the digest of the sampler as loaded (of its live ``state_dict()``, not
        of the file): equal to the saved state's digest exactly when the restore is bit for bit.
        """
        state = read_sampler_state(path)
        self.sampler.load_state_dict(state)
        self._step_offset = self.sampler.env_step - self._env.common_step_counter
        if isinstance(self.per_env, WarpPerEnvSampling):
            self.per_env.discard_draws()  # drawn from the statistics before the restore
        self._next_state_save = self.env_step + self.cfg.state_save_interval_steps
        return state_digest(self.sampler.state_dict())

    @property
    def draws_starts(self) -> bool:
        """Whether each call (one graph replay) also draws the reset envs' starts and requests them from the command
        (:class:`MaskedStartRequests`): the start event then only confirms (:meth:`starts_taken`)."""
        return self._masked_requests and self._record_graph is not None

    def starts_taken(self) -> None:
        """Where :attr:`draws_starts`: the start event's call, in place of :meth:`sample_starts` (the wiring check)."""
        self._starts_sampled = True

    def drawn_starts(self, env_ids: torch.Tensor | slice) -> tuple[torch.Tensor, torch.Tensor]:
        """Where :attr:`draws_starts`: the (motion ids, time steps) this reset's call requested for ``env_ids``
        (normalised ids; a gather and copies, for the start event's check at its first reset)."""
        if self._fused is not None:
            motions, frames = self._fused.start_motions, self._fused.start_frames
        else:
            _, motions, frames = cast(PerEnvSampling, self.per_env).last_draw  # the draw path is PerEnvSampling's
        return motions[env_ids].clone(), frames[env_ids].clone()

    def sample_starts(self, env_ids: EnvIds) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw starts for ``env_ids`` (any form Isaac Lab takes) and remember their bins (for start attribution)."""
        self.sampler.env_step = self.env_step
        ids = self.normalize_ids(env_ids)
        # the reset envs' rows only (the CPU draws just those; CUDA replays the every-env graph and gathers)
        bins, motion_ids, time_steps = self.per_env.starts(ids)
        if isinstance(ids, slice):
            self.start_bins.copy_(bins)
        else:
            self.start_bins.index_copy_(0, ids, bins)
        self._starts_sampled = True
        return motion_ids, time_steps

    def flush_history(self) -> None:
        """Write buffered history snapshots (call once training ends)."""
        if self.history is not None:
            self.history.flush()

    def __call__(self, env: ManagerBasedRLEnv, env_ids: EnvIds) -> dict[str, torch.Tensor] | None:
        """Record the finished episodes of ``env_ids``; they are folded in by :meth:`fold_statistics`."""
        if not self._wired:
            self._check_wiring(env)
        self._calls += 1
        # every env's row, with the reset ones marked: fixed shapes, so on CUDA the rest is one graph launch
        ids = self.normalize_ids(env_ids)
        if isinstance(ids, slice):
            self._finished.fill_(True)
        else:
            # all False between calls (the record clears it). Not index_put_ of step()'s int32 ids, which spares the
            # conversion: on an H200 it took 75 us of host time against 15 us for both (bench/graph_launch_cost.py)
            self._finished.index_fill_(0, ids, True)
        if self._record_graph is not None:
            self.sampler.env_step = self.env_step  # the draw's CDF (warm-up or adaptive)
            self._record_graph()
            self._folded = self._fused is not None
        else:  # the reset ids spare the CPU a scan of every env for the ended ones
            self._record_ended(rows=None if isinstance(ids, slice) else ids)
        return self._log(env)

    def _record_ended(self, rows: torch.Tensor | None = None, clear: bool = True) -> None:
        """Record the episodes of the ``_finished`` envs that ended (:class:`EpisodeEnds`), count them for the log,
        clear ``_finished`` (unless ``clear`` is off). Fixed shapes and no host sync: on CUDA it runs as one
        captured graph (``rows`` None)."""
        ended, failed = self.ends.mark(self._finished)
        # ``failed`` counts only where ``ended`` (the record's mask) holds, so it needs no ``& ended``
        if self._record_graph is not None:
            self.sampler.record(self._episode_bins(), failed, mask=ended)
        else:
            self.per_env.record(self._episode_bins(), failed, ended, rows=rows)
        if clear:
            self._finished.zero_()

    def _episode_bins(self) -> torch.Tensor:
        """(num_envs,) the bin each env's episode is charged to: its start bin, or where it is now (ended)."""
        if self._by_start:
            return self.start_bins
        return self.sampler.bin_index(self.command.motion_ids, self.command.time_steps)

    def _record_and_draw(self) -> None:
        """The record graph's body: :meth:`_record_ended`, with the reset envs' new starts drawn before the reset
        mask is cleared (after the record, which charges the ended episodes to their old start bins)."""
        finished = self._finished
        self._record_ended(clear=False)
        per_env = cast(PerEnvSampling, self.per_env)  # the record graph exists on PerEnvSampling's graph path only
        bins, motions, frames = per_env.sample_from(*self.sampler.sampling_parts())  # every env: fixed shape
        torch.where(finished, bins, self.start_bins, out=self.start_bins)
        self.command.request_starts_where(finished, motions, frames)  # type: ignore[attr-defined]
        finished.zero_()

    def _record_draw_fold(self) -> None:
        """The record graph's body with ``warp_step``: the ended episodes read in torch, then three Warp kernels
        (record and draw in one, from the last fold's CDF, the draws' bins straight into :attr:`start_bins`; the
        fold), the starts requested from the command: the env step's whole sampler work in one replay."""
        fused = cast(WarpFusedStep, self._fused)
        self.ends.mark(self._finished)  # into the step's bound record mask and failures
        if not self._by_start:
            fused.bins.copy_(self._episode_bins())
        fused.record_draw()
        fused.fold()
        self.command.request_starts_where(self._finished, fused.start_motions, fused.start_frames)  # type: ignore[attr-defined]
        self._finished.zero_()

    def _one_replay_wiring(self, graphed: bool) -> bool:
        """Whether the record replay could also fold, with the Warp kernels (:meth:`_record_draw_fold`): on the
        graph path (``graphed``), for a command with masked requests, without the hazard (whose exposure is counted
        after the command advanced, at the fold event) and without an all-reduce, also under ``torchrun`` before
        rsl-rl's runner joins the ranks (:func:`all_reduces`; every rank folds at the fold event, in lockstep;
        ``warp_step`` refuses it anyway)."""
        return graphed and self._masked_requests and not self._hazard and not all_reduces(self.cfg.sampler)

    def _resolved_sampler_cfg(self, device: str) -> AdaptiveSamplerCfg:
        """The sampler config with ``warp_step: null`` (automatic) made true or false: true where the one replay
        applies (:meth:`_one_replay_wiring`), Warp runs on the device (:func:`warp_runs_on`) and the config asks
        for nothing the Warp kernels do not do (``max_prob_ratio``, ``compile``); an explicit value as given."""
        cfg = self.cfg.sampler
        if cfg.warp_step is not None:
            return cfg
        warp = self._one_replay_applies and not cfg.max_prob_ratio and not cfg.compile and warp_runs_on(device)
        return replace(cfg, warp_step=warp)

    def _one_replay_possible(self) -> bool:
        """Whether the record replay folds too (:meth:`_record_draw_fold`): the sampler runs Warp and the wiring
        allows it (:meth:`_one_replay_wiring`)."""
        return bool(self.sampler.cfg.warp_step) and self._one_replay_applies

    def _warp_reset_step(self) -> WarpFusedStep:
        """The Warp step of :meth:`_record_draw_fold`, reading and writing this term's buffers in place."""
        fused = WarpFusedStep(self.sampler, self._env.num_envs)
        ended, failed = self.ends.ended, self.ends.failed
        fused.bind(finished=ended, failed=failed, needs_start=self._finished, start_bins=self.start_bins)
        if self._by_start:
            fused.attribute_to_start_bins()
        return fused

    def _graphed_record(self) -> GuardedGraphedStep | None:
        """:meth:`_record_ended` (with the draw, :meth:`_record_and_draw`, where the command takes masked requests;
        with ``warp_step`` also the fold, :meth:`_record_draw_fold`) as one graph replay where the sampler replays
        graphs; None elsewhere.

        With ``failure`` or ``hazard`` attribution the graph also reads the command's ``motion_ids`` and
        ``time_steps`` (the bin an episode ended in): :meth:`_external_buffers` watches them too, so a command
        that replaces them by new tensors (instead of writing in place, as :class:`MotionStartCommandTerm` and the
        WBT adapter do) gets a new capture, and after ``max_recaptures`` the eager record."""
        if not (isinstance(self.per_env, PerEnvSampling) and self.per_env.graphed):
            return None
        if self._one_replay_possible():
            self._fused = self._warp_reset_step()
            step = self._record_draw_fold
        else:
            step = self._record_and_draw if self._masked_requests else self._record_ended
        variant = self._sampling_cdf if self._masked_requests else None  # the draw reads the CDF of the sampler's mode
        device = self.sampler.device
        compile = self.sampler.cfg.compile and self._fused is None  # the body fused before its capture (not Warp's)
        return GuardedGraphedStep(step, self._external_buffers, device, variant=variant, compile=compile)

    def _sampling_cdf(self) -> torch.Tensor:
        return self.sampler.sampling_cdf

    def _external_buffers(self) -> tuple[int, ...]:
        """Data pointers of the tensors :meth:`_record_ended` reads but the env owns (a graph reads them in place)."""
        ended_in = () if self._by_start else (self.command.motion_ids.data_ptr(), self.command.time_steps.data_ptr())
        return (*self.ends.buffers(), *ended_in)

    def _log(self, env: ManagerBasedRLEnv) -> dict[str, torch.Tensor] | None:
        """The log values, once every ``cfg.metrics_interval_steps`` env steps; None (nothing logged) in between.

        Isaac Lab's curriculum manager clones every tensor a term returns at every reset (2.x reads each
        with ``.item()``, a host sync), and rsl-rl concatenates each key's values over the iteration: a
        dict every step costs about two launches per key and step. So the per-term failure and episode
        counts are summed on the device (:meth:`_record_ended`) and logged as their mean per call over the
        interval, with the distribution metrics of the statistics folded so far (computed now, so a log is never
        an interval behind, nor shows the empty sampler a restore replaced): the same means rsl-rl would have
        taken.
        """
        self._log_calls += 1
        if env.common_step_counter < self._next_log_step:
            return None
        self._next_log_step = env.common_step_counter + self.cfg.metrics_interval_steps
        log = {**self.sampler.metrics(), **self.ends.log_means(self._log_calls)}
        self._log_calls = 0
        return log

    def _check_wiring(self, env: ManagerBasedRLEnv) -> None:
        """Name a missing start or fold event; once both have run, the checks stop for good."""
        # the first call is the initial reset, which runs before any reset or interval event
        if self._calls > 0 and not self._starts_sampled:
            raise RuntimeError(
                "adaptive sampling: episodes started without the AdaptiveStartEvent, so their start bins are "
                "unknown. Add the reset event (enable_adaptive_sampling() and the Hydra config do this)."
            )
        if env.common_step_counter >= 2 and self._folds == 0:
            raise RuntimeError(
                "adaptive sampling: the statistics were never folded: the AdaptiveFoldEvent interval event is "
                "missing. Add it (enable_adaptive_sampling() and the Hydra config do this)."
            )
        self._wired = self._starts_sampled and self._folds > 0

    def fold_statistics(self) -> None:
        """Fold the recorded episodes into the sampler (every env step, on every rank alike).

        With ``attribution: hazard`` it first records one env step of exposure in the bin every env
        tracks during the next step (the command has advanced: the envs reset this step stand at their start + 1).
        """
        self.sampler.env_step = self.env_step
        if self._hazard:
            self.per_env.record_exposure(self.sampler.bin_index(self.command.motion_ids, self.command.time_steps))
        if self._folded:  # the record replay folded (warp_step): nothing was recorded since
            self._folded = False
        elif isinstance(self.per_env, WarpPerEnvSampling):  # the env step's one replay: record, exposure, fold, draws
            self.per_env.fold()
        else:
            self.sampler.fold()
        self._folds += 1
        if self.history is not None:
            self.history.maybe_record(self.sampler)
        if self.cfg.state_path is not None and self.env_step >= self._next_state_save:
            self._next_state_save = self.env_step + self.cfg.state_save_interval_steps
            self.save_state()
            self.flush_history()  # a killed run keeps the snapshots up to the state it resumes from


@configclass
class AdaptiveCurriculumTermCfg(CurriculumTermCfg):
    """Curriculum term config: the sampler hyperparameters and the motion command to follow."""

    func: type[AdaptiveSamplingCurriculum] = AdaptiveSamplingCurriculum
    sampler: AdaptiveSamplerCfg = field(default_factory=AdaptiveSamplerCfg)
    """Hyperparameters of the adaptive sampler."""
    command_name: str = "motion"
    """Name of the motion command term (it must implement :class:`MotionStartCommand`)."""
    history_dir: str | None = None
    """Where to record per-bin probability/failure-rate snapshots (None: no history). The buffered snapshots
    are written with every state save (``state_path``), so a killed run keeps those up to its last save."""
    history_interval_steps: int = 240
    """Env steps between two history snapshots."""
    metrics_interval_steps: int = 24
    """Env steps between two logs of the term's values (one PPO iteration): the distribution metrics, computed at
    the log, and the failure and episode counts, their mean per reset over the interval."""
    state_path: str | None = None
    """Where to keep the sampler state for resuming (None: not saved). Written atomically."""
    state_save_interval_steps: int = 1200
    """Env steps between two state saves (scripts/train.py aligns it with the checkpoints)."""
