"""Sampler state on disk: atomic saves (a killed run never leaves half a file) and checked loads."""

from __future__ import annotations

import hashlib
import os
import pickle
import zipfile
from pathlib import Path

import torch

from .public import PublicBeyondMimicSampler
from .sampler import AdaptiveSampler, SamplerStateError


def save_sampler_state(sampler: AdaptiveSampler | PublicBeyondMimicSampler, path: str | Path) -> None:
    """Write ``sampler.state_dict()`` to ``path`` via a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.{os.getpid()}")
    torch.save(sampler.state_dict(), tmp)
    os.replace(tmp, path)


def read_sampler_state(path: str | Path) -> dict[str, object]:
    """The state dict stored at ``path``; unreadable files raise :class:`SamplerStateError`."""
    path = Path(path)
    if not path.is_file():
        raise SamplerStateError(f"no sampler state at {path}: resume from a run made by scripts/train.py.")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, zipfile.BadZipFile, RuntimeError, EOFError, ValueError) as err:
        raise SamplerStateError(
            f"cannot read sampler state {path} ({type(err).__name__}: {str(err).splitlines()[0]}); "
            "the file is corrupt or not a sampler state. Delete it to restart the statistics."
        ) from None
    return state


def state_digest(state: dict[str, object]) -> str:
    """SHA-256 over the state's tensors and env step (to show a restore is bit-exact)."""
    digest = hashlib.sha256(str(state.get("env_step")).encode())
    tensors = {key: value for key, value in state.items() if isinstance(value, torch.Tensor)}
    for key in sorted(tensors):
        digest.update(key.encode())
        digest.update(tensors[key].contiguous().cpu().numpy().tobytes())
    return digest.hexdigest()[:16]
