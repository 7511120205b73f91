"""The ``model_<iteration>.pt`` checkpoints that rsl-rl's ``OnPolicyRunner`` writes into a run folder.

The runner saves with a plain ``torch.save``, which is not atomic: a run killed while saving leaves a
truncated file. ``torch.save`` writes a zip archive whose central directory comes last, so a file
that is not a complete zip was cut off (or is still being written). Everything that picks a
checkpoint goes through :func:`is_complete`, so nothing fails deep inside ``torch.load``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path


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
