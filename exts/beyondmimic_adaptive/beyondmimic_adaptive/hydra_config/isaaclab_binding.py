"""Bind the parsed curriculum config to Isaac Lab: curriculum and event terms.

The run keys (num_envs, device, ...) reach the env and agent configs in :mod:`beyondmimic_adaptive.runs.task_cfg`.
"""

from __future__ import annotations

from typing import Any

from isaaclab.managers import CurriculumTermCfg
from isaaclab.utils.string import string_to_callable
from omegaconf import DictConfig

from ..terms.public import disable_public_sampling, enable_public_sampling
from ..terms.wiring import CurriculumCfg, check_adaptive_wiring, disable_adaptive_sampling, enable_adaptive_sampling
from .schema import AdaptiveCurriculumNode, ConfigError, CurriculumNode, PublicCurriculumNode, parse_curriculum


def apply_curriculum_config(env_cfg: Any, curriculum: DictConfig | dict[str, CurriculumNode] | None) -> None:
    """Add (or replace) the curriculum entries on ``env_cfg``; task-defined terms stay.

    ``curriculum`` is a composed ``curriculum`` group (parsed here) or :attr:`RunNode.curriculum`
    (parsed already). An enabled adaptive entry becomes an :class:`AdaptiveCurriculumTermCfg` whose
    ``sampler`` is the entry itself (an :class:`AdaptiveSamplerCfg`), plus its reset and fold events;
    a disabled one removes them, so the command starts uniformly. Every enabled adaptive entry is
    checked against ``env_cfg`` (command name, start contract, time-out terms:
    :func:`~beyondmimic_adaptive.terms.wiring.check_adaptive_wiring`) before anything is written.
    A public entry (``curriculum=public``) replaces the task's adaptive sampler with the public
    BeyondMimic one (:func:`~beyondmimic_adaptive.terms.public.enable_public_sampling`); it cannot be
    combined with an enabled adaptive entry (both would draw the starts).
    """
    nodes = parse_curriculum(curriculum)
    public = [name for name, node in nodes.items() if isinstance(node, PublicCurriculumNode)]
    adaptive = [name for name, n in nodes.items() if isinstance(n, AdaptiveCurriculumNode) and n.enabled]
    if public and (adaptive or len(public) > 1):
        raise ConfigError(
            f"curriculum entries {[*adaptive, *public]} would each draw the episode starts: the public sampler "
            "replaces the adaptive one. Use curriculum=public alone (or curriculum=adaptive / uniform)."
        )
    for node in nodes.values():
        if isinstance(node, AdaptiveCurriculumNode) and node.enabled:
            check_adaptive_wiring(env_cfg, node, node.command_name)
    # the disabled entries first: an enabled one is checked against the terms that stay
    for name, node in sorted(nodes.items(), key=lambda item: bool(getattr(item[1], "enabled", True))):
        if isinstance(node, AdaptiveCurriculumNode):
            if node.enabled:
                try:
                    enable_adaptive_sampling(env_cfg, node, command_name=node.command_name, name=name)
                except ValueError as err:
                    raise ConfigError(f"curriculum.{name}: {err}") from None
            else:
                disable_adaptive_sampling(env_cfg, name=name)
            continue
        if isinstance(node, PublicCurriculumNode):
            try:
                if node.enabled:
                    enable_public_sampling(env_cfg, node, command_name=node.command_name, name=name)
                else:
                    disable_public_sampling(env_cfg, name=name)
            except (ValueError, TypeError) as err:
                raise ConfigError(f"curriculum.{name}: {err}") from None
            continue
        try:
            func = string_to_callable(node.func)
        except (ValueError, AttributeError, ImportError) as err:
            raise ConfigError(
                f"curriculum.{name}.func={node.func!r} cannot be imported ({err}); use 'package.module:name'."
            ) from None
        if env_cfg.curriculum is None:
            env_cfg.curriculum = CurriculumCfg()
        setattr(env_cfg.curriculum, name, CurriculumTermCfg(func=func, params=dict(node.params)))
