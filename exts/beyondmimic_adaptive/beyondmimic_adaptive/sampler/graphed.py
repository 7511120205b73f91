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


class GuardedGraphedStep:
    """A :class:`CudaGraphedStep` of ``step`` whose capture holds only while tensors it does not own stay put.

    A captured graph reads the memory its tensors had at capture. ``step`` may read buffers another
    component owns (Isaac Lab's termination and episode-length buffers), which that component updates in
    place today but might reallocate. ``sources`` returns their data pointers (host-side values: no sync);
    each call compares them with those of the capture, and a change captures ``step`` anew on the new
    memory. After ``max_recaptures`` changes (a component that reallocates often) ``step`` runs eagerly
    for good, which is always correct.

    ``variant`` (optional) returns the persistent object that decides which of its own tensors ``step`` reads
    now (the sampler's current CDF: warm-up, adaptive or a manual override): one capture is kept per variant,
    up to ``max_variants`` (then they are dropped and captured again as needed). A change of variant is the
    step's own choice, so it does not count as a recapture. The entry holds the object, so its id is not reused.
    """

    def __init__(
        self,
        step: Callable[[], None],
        sources: Callable[[], tuple[int, ...]],
        device: torch.device | str,
        max_recaptures: int = 2,
        variant: Callable[[], object] | None = None,
        max_variants: int = 4,
        compile: bool = False,
    ):
        self._step = step
        self._compile = compile
        """Compile ``step`` (``compiled.py``) in each capture's first warm-up call, as :class:`CudaGraphedStep` does."""
        self._sources = sources
        self._device = torch.device(device)
        self._max_recaptures = max_recaptures
        self._variant = variant
        self._max_variants = max_variants
        self.recaptures = 0
        """Times the sources moved after the first capture (each one a new capture, or eager once past the cap)."""
        self._key: tuple[int, ...] | None = None
        self._captures: dict[int, tuple[object, Callable[[], None]]] = {}
        """Per variant (keyed by its id, holding it): its graphed step (``step`` itself once eager)."""
        self._graphed: Callable[[], None] = step
        """The graphed step the last call ran."""

    @property
    def eager(self) -> bool:
        """Whether the step now runs eagerly for good (its sources moved more than ``max_recaptures`` times)."""
        return self.recaptures > self._max_recaptures

    @property
    def captures(self) -> int:
        """Variants with a graphed step now (each captured once, then replayed)."""
        return len(self._captures)

    def __call__(self) -> None:
        key = self._sources()
        if key != self._key:
            if self._key is not None:
                self.recaptures += 1
            self._key = key
            self._captures.clear()  # every variant's capture read the old memory
        variant = self._variant() if self._variant is not None else None
        entry = self._captures.get(id(variant))
        if entry is None:
            if len(self._captures) >= self._max_variants:
                self._captures.clear()
            step = self._step if self.eager else CudaGraphedStep(self._step, self._device, compile=self._compile)
            entry = (variant, step)
            self._captures[id(variant)] = entry
        self._graphed = entry[1]
        self._graphed()
