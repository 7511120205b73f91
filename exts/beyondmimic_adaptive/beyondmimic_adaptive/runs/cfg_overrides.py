"""The run config's ``env.`` and ``agent.`` overrides, written into the task's configs by attribute path.

Isaac Lab's Hydra integration lets ``env.<path>=<value>`` and ``agent.<path>=<value>`` reach any field of a
task's env and agent configs; a run config of this package does the same through its ``env`` and ``agent``
keys (``hydra_config.schema.RunNode``). A path walks attributes of config classes and keys of dicts
(``env.terminations.end_effector_height.params.threshold``). Only existing fields can be set, and a value
must have the type of the one it replaces (an int may replace a float, a list a tuple; null switches a reward,
termination, event or curriculum term off): a misspelt path or a wrong type stops the run before the env is
built, naming the path and what is there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .config import RunError


def flatten(overrides: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``: one entry per leaf (a value that is not a mapping)."""
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def apply_cfg_overrides(cfg: Any, overrides: Mapping[str, Any], root: str) -> None:
    """Set every leaf of the nested ``overrides`` on ``cfg`` (``root``: ``env`` or ``agent``, for messages)."""
    for path, value in flatten(overrides).items():
        parts = path.split(".")
        node = cfg
        for depth, part in enumerate(parts[:-1]):
            node = _child(node, part, f"{root}.{'.'.join(parts[: depth + 1])}")
        _set(node, parts[-1], value, f"{root}.{path}")


def _fields(node: Any) -> list[str]:
    if isinstance(node, Mapping):
        return sorted(str(k) for k in node)
    return sorted(k for k in vars(node) if not k.startswith("_")) if hasattr(node, "__dict__") else []


def _missing(node: Any, key: str, where: str) -> RunError:
    known = _fields(node)
    shown = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
    return RunError(
        f"override {where}: {type(node).__name__} has no {key!r} (it has: {shown or 'no fields'}); "
        "fix the path (the task's env and agent configs are Isaac Lab config classes: see the task's env_cfg.py)."
    )


def _lookup(node: Any, key: str, where: str) -> Any:
    """The value at ``key`` of a dict or a config object (None included); an error naming ``where`` if absent."""
    if isinstance(node, Mapping):
        if key not in node:
            raise _missing(node, key, where)
        return node[key]
    if hasattr(node, "__dict__") and key in vars(node):
        return getattr(node, key)
    raise _missing(node, key, where)


def _child(node: Any, key: str, where: str) -> Any:
    child = _lookup(node, key, where)
    if child is None:
        raise RunError(f"override {where}: the task's config has None there (a term switched off); nothing to set.")
    return child


def _set(node: Any, key: str, value: Any, where: str) -> None:
    new = _converted(_lookup(node, key, where), value, where)
    if isinstance(node, dict):
        node[key] = new
    else:
        setattr(node, key, new)


def _converted(old: Any, value: Any, where: str) -> Any:
    """``value`` in the type of ``old`` (None: any value); an int for a float, a list for a tuple; None for a manager
    term of a reward, termination, event or curriculum manager (``env.events.push_robot=null`` switches it off; the
    managers skip terms set to None). Commands, actions, observation groups and scene entities keep their type."""
    if old is None:
        return value
    if value is None and _is_manager_term(old):
        return None
    if isinstance(old, bool) or isinstance(value, bool):
        if isinstance(old, bool) and isinstance(value, bool):
            return value
    elif isinstance(old, float) and isinstance(value, int | float):
        return float(value)
    elif isinstance(old, tuple) and isinstance(value, list | tuple):
        return tuple(value)
    elif isinstance(value, type(old)):
        return value
    raise RunError(
        f"override {where}={value!r}: the task's value is {old!r} ({type(old).__name__}); give a {type(old).__name__}."
    )


def _is_manager_term(cfg: Any) -> bool:
    from isaaclab.managers import ManagerTermBaseCfg

    return isinstance(cfg, ManagerTermBaseCfg)
