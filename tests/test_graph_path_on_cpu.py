"""What of the CUDA-graph path can be checked without a GPU.

A CUDA graph replays the kernels of its capture on the same memory, so the per-step code must (1)
never synchronise with the host (a capture fails on ``.item()``, ``bool(tensor)``, boolean-mask
indexing or data-dependent shapes), (2) update persistent buffers in place (an op that rebinds an
attribute to a new tensor is replayed into the old one, and the sampler never sees the update) and
(3) mean the same on the graph path (full-width persistent inputs and outputs) as eagerly. All three
run here on the CPU; tests/test_graphed_device.py covers the device handling with a fake CUDA.
"""

from __future__ import annotations

import pytest
import torch
from host_sync import no_host_sync, refuse

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import PerEnvSampling, graphed
from beyondmimic_adaptive.sampler.graphed import CudaGraphedStep

pytestmark = pytest.mark.fast

FRAMES = [250, 120, 75]
NUM_ENVS = 32
CONFIGS = {
    "start": {},
    "failure": {"attribution": "failure"},
    "hazard_prior": {"attribution": "hazard", "rate_prior": 2.0, "rate_prior_mean": 0.1},
    "cap_prior": {"max_prob_ratio": 2.0, "rate_prior": 1.0},
    "warmup": {"warmup_steps": 10**6},
    "manual": {"manual_probabilities": [1.0] * 10},
}


def make(**cfg) -> AdaptiveSampler:
    """A sampler on the fixed-shape path: what runs on CUDA (the CPU's default for large libraries is the
    changed-bins path, which is CPU-only and may read sizes on the host)."""
    cfg.setdefault("alpha", 0.3)
    return AdaptiveSampler(AdaptiveSamplerCfg(**cfg), motion_num_frames=FRAMES, fps=50, fixed_shapes=True)


def graph_path(sampler: AdaptiveSampler) -> PerEnvSampling:
    """PerEnvSampling on its CUDA-graph path (persistent inputs, full-width draws), replayed eagerly."""
    per_env = PerEnvSampling(sampler, NUM_ENVS, fixed_shapes=True)
    per_env._use_graph = True  # the CudaGraphedSteps of a CPU sampler call their step eagerly
    return per_env


