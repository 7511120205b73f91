"""Isaac Lab adapters over the sampler core: curriculum term, reset event, command contract."""

from .curriculum import AdaptiveCurriculumTermCfg, AdaptiveSamplingCurriculum, resolve_motion_command
from .events import AdaptiveFoldEvent, AdaptiveStartEvent, adaptive_curriculum_terms, find_adaptive_curriculum
from .motion_command import MotionStartCommand, MotionStartCommandTerm, MotionStartCommandTermCfg
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
    "MotionStartCommand",
    "MotionStartCommandTerm",
    "MotionStartCommandTermCfg",
    "adaptive_curriculum_terms",
    "check_adaptive_wiring",
    "disable_adaptive_sampling",
    "enable_adaptive_sampling",
    "find_adaptive_curriculum",
    "fold_event_name",
    "motion_finished",
    "resolve_motion_command",
    "start_event_name",
]
