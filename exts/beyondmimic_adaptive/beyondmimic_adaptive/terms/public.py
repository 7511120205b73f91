"""The public BeyondMimic sampler as Isaac Lab terms (``curriculum=public``): the third arm of the Table II study.

HybridRobotics/whole_body_tracking does all of it inside its ``MotionCommand``: ``_resample_command`` ->
``_adaptive_sampling`` counts the failed envs (``termination_manager.terminated``) in the bin of the frame
where they failed and draws the new starts; ``_update_command`` folds the EMA every step. Here the same
maths (:class:`~beyondmimic_adaptive.sampler.PublicBeyondMimicSampler`) sits in the slots the adaptive
sampler uses, so every tracking command of this package can run it: the curriculum term counts the
failures at reset (Isaac Lab calls it first, while the command's time steps still hold the failure
frames), the reset event (:class:`PublicStartEvent`) draws the starts, and an every-step interval event
(:class:`PublicFoldEvent`) folds the EMA, after the resets of the step, as in the public command.
Host syncs happen at every reset (the public code's ``if torch.any``, mask indexing, ``bincount``).
"""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING, Any

import torch
import torch.distributed as dist
from isaaclab.managers import CurriculumTermCfg, EventTermCfg, ManagerTermBase
from isaaclab.utils import configclass

from ..sampler import (
    PublicBeyondMimicSampler,
    PublicSamplerCfg,
    SamplerHistory,
    read_sampler_state,
    save_sampler_state,
    state_digest,
)
from .checks import checked_motion_command, config_items
from .curriculum import AdaptiveCurriculumTermCfg
from .env_ids import EnvIds, normalize_env_ids
from .events import AdaptiveStartEvent, StartSampler
from .wiring import (
    CurriculumCfg,
    EventCfg,
    check_command_and_time_outs,
    disable_adaptive_sampling,
    fold_event_name,
    start_event_name,
)

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv


