"""A CPU stand-in for ``torch.cuda.set_sync_debug_mode("error")``: the Python-level ways per-step code could sync.

On CUDA, a host sync fails a graph capture (or costs a sync every step); on the CPU nothing fails, so these
tests refuse the calls that would sync while the per-step code runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import torch


def refuse(what: str):
    """A stand-in that fails the test, naming ``what`` was called."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"host sync in per-step code: {what}")

    return refuse


@contextlib.contextmanager
def no_host_sync(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail on the Python-level ways to make a CUDA graph capture fail (or sync every step)."""
    with monkeypatch.context() as patch:
        for name in ("item", "tolist", "__bool__", "__int__", "__float__", "nonzero", "unique", "cpu", "numpy"):
            patch.setattr(torch.Tensor, name, refuse(f"Tensor.{name}"))
        for name in ("nonzero", "unique", "masked_select", "argwhere"):
            patch.setattr(torch, name, refuse(f"torch.{name}"))
        get_item, set_item = torch.Tensor.__getitem__, torch.Tensor.__setitem__

        def check_index(index) -> None:
            for part in index if isinstance(index, tuple) else (index,):
                if isinstance(part, torch.Tensor) and part.dtype == torch.bool:
                    raise AssertionError("host sync in per-step code: boolean-mask indexing (data-dependent shape)")

        def getitem(self, index):
            check_index(index)
            return get_item(self, index)

        def setitem(self, index, value):
            check_index(index)
            return set_item(self, index, value)

        patch.setattr(torch.Tensor, "__getitem__", getitem)
        patch.setattr(torch.Tensor, "__setitem__", setitem)
        yield
