"""Per-bin history of a sampler over training (probabilities and failure rates), for heatmaps."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .sampler import AdaptiveSampler

CHUNK_GLOB = "history_*.npz"


class SamplerHistory:
    """Records snapshots every ``interval_steps`` env steps into ``directory/history_NNNNN.npz``.

    A snapshot copies two (B,) vectors to the host: one device sync per interval, never per step.
    Snapshots are buffered and written ``chunk_size`` at a time; call :meth:`flush` at the end.
    """

    def __init__(self, directory: str | Path, interval_steps: int, chunk_size: int = 64):
        if interval_steps < 1:
            raise ValueError(f"history interval_steps={interval_steps} must be >= 1.")
        self.directory = Path(directory)
        self.interval_steps = interval_steps
        self.chunk_size = chunk_size
        self._next_step = 0
        self._chunks_written = len(list(self.directory.glob(CHUNK_GLOB))) if self.directory.is_dir() else 0
        self._steps: list[int] = []
        self._probabilities: list[np.ndarray] = []
        self._failure_rates: list[np.ndarray] = []

    def maybe_record(self, sampler: AdaptiveSampler) -> None:
        """Take a snapshot if ``interval_steps`` env steps passed since the last one."""
        if sampler.env_step < self._next_step:
            return
        self._next_step = sampler.env_step + self.interval_steps
        self._steps.append(sampler.env_step)
        self._probabilities.append(sampler.probabilities.cpu().numpy())
        self._failure_rates.append(sampler.failure_rate.cpu().numpy())
        if len(self._steps) >= self.chunk_size:
            self.flush()

    def flush(self) -> None:
        """Write the buffered snapshots (if any) as the next chunk file."""
        if not self._steps:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            self.directory / f"history_{self._chunks_written:05d}.npz",
            env_step=np.array(self._steps, dtype=np.int64),
            probabilities=np.stack(self._probabilities).astype(np.float32),
            failure_rate=np.stack(self._failure_rates).astype(np.float32),
        )
        self._chunks_written += 1
        self._steps, self._probabilities, self._failure_rates = [], [], []


def load_history(directory: str | Path) -> dict[str, np.ndarray]:
    """All chunks of ``directory`` in order: env_step (S,), probabilities and failure_rate (S, B)."""
    files = sorted(Path(directory).glob(CHUNK_GLOB))
    if not files:
        raise FileNotFoundError(f"no sampler history ({CHUNK_GLOB}) in {directory}; was the run started with it?")
    parts = [np.load(f) for f in files]
    return {key: np.concatenate([p[key] for p in parts]) for key in ("env_step", "probabilities", "failure_rate")}
