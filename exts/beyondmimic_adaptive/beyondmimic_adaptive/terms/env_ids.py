"""One normal form for the env ids Isaac Lab 3.0 hands to manager terms.

``ManagerBasedEnv.reset(env_ids=...)`` takes int32/int64 tensors and slices; ``step()`` passes
int32 tensors; the managers also accept python sequences. Every term of this plugin (and the
tracking task) turns what it gets into one of two forms with :func:`normalize_env_ids`:
``slice(None)`` for all envs, or a 1-D int64 tensor of ids on the env's device. Tensors are
converted on the device (no host sync); slices and sequences become index tensors on the host's
knowledge alone, so any start, stop and step selects exactly the envs Python's slicing would.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import torch

EnvIds = torch.Tensor | slice | Sequence[int] | None
"""Every env ids form accepted: a tensor of ids, a slice, a sequence of ints, or None (all envs)."""

ALL_ENVS = slice(None)


def normalize_env_ids(env_ids: EnvIds, num_envs: int, device: torch.device | str) -> torch.Tensor | slice:
    """``slice(None)`` when ``env_ids`` selects every env in order, else (n,) int64 ids on ``device``.

    Raises:
        TypeError: for floating or bool tensors, tensors that are not 1-D, or non-int sequences.
    """
    if env_ids is None:
        return ALL_ENVS
    if isinstance(env_ids, slice):
        selected = range(num_envs)[env_ids]  # Python's own slicing: any start, stop and step
        if selected == range(num_envs):
            return ALL_ENVS
        return torch.tensor(selected, dtype=torch.long, device=device)
    if isinstance(env_ids, torch.Tensor):
        if env_ids.dtype not in (torch.int32, torch.int64) or env_ids.dim() > 1:
            raise TypeError(
                f"env_ids: expected a 1-D int32/int64 tensor of env ids, a slice or a list of ints; got a "
                f"{env_ids.dtype} tensor of shape {tuple(env_ids.shape)}."
            )
        # dtype and device conversions are queued on the device: no sync
        return (env_ids.reshape(1) if env_ids.dim() == 0 else env_ids).to(device=device, dtype=torch.long)
    ids = list(env_ids)
    if not all(isinstance(i, Integral) and not isinstance(i, bool) for i in ids):
        raise TypeError(f"env_ids: expected ints, a slice or an int tensor; got {env_ids!r}.")
    return torch.tensor([int(i) for i in ids], dtype=torch.long, device=device)


def fill_envs(buffer: torch.Tensor, env_ids: torch.Tensor | slice, value: bool | float) -> None:
    """``buffer[env_ids] = value`` for normalised ids, with no host-to-device copy (``x[ids] = True`` makes one)."""
    if isinstance(env_ids, slice):
        buffer[env_ids].fill_(value)
    else:
        buffer.index_fill_(0, env_ids, value)


def env_ids_or_none(env_ids: torch.Tensor | slice) -> torch.Tensor | None:
    """Normalised ids in the form of the asset write APIs (``*_to_sim_index``): None for all envs."""
    return None if isinstance(env_ids, slice) else env_ids


class EnvIdsNormalizer:
    """:func:`normalize_env_ids` for one env, remembering its last tensor conversion.

    In one reset Isaac Lab hands the same ids tensor (int32 from ``step()``) to the curriculum term,
    then to the reset events: converting it once saves a kernel launch per later term. The entry is
    reused only for the very tensor object it was made from, unmodified since (its version counter,
    read on the host); tensors made in inference mode keep no version counter and are converted anew.
    """

    __slots__ = ("_device", "_ids", "_key", "_num_envs", "_version")

    def __init__(self, num_envs: int, device: torch.device | str) -> None:
        self._num_envs = num_envs
        self._device = device
        self._key: torch.Tensor | None = None  # held, so that its id cannot be reused by another tensor
        self._version = -1
        self._ids: torch.Tensor | slice = ALL_ENVS

    def __call__(self, env_ids: EnvIds) -> torch.Tensor | slice:
        if not isinstance(env_ids, torch.Tensor) or env_ids.is_inference():
            return normalize_env_ids(env_ids, self._num_envs, self._device)
        if env_ids is self._key and env_ids._version == self._version:
            return self._ids
        ids = normalize_env_ids(env_ids, self._num_envs, self._device)
        self._key, self._version, self._ids = env_ids, env_ids._version, ids
        return ids
