"""Replay a fixed-shape step as one CUDA graph launch instead of a dozen kernel launches."""

from __future__ import annotations

import gc
from collections.abc import Callable

import torch

from .compiled import compile_step


class CudaGraphedStep:
    """Calls ``step`` eagerly; on CUDA, after ``warmup`` eager calls, captures it once and replays it.

    ``step`` must work on tensors whose addresses never change (in-place updates of persistent
    buffers) and must not synchronise with the host: both hold for the sampler's fold. Every call
    performs exactly one step: the capturing call replays the graph it just recorded.

    Warm-up, capture and replay run with ``device`` as the current CUDA device: side streams and
    captures belong to the current device, so a step on ``cuda:1`` captured while ``cuda:0`` is
    current would record none of its kernels (and its replays would update nothing).

    With ``compile``, ``step`` is first compiled (``compiled.py``: ``torch.compile``, fullgraph, static
    shapes) at its first call: on CUDA that is the first warm-up call, on the side stream, so the capture
    records the fused kernels. Without a graph (the CPU, or ``enabled`` off) every call runs the
    compiled step.
    """

    def __init__(
        self,
        step: Callable[[], None],
        device: torch.device,
        enabled: bool = True,
        warmup: int = 3,
        compile: bool = False,
    ):
        self._step = step
        self._compile = compile
        """Whether ``step`` is still to be compiled (at the first call)."""
        self._device = torch.device(device)
        self._use_graph = enabled and self._device.type == "cuda"
        self._warmup = warmup
        self._calls = 0
        self._graph: torch.cuda.CUDAGraph | None = None

    def __call__(self) -> None:
        if self._compile:
            self._compile = False
            self._step = compile_step(self._step)
        if not self._use_graph:
            self._step()
            return
        with torch.cuda.device(self._device):
            if self._graph is not None:
                self._graph.replay()
            else:
                self._warm_up_or_capture()

    def _warm_up_or_capture(self) -> None:
        self._calls += 1
        if self._calls <= self._warmup:
            # warm-up on a side stream, as CUDA graph capture requires (allocator, library handles)
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                self._step()
            torch.cuda.current_stream().wait_stream(side)
            return
        graph = torch.cuda.CUDAGraph()
        # A garbage collection during capture may free another, unreachable graph (samplers form
        # reference cycles with their graphed steps); freeing a graph while a stream captures
        # invalidates the capture. torch.cuda.graph no longer collects by default, so collect now
        # and hold the collector off until the capture ends. Seen on an H200 in bench/sampler_cost.py.
        collector_was_on = gc.isenabled()
        gc.collect()
        gc.disable()
        try:
            with torch.cuda.graph(graph):
                self._step()
        finally:
            if collector_was_on:
                gc.enable()
        graph.replay()
        self._graph = graph