class PublicSamplingCurriculum(ManagerTermBase):
    """Owns the :class:`PublicBeyondMimicSampler` of one motion command; counts failures at resets."""

    cfg: PublicCurriculumTermCfg

    def __init__(self, cfg: PublicCurriculumTermCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        if not (isinstance(cfg.state_save_interval_steps, int) and cfg.state_save_interval_steps >= 1):
            raise ValueError(
                f"PublicCurriculumTermCfg.state_save_interval_steps={cfg.state_save_interval_steps!r} is invalid: "
                "expected an int >= 1 (env steps)."
            )
        self.command = checked_motion_command(env, cfg.command_name)
        self.sampler = PublicBeyondMimicSampler.for_motions(
            cfg.sampler, self.command.motion_num_frames, self.command.motion_fps, env.device, env.num_envs
        )
        self.history = (
            SamplerHistory(cfg.history_dir, cfg.history_interval_steps, statistic="failed_count")
            if cfg.history_dir is not None
            else None
        )
        """Per-bin snapshots (the start distribution and ``failed_count``) for heatmaps; flushed at the end."""
        self._step_offset = 0  # env steps before this process started (restored state)
        self._next_state_save = cfg.state_save_interval_steps
        self._metrics = self.sampler.sampling_metrics()

    @property
    def env_step(self) -> int:
        """Env steps of the whole training, across resumes."""
        return self._step_offset + self._env.common_step_counter

    def __call__(self, env: ManagerBasedRLEnv, env_ids: EnvIds) -> dict[str, torch.Tensor]:
        """At reset: count the failed episodes of ``env_ids`` in the bin of the frame where they failed."""
        ids = normalize_env_ids(env_ids, env.num_envs, env.device)
        failed = env.termination_manager.terminated[ids]  # as the public code: every non-time-out term
        frames = self.sampler.timeline_frames(self.command.motion_ids, self.command.time_steps)[ids]
        self.sampler.record_failures(frames, failed)
        return dict(self._metrics)

    def sample_starts(self, env_ids: EnvIds) -> tuple[torch.Tensor, torch.Tensor]:
        """(motion ids, time steps) for ``env_ids``, drawn from the current distribution (multinomial)."""
        ids = normalize_env_ids(env_ids, self._env.num_envs, self._env.device)
        count = self._env.num_envs if isinstance(ids, slice) else ids.numel()  # a shape: no sync
        if count == 0:
            empty = torch.zeros(0, dtype=torch.long, device=self._env.device)
            return empty, empty.clone()
        p = self.sampler.probabilities()
        self._metrics = self.sampler.sampling_metrics(p)  # the public command computes them at every draw
        return self.sampler.split_frames(self.sampler.sample(count))

    def fold_statistics(self) -> None:
        """Every env step: the EMA of the failure counts (the public ``_update_command``)."""
        self.sampler.step()
        self.sampler.env_step = self.env_step
        if self.history is not None and self.history.due(self.env_step):  # host copies once per interval
            self.history.record(self.env_step, self.sampler.probabilities(), self.sampler.failed_count)
        if self.cfg.state_path is not None and self.env_step >= self._next_state_save:
            self._next_state_save = self.env_step + self.cfg.state_save_interval_steps
            self.save_state()
            self.flush_history()  # a killed run keeps the snapshots up to the state it resumes from

    def save_state(self, path: str | None = None) -> None:
        """Write the failure counts (atomically) to ``path`` or ``cfg.state_path``; rank 0 only."""
        path = path or self.cfg.state_path
        if path is not None and (not dist.is_initialized() or dist.get_rank() == 0):
            self.sampler.env_step = self.env_step
            save_sampler_state(self.sampler, path)

    def restore_state(self, path: str) -> str:
        """Load saved failure counts (a state of another curriculum is refused, nothing changed); its digest."""
        self.sampler.load_state_dict(read_sampler_state(path))
        self._step_offset = self.sampler.env_step - self._env.common_step_counter
        self._next_state_save = self.env_step + self.cfg.state_save_interval_steps
        self._metrics = self.sampler.sampling_metrics()  # the next log shows the restored statistics
        return state_digest(self.sampler.state_dict())

    def flush_history(self) -> None:
        """Write buffered history snapshots (call once training ends)."""
        if self.history is not None:
            self.history.flush()


@configclass
class PublicCurriculumTermCfg(CurriculumTermCfg):
    """Curriculum term config of the public sampler: its parameters and the motion command to follow."""

    func: type[PublicSamplingCurriculum] = PublicSamplingCurriculum
    sampler: PublicSamplerCfg = field(default_factory=PublicSamplerCfg)
    """Parameters of the public sampler."""
    command_name: str = "motion"
    """Name of the motion command term (it must implement :class:`MotionStartCommand`)."""
    history_dir: str | None = None
    """Where to record per-bin snapshots of the start distribution and ``failed_count`` (the EMA failure count
    per env step, not a rate) for heatmaps (None: no history). Written with every state save (``state_path``)."""
    history_interval_steps: int = 240
    """Env steps between two history snapshots."""
    state_path: str | None = None
    """Where to keep the failure counts for resuming (None: not saved). Written atomically."""
    state_save_interval_steps: int = 1200
    """Env steps between two state saves (training aligns it with the checkpoints)."""


class PublicStartEvent(AdaptiveStartEvent):
    """Reset event: starts drawn by the public curriculum term (the adaptive event's check that they applied)."""

    def _find_curriculum(self, env: ManagerBasedRLEnv, name: str) -> StartSampler:
        return find_public_curriculum(env, name)


class PublicFoldEvent(ManagerTermBase):
    """Interval event (every env step, global time): the public sampler's EMA fold."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        self._curriculum: PublicSamplingCurriculum | None = None

    def __call__(self, env: ManagerBasedRLEnv, env_ids: None, curriculum_name: str = "public") -> None:
        if self._curriculum is None:
            self._curriculum = find_public_curriculum(env, curriculum_name)
        self._curriculum.fold_statistics()


def _term_of(env: ManagerBasedRLEnv, name: str) -> Any:
    manager = env.curriculum_manager
    term_cfg = manager.cfg[name] if isinstance(manager.cfg, dict) else getattr(manager.cfg, name)
    return term_cfg.func  # class terms are instantiated into their cfg's func


def find_public_curriculum(env: ManagerBasedRLEnv, name: str) -> PublicSamplingCurriculum:
    """The live :class:`PublicSamplingCurriculum` registered as curriculum term ``name``."""
    if name not in env.curriculum_manager.active_terms:
        raise ValueError(
            f"public start event: no curriculum term named {name!r} (active: {env.curriculum_manager.active_terms})."
            " Use curriculum=public, or drop the public events."
        )
    term = _term_of(env, name)
    if not isinstance(term, PublicSamplingCurriculum):
        raise TypeError(f"curriculum term {name!r} is {type(term).__name__}, expected PublicSamplingCurriculum.")
    return term


def public_curriculum_terms(env: ManagerBasedRLEnv) -> list[PublicSamplingCurriculum]:
    """Every live :class:`PublicSamplingCurriculum` of the env's curriculum manager."""
    terms = [_term_of(env, name) for name in env.curriculum_manager.active_terms]
    return [term for term in terms if isinstance(term, PublicSamplingCurriculum)]


def enable_public_sampling(
    env_cfg: Any, sampler: PublicSamplerCfg, command_name: str = "motion", name: str = "public"
) -> None:
    """Add the public curriculum term ``name`` and its reset and fold events; remove every adaptive term.

    Two samplers would both draw the starts, so the task's adaptive sampler goes. Checks first (the
    parameters' ranges, the command's start contract, time-out terms) and writes nothing if a check fails.
    """
    if not isinstance(sampler, PublicSamplerCfg):
        raise TypeError(f"public sampling: sampler must be a PublicSamplerCfg, got {type(sampler).__name__}.")
    sampler.validate()
    check_command_and_time_outs(env_cfg, command_name)
    disable_public_sampling(env_cfg, name)
    term = PublicCurriculumTermCfg(sampler=sampler, command_name=command_name)
    setattr(env_cfg.curriculum, name, term)
    params = {"command_name": command_name, "curriculum_name": name}
    setattr(env_cfg.events, start_event_name(name), EventTermCfg(func=PublicStartEvent, mode="reset", params=params))
    fold = EventTermCfg(
        func=PublicFoldEvent,
        mode="interval",
        interval_range_s=(0.0, 0.0),  # every env step
        is_global_time=True,
        params={"curriculum_name": name},
    )
    setattr(env_cfg.events, fold_event_name(name), fold)


def disable_public_sampling(env_cfg: Any, name: str = "public") -> None:
    """Remove the public term ``name`` and its events, and every adaptive term: the command starts uniformly."""
    if env_cfg.curriculum is None:
        env_cfg.curriculum = CurriculumCfg()
    if env_cfg.events is None:
        env_cfg.events = EventCfg()
    for entry, term in list(config_items(env_cfg.curriculum).items()):
        if isinstance(term, AdaptiveCurriculumTermCfg):
            disable_adaptive_sampling(env_cfg, entry)
    setattr(env_cfg.curriculum, name, None)
    setattr(env_cfg.events, start_event_name(name), None)
    setattr(env_cfg.events, fold_event_name(name), None)
