"""The schema of every packaged config, as dataclasses (no Isaac Lab import).

Each dataclass is the structured config Hydra composes the YAML onto (registered in Hydra's
ConfigStore by :mod:`.store`): an unknown key or a wrong type fails at composition, naming the key.
:func:`parse_run` and :func:`parse_curriculum` turn a composed (or saved, untyped) config into
instances of these classes and run each one's own ``validate()`` once: ranges are checked there,
with the key and the fix in the message. The sampler's hyperparameters have one schema,
:class:`~beyondmimic_adaptive.sampler.AdaptiveSamplerCfg`; the adaptive curriculum entry *is* one
(:class:`AdaptiveCurriculumNode` subclasses it), so the parsed entry goes to the curriculum term as is.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Optional, TypeVar, cast

from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

from ..cli_types import is_sim_device
from ..sampler import AdaptiveSamplerCfg, PublicSamplerCfg, SamplerConfigError

ADAPTIVE_TYPE = "adaptive_sampling"
PUBLIC_TYPE = "public_sampling"
TERM_TYPE = "term"
LOGGERS = ("tensorboard", "wandb")
"""Valid values of the ``logger`` key."""


class ConfigError(ValueError):
    """The composed configuration is invalid; the message names the key and the fix."""


def _require(ok: bool, key: str, value: object, expected: str) -> None:
    """The validation idiom of the config classes (as ``AdaptiveSamplerCfg.validate``): name key, value, range."""
    if not ok:
        raise ConfigError(f"{key}={value!r} is invalid: {expected}.")


@dataclass
class AdaptiveCurriculumNode(AdaptiveSamplerCfg):
    """The ``curriculum.adaptive`` entry: an :class:`AdaptiveSamplerCfg` plus how its terms are wired.

    It is the sampler config (a subclass, no copy): the curriculum term takes the parsed entry as
    its ``sampler``; the sampler reads only the :class:`AdaptiveSamplerCfg` fields.
    """

    type: str = ADAPTIVE_TYPE
    """Entry kind; ``adaptive_sampling`` for this node."""
    enabled: bool = True
    """False removes the curriculum term and its reset event: the command starts uniformly."""
    command_name: str = "motion"
    """Name of the motion command term the sampler drives."""

    def validate(self) -> None:
        """The sampler's ranges (:meth:`AdaptiveSamplerCfg.validate`) and a non-empty command name."""
        super().validate()
        _require(bool(self.command_name), "curriculum.adaptive.command_name", self.command_name, "name a command")


@dataclass
class PublicCurriculumNode(PublicSamplerCfg):
    """The ``curriculum.public`` entry: the public BeyondMimic sampler's parameters plus how its terms are wired.

    The third arm of the Table II study (HybridRobotics/whole_body_tracking's sampler, defects included:
    :mod:`beyondmimic_adaptive.sampler.public`). It replaces the task's adaptive sampler.
    """

    type: str = PUBLIC_TYPE
    """Entry kind; ``public_sampling`` for this node."""
    enabled: bool = True
    """False removes the public curriculum term and its events (the task's adaptive sampler stays removed)."""
    command_name: str = "motion"
    """Name of the motion command term the sampler drives."""

    def validate(self) -> None:
        """The sampler's ranges (:meth:`PublicSamplerCfg.validate`) and a non-empty command name."""
        super().validate()
        _require(bool(self.command_name), "curriculum.public.command_name", self.command_name, "name a command")


@dataclass
class TermCurriculumNode:
    """YAML node of any other curriculum term: an Isaac Lab term function or class and its params."""

    type: str = TERM_TYPE
    """Entry kind; ``term`` for this node."""
    func: str = MISSING
    """Import path of the term, ``package.module:name``."""
    params: dict[str, Any] = field(default_factory=dict)
    """Keyword parameters passed to the term."""

    def validate(self) -> None:
        """``func`` has the form ``package.module:name`` (whether it imports is checked when it is bound)."""
        _require(":" in self.func, "curriculum.<entry>.func", self.func, "use 'package.module:name'")


NODE_SCHEMAS: dict[str, type] = {
    ADAPTIVE_TYPE: AdaptiveCurriculumNode,
    PUBLIC_TYPE: PublicCurriculumNode,
    TERM_TYPE: TermCurriculumNode,
}
"""The schema of a curriculum entry, by its ``type`` key."""

CurriculumNode = AdaptiveCurriculumNode | PublicCurriculumNode | TermCurriculumNode


