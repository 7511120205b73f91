"""What a benchmark's objects hold in memory (``bench/sampler_cost.py``'s MB columns): on CUDA the growth of
``torch.cuda.memory_allocated`` (CUDA graph pools included), on the CPU the bytes of every tensor storage reachable
from the objects."""

from __future__ import annotations

import gc
import types

import torch


def allocated_bytes(device: torch.device) -> int:
    """CUDA memory allocated now, after the previous cells' garbage is freed: tensors of an earlier
    cell that the collector would free during this cell's timed steps would count against it (a
    negative growth, seen on an H200: docs/benchmarks.md §1.4)."""
    if device.type != "cuda":
        return 0
    gc.collect()
    torch.cuda.synchronize(device)
    return torch.cuda.memory_allocated(device)


def held_bytes(device: torch.device, before: int, *objects: object) -> int:
    """CUDA: growth of the allocated memory since ``before`` (graph pools included); CPU: the bytes
    of every tensor storage reachable from ``objects``, each storage once."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        return torch.cuda.memory_allocated(device) - before
    storages: dict[int, int] = {}
    seen: set[int] = set()
    pending = list(objects)
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, torch.Tensor):
            storage = item.untyped_storage()
            storages[storage.data_ptr()] = storage.nbytes()
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, (list, tuple, set)):
            pending.extend(item)
        elif hasattr(item, "__dict__") and not isinstance(item, (type, types.ModuleType, torch.device, torch.dtype)):
            pending.extend(vars(item).values())
    return sum(storages.values())
