"""The schema in Hydra's ConfigStore, and the check that the packaged YAML shows it without drift.

Each packaged YAML names its schema first in its defaults list (``/schema/train@_here_``,
``/schema/curriculum/adaptive_sampling@adaptive``, ...), so Hydra composes it onto the dataclass:
an unknown key or a value of the wrong type fails at composition, with the key's path. Importing
this module registers the schema; :mod:`beyondmimic_adaptive.config` (the YAML's package, which
Hydra imports for ``pkg://beyondmimic_adaptive.config``) imports it, so a user's own Hydra app
that composes the packaged groups gets the schema too.

The YAML stays the readable face of the schema: :func:`yaml_face_problems` checks that a face
lists every field of its schema, with the schema's default and a comment, and nothing else
(``tests/test_hydra_config.py`` runs it on :data:`YAML_FACES`).
"""

from __future__ import annotations

import re
from dataclasses import MISSING as NO_DEFAULT
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any, cast

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, OmegaConf

from .schema import (
    ADAPTIVE_TYPE,
    PUBLIC_TYPE,
    TERM_TYPE,
    AdaptiveCurriculumNode,
    DemoConfig,
    DemoNode,
    PublicCurriculumNode,
    RunNode,
    TermCurriculumNode,
)

SCHEMA_GROUP = "schema"
"""ConfigStore group of the schema: ``schema/train``, ``schema/demo``, ``schema/curriculum/<type>``."""

YAML_FACES: dict[str, tuple[type, str]] = {
    "train.yaml": (RunNode, ""),
    "demo.yaml": (DemoNode, "demo"),
    "curriculum/adaptive.yaml": (AdaptiveCurriculumNode, "adaptive"),
    "curriculum/public.yaml": (PublicCurriculumNode, "public"),
}
"""Packaged YAML (relative to ``beyondmimic_adaptive/config/``) -> (the schema it shows, the key it is under)."""


def register_schemas() -> None:
    """Store every schema in Hydra's ConfigStore (idempotent: storing again replaces the entry)."""
    store = ConfigStore.instance()
    store.store(group=SCHEMA_GROUP, name="train", node=RunNode)
    store.store(group=SCHEMA_GROUP, name="demo", node=DemoConfig)
    store.store(group=f"{SCHEMA_GROUP}/curriculum", name=ADAPTIVE_TYPE, node=AdaptiveCurriculumNode)
    store.store(group=f"{SCHEMA_GROUP}/curriculum", name=PUBLIC_TYPE, node=PublicCurriculumNode)
    store.store(group=f"{SCHEMA_GROUP}/curriculum", name=TERM_TYPE, node=TermCurriculumNode)


register_schemas()


def yaml_face_problems(path: str | Path, schema: type, key: str = "") -> list[str]:
    """What makes the YAML at ``path`` (its node ``key``, or its root) drift from ``schema``; empty: none.

    Every field of ``schema`` must appear with the schema's default and a comment (on its line or
    the line above), and no other key may appear. Fields a defaults-list group fills (``curriculum``)
    are not expected in the file.
    """
    path = Path(path)
    data = cast(dict, OmegaConf.to_container(OmegaConf.load(path)))
    groups = {name for entry in data.pop("defaults", []) if isinstance(entry, dict) for name in entry}
    node = data
    problems = []
    if key:
        node = data.get(key) or {}
        problems += [f"{path.name}: top-level key '{k}' is not '{key}'" for k in data if k != key]
    names = [f.name for f in fields(schema) if f.name not in groups]
    defaults = _defaults(schema)
    lines = path.read_text().splitlines()
    for name in names:
        if name not in node:
            problems.append(f"{path.name}: {schema.__name__}.{name} is missing (add '{name}: <default>  # <what>')")
            continue
        if name in defaults and node[name] != defaults[name]:
            problems.append(
                f"{path.name}: {name}={node[name]!r} but {schema.__name__}.{name} defaults to {defaults[name]!r}"
            )
        if not _has_comment(lines, name):
            problems.append(f"{path.name}: {name} has no comment (add '# <what it does>' on its line)")
    problems += [
        f"{path.name}: {k} is not a field of {schema.__name__} (remove it or add the field)"
        for k in node
        if k not in names
    ]
    return problems


def _defaults(schema: type) -> dict[str, Any]:
    """Field -> default of a dataclass (fields without one, or ``???``, are left out)."""
    out = {}
    for f in fields(schema):
        if f.default is not NO_DEFAULT and f.default is not MISSING:
            out[f.name] = f.default
        elif f.default_factory is not NO_DEFAULT:
            value = f.default_factory()
            if not is_dataclass(value):
                out[f.name] = value
    return out


def _has_comment(lines: list[str], name: str) -> bool:
    pattern = re.compile(rf"^\s*{re.escape(name)}:")
    for index, line in enumerate(lines):
        if pattern.match(line):
            return re.search(r"\s#", line) is not None or (index > 0 and lines[index - 1].lstrip().startswith("#"))
    return False
