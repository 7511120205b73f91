"""Isaac Lab adapters over the sampler core: curriculum term, reset event, command contract."""

from .curriculum import AdaptiveCurriculumTermCfg, AdaptiveSamplingCurriculum, resolve_motion_command
from .events import AdaptiveStartEvent, find_adaptive_curriculum
from .motion_command import MotionStartCommand, MotionStartCommandTerm, MotionStartCommandTermCfg
from .terminations import motion_finished

__all__ = [
    "AdaptiveCurriculumTermCfg",
    "AdaptiveSamplingCurriculum",
    "AdaptiveStartEvent",
    "MotionStartCommand",
    "MotionStartCommandTerm",
    "MotionStartCommandTermCfg",
    "find_adaptive_curriculum",
    "motion_finished",
    "resolve_motion_command",
]
