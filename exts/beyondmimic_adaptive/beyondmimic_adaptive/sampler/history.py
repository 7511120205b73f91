"""Per-bin history of a sampler over training (start probabilities and one per-bin statistic), for heatmaps.

The statistic is named in each file: ``failure_rate`` for :class:`~beyondmimic_adaptive.sampler.AdaptiveSampler`,
``failed_count`` (the EMA of failure counts per env step, not a rate) for the public sampler
(:class:`~beyondmimic_adaptive.sampler.PublicBeyondMimicSampler`). Files written before the name was stored
hold ``failure_rate`` and load as such.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from .sampler import AdaptiveSampler

CHUNK_GLOB = "history_*.npz"
STATISTIC_KEY = "statistic"
"""npz entry holding the name of the per-bin statistic (absent in older files: ``failure_rate``)."""
DEFAULT_STATISTIC = "failure_rate"
_RESERVED = ("env_step", "probabilities", STATISTIC_KEY)


class SamplerHistory:
    """Records snapshots every ``interval_steps`` env steps into ``directory/history_NNNNN.npz``.

    A snapshot is the start probabilities and the per-bin ``statistic`` (saved under that name). It copies
    two (B,) vectors to the host: one device sync per interval, never per step. Snapshots are buffered and
    written ``chunk_size`` at a time; call :meth:`flush` at the end.
    """

    def __init__(
        self, directory: str | Path, interval_steps: int, chunk_size: int = 64, statistic: str = DEFAULT_STATISTIC
    ):
        if interval_steps < 1:
            raise ValueError(f"history interval_steps={interval_steps} must be >= 1.")
        if not statistic.isidentifier() or statistic in _RESERVED:
            raise ValueError(
                f"history statistic={statistic!r} must be a Python identifier other than {list(_RESERVED)}."
            )
        self.directory = Path(directory)
        self.interval_steps = interval_steps
        self.chunk_size = chunk_size
        self.statistic = statistic
        """Name of the per-bin statistic (its key in the files)."""
        self._next_step = 0
        self._chunks_written = len(list(self.directory.glob(CHUNK_GLOB))) if self.directory.is_dir() else 0
        self._steps: list[int] = []
        self._probabilities: list[np.ndarray] = []
        self._values: list[np.ndarray] = []

    def due(self, env_step: int) -> bool:
        """Whether a snapshot at ``env_step`` would be taken (``interval_steps`` passed since the last one)."""
        return env_step >= self._next_step

    def record(self, env_step: int, probabilities: torch.Tensor, statistic: torch.Tensor) -> None:
        """Take a snapshot of (B,) ``probabilities`` and ``statistic`` now (callers check :meth:`due` first)."""
        self._next_step = env_step + self.interval_steps
        self._steps.append(env_step)
        # copies, also on the CPU, where .cpu() would return the sampler's own tensor, which each fold updates in place
        self._probabilities.append(probabilities.detach().to("cpu", copy=True).numpy())
        self._values.append(statistic.detach().to("cpu", copy=True).numpy())
        if len(self._steps) >= self.chunk_size:
            self.flush()

    def maybe_record(self, sampler: AdaptiveSampler) -> None:
        """Take a snapshot of an adaptive sampler (its probabilities and failure rate) if one is due."""
        if self.due(sampler.env_step):
            self.record(sampler.env_step, sampler.probabilities, sampler.failure_rate)

    def flush(self) -> None:
        """Write the buffered snapshots (if any) as the next chunk file."""
        if not self._steps:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {
            "env_step": np.array(self._steps, dtype=np.int64),
            "probabilities": np.stack(self._probabilities).astype(np.float32),
            self.statistic: np.stack(self._values).astype(np.float32),
            STATISTIC_KEY: np.array(self.statistic),
        }
        np.savez_compressed(self.directory / f"history_{self._chunks_written:05d}.npz", **arrays)
        self._chunks_written += 1
        self._steps, self._probabilities, self._values = [], [], []


def load_history(directory: str | Path) -> dict[str, Any]:
    """All chunks of ``directory`` in order.

    A run resumed from its last state records again the steps after that state, which a chunk written before the
    run stopped may already hold: a chunk's snapshots at or after the first step of a later chunk are dropped (the
    resumed run's replace them), so ``env_step`` always increases.

    Returns env_step (S,), probabilities (S, B), the statistic (S, B) under its name (``failure_rate``,
    ``failed_count``) and that name under ``"statistic"`` (a str; ``failure_rate`` for files without one).
    """
    files = sorted(Path(directory).glob(CHUNK_GLOB))
    if not files:
        raise FileNotFoundError(f"no sampler history ({CHUNK_GLOB}) in {directory}; was the run started with it?")
    parts = [np.load(f) for f in files]
    names = [str(p[STATISTIC_KEY]) if STATISTIC_KEY in p.files else DEFAULT_STATISTIC for p in parts]
    if len(set(names)) > 1:
        found = ", ".join(f"{f.name}: {n}" for f, n in zip(files, names, strict=True))
        raise ValueError(
            f"sampler history in {directory} mixes statistics ({found}): the files come from runs of different "
            "curricula. Keep one run's history_*.npz in a folder."
        )
    name = names[0]
    steps = [p["env_step"] for p in parts]
    keep, later_start = [], np.iinfo(np.int64).max
    for chunk_steps in reversed(steps):  # a later chunk's first step supersedes an earlier chunk's steps from there
        keep.append(chunk_steps < later_start)
        if len(chunk_steps):
            later_start = min(later_start, int(chunk_steps[0]))
    keep.reverse()
    history: dict[str, Any] = {
        key: np.concatenate([p[key][k] for p, k in zip(parts, keep, strict=True)])
        for key in ("env_step", "probabilities", name)
    }
    history[STATISTIC_KEY] = name
    return history
