"""Host time of a CUDA-graph replay by its node count, and of single small ops, with the GPU idle.

    python bench/graph_launch_cost.py

Isaac Lab's env step syncs on the reset ids just before ``_reset_idx``, so the curriculum term's calls start with an
empty queue and the host's launch time is the step's time. Each row is microseconds per call: replayed back to back
(queued), and after a device sync before each call (idle), with and without ``torch.cuda.device`` around it (what
``CudaGraphedStep`` does); then an ``index_put_`` of int32 reset ids, an ``index_fill_`` of int64 ones, and their
conversion. NVIDIA GPU only.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch


def queued_us(call: Callable[[], object], calls: int = 3000) -> float:
    for _ in range(50):
        call()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(calls):
        call()
    elapsed = time.perf_counter() - start
    torch.cuda.synchronize()
    return elapsed / calls * 1e6


def idle_us(call: Callable[[], object], calls: int = 500) -> float:
    total = 0.0
    for _ in range(calls):
        torch.cuda.synchronize()
        start = time.perf_counter()
        call()
        total += time.perf_counter() - start
    return total / calls * 1e6


def graph_of(nodes: int, buffer: torch.Tensor) -> torch.cuda.CUDAGraph:
    def body() -> None:
        for _ in range(nodes):
            buffer.add_(1.0)

    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        body()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        body()
    return graph


def main() -> None:
    device = torch.device("cuda", 0)
    buffer = torch.zeros(4096, device=device)
    print(f"{torch.cuda.get_device_name(device)}, torch {torch.__version__}")
    print("nodes  queued us  idle us  idle us in torch.cuda.device")
    for nodes in (1, 5, 10, 20, 40):
        graph = graph_of(nodes, buffer)

        def in_device(graph: torch.cuda.CUDAGraph = graph) -> None:
            with torch.cuda.device(device):
                graph.replay()

        print(f"{nodes:5d}  {queued_us(graph.replay):9.1f}  {idle_us(graph.replay):7.1f}  {idle_us(in_device):7.1f}")
    ids = torch.arange(0, 4096, 3, device=device, dtype=torch.int32)
    ids64 = ids.long()
    mask = torch.zeros(4096, dtype=torch.bool, device=device)
    true = torch.ones((), dtype=torch.bool, device=device)
    print(f"index_put_ of int32 ids, idle: {idle_us(lambda: mask.index_put_((ids,), true)):.1f} us")
    print(f"index_fill_ of int64 ids, idle: {idle_us(lambda: mask.index_fill_(0, ids64, True)):.1f} us")
    print(f"int32 -> int64 ids, idle: {idle_us(ids.long):.1f} us")
    print(f"add_, idle: {idle_us(lambda: buffer.add_(1.0)):.1f} us")


if __name__ == "__main__":
    main()
