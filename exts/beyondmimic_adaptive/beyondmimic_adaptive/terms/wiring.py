"""Add or remove adaptive sampling (curriculum term + its reset event) on an env config."""

from __future__ import annotations

from typing import Any

from isaaclab.managers import EventTermCfg
from isaaclab.utils import configclass

from ..sampler import AdaptiveSamplerCfg
from .checks import check_command_cfg, check_time_outs, config_items, motion_end_funcs
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


def check_adaptive_wiring(env_cfg: Any, sampler: AdaptiveSamplerCfg, command_name: str = "motion") -> None:
    """Check, on the env config alone, what adaptive sampling needs; raise a named error otherwise.

    - ``sampler`` is an :class:`AdaptiveSamplerCfg` with every field in range;
    - ``env_cfg.commands.<command_name>`` exists and its class offers the start contract (a
      :class:`MotionStartCommandTerm` subclass implements ``command``, ``motion_fps``,
      ``motion_num_frames`` and ``_write_start_state``);
    - the motion's end (every termination term whose func is :func:`motion_finished` or one of the
      command class's ``motion_end_funcs``) is a time-out, and the env has a time-out term at all.

    What the config cannot show is checked later: ``motion_fps`` against the env's control rate
    when the curriculum term is built, and that the command applies the requested starts at the
    first reset.
    """
    if not isinstance(sampler, AdaptiveSamplerCfg):
        raise TypeError(f"adaptive sampling: sampler must be an AdaptiveSamplerCfg, got {type(sampler).__name__}.")
    sampler.validate()
    check_command_and_time_outs(env_cfg, command_name)


def check_command_and_time_outs(env_cfg: Any, command_name: str) -> None:
    """The start contract of ``env_cfg.commands.<command_name>``'s class, and the motion's end as a time-out
    (what every sampler that sets start frames needs; :func:`check_adaptive_wiring` says more)."""
    command_class = check_command_cfg(env_cfg, command_name)
    terminations = getattr(env_cfg, "terminations", None)
    if terminations is not None:
        check_time_outs(config_items(terminations).items(), motion_end_funcs(command_class), "env_cfg.terminations")


def enable_adaptive_sampling(
    env_cfg: Any, sampler: AdaptiveSamplerCfg, command_name: str = "motion", name: str = "adaptive"
) -> None:
    """Add the curriculum term ``name``, its reset event and its fold event; other terms of the task stay.

    Checks the config first (:func:`check_adaptive_wiring`) and writes nothing if a check fails. Another adaptive
    term on the same command is refused: both would draw its starts (give this one that term's name to replace it).
    """
    check_adaptive_wiring(env_cfg, sampler, command_name)
    curriculum = getattr(env_cfg, "curriculum", None)
    others = config_items(curriculum) if curriculum is not None else {}
    for other, term in others.items():
        if other != name and isinstance(term, AdaptiveCurriculumTermCfg) and term.command_name == command_name:
            raise ValueError(
                f"adaptive sampling: curriculum term {other!r} already draws the starts of command {command_name!r};"
                f" a second term {name!r} would draw them again. Name this entry {other!r} to replace it, or remove"
                f" that one first (curriculum.{other}.enabled=false; disable_adaptive_sampling(env_cfg, {other!r}))."
            )
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
    """Remove the term and its events: the motion command then starts episodes uniformly.

    Works on any env config: ``curriculum = None`` or ``events = None`` become empty containers
    (Isaac Lab's event manager, built before the simulation plays, cannot take ``None``).
    """
    if env_cfg.curriculum is None:
        env_cfg.curriculum = CurriculumCfg()
    if env_cfg.events is None:
        env_cfg.events = EventCfg()
    setattr(env_cfg.curriculum, name, None)
    setattr(env_cfg.events, start_event_name(name), None)
    setattr(env_cfg.events, fold_event_name(name), None)
