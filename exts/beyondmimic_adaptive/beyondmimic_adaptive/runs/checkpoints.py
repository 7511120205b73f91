"""The ``model_<iteration>.pt`` checkpoints that rsl-rl's ``OnPolicyRunner`` writes into a run folder.

The runner saves with a plain ``torch.save``, which is not atomic: a run killed while saving leaves a
truncated file. ``torch.save`` writes a zip archive whose central directory comes last, so a file
that is not a complete zip was cut off (or is still being written). Everything that picks a
checkpoint goes through :func:`is_complete`, so nothing fails deep inside ``torch.load``:
:func:`checked_checkpoint` for a checkpoint named by the user, :func:`resume_checkpoint` for the
newest one of a run folder.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from .config import RunError


def checkpoint_iteration(checkpoint: Path) -> int | None:
    """The iteration in a ``model_<iteration>.pt`` name (None for any other name)."""
    iteration = checkpoint.stem.removeprefix("model_")
    return int(iteration) if checkpoint.suffix == ".pt" and iteration.isdigit() else None


def checkpoints_by_iteration(run_dir: Path) -> dict[int, Path]:
    """Every ``model_<iteration>.pt`` in ``run_dir``, complete or not, keyed by iteration."""
    found: dict[int, Path] = {}
    for path in run_dir.glob("model_*.pt"):
        iteration = checkpoint_iteration(path)
        if iteration is not None:  # not model_best.pt and the like
            found[iteration] = path
    return dict(sorted(found.items()))


def is_complete(checkpoint: Path) -> bool:
    """Whether ``checkpoint`` was written to the end (its zip directory is there)."""
    return zipfile.is_zipfile(checkpoint)


def latest_complete(run_dir: Path) -> tuple[Path | None, list[Path]]:
    """The newest complete checkpoint (None if there is none) and the newer, truncated ones it skips."""
    skipped: list[Path] = []
    for path in reversed(checkpoints_by_iteration(run_dir).values()):
        if is_complete(path):
            return path, skipped[::-1]
        skipped.append(path)
    return None, skipped[::-1]


def checked_checkpoint(checkpoint: Path) -> Path:
    """``checkpoint`` if it exists and was written to the end; else a :class:`RunError` saying what to pick."""
    if checkpoint.is_dir():
        newest, _ = latest_complete(checkpoint)
        hint = f" (its newest complete one: {newest})" if newest is not None else ", and it holds none"
        raise RunError(f"checkpoint {checkpoint} is a folder; give one of its model_<iteration>.pt{hint}.")
    if not checkpoint.is_file():
        raise RunError(f"checkpoint {checkpoint} does not exist; give a model_<iteration>.pt of a training run.")
    if not is_complete(checkpoint):
        raise RunError(
            f"checkpoint {checkpoint} is truncated (its run was killed while saving it);"
            " pick an earlier model_<iteration>.pt."
        )
    return checkpoint


INFERENCE_LOAD = {"actor": True}
"""rsl-rl's ``load_cfg`` for playing, evaluating or exporting: the actor (with its observation normalizer) only,
so a checkpoint without the critic and the optimizer state (the shipped policies, assets/policies/) loads too."""


def load_actor(runner: Any, checkpoint: Path, device: str, task: str) -> None:
    """Load the actor of ``checkpoint`` into rsl-rl's ``OnPolicyRunner`` (for inference; see :data:`INFERENCE_LOAD`).

    A checkpoint of another task (other observation or action sizes) is a :class:`RunError` naming ``task``."""
    try:
        runner.load(str(checkpoint), load_cfg=INFERENCE_LOAD, map_location=device)
    except RuntimeError as err:
        if "size mismatch" not in str(err):
            raise
        mismatch = next((line.strip() for line in str(err).splitlines() if "size mismatch" in line), "")
        raise RunError(
            f"checkpoint {checkpoint} does not fit task {task!r} ({mismatch}): it was trained on another task or "
            "robot. Give the task= its run was trained with (its config.yaml), or a checkpoint of this task."
        ) from None


def resume_checkpoint(run_dir: Path) -> tuple[Path, list[Path]]:
    """The checkpoint a resume of ``run_dir`` loads and the newer, truncated ones it skips."""
    if run_dir.is_file():
        raise RunError(
            f"resume={run_dir} is a file; resume takes the run folder (resume={run_dir.parent}) and loads its newest"
            " complete checkpoint."
        )
    checkpoint, truncated = latest_complete(run_dir)
    if checkpoint is None:
        if not truncated:
            raise RunError(f"resume={run_dir} holds no model_<iteration>.pt checkpoint; give a run folder.")
        names = ", ".join(p.name for p in truncated)  # with no complete one, that is every checkpoint
        raise RunError(
            f"resume={run_dir}: every checkpoint ({names}) is truncated (the run was killed while"
            " saving); start a new run instead."
        )
    _check_trainable(run_dir, checkpoint)
    return checkpoint, truncated


TRAINING_KEYS = ("actor_state_dict", "critic_state_dict", "optimizer_state_dict")
"""What rsl-rl's ``OnPolicyRunner.load`` needs to continue training (a shipped policy keeps the actor only)."""


def _check_trainable(run_dir: Path, checkpoint: Path) -> None:
    import torch

    keys = torch.load(checkpoint, map_location="cpu", weights_only=False).keys()
    missing = [key for key in TRAINING_KEYS if key not in keys]
    if missing:
        raise RunError(
            f"resume={run_dir}: {checkpoint.name} has no {', '.join(missing)} (a policy stripped for"
            " inference, like the shipped ones), so training cannot continue from it; start a new run,"
            " or evaluate or play it (scripts/evaluate.py, scripts/play.py)."
        )
