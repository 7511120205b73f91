"""The plugin's Hydra YAML, shipped as package data: ``pkg://beyondmimic_adaptive.config`` on a Hydra search path.

``train.yaml`` and ``demo.yaml`` are the scripts' configs; ``curriculum/adaptive.yaml`` (and
``uniform.yaml``, ``public.yaml``, ``action_rate_ramp.yaml``) is the ``curriculum`` group a user's own Hydra
config composes (README, "Your own env"). Each YAML composes onto its schema dataclass, which
Hydra finds in its ConfigStore: Hydra imports this package to read the YAML, and this import
registers the schema (:mod:`beyondmimic_adaptive.hydra_config.store`).
"""

from ..hydra_config import store as _store  # noqa: F401 (registers the schema in Hydra's ConfigStore)
