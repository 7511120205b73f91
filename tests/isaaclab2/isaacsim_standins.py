"""Stand-ins for Isaac Sim's modules, so that Isaac Lab 2.x's own code imports on a plain CPU Python.

Loaded as a pytest plugin (``-p isaacsim_standins``) by ``scripts/test_isaaclab2.sh``, before any
test imports Isaac Lab: the same moment at which Isaac Lab 2.x scripts launch the app
(``AppLauncher``) before importing ``isaaclab.managers``.

Isaac Lab 2.x imports Isaac Sim's modules (``omni.*``, ``carb``, ``isaacsim.*``, ``pxr``) at module
level, plus a few heavy libraries whose functions only its simulation code calls (warp, scipy,
h5py, matplotlib). Each listed module becomes a stand-in whose attributes are inert classes, enough
for ``import`` and ``from ... import`` statements, module-level decorators and annotations.

Once Isaac Lab is imported the stand-ins turn strict: calling or instantiating one raises, so a test
can only pass through Isaac Lab's real manager and env-reset code, never through a stand-in. The one
stand-in with behaviour is ``omni.timeline``: managers built while the simulation is not playing
subscribe to its PLAY event, and :func:`play` fires it, as Isaac Sim does on ``sim.reset()``.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable

ISAAC_SIM_MODULES = (
    "carb.input",
    "isaacsim.core.api.simulation_context",
    "isaacsim.core.cloner",
    "isaacsim.core.prims",
    "isaacsim.core.simulation_manager",
    "isaacsim.core.utils.extensions",
    "isaacsim.core.utils.viewports",
    "omni.client",
    "omni.kit.app",
    "omni.kit.commands",
    "omni.physics.tensors.impl.api",
    "omni.physx.scripts.utils",
    "omni.usd.commands",
    "pxr",
)
"""Isaac Sim's modules (and USD's ``pxr``, which ships with it) that ``isaaclab.envs`` imports."""

IMPORT_ONLY_MODULES = (
    "h5py",
    "hid",
    "isaaclab_contrib.sensors.tacsl_sensor",
    "matplotlib",
    "scipy.interpolate",
    "scipy.spatial.transform",
    "warp",
)
"""Dependencies of Isaac Lab 2.x that only its simulation, sensor and dataset code calls."""

_strict = False


class _StandInMeta(type):
    """Class-level attribute access (``Usd.Prim``, ``wp.array``) yields further stand-in classes."""

    def __getattr__(cls, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _StandInMeta(name, (_StandIn,), {"_qualname": f"{cls._qualname}.{name}"})

    def __call__(cls, *args, **kwargs):
        _refuse_when_strict(cls._qualname)
        return super().__call__(*args, **kwargs)

    def __getitem__(cls, item):
        return cls

    def __or__(cls, other):
        return cls

    __ror__ = __or__


class _StandIn(metaclass=_StandInMeta):
    _qualname = "stand-in"

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        _refuse_when_strict(self._qualname)
        return type(self)()

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _StandInMeta(name, (_StandIn,), {"_qualname": f"{self._qualname}.{name}"})()


def _refuse_when_strict(what: str) -> None:
    if _strict:
        raise RuntimeError(
            f"Isaac Sim stand-in {what} was called at run time: the code under test left Isaac Lab's manager "
            "and env-reset paths (tests/isaaclab2/isaacsim_standins.py lists what is stood in)."
        )


class StandInModule(types.ModuleType):
    """A module whose every missing attribute is an inert stand-in class."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        value = _StandInMeta(name, (_StandIn,), {"_qualname": f"{self.__name__}.{name}"})
        setattr(self, name, value)
        return value


class _Subscription:
    def __init__(self, callbacks: list, entry: tuple):
        self._callbacks, self._entry = callbacks, entry

    def unsubscribe(self) -> None:
        if self._entry in self._callbacks:
            self._callbacks.remove(self._entry)


class _TimelineEventStream:
    def __init__(self):
        self.callbacks: list[tuple[int, int, Callable]] = []

    def create_subscription_to_pop_by_type(self, event_type: int, callback: Callable, order: int = 0, name=None):
        entry = (order, int(event_type), callback)
        self.callbacks.append(entry)
        return _Subscription(self.callbacks, entry)


class _Timeline:
    def __init__(self):
        self.stream = _TimelineEventStream()

    def get_timeline_event_stream(self) -> _TimelineEventStream:
        return self.stream


def _make_timeline_module() -> types.ModuleType:
    module = types.ModuleType("omni.timeline")
    module.TimelineEventType = types.SimpleNamespace(PLAY=0, STOP=1, PAUSE=2)
    timeline = _Timeline()
    module.get_timeline_interface = lambda: timeline
    return module


def play() -> None:
    """Fire the timeline's PLAY event, in subscription order (what ``sim.reset()`` does in Isaac Sim)."""
    stream = sys.modules["omni.timeline"].get_timeline_interface().get_timeline_event_stream()
    for _, event_type, callback in sorted(stream.callbacks, key=lambda entry: entry[0]):
        if event_type == 0:
            callback(types.SimpleNamespace(type=0))


def install() -> None:
    """Register the stand-ins in ``sys.modules`` (parents first); real modules stay untouched."""
    for dotted in (*ISAAC_SIM_MODULES, *IMPORT_ONLY_MODULES):
        parts = dotted.split(".")
        for depth in range(1, len(parts) + 1):
            name = ".".join(parts[:depth])
            if name not in sys.modules:
                module = StandInModule(name)
                module.__path__ = []
                sys.modules[name] = module
                if depth > 1:
                    setattr(sys.modules[".".join(parts[: depth - 1])], parts[depth - 1], module)
    if "omni.timeline" not in sys.modules:
        sys.modules["omni.timeline"] = _make_timeline_module()
        sys.modules["omni"].timeline = sys.modules["omni.timeline"]


def pytest_configure(config) -> None:
    """Install the stand-ins, import Isaac Lab as a 2.x script would after its app launch, go strict."""
    global _strict
    install()
    import isaaclab
    import isaaclab.envs  # imports the managers too

    major = int(isaaclab.__version__.split(".")[0])
    if major >= 3:
        raise RuntimeError(f"the Isaac Lab 2.x lane found Isaac Lab {isaaclab.__version__} on the path")
    _strict = True
