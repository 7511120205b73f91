"""beyondmimic_adaptive: adaptive start sampling for motion-tracking RL (BeyondMimic Sec. III-F).

The top level exports the plain-torch sampler only, so ``import beyondmimic_adaptive`` never
pulls in Isaac Lab. The Isaac Lab manager terms live in :mod:`beyondmimic_adaptive.terms` and the
Hydra configuration layer in :mod:`beyondmimic_adaptive.hydra_config`.
"""

from .sampler import AdaptiveSampler, AdaptiveSamplerCfg

__all__ = ["AdaptiveSampler", "AdaptiveSamplerCfg"]
__version__ = "0.1.0"
