"""The plugin's Hydra YAML, shipped as package data: ``pkg://beyondmimic_adaptive.config`` on a Hydra search path.

``train.yaml`` and ``demo.yaml`` are the scripts' configs; ``curriculum/adaptive.yaml`` (and
``uniform.yaml``, ``action_rate_ramp.yaml``) is the ``curriculum`` group a user's own Hydra
config composes (README, "Your own env").
"""
