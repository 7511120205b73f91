"""Reset event: draws each new episode's start from the adaptive sampler."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import torch
from isaaclab.managers import EventTermCfg, ManagerTermBase

from .checks import resolve_motion_command
from .curriculum import AdaptiveSamplingCurriculum
from .env_ids import EnvIds, EnvIdsNormalizer
from .motion_command import MotionStartCommand

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv


class StartSampler(Protocol):
    """What the start event needs from its curriculum term: starts for the reset envs."""

    def sample_starts(self, env_ids: EnvIds) -> tuple[torch.Tensor, torch.Tensor]:
        """(motion ids, time steps) of new episodes of ``env_ids``."""
        ...


class AdaptiveStartEvent(ManagerTermBase):
    """Reset-mode event term: samples starts and requests them from the motion command.

    Reset-mode class events are built during ``sim.reset()``, before the command and curriculum
    managers exist, so the command and the curriculum term are looked up on the first call.

    On the CUDA-graph path the curriculum term's record replay, earlier in the same reset, has drawn the starts
    and requested them from the command (``draws_starts``): the event then only marks them taken.

    Isaac Lab resets the event manager's class terms after the command manager in ``_reset_idx``,
    so :meth:`reset` sees the command's resample of the same reset: at the first reset with
    requests it checks that the command started those envs where it was asked (one host read,
    once), and names the fix if not (a ``_resample_command`` override without ``super()``).
    """

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        self._curriculum: StartSampler | None = None
        self._command: MotionStartCommand | None = None
        self._command_name = ""
        self._normalize = EnvIdsNormalizer(env.num_envs, env.device)
        self._to_verify: tuple[torch.Tensor | slice, torch.Tensor, torch.Tensor] | None = None
        self._verified = False

    def __call__(
        self,
        env: ManagerBasedRLEnv,
        env_ids: EnvIds,
        command_name: str = "motion",
        curriculum_name: str = "adaptive",
    ) -> None:
        if self._curriculum is None or self._command is None:
            self._curriculum = self._find_curriculum(env, curriculum_name)
            self._command = resolve_motion_command(env, command_name)
            self._command_name = command_name
            # the curriculum term's, when it has one: it converted this reset's ids just before
            normalize = getattr(self._curriculum, "normalize_ids", None)
            if isinstance(normalize, EnvIdsNormalizer):
                self._normalize = normalize
        if getattr(self._curriculum, "draws_starts", False):  # the curriculum's record replay drew and requested them
            self._curriculum.starts_taken()  # type: ignore[attr-defined]
            if not self._verified:
                env_ids = self._normalize(env_ids)
                self._to_verify = (env_ids, *self._curriculum.drawn_starts(env_ids))  # type: ignore[attr-defined]
            return
        env_ids = self._normalize(env_ids)
        motion_ids, time_steps = self._curriculum.sample_starts(env_ids)
        self._command.set_start(env_ids, motion_ids, time_steps)
        if not self._verified:
            self._to_verify = (env_ids, motion_ids.clone(), time_steps.clone())

    def _find_curriculum(self, env: ManagerBasedRLEnv, name: str) -> StartSampler:
        """The live curriculum term that draws the starts (a subclass may use another kind of term)."""
        return find_adaptive_curriculum(env, name)

    def reset(self, env_ids: EnvIds = None) -> None:
        """After the command's reset: at the first reset with requests, check they were applied."""
        command = self._command
        if self._to_verify is None or command is None:  # a request is only recorded with its command set
            return
        ids, motion_ids, time_steps = self._to_verify
        self._to_verify = None
        self._verified = True
        latest = getattr(command, "latest_start", None)  # a command may clamp starts (the WBT adapter)
        expected = time_steps if latest is None else time_steps.clamp(max=latest)
        applied = (command.motion_ids[ids] == motion_ids) & (command.time_steps[ids] == expected)
        if not bool(applied.all()):  # one host read, at the first reset only
            raise RuntimeError(
                f"adaptive sampling: command {self._command_name!r} ({type(command).__name__}) did not start the "
                "requested envs where AdaptiveStartEvent asked (set_start): after the reset its motion_ids/"
                "time_steps differ from the request, and the sampler would charge those episodes to bins that "
                "never ran. An override of _resample_command must call super()._resample_command(env_ids) "
                "(MotionStartCommandTerm) and leave motion_ids/time_steps as it set them; a command of your own "
                "must start exactly at the requested motion and frame."
            )


class AdaptiveFoldEvent(ManagerTermBase):
    """Interval event (every env step, global time): folds recorded episodes into the sampler."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        self._curriculum: AdaptiveSamplingCurriculum | None = None

    def __call__(self, env: ManagerBasedRLEnv, env_ids: None, curriculum_name: str = "adaptive") -> None:
        if self._curriculum is None:
            self._curriculum = find_adaptive_curriculum(env, curriculum_name)
        self._curriculum.fold_statistics()


def adaptive_curriculum_terms(env: ManagerBasedRLEnv) -> list[AdaptiveSamplingCurriculum]:
    """Every live :class:`AdaptiveSamplingCurriculum` of the env's curriculum manager."""
    manager = env.curriculum_manager
    terms = [_term_of(manager, name) for name in manager.active_terms]
    return [term for term in terms if isinstance(term, AdaptiveSamplingCurriculum)]


def _term_of(manager, name: str):
    # CurriculumManager has no public getter; class terms are instantiated into their cfg's func
    term_cfg = manager.cfg[name] if isinstance(manager.cfg, dict) else getattr(manager.cfg, name)
    return term_cfg.func


def find_adaptive_curriculum(env: ManagerBasedRLEnv, name: str) -> AdaptiveSamplingCurriculum:
    """The live :class:`AdaptiveSamplingCurriculum` registered as curriculum term ``name``."""
    manager = env.curriculum_manager
    if name not in manager.active_terms:
        raise ValueError(
            f"adaptive start event: no curriculum term named {name!r} (active: {manager.active_terms}). "
            "Enable curriculum.adaptive, or drop the adaptive start event to start uniformly."
        )
    term = _term_of(manager, name)
    if not isinstance(term, AdaptiveSamplingCurriculum):
        raise TypeError(
            f"adaptive start event: curriculum term {name!r} is {type(term).__name__}, "
            "expected AdaptiveSamplingCurriculum."
        )
    return term
