"""Motion data: the BeyondMimic npz format, validation, a device-side library (no Isaac Lab import)."""

from .clip import MotionClip, MotionFileError, load_motion
from .library import MotionLibrary, ReferenceFrame

__all__ = ["MotionClip", "MotionFileError", "MotionLibrary", "ReferenceFrame", "load_motion"]
