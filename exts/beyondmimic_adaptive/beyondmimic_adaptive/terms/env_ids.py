"""The two env_ids forms Isaac Lab 3.0 passes to manager terms: int tensors and slices."""

from __future__ import annotations

import torch


def as_index(env_ids: torch.Tensor | slice) -> torch.Tensor | slice:
    """``env_ids`` ready for indexing: slices as they are, int32 ids (from ``step()``) as int64."""
    return env_ids if isinstance(env_ids, slice) else env_ids.long()


def fill_envs(buffer: torch.Tensor, env_ids: torch.Tensor | slice, value: bool | float) -> None:
    """``buffer[env_ids] = value`` without a host-to-device copy (``x[ids] = True`` makes one)."""
    if isinstance(env_ids, slice):
        buffer[env_ids].fill_(value)
    else:
        buffer.index_fill_(0, env_ids.long(), value)
