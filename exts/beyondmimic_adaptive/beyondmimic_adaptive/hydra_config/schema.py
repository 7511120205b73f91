"""Typed schema of the ``curriculum`` config group; validates composed YAML (no Isaac Lab import).

Isaac Lab 3.0 applies ``env.*`` overrides without type checks, so a typo silently adds an
attribute. Here every curriculum entry is merged into a structured schema: unknown keys, wrong
types and out-of-range values fail with the key path and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Optional, cast

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from ..sampler import AdaptiveSamplerCfg, SamplerConfigError

ADAPTIVE_TYPE = "adaptive_sampling"
TERM_TYPE = "term"


class ConfigError(ValueError):
    """The composed configuration is invalid; the message names the key and the fix."""


@dataclass
class AdaptiveCurriculumNode(AdaptiveSamplerCfg):
    """YAML node of the adaptive curriculum: the sampler fields plus how the terms are wired."""

    type: str = ADAPTIVE_TYPE
    """Entry kind; ``adaptive_sampling`` for this node."""
    enabled: bool = True
    """False removes the curriculum term and its reset event: the command starts uniformly."""
    command_name: str = "motion"
    """Name of the motion command term the sampler drives."""

    def sampler_cfg(self) -> AdaptiveSamplerCfg:
        """The :class:`AdaptiveSamplerCfg` part of this node."""
        names = {f.name for f in fields(AdaptiveSamplerCfg)}
        return AdaptiveSamplerCfg(**{name: getattr(self, name) for name in names})


@dataclass
class TermCurriculumNode:
    """YAML node of any other curriculum term: an Isaac Lab term function or class and its params."""

    type: str = TERM_TYPE
    """Entry kind; ``term`` for this node."""
    func: str = "???"
    """Import path of the term, ``package.module:name``."""
    params: dict[str, Any] = field(default_factory=dict)
    """Keyword parameters passed to the term."""


NODE_SCHEMAS: dict[str, type] = {ADAPTIVE_TYPE: AdaptiveCurriculumNode, TERM_TYPE: TermCurriculumNode}


def parse_curriculum(node: DictConfig | dict | None) -> dict[str, AdaptiveCurriculumNode | TermCurriculumNode]:
    """Validate the ``curriculum`` group and return one typed node per entry."""
    if node is None:
        return {}
    raw = cast(dict, OmegaConf.to_container(node, resolve=True)) if isinstance(node, DictConfig) else dict(node)
    parsed: dict[str, AdaptiveCurriculumNode | TermCurriculumNode] = {}
    for name, entry in raw.items():
        path = f"curriculum.{name}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{path} must be a mapping with a 'type' key ({sorted(NODE_SCHEMAS)}), got {entry!r}.")
        kind = entry.get("type", TERM_TYPE)
        schema = NODE_SCHEMAS.get(kind)
        if schema is None:
            raise ConfigError(f"{path}.type={kind!r} is unknown: expected one of {sorted(NODE_SCHEMAS)}.")
        parsed[name] = merged = _merge(schema, entry, f"{path}.", f"a curriculum entry of type '{kind}'")
        if isinstance(merged, AdaptiveCurriculumNode):
            try:
                merged.sampler_cfg().validate()
            except SamplerConfigError as err:
                raise ConfigError(str(err).replace("curriculum.adaptive.", f"{path}.")) from None
    return parsed


def _merge(schema: type, entry: dict, prefix: str, what: str) -> Any:
    """Typed ``schema`` instance from ``entry``; errors name the key as ``prefix + key``."""
    try:
        merged = OmegaConf.merge(OmegaConf.structured(schema), entry)
        return OmegaConf.to_object(merged)
    except OmegaConfBaseException as err:
        valid = ", ".join(f.name for f in fields(schema))
        key = getattr(err, "full_key", None) or getattr(err, "key", None)
        where = f"{prefix}{key}" if key else prefix.rstrip(".") or "the config root"
        reason = str(err).splitlines()[0]
        raise ConfigError(f"invalid config at {where}: {reason}. Valid keys for {what}: {valid}.") from None


LOGGERS = ("tensorboard", "wandb")
"""Valid values of the ``logger`` key."""


@dataclass
class RunNode:
    """Top-level keys of the packaged ``train.yaml`` (everything except the ``curriculum`` group)."""

    task: str = "Tracking-Humanoid-v0"
    """Registered gymnasium task id."""
    device: str = "cpu"
    """Simulation and learning device: ``cpu`` or ``cuda:N``."""
    num_envs: int = 16
    """Parallel environments."""
    iterations: int = 3
    """PPO iterations to run (each collects num_envs x 24 env steps)."""
    seed: int = 42
    """Seed of the environment, the sampler's generator and PPO."""
    motion_files: Optional[list[str]] = None  # noqa: UP045 (OmegaConf reads this type)
    """Motion .npz files; null keeps the task's default (the long demo clip)."""
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


def parse_run(node: DictConfig) -> RunNode:
    """Validate the run keys of a composed train config (the curriculum group is checked separately)."""
    container = cast(dict, OmegaConf.to_container(node, resolve=True))
    raw = {key: value for key, value in container.items() if key != "curriculum"}
    run = _merge(RunNode, raw, "", "train.yaml")
    if run.num_envs < 1 or run.iterations < 1 or run.save_interval < 1 or run.history_interval_steps < 1:
        raise ConfigError(
            f"num_envs={run.num_envs}, iterations={run.iterations}, save_interval={run.save_interval} and "
            f"history_interval_steps={run.history_interval_steps} must all be >= 1."
        )
    if run.logger not in LOGGERS:
        raise ConfigError(f"logger={run.logger!r} is invalid: use one of {list(LOGGERS)}.")
    if run.image_interval < 0:
        raise ConfigError(f"image_interval={run.image_interval} is invalid: use an int >= 0 (0: no images).")
    if not (run.device == "cpu" or run.device.startswith("cuda")):
        raise ConfigError(f"device={run.device!r} is invalid: use 'cpu' or 'cuda:N'.")
    return run
