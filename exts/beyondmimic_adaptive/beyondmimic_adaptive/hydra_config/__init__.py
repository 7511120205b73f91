"""Hydra configuration layer: compose the packaged YAML, validate it, bind it to Isaac Lab term configs.

The YAML is package data (``beyondmimic_adaptive/config/``, Hydra search path
``pkg://beyondmimic_adaptive.config``).

``compose`` and ``schema`` need only Hydra/OmegaConf; :mod:`.isaaclab_binding` imports Isaac Lab.
"""

from .compose import CONFIG_SEARCH_PATH, compose_config, default_config_dir
from .schema import AdaptiveCurriculumNode, ConfigError, RunNode, TermCurriculumNode, parse_curriculum, parse_run

__all__ = [
    "CONFIG_SEARCH_PATH",
    "AdaptiveCurriculumNode",
    "ConfigError",
    "RunNode",
    "TermCurriculumNode",
    "compose_config",
    "default_config_dir",
    "parse_curriculum",
    "parse_run",
]
