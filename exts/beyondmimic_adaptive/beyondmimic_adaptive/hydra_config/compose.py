"""Compose the plugin's Hydra configuration (package data ``beyondmimic_adaptive/config/``) with overrides.

The YAML ships inside the package, so a pip-installed (non-editable) package has it too. A
user's own Hydra config composes the ``curriculum`` group by adding :data:`CONFIG_SEARCH_PATH`
to its search path::

    hydra:
      searchpath:
        - pkg://beyondmimic_adaptive.config
    defaults:
      - curriculum: adaptive
      - _self_
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from . import store as _store  # noqa: F401 (registers the schema the YAML composes onto)
from .schema import ConfigError, RunNode, describe_error, parse_run

CONFIG_DIR_ENV = "BEYONDMIMIC_ADAPTIVE_CONFIG_DIR"
"""Environment variable that points :func:`compose_config` at another config folder."""
CONFIG_SEARCH_PATH = "pkg://beyondmimic_adaptive.config"
"""Hydra search-path entry of the packaged YAML (``train``, ``demo``, ``curriculum/*``)."""
PACKAGED_CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
"""The packaged YAML folder (``beyondmimic_adaptive/config/``)."""


def default_config_dir() -> Path:
    """``$BEYONDMIMIC_ADAPTIVE_CONFIG_DIR`` if set, else the packaged ``beyondmimic_adaptive/config/``."""
    if os.environ.get(CONFIG_DIR_ENV):
        return Path(os.environ[CONFIG_DIR_ENV])
    return PACKAGED_CONFIG_DIR


def compose_config(
    config_name: str = "train", overrides: Sequence[str] = (), config_dir: str | Path | None = None
) -> DictConfig:
    """Compose ``config_name`` from ``config_dir`` with Hydra overrides such as ``curriculum.adaptive.gamma=0.8``.

    ``config_dir`` defaults to :func:`default_config_dir`; a config of one's own in another folder
    can reach the packaged groups through ``hydra.searchpath: [pkg://beyondmimic_adaptive.config]``.
    """
    directory = Path(config_dir) if config_dir is not None else default_config_dir()
    if not (directory / f"{config_name}.yaml").is_file():
        raise ConfigError(
            f"no config '{config_name}.yaml' in {directory}. Pass config_dir= a folder that has it, or unset "
            f"{CONFIG_DIR_ENV} to use the packaged YAML ({PACKAGED_CONFIG_DIR})."
        )
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(directory.resolve()), version_base="1.3"):
            return compose(config_name=config_name, overrides=[_open_key(o) for o in overrides])
    except (HydraException, ValueError) as err:  # ValueError: a group set to null (curriculum=null)
        reason = _schema_reason(err)
        hint = _missing_entry_hint(f"{err}{reason}", overrides) if isinstance(err, HydraException) else _NULL_GROUP_HINT
        raise ConfigError(
            f"cannot compose '{config_name}' with overrides {list(overrides)}: {err}{reason}{hint}\n"
            f"The keys and their defaults are in {PACKAGED_CONFIG_DIR} (e.g. curriculum/adaptive.yaml)."
        ) from None


def override_key(override: str) -> str:
    """The key a Hydra override sets: ``+curriculum.x.gamma=0.5`` -> ``curriculum.x.gamma``."""
    return override.split("=", 1)[0].lstrip("+~")


def _missing_entry_hint(message: str, overrides: Sequence[str]) -> str:
    """For ``curriculum.<entry>.<key>=...`` of an entry the composed group lacks: which group option to add."""
    match = re.search(r"Key '(\w+)' is not in struct", message)
    if match is None or not any(override_key(o).startswith(f"curriculum.{match.group(1)}.") for o in overrides):
        return ""
    entry = match.group(1)
    return (
        f"\nThe curriculum group of this config has no entry '{entry}': choose it with curriculum={entry} before"
        " setting its keys (the group takes a list too, e.g. curriculum=[adaptive,action_rate_ramp]); '+' would add"
        " a bare key without its schema."
    )


_NULL_GROUP_HINT = (
    "\nA config group takes a name or a list of names, not null: to train without adaptive sampling set "
    "curriculum.adaptive.enabled=false."
)


OPEN_GROUPS = ("env.", "agent.")
"""Override prefixes whose keys are the task's own config attributes, unknown to the schema: Hydra adds or
replaces them (``++``); :func:`beyondmimic_adaptive.runs.cfg_overrides.apply_cfg_overrides` checks them against
the task's configs."""


def _open_key(override: str) -> str:
    """``env.a.b=1`` -> ``++env.a.b=1`` (add or replace); other overrides unchanged."""
    return f"++{override}" if override.startswith(OPEN_GROUPS) else override


def load_run_config(
    overrides: Sequence[str] = (), config_name: str = "train", config_dir: str | Path | None = None
) -> RunNode:
    """The typed, validated run config: ``config_name`` composed with ``overrides``, parsed by :func:`parse_run`.

    Raises :class:`ConfigError` naming the key and the fix. ``RunNode.curriculum`` holds the parsed
    curriculum entries (:class:`AdaptiveCurriculumNode` is the sampler config the term takes).
    """
    return parse_run(compose_config(config_name, overrides, config_dir))


def _schema_reason(err: BaseException) -> str:
    """The schema's complaint behind a Hydra error (unknown key, wrong type), with the key's path."""
    cause = err.__cause__ or err.__context__
    while cause is not None and not isinstance(cause, OmegaConfBaseException):
        cause = cause.__cause__ or cause.__context__
    return f"\n{describe_error(cause)}" if cause is not None else ""
