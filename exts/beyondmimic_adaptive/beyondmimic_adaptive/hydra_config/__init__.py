"""Hydra configuration layer: the schema (dataclasses in Hydra's ConfigStore), composing the packaged YAML
onto it, and binding the parsed config to Isaac Lab env and agent configs.

The YAML is package data (``beyondmimic_adaptive/config/``, Hydra search path
``pkg://beyondmimic_adaptive.config``). ``compose``, ``schema`` and ``store`` need only
Hydra/OmegaConf; :mod:`.isaaclab_binding` imports Isaac Lab.
"""

from .compose import CONFIG_SEARCH_PATH, compose_config, default_config_dir, load_run_config, override_key
from .schema import (
    AdaptiveCurriculumNode,
    ConfigError,
    DemoConfig,
    DemoNode,
    PublicCurriculumNode,
    RunNode,
    TermCurriculumNode,
    parse_curriculum,
    parse_demo,
    parse_run,
)
from .store import YAML_FACES, register_schemas, yaml_face_problems

__all__ = [
    "CONFIG_SEARCH_PATH",
    "YAML_FACES",
    "AdaptiveCurriculumNode",
    "ConfigError",
    "DemoConfig",
    "DemoNode",
    "PublicCurriculumNode",
    "RunNode",
    "TermCurriculumNode",
    "compose_config",
    "default_config_dir",
    "load_run_config",
    "override_key",
    "parse_curriculum",
    "parse_demo",
    "parse_run",
    "register_schemas",
    "yaml_face_problems",
]
