"""Add or remove adaptive sampling (curriculum term + its reset event) on an env config."""

from __future__ import annotations

from typing import Any

from isaaclab.managers import EventTermCfg
from isaaclab.utils import configclass

from ..sampler import AdaptiveSamplerCfg
from .curriculum import AdaptiveCurriculumTermCfg
from .events import AdaptiveFoldEvent, AdaptiveStartEvent


@configclass
class CurriculumCfg:
    """Curriculum terms container for tasks that define none."""


@configclass
class EventCfg:
    """Event terms container for tasks that define none."""


def start_event_name(curriculum_name: str) -> str:
    """Name of the reset event paired with the adaptive curriculum term ``curriculum_name``."""
    return f"{curriculum_name}_start"


def fold_event_name(curriculum_name: str) -> str:
    """Name of the per-step interval event paired with the adaptive curriculum term ``curriculum_name``."""
    return f"{curriculum_name}_fold"


def enable_adaptive_sampling(
    env_cfg: Any, sampler: AdaptiveSamplerCfg, command_name: str = "motion", name: str = "adaptive"
) -> None:
    """Add the curriculum term ``name``, its reset event and its fold event; other terms of the task stay."""
    if env_cfg.curriculum is None:
        env_cfg.curriculum = CurriculumCfg()
    if env_cfg.events is None:
        env_cfg.events = EventCfg()
    setattr(env_cfg.curriculum, name, AdaptiveCurriculumTermCfg(sampler=sampler, command_name=command_name))
    setattr(
        env_cfg.events,
        start_event_name(name),
        EventTermCfg(
            func=AdaptiveStartEvent, mode="reset", params={"command_name": command_name, "curriculum_name": name}
        ),
    )
    # interval (0, 0) with global time: fires on every env step, on every rank at the same step
    setattr(
        env_cfg.events,
        fold_event_name(name),
        EventTermCfg(
            func=AdaptiveFoldEvent,
            mode="interval",
            interval_range_s=(0.0, 0.0),
            is_global_time=True,
            params={"curriculum_name": name},
        ),
    )


def disable_adaptive_sampling(env_cfg: Any, name: str = "adaptive") -> None:
    """Remove the term and its events: the motion command then starts episodes uniformly."""
    if env_cfg.curriculum is not None:
        setattr(env_cfg.curriculum, name, None)
    if env_cfg.events is not None:
        setattr(env_cfg.events, start_event_name(name), None)
        setattr(env_cfg.events, fold_event_name(name), None)