@dataclass
class RunNode:
    """``train.yaml``: the run keys and the ``curriculum`` group (parsed: one typed node per entry)."""

    task: str = "Tracking-Humanoid-v0"
    """Registered gymnasium task id, or ``<module>:<id>`` (the module, imported first, registers it)."""
    device: str = "cpu"
    """Simulation and learning device: ``cpu`` or ``cuda:N``."""
    num_envs: int = 16
    """Parallel environments."""
    iterations: int = 3
    """PPO iterations to run (each collects num_envs x 24 env steps)."""
    seed: int = 42
    """Seed of the environment, the sampler's generator and PPO."""
    motion_files: Optional[list[str]] = None  # noqa: UP045 (OmegaConf reads this type)
    """Motion .npz files; null keeps the task's default (humanoid: the long demo clip; G1: G1 Moves' B_LongDance)."""
    log_dir: str = "outputs/train"
    """Runs are written to log_dir/<run_name or timestamp>/ (checkpoints, TensorBoard, sampler history)."""
    run_name: str = ""
    """Folder name of this run; empty: a timestamp."""
    save_interval: int = 50
    """Save a checkpoint every this many iterations (and at the end)."""
    history_interval_steps: int = 240
    """Record the sampler's per-bin probabilities and failure rates every this many env steps."""
    resume: Optional[str] = None  # noqa: UP045 (OmegaConf reads this type)
    """Run folder to continue (latest checkpoint + sampler state); null starts a new run."""
    logger: str = "tensorboard"
    """Training log: ``tensorboard`` or ``wandb`` (rsl-rl's W&B writer, which writes TensorBoard events too)."""
    wandb_project: str = "beyondmimic_adaptive"
    """W&B project of ``logger=wandb`` runs (entity: ``$WANDB_USERNAME``; offline: ``WANDB_MODE=offline``)."""
    image_interval: int = 50
    """Log the sampler heatmap image (and W&B table) every this many iterations; 0: never."""
    env: dict[str, Any] = field(default_factory=dict)
    """Overrides of the task's env cfg by attribute path, as Isaac Lab's Hydra ``env.`` prefix:
    ``env.terminations.end_effector_height.params.threshold=0.35`` (``runs.cfg_overrides``)."""
    agent: dict[str, Any] = field(default_factory=dict)
    """Overrides of the task's rsl-rl agent cfg by attribute path: ``agent.algorithm.entropy_coef=0.01``."""
    curriculum: dict[str, Any] = field(default_factory=dict)
    """The ``curriculum`` config group (``curriculum/*.yaml``); after :func:`parse_run`, entry name ->
    :class:`AdaptiveCurriculumNode`, :class:`PublicCurriculumNode` or :class:`TermCurriculumNode`."""

    def validate(self) -> None:
        """Counts and intervals >= 1, a known logger, a ``cpu``/``cuda`` device, a seed numpy takes."""
        for key in ("num_envs", "iterations", "save_interval", "history_interval_steps"):
            _require(getattr(self, key) >= 1, key, getattr(self, key), "use an int >= 1")
        _require(self.logger in LOGGERS, "logger", self.logger, f"use one of {list(LOGGERS)}")
        _require(self.image_interval >= 0, "image_interval", self.image_interval, "use an int >= 0 (0: no images)")
        _require(is_sim_device(self.device), "device", self.device, "use 'cpu' or 'cuda:N'")
        _require(0 <= self.seed < 2**32, "seed", self.seed, "use an int in [0, 2**32 - 1]")


@dataclass
class DemoNode:
    """``demo.yaml``'s ``demo`` keys: the synthetic learner of ``scripts/demo.py``."""

    clip_s: float = 90.0
    """Length of the synthetic clip [s]."""
    fps: int = 50
    """Frames per second (one per control step)."""
    episode_s: float = 10.0
    """Episode length [s]; reaching the clip's end also ends it (a success)."""
    hard_segments_s: list[list[float]] = field(default_factory=lambda: [[21.0, 23.0], [47.0, 48.5], [71.0, 74.0]])
    """[start, end) of each hard part [s]."""
    base_hazard_per_s: float = 0.002
    """Failure hazard outside the hard parts [1/s]."""
    hard_hazard_per_s: float = 4.0
    """Extra hazard inside a hard part before any practice [1/s]."""
    practice_s_to_halve: float = 800.0
    """Practice seconds in a bin that halve its extra hazard."""
    num_envs: int = 256
    """Episodes per iteration."""
    iterations: int = 600
    """Iterations of the demo."""
    seed: int = 0
    """Seed of the sampler and the learner."""
    out_dir: str = "outputs/demo"
    """Table, PNG plots and TensorBoard logs go here."""

    def validate(self) -> None:
        """Positive lengths, rates and counts; segments as [start, end) pairs."""
        for key in ("clip_s", "fps", "episode_s", "practice_s_to_halve", "num_envs", "iterations"):
            _require(getattr(self, key) > 0, f"demo.{key}", getattr(self, key), "use a number > 0")
        for key in ("base_hazard_per_s", "hard_hazard_per_s"):
            _require(getattr(self, key) >= 0, f"demo.{key}", getattr(self, key), "use a rate >= 0")
        pairs = all(len(s) == 2 and 0 <= s[0] < s[1] <= self.clip_s for s in self.hard_segments_s)
        rule = f"use [start, end] pairs with 0 <= start < end <= clip_s ({self.clip_s:g})"
        _require(pairs, "demo.hard_segments_s", self.hard_segments_s, rule)


