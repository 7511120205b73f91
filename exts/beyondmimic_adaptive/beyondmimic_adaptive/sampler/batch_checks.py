"""Host-side checks of the episode batches handed to the sampler (shapes and dtypes: no device sync)."""

from __future__ import annotations

import torch


def check_episode_batch(
    bins: torch.Tensor, failed: torch.Tensor | None, mask: torch.Tensor | None, call: str = "update"
) -> None:
    """Raise TypeError naming ``call`` and the argument when bins, failed or mask have the wrong dtype or shape
    (``failed`` may be None only for ``record_exposure``)."""
    # shape and dtype live on the host: checking them costs no device sync
    if not isinstance(bins, torch.Tensor) or bins.dtype not in (torch.int32, torch.int64) or bins.dim() != 1:
        raise TypeError(f"{call}(bins=...) expects a 1-D int32/int64 tensor of bin ids, got {_describe(bins)}.")
    for name, value in (("failed", failed), ("mask", mask)):
        if (value is not None or (name == "failed" and call != "record_exposure")) and (
            not isinstance(value, torch.Tensor) or value.dtype != torch.bool or value.shape != bins.shape
        ):
            raise TypeError(
                f"{call}({name}=...) expects a bool tensor of shape {_shape(bins)}, got {_describe(value)}."
            )


def _shape(value: torch.Tensor) -> tuple[int, ...]:
    return tuple(value.shape)


def _describe(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"{value.dtype} tensor of shape {tuple(value.shape)}"
    return type(value).__name__
