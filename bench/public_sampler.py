"""The public BeyondMimic sampler (HybridRobotics/whole_body_tracking, ``MotionCommand._adaptive_sampling`` and
the EMA in ``_update_command``), for the benchmarks.

It lives in the package now, as :class:`beyondmimic_adaptive.sampler.PublicBeyondMimicSampler` (its docstring
lists the behaviour, defects included), so the tracking task can train with it (``curriculum=public``, the
third arm of bench/ablation.py). This module keeps the name ``bench/sampler_cost.py`` imports.
"""

from __future__ import annotations

from beyondmimic_adaptive.sampler.public import PublicBeyondMimicSampler, PublicSamplerCfg

__all__ = ["PublicBeyondMimicSampler", "PublicSamplerCfg"]
