"""Isaac Lab adapters over the sampler core: curriculum term, reset event, command contract."""

from .checks import resolve_motion_command
from .curriculum import AdaptiveCurriculumTermCfg, AdaptiveSamplingCurriculum
from .events import AdaptiveFoldEvent, AdaptiveStartEvent, adaptive_curriculum_terms, find_adaptive_curriculum
from .motion_command import (
    MaskedStartRequests,
    MotionStartCommand,
    MotionStartCommandTerm,
    MotionStartCommandTermCfg,
)
from .public import (
    PublicCurriculumTermCfg,
    PublicFoldEvent,
    PublicSamplingCurriculum,
    PublicStartEvent,
    disable_public_sampling,
    enable_public_sampling,
    find_public_curriculum,
    public_curriculum_terms,
)
from .terminations import motion_finished
from .wiring import (
    check_adaptive_wiring,
    disable_adaptive_sampling,
    enable_adaptive_sampling,
    fold_event_name,
    start_event_name,
)

__all__ = [
    "AdaptiveCurriculumTermCfg",
    "AdaptiveFoldEvent",
    "AdaptiveSamplingCurriculum",
    "AdaptiveStartEvent",
    "MaskedStartRequests",
    "MotionStartCommand",
    "MotionStartCommandTerm",
    "MotionStartCommandTermCfg",
    "PublicCurriculumTermCfg",
    "PublicFoldEvent",
    "PublicSamplingCurriculum",
    "PublicStartEvent",
    "adaptive_curriculum_terms",
    "check_adaptive_wiring",
    "disable_adaptive_sampling",
    "disable_public_sampling",
    "enable_adaptive_sampling",
    "enable_public_sampling",
    "find_adaptive_curriculum",
    "find_public_curriculum",
    "fold_event_name",
    "motion_finished",
    "public_curriculum_terms",
    "resolve_motion_command",
    "start_event_name",
]
