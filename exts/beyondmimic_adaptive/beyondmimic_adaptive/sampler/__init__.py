"""Adaptive start sampler core: plain torch, importable without Isaac Lab."""

from .bins import BinLayout, MotionInputError
from .config import AdaptiveSamplerCfg, SamplerConfigError
from .history import SamplerHistory, load_history
from .metrics import distribution_metrics
from .per_env import PerEnvSampling
from .persistence import read_sampler_state, save_sampler_state, state_digest
from .public import PUBLIC_STATE_FORMAT, PublicBeyondMimicSampler, PublicSamplerCfg, public_bin_count
from .sampler import AdaptiveSampler, SamplerStateError

__all__ = [
    "PUBLIC_STATE_FORMAT",
    "AdaptiveSampler",
    "AdaptiveSamplerCfg",
    "BinLayout",
    "MotionInputError",
    "PerEnvSampling",
    "PublicBeyondMimicSampler",
    "PublicSamplerCfg",
    "SamplerConfigError",
    "SamplerHistory",
    "SamplerStateError",
    "distribution_metrics",
    "load_history",
    "public_bin_count",
    "read_sampler_state",
    "save_sampler_state",
    "state_digest",
]
