"""The run config of a training run: compose it, read it back from a run folder, validate it (no Isaac Lab).

A run's config is the packaged ``train.yaml`` (:mod:`beyondmimic_adaptive.hydra_config`) with Hydra
overrides on top; :func:`beyondmimic_adaptive.runs.train` saves it as ``config.yaml`` in the run
folder, and resuming the run, evaluating, playing or exporting a checkpoint reads it back (:func:`saved_run_config`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from ..hydra_config import (
    AdaptiveCurriculumNode,
    ConfigError,
    PublicCurriculumNode,
    RunNode,
    compose_config,
    default_config_dir,
    override_key,
    parse_curriculum,
    parse_run,
)


class RunError(ValueError):
    """A run cannot start or a checkpoint cannot be used; the message names the problem and the fix."""


@dataclass(frozen=True)
class RunConfig:
    """A composed train config and its validated run keys."""

    cfg: DictConfig
    """The composed config (run keys and the ``curriculum`` group), as saved to ``config.yaml``."""
    run: RunNode
    """Its validated top-level keys (task, device, num_envs, ...)."""


def motion_files_override(paths: Sequence[str | Path]) -> str:
    """The Hydra override ``motion_files=[...]`` of ``paths`` (resolved: a run stays valid from any folder)."""
    return "motion_files=[" + ",".join(str(Path(p).resolve()) for p in paths) + "]"


def paths_and_overrides(words: Sequence[str]) -> tuple[list[Path], list[str]]:
    """The paths among the words given to a many-valued flag and the Hydra overrides that followed them.

    ``--checkpoint`` and ``--motion-files`` take every argument up to the next flag, so
    ``--checkpoint a.pt device=cuda:0`` gives the flag the override too: a ``key=value`` word that names
    no file is an override."""
    overrides = [w for w in words if _OVERRIDE.fullmatch(w) and not Path(w).exists()]
    return [Path(w) for w in words if w not in overrides], overrides


def values_and_overrides(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """The values among the words given to a many-valued flag of numbers (``--start-bins 0 5 device=cpu``) and the
    Hydra overrides (``key=value`` words) that followed them."""
    overrides = [w for w in words if _OVERRIDE.fullmatch(w)]
    return [w for w in words if w not in overrides], overrides


_OVERRIDE = re.compile(r"[+~]{0,2}[A-Za-z_][\w.]*=.*")
"""``key=value``, ``+key=value``, ``++key=value`` or ``~key=...``: a Hydra override's shape."""


def _validated(cfg: DictConfig) -> RunConfig:
    try:
        return RunConfig(cfg, parse_run(cfg))
    except ConfigError as err:
        raise RunError(f"config error: {err}") from None


def train_config(overrides: Sequence[str] = ()) -> RunConfig:
    """The packaged ``train.yaml`` with Hydra ``overrides`` (``num_envs=64``, ``curriculum=uniform``), validated."""
    try:
        cfg = compose_config("train", list(overrides))
    except ConfigError as err:
        raise RunError(f"config error: {err}") from None
    return _validated(cfg)


def training_config(overrides: Sequence[str] = ()) -> RunConfig:
    """What :func:`~beyondmimic_adaptive.runs.train` runs: :func:`train_config` of ``overrides``, or with
    ``resume=<run>`` the run's saved config with ``overrides`` on top (:func:`saved_run_config`), so a resume keeps
    the task, the sizes and the curriculum its run was started with unless an override changes them."""
    config = train_config(overrides)
    if config.run.resume is None:
        return config
    return saved_run_config(Path(config.run.resume), overrides)


_RESUME_CONFIG = re.compile(r"config_resume_model_(\d+)\.yaml")


def saved_config_file(run_dir: Path) -> Path:
    """The newest config ``run_dir`` holds: ``config.yaml`` of the first run, or the ``config_resume_model_<it>.yaml``
    of the resume from the latest checkpoint (``RunFolder.config_suffix`` names them)."""
    resumes = {
        int(m.group(1)): f for f in run_dir.glob("config_resume_*.yaml") if (m := _RESUME_CONFIG.fullmatch(f.name))
    }
    return resumes[max(resumes)] if resumes else run_dir / "config.yaml"


def saved_run_config(run_dir: Path | None, overrides: Sequence[str] = ()) -> RunConfig:
    """The newest config saved in ``run_dir`` (:func:`saved_config_file`) with ``overrides`` on top; the packaged
    defaults without one.

    Each overridden key replaces the saved one; the overrides are validated against the packaged
    schema in any case (a typo fails even when the run has a saved config).
    """
    saved = saved_config_file(run_dir) if run_dir is not None else None
    if saved is None or not saved.is_file():
        return _validated(train_config(overrides).cfg)
    cfg = OmegaConf.load(saved)
    if not isinstance(cfg, DictConfig):
        raise RunError(f"{saved} is not a mapping of config keys; delete it or restore the one train wrote.")
    composed = train_config([*_saved_curriculum_group(cfg, overrides), *overrides]).cfg
    for override in overrides:
        key = override_key(override)
        OmegaConf.update(cfg, key, OmegaConf.select(composed, key), merge=False)
    return _validated(cfg)


def _saved_curriculum_group(cfg: DictConfig, overrides: Sequence[str]) -> list[str]:
    """``curriculum=[<the saved entries>]`` where each saved entry is a packaged option of that name, so an override
    of a saved entry's key (``curriculum.public.bin_size_s=2``) composes as it did for the run; [] where an
    override picks the group itself or an entry is the user's own."""
    if any(override_key(o) == "curriculum" for o in overrides):
        return []
    entries = [str(name) for name in (cfg.get("curriculum") or {})]
    options = {path.stem for path in (default_config_dir() / "curriculum").glob("*.yaml")}
    return [f"curriculum=[{','.join(entries)}]"] if entries and set(entries) <= options else []


@dataclass(frozen=True)
class EvalSettings:
    """What evaluating a run needs from its adaptive curriculum entry."""

    bin_size_s: float = 1.0
    """Bin length in seconds: one evaluation start per bin and env."""
    command_name: str = "motion"
    """Name of the motion command term the sampler drove."""


def eval_settings(cfg: DictConfig) -> EvalSettings:
    """Bin size and motion command name of the run's (first) adaptive or public sampler entry; defaults without one."""
    try:
        parsed = parse_curriculum(cfg.get("curriculum"))
    except ConfigError as err:
        raise RunError(f"config error: {err}") from None
    nodes = [n for n in parsed.values() if isinstance(n, (AdaptiveCurriculumNode, PublicCurriculumNode))]
    node = nodes[0] if nodes else AdaptiveCurriculumNode()
    return EvalSettings(float(node.bin_size_s), node.command_name)