@dataclass
class DemoConfig:
    """``demo.yaml``: the ``demo`` keys and the ``curriculum`` group."""

    demo: DemoNode = field(default_factory=DemoNode)
    """The synthetic learner."""
    curriculum: dict[str, Any] = field(default_factory=dict)
    """The ``curriculum`` config group, as in :class:`RunNode`."""

    def validate(self) -> None:
        """The ``demo`` keys' ranges."""
        self.demo.validate()


Schema = TypeVar("Schema")


def parse_node(schema: type[Schema], entry: DictConfig | dict, prefix: str, what: str) -> Schema:  # noqa: UP047 (3.10)
    """The one parse step: ``entry`` merged onto ``schema``, made an instance, checked by its ``validate()``.

    Typed (composed) and untyped (a run's saved ``config.yaml``) entries take the same path; errors
    name the key as ``prefix + key`` and the valid keys.
    """
    try:
        instance = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), entry))
    except OmegaConfBaseException as err:
        own = getattr(err, "object_type", None) is schema  # else the error is in a nested node: name its class
        raise ConfigError(describe_error(err, prefix, what if own else None)) from None
    try:
        cast(Any, instance).validate()
    except SamplerConfigError as err:  # its message names the default path curriculum.adaptive|public.<key>
        message = str(err).replace("curriculum.adaptive.", prefix).replace("curriculum.public.", prefix)
        raise ConfigError(message) from None
    except ConfigError as err:
        message = str(err).replace("curriculum.<entry>.", prefix).replace("curriculum.adaptive.", prefix)
        raise ConfigError(message.replace("curriculum.public.", prefix)) from None
    return cast(Schema, instance)


def describe_error(err: OmegaConfBaseException, prefix: str = "", what: str | None = None) -> str:
    """``invalid config at <key>: <reason>. Valid keys for <what>: ...`` from an OmegaConf error.

    ``what`` names the node the error is in (default: its schema class's name).
    """
    key = getattr(err, "full_key", None) or getattr(err, "key", None)
    where = f"{prefix}{key}" if key else prefix.rstrip(".") or "the config root"
    message = f"invalid config at {where}: {str(err).splitlines()[0]}."
    if "is not a ListConfig" in message:  # a list key given one value
        message += f" Give a list: {where}=[...]."
    if "(int) is incompatible with type hint 'float'" in message:  # OmegaConf keeps an int in a list of floats
        message += " Write it as a float (e.g. 95.0)."
    schema = getattr(err, "object_type", None)
    unknown_key = isinstance(err, (ConfigAttributeError, ConfigKeyError))  # a wrong type names its type instead
    if unknown_key and schema is not None and hasattr(schema, "__dataclass_fields__"):
        names = ", ".join(f.name for f in fields(schema))
        message += f" Valid keys for {what or schema.__name__}: {names}."
    return message


def parse_curriculum(node: DictConfig | dict | None) -> dict[str, CurriculumNode]:
    """Validate the ``curriculum`` group and return one typed node per entry (parsed nodes pass through)."""
    if node is None:
        return {}
    if not isinstance(node, (DictConfig, dict)):
        raise ConfigError(f"curriculum must be a mapping of entry names to entries, got {node!r}.")
    parsed_types = (AdaptiveCurriculumNode, PublicCurriculumNode, TermCurriculumNode)
    if isinstance(node, dict) and all(isinstance(v, parsed_types) for v in node.values()):
        return dict(node)  # parsed already (RunNode.curriculum after parse_run): not parsed or validated again
    raw = cast(dict, OmegaConf.to_container(node, resolve=True)) if isinstance(node, DictConfig) else dict(node)
    parsed: dict[str, CurriculumNode] = {}
    for name, entry in raw.items():
        path = f"curriculum.{name}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{path} must be a mapping with a 'type' key ({sorted(NODE_SCHEMAS)}), got {entry!r}.")
        kind = entry.get("type", TERM_TYPE)
        schema = NODE_SCHEMAS.get(kind)
        if schema is None:
            raise ConfigError(f"{path}.type={kind!r} is unknown: expected one of {sorted(NODE_SCHEMAS)}.")
        parsed[name] = parse_node(schema, entry, f"{path}.", f"a curriculum entry of type '{kind}'")
    return parsed


def parse_run(node: DictConfig | dict) -> RunNode:
    """The typed, validated run config of a composed ``train`` config or a run's saved ``config.yaml``."""
    return _parse_root(RunNode, node, "train.yaml")


def parse_demo(node: DictConfig | dict) -> DemoConfig:
    """The typed, validated config of ``scripts/demo.py`` (``demo.yaml``)."""
    return _parse_root(DemoConfig, node, "demo.yaml")


Root = TypeVar("Root", RunNode, DemoConfig)


def _parse_root(schema: type[Root], node: DictConfig | dict, what: str) -> Root:  # noqa: UP047 (3.10: Isaac Lab 2)
    container = cast(dict, OmegaConf.to_container(node, resolve=True)) if isinstance(node, DictConfig) else dict(node)
    curriculum = parse_curriculum(container.pop("curriculum", None))
    root = parse_node(schema, container, "", what)
    root.curriculum = dict(curriculum)
    return root
