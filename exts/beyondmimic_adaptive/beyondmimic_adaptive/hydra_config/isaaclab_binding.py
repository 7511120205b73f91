"""Turn the validated ``curriculum`` group into Isaac Lab curriculum and event term configs."""

from __future__ import annotations

from typing import Any

from isaaclab.managers import CurriculumTermCfg, EventTermCfg
from isaaclab.utils import configclass
from isaaclab.utils.string import string_to_callable
from omegaconf import DictConfig

from ..terms import AdaptiveCurriculumTermCfg, AdaptiveStartEvent
from .schema import AdaptiveCurriculumNode, ConfigError, parse_curriculum


@configclass
class CurriculumCfg:
    """Curriculum terms added from YAML when the task defines none."""


@configclass
class EventCfg:
    """Event terms added from YAML when the task defines none."""


def start_event_name(curriculum_name: str) -> str:
    """Name of the reset event paired with adaptive curriculum entry ``curriculum_name``."""
    return f"{curriculum_name}_start"


def apply_curriculum_config(env_cfg: Any, curriculum: DictConfig | dict | None) -> None:
    """Add (or replace) the YAML curriculum entries on ``env_cfg``; task-defined terms stay.

    An enabled adaptive entry becomes an :class:`AdaptiveCurriculumTermCfg` plus its reset event
    (:class:`AdaptiveStartEvent`); a disabled one removes both, so the command starts uniformly.
    """
    nodes = parse_curriculum(curriculum)
    if env_cfg.curriculum is None:
        env_cfg.curriculum = CurriculumCfg()
    if env_cfg.events is None:
        env_cfg.events = EventCfg()
    for name, node in nodes.items():
        if isinstance(node, AdaptiveCurriculumNode):
            event_name = start_event_name(name)
            if not node.enabled:
                setattr(env_cfg.curriculum, name, None)
                setattr(env_cfg.events, event_name, None)
                continue
            setattr(
                env_cfg.curriculum,
                name,
                AdaptiveCurriculumTermCfg(sampler=node.sampler_cfg(), command_name=node.command_name),
            )
            setattr(
                env_cfg.events,
                event_name,
                EventTermCfg(
                    func=AdaptiveStartEvent,
                    mode="reset",
                    params={"command_name": node.command_name, "curriculum_name": name},
                ),
            )
        else:
            try:
                func = string_to_callable(node.func)
            except (ValueError, AttributeError, ImportError) as err:
                raise ConfigError(
                    f"curriculum.{name}.func={node.func!r} cannot be imported ({err}); use 'package.module:name'."
                ) from None
            setattr(env_cfg.curriculum, name, CurriculumTermCfg(func=func, params=dict(node.params)))
