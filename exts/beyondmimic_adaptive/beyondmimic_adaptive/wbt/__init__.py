"""Drop-in adaptive start sampling for BeyondMimic's public code (HybridRobotics/whole_body_tracking, "WBT").

WBT runs on Isaac Lab 2.1-2.3. :func:`use_adaptive_sampling` switches a WBT env config to
:class:`AdaptiveMotionCommand` (a subclass of WBT's ``MotionCommand`` with this plugin's start
contract), adds the motion's end as a success termination and the adaptive curriculum term with its
start and fold events from the Hydra config. Import it after the app launcher, like any Isaac Lab
term; WBT itself is imported only when the adapter class is first needed.
"""

from .command import adaptive_motion_command_class
from .config import use_adaptive_sampling

__all__ = ["adaptive_motion_command_class", "use_adaptive_sampling"]


def __getattr__(name: str):
    if name == "AdaptiveMotionCommand":
        from . import command

        return command.AdaptiveMotionCommand
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
