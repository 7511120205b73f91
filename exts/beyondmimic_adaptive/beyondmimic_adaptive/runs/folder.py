"""A training run's folder: where it is, what a resume loads, and what the run writes into it.

``log_dir/<run_name or timestamp>/`` holds rsl-rl's ``model_<it>.pt`` checkpoints and TensorBoard
events, the composed ``config.yaml`` with the resolved ``env.yaml`` and ``agent.yaml`` (a resume
adds ``config_resume_<checkpoint>.yaml`` and so on, keeping the first ones), and the sampler's
``sampler/state.pt`` and ``sampler/history_*.npz``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from ..hydra_config import RunNode
from .cfg_overrides import flatten
from .checkpoints import resume_checkpoint
from .config import RunConfig, RunError


@dataclass(frozen=True)
class RunFolder:
    """The folder of a new or resumed training run."""

    path: Path
    """The run folder (created by :func:`write_run_configs`)."""
    resume_from: Path | None = None
    """The checkpoint a resume loads; None for a new run."""
    skipped: list[Path] = field(default_factory=list)
    """Newer checkpoints a resume skips: cut off by a kill while rsl-rl saved them."""

    @property
    def config_suffix(self) -> str:
        """Suffix of the config files this run writes (a resume keeps those of the first run)."""
        return "" if self.resume_from is None else f"_resume_{self.resume_from.stem}"

    @property
    def sampler_state(self) -> Path:
        """The sampler statistics saved with the checkpoints' cadence (``sampler/state.pt``)."""
        return self.path / "sampler" / "state.pt"


def run_folder(run: RunNode) -> RunFolder:
    """The folder of ``run``: ``resume`` with its newest complete checkpoint, else a new ``log_dir/<name>``."""
    if run.resume is not None:
        path = Path(run.resume)
        checkpoint, skipped = resume_checkpoint(path)
        return RunFolder(path, checkpoint, skipped)
    path = Path(run.log_dir) / (run.run_name or datetime.datetime.now().strftime("%Y-%m-%d_%H-%M-%S"))
    blocking = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:  # found now, not by the mkdir after the env's build
        raise RunError(f"the run folder {path} cannot be made: {blocking} is a file; give another log_dir or run_name.")
    if path.exists() and any(path.glob("model_*.pt")):
        raise RunError(f"{path} already holds a run; pick another run_name or resume={path}.")
    return RunFolder(path)


def attach_sampler_files(
    env_cfg: Any, folder: RunFolder, run: RunNode, steps_per_iteration: int, writer: bool = True
) -> None:
    """Point every adaptive or public curriculum term of ``env_cfg`` at the run folder: its history snapshots every
    ``history_interval_steps`` env steps, its state saved with the checkpoints' cadence next to them.

    ``writer=False`` (ranks other than 0 of a multi-process run) leaves them without files: their
    statistics equal rank 0's, and a resume reads the state from :attr:`RunFolder.sampler_state`.

    The run owns these four fields: an ``env.curriculum.<term>.<field>`` override of one is refused, naming the
    run key to set instead (the state must be saved with every checkpoint for a resume to match its weights)."""
    from ..terms import AdaptiveCurriculumTermCfg, PublicCurriculumTermCfg

    terms = {
        name: term
        for name, term in vars(env_cfg.curriculum).items()
        if isinstance(term, (AdaptiveCurriculumTermCfg, PublicCurriculumTermCfg))
    }
    for path in flatten(run.env):
        parts = path.split(".")
        if len(parts) == 3 and parts[0] == "curriculum" and parts[1] in terms and parts[2] in _RUN_OWNED:
            raise RunError(f"override env.{path}: the run sets it; {_RUN_OWNED[parts[2]]}")
    if not writer:
        return
    for term in terms.values():
        term.history_dir = str(folder.path / "sampler")
        term.history_interval_steps = run.history_interval_steps
        term.state_path = str(folder.sampler_state)
        term.state_save_interval_steps = run.save_interval * steps_per_iteration


_RUN_OWNED = {
    "history_dir": "the history goes to the run folder's sampler/ (choose it with log_dir= and run_name=).",
    "state_path": "the state goes to the run folder's sampler/state.pt (choose it with log_dir= and run_name=).",
    "history_interval_steps": "set the run key history_interval_steps= instead.",
    "state_save_interval_steps": "the state is saved with every checkpoint: set save_interval= (iterations) instead.",
}
"""The sampler terms' fields :func:`attach_sampler_files` writes, and what to set instead."""


def write_run_configs(folder: RunFolder, config: RunConfig, env_cfg: Any, agent_cfg: Any) -> None:
    """Create the folder and write ``config.yaml`` (the composed config), ``env.yaml`` and ``agent.yaml``."""
    from isaaclab.utils.io import dump_yaml

    folder.path.mkdir(parents=True, exist_ok=True)
    suffix = folder.config_suffix
    (folder.path / f"config{suffix}.yaml").write_text(OmegaConf.to_yaml(config.cfg))
    dump_yaml(str(folder.path / f"env{suffix}.yaml"), env_cfg)
    dump_yaml(str(folder.path / f"agent{suffix}.yaml"), agent_cfg)
