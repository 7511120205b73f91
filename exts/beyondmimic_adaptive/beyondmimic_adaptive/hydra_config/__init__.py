"""Hydra configuration layer: compose ``config/``, validate it, bind it to Isaac Lab term configs.

``compose`` and ``schema`` need only Hydra/OmegaConf; :mod:`.isaaclab_binding` imports Isaac Lab.
"""

from .compose import compose_config, default_config_dir
from .schema import AdaptiveCurriculumNode, ConfigError, TermCurriculumNode, parse_curriculum

__all__ = [
    "AdaptiveCurriculumNode",
    "ConfigError",
    "TermCurriculumNode",
    "compose_config",
    "default_config_dir",
    "parse_curriculum",
]
