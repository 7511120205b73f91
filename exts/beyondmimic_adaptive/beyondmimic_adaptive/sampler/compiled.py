"""Fused bodies for the CUDA-graph steps: ``torch.compile`` before capture (``cfg.compile``).

A captured CUDA graph saves the host's launch overhead, but it still replays every kernel of its
capture one after the other: the fold is about thirteen small kernels, the sampling about five, and
on the device each costs a few microseconds even when it touches a few hundred elements. Compiling
the body with Inductor fuses its element-wise ops into a few generated kernels, and the graph then
captures those (the approach of ``torch.compile`` + manual ``torch.cuda.graph`` capture, see the
PyTorch docs on CUDA graphs and ``torch.compile``).

The compile happens lazily, inside the first warm-up call of a :class:`~.graphed.CudaGraphedStep`
(on its side stream), so the capture that follows records the compiled kernels. Inductor's own
CUDA graphs stay off (``triton.cudagraphs``): the step's capture owns the graph. ``fullgraph=True``
makes any graph break an error instead of a silent fallback to eager, and ``dynamic=False``
specialises on the fixed shapes the graph needs anyway. ``torch`` imports Dynamo and Inductor only
here, on first use: the sampler core runs without Triton.

Random numbers: Inductor draws ``torch.rand`` with its own Philox generator (seeded from torch's
default generator once per call, which a CUDA graph replays safely), so compiled draws follow the same
distribution as eager ones but are not the same numbers. :data:`COMPILE_OPTIONS` with
``fallback_random=True`` makes Inductor call torch's generator instead (the same draws as eager for a
given seed; tests use it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

COMPILE_OPTIONS: dict[str, Any] = {"triton.cudagraphs": False}
"""Inductor options of every compiled step: the options of ``mode="default"`` with Inductor's own CUDA
graphs explicitly off (``torch.compile`` takes ``mode`` or ``options``, not both)."""


def compile_step(step: Callable[[], None]) -> Callable[[], None]:
    """``step`` compiled with ``torch.compile(fullgraph=True, dynamic=False)`` and :data:`COMPILE_OPTIONS`.

    The compile itself runs at the first call of the returned callable.
    """
    import torch  # torch.compile imports Dynamo lazily; the attribute access is cheap

    return torch.compile(step, fullgraph=True, dynamic=False, options=dict(COMPILE_OPTIONS))
