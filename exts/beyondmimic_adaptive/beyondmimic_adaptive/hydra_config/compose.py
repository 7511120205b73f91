"""Compose the project's Hydra configuration from ``config/`` (with command-line overrides)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig

from .schema import ConfigError

CONFIG_DIR_ENV = "BEYONDMIMIC_ADAPTIVE_CONFIG_DIR"


def default_config_dir() -> Path:
    """``$BEYONDMIMIC_ADAPTIVE_CONFIG_DIR``, else the repository's ``config/`` (source checkouts)."""
    if CONFIG_DIR_ENV in os.environ:
        return Path(os.environ[CONFIG_DIR_ENV])
    return Path(__file__).resolve().parents[4] / "config"


def compose_config(
    config_name: str = "train", overrides: Sequence[str] = (), config_dir: str | Path | None = None
) -> DictConfig:
    """Compose ``config_name`` from ``config_dir`` with Hydra overrides such as ``curriculum.adaptive.gamma=0.8``."""
    directory = Path(config_dir) if config_dir is not None else default_config_dir()
    if not (directory / f"{config_name}.yaml").is_file():
        raise ConfigError(
            f"no config '{config_name}.yaml' in {directory}. Pass config_dir= or set {CONFIG_DIR_ENV} to the "
            "project's config/ folder."
        )
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(directory.resolve()), version_base="1.3"):
            return compose(config_name=config_name, overrides=list(overrides))
    except HydraException as err:
        raise ConfigError(
            f"cannot compose '{config_name}' with overrides {list(overrides)}: {err}\n"
            f"The keys and their defaults are in {directory} (e.g. curriculum/adaptive.yaml)."
        ) from None
