"""CudaGraphedStep warms up, captures and replays on the sampler's own CUDA device, not the current one."""

from __future__ import annotations

import contextlib

import pytest
import torch

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler.graphed import CudaGraphedStep

pytestmark = pytest.mark.fast


class FakeCuda:
    """Stand-ins for the torch.cuda calls CudaGraphedStep makes; logs the current device of each event."""

    def __init__(self, current: int):
        self.current = current
        self.log: list[tuple[str, int]] = []
        fake = self

        class Stream:
            def __init__(self):
                fake.log.append(("stream", fake.current))

            def wait_stream(self, other):
                pass

        class CUDAGraph:
            def replay(self):
                fake.log.append(("replay", fake.current))

        self.Stream = Stream
        self.CUDAGraph = CUDAGraph

    @contextlib.contextmanager
    def device(self, device):
        previous, self.current = self.current, torch.device(device).index
        try:
            yield
        finally:
            self.current = previous

    def current_stream(self):
        return self.Stream.__new__(self.Stream)

    def stream(self, stream):
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def graph(self, graph):
        self.log.append(("capture begin", self.current))
        yield
        self.log.append(("capture end", self.current))


def test_warmup_capture_and_replay_enter_the_step_device(monkeypatch):
    fake = FakeCuda(current=0)
    for name in ("device", "Stream", "current_stream", "stream", "CUDAGraph", "graph"):
        monkeypatch.setattr(torch.cuda, name, getattr(fake, name))
    step = CudaGraphedStep(lambda: fake.log.append(("step", fake.current)), torch.device("cuda", 1), warmup=2)
    for _ in range(4):
        step()
    assert [event for event, _ in fake.log] == [
        "stream",
        "step",
        "stream",
        "step",
        "capture begin",
        "step",
        "capture end",
        "replay",
        "replay",
    ]
    assert {device for _, device in fake.log} == {1}  # every one of them on cuda:1
    assert fake.current == 0  # the caller's current device is left as it was


def test_cpu_steps_never_touch_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device", lambda device: pytest.fail("CUDA device entered for a CPU step"))
    calls = []
    step = CudaGraphedStep(lambda: calls.append(1), torch.device("cpu"))
    for _ in range(5):
        step()
    assert len(calls) == 5


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_graphed_sampler_on_the_last_gpu_keeps_updating_while_gpu_0_is_current():
    device = torch.device("cuda", torch.cuda.device_count() - 1)  # cuda:1 on a machine with two GPUs
    cfg = AdaptiveSamplerCfg(cuda_graph=True)
    graphed = AdaptiveSampler(cfg, [400], 50, device=device)
    eager = AdaptiveSampler(AdaptiveSamplerCfg(cuda_graph=False), [400], 50, device="cpu")
    generator = torch.Generator().manual_seed(0)
    with torch.cuda.device(0):
        for _ in range(8):  # past the warm-up: the later folds are graph replays
            bins = torch.randint(0, graphed.num_bins, (64,), generator=generator)
            failed = torch.rand(64, generator=generator) < 0.3
            graphed.record(bins.to(device), failed.to(device))
            eager.record(bins, failed)
            graphed.fold()
            eager.fold()
    torch.cuda.synchronize(device)
    for key in ("episode_counts", "failure_counts", "failure_rate", "probabilities"):
        torch.testing.assert_close(getattr(graphed, key).cpu(), getattr(eager, key), msg=key)