def rows(generator: torch.Generator, num_bins: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    bins = torch.randint(0, num_bins, (NUM_ENVS,), generator=generator)
    return bins, torch.rand(NUM_ENVS, generator=generator) < 0.4, torch.rand(NUM_ENVS, generator=generator) < 0.3


def one_env_step(per_env: PerEnvSampling, generator: torch.Generator) -> None:
    """What the terms do each env step: record finished episodes, count exposure, fold, sample starts."""
    bins, failed, finished = rows(generator, per_env.sampler.num_bins)
    per_env.record(bins, failed, finished)
    per_env.record_exposure(bins)
    per_env.sampler.fold()
    per_env.sample()


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_per_step_code_never_syncs_with_the_host(monkeypatch, config):
    sampler = make(**CONFIGS[config])
    generator = torch.Generator().manual_seed(0)
    # the graph path and the eager CUDA path (fixed shapes: the CPU's default records only finished rows)
    for per_env in (graph_path(sampler), PerEnvSampling(sampler, NUM_ENVS, fixed_shapes=True)):
        one_env_step(per_env, generator)  # the first call may set up (host-side) state
        with no_host_sync(monkeypatch):
            for _ in range(3):
                one_env_step(per_env, generator)
            bins, _, _ = rows(generator, sampler.num_bins)
            sampler.update(bins, bins % 3 == 0)
            sampler.sample(NUM_ENVS)
            per_env.sample(torch.arange(4))


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_per_step_code_updates_persistent_buffers_in_place(config):
    """A replayed graph writes into the tensors it captured: none may be rebound to a new tensor."""
    sampler = make(**CONFIGS[config])
    per_env = graph_path(sampler)
    generator = torch.Generator().manual_seed(1)
    one_env_step(per_env, generator)

    def buffers() -> dict[str, tuple[int, int]]:
        found = {}
        for owner, prefix in ((sampler, "sampler."), (per_env, "per_env.")):
            for name, value in vars(owner).items():
                if isinstance(value, torch.Tensor):
                    found[prefix + name] = (id(value), value.data_ptr())
        return found

    before, cdf = buffers(), sampler.sampling_cdf
    outputs = per_env.sample()
    for _ in range(5):
        one_env_step(per_env, generator)
    assert buffers() == before, sorted(k for k, v in buffers().items() if before.get(k) != v)
    assert sampler.sampling_cdf is cdf  # the CDF a sampling graph captured stays the one the fold updates
    assert all(a is b for a, b in zip(per_env.sample(), outputs, strict=True))  # persistent outputs
    assert sampler.episode_counts.sum() > 0  # the steps did record episodes


@pytest.mark.parametrize("config", ["start", "hazard_prior", "cap_prior"])
def test_graph_path_records_exactly_like_the_eager_path(config):
    graphed, eager = make(**CONFIGS[config]), make(**CONFIGS[config])
    on_graph, eagerly = graph_path(graphed), PerEnvSampling(eager, NUM_ENVS)
    generator = torch.Generator().manual_seed(2)
    for _ in range(20):
        bins, failed, finished = rows(generator, graphed.num_bins)
        for per_env in (on_graph, eagerly):
            per_env.record(bins.to(torch.int32), failed, finished)
            per_env.record_exposure(bins)
            per_env.sampler.fold()
    for name in ("episode_counts", "failure_counts", "exposure_counts", "failure_rate", "_adaptive_cdf"):
        assert torch.equal(getattr(graphed, name), getattr(eager, name)), name
    assert graphed.episode_counts.sum() > 0


def test_graph_path_draws_every_row_from_the_current_distribution():
    sampler = make(lambda_uniform=0.0, K=1, alpha=1.0, warmup_steps=5)
    per_env = PerEnvSampling(sampler, 4000)
    per_env._use_graph = True
    sampler.update(torch.tensor([1, 1, 7, 7, 7]), torch.tensor([True, True, True, False, False]))
    # warm-up: uniform over frames, every row fresh (the graph path draws all rows, whatever was asked)
    bins, motions, frames = per_env.sample(torch.tensor([0, 1]))
    share = torch.bincount(bins, minlength=sampler.num_bins).double() / 4000
    lengths = sampler.layout.bin_length.double()
    torch.testing.assert_close(share, lengths / lengths.sum(), atol=0.02, rtol=0)
    # after the warm-up the sampling CDF is another tensor: the draws must follow it (rates 1 and 1/3)
    sampler.env_step = 5
    bins, motions, frames = per_env.sample(torch.tensor([0, 1]))
    assert set(bins.tolist()) == {1, 7}
    assert (bins == 1).double().mean().item() == pytest.approx(0.75, abs=0.03)
    layout = sampler.layout
    assert torch.equal(motions, layout.bin_motion[bins])
    assert bool(
        ((frames >= layout.bin_start[bins]) & (frames < layout.bin_start[bins] + layout.bin_length[bins])).all()
    )


def test_disabled_graphs_on_a_cuda_device_run_eagerly_without_touching_cuda(monkeypatch):
    """``cuda_graph: false`` is the eager fallback: one plain call per step, no stream, no capture."""
    for name in ("device", "Stream", "CUDAGraph", "graph", "current_stream"):
        monkeypatch.setattr(torch.cuda, name, refuse(f"torch.cuda.{name} with graphs disabled"))
    calls = []
    step = CudaGraphedStep(lambda: calls.append(1), torch.device("cuda", 0), enabled=False)
    for _ in range(6):
        step()
    assert len(calls) == 6


def test_graph_path_gathers_the_reset_rows_of_the_draw_with_one_op(monkeypatch):
    per_env = graph_path(make())
    per_env.sample()  # the graph's draw, for every env
    drawn = [t.clone() for t in (per_env._start_bins, per_env._start_motions, per_env._start_frames)]
    monkeypatch.setattr(per_env, "_replay_sampling", lambda: None)  # time only the reset rows' gather
    ids = torch.tensor([3, 0, 17], dtype=torch.int32)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        starts = per_env.starts(ids)
    ops = [e.name for e in prof.events() if e.name.startswith("aten::") and e.cpu_parent is None]
    assert ops == ["aten::index_select", "aten::unbind"], ops  # one gather (a kernel); unbind makes views
    for got, whole in zip(starts, drawn, strict=True):
        assert torch.equal(got, whole.index_select(0, ids.long()))


def stand_in_captures(monkeypatch) -> list[bool]:
    """Swap ``CudaGraphedStep`` for a stand-in that runs the step eagerly; returns the list it appends each capture's
    ``compile`` flag to (a capture is what a source change or a new variant must cause)."""
    captured: list[bool] = []

    class Capture:
        def __init__(self, step, device, compile=False):
            captured.append(compile)
            self._step = step

        def __call__(self):
            self._step()

    monkeypatch.setattr(graphed, "CudaGraphedStep", Capture)
    return captured


def test_guarded_step_is_captured_anew_when_a_source_moves_and_runs_eagerly_past_the_cap(monkeypatch):
    captured = stand_in_captures(monkeypatch)
    calls, pointers = [], [(1, 2)]
    guarded = graphed.GuardedGraphedStep(lambda: calls.append(1), lambda: pointers[-1], "cpu", max_recaptures=2)
    for _ in range(3):
        guarded()
    assert len(captured) == 1 and guarded.recaptures == 0  # the sources stayed put: one capture, replayed
    pointers.append((1, 3))  # the env reallocated a buffer the step reads
    guarded(), guarded()
    assert len(captured) == 2 and guarded.recaptures == 1 and not guarded.eager
    pointers.append((4, 3))
    guarded()
    pointers.append((5, 3))
    guarded()
    assert len(captured) == 3 and guarded.recaptures == 3 and guarded.eager  # past the cap: eager for good
    assert len(calls) == 7  # every call ran the step exactly once
    assert captured == [False] * 3
    graphed.GuardedGraphedStep(lambda: None, lambda: (1,), "cpu", compile=True)()
    assert captured[-1] is True  # each capture compiles the step where the owner asks (the sampler's compile)


def test_guarded_step_keeps_one_capture_per_variant_and_a_source_move_drops_them_all(monkeypatch):
    captured = stand_in_captures(monkeypatch)
    warmup, adaptive = torch.zeros(3), torch.ones(3)  # the step's own choice of what to read (the sampler's CDF)
    variant, pointers = [warmup], [(1,)]
    guarded = graphed.GuardedGraphedStep(lambda: None, lambda: pointers[-1], "cpu", variant=lambda: variant[-1])
    guarded(), guarded()
    variant.append(adaptive)
    guarded(), guarded()
    variant.append(warmup)  # back: the first capture is replayed, not captured again
    guarded()
    assert len(captured) == 2 and guarded.captures == 2 and guarded.recaptures == 0
    pointers.append((2,))  # a source moved: every variant's capture read the old memory
    guarded()
    assert len(captured) == 3 and guarded.captures == 1 and guarded.recaptures == 1
