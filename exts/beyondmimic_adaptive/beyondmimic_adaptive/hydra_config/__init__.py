"""Hydra configuration layer: compose ``config/``, validate it, bind it to Isaac Lab term configs.

``compose`` and ``schema`` need only Hydra/OmegaConf; :mod:`.isaaclab_binding` imports Isaac Lab.
"""

from .compose import compose_config, default_config_dir
from .schema import AdaptiveCurriculumNode, ConfigError, RunNode, TermCurriculumNode, parse_curriculum, parse_run

__all__ = [
    "AdaptiveCurriculumNode",
    "ConfigError",
    "RunNode",
    "TermCurriculumNode",
    "compose_config",
    "default_config_dir",
    "parse_curriculum",
    "parse_run",
]
