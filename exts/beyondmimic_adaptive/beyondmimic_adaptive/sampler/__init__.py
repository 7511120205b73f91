"""Adaptive start sampler core: plain torch, importable without Isaac Lab."""

from .bins import BinLayout, MotionInputError
from .config import AdaptiveSamplerCfg, SamplerConfigError
from .metrics import distribution_metrics
from .sampler import AdaptiveSampler, SamplerStateError

__all__ = [
    "AdaptiveSampler",
    "AdaptiveSamplerCfg",
    "BinLayout",
    "MotionInputError",
    "SamplerConfigError",
    "SamplerStateError",
    "distribution_metrics",
]
