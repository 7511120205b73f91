"""One folder per robot; importing it registers the robot's tracking task with gymnasium."""

from . import g1, humanoid  # noqa: F401
