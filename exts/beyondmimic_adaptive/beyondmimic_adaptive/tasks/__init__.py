"""Tasks built on the plugin. Importing this package registers every task with gymnasium
(Isaac Lab's convention): ``Tracking-Humanoid-v0`` and ``Tracking-G1-v0``."""

from . import tracking  # noqa: F401
