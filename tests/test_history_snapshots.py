"""Sampler history snapshots hold the values of their own step, and a resumed run's chunks replace what they redo."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from beyondmimic_adaptive.sampler import AdaptiveSampler, AdaptiveSamplerCfg, SamplerHistory, load_history


def test_each_cpu_snapshot_keeps_the_failure_rate_of_its_step(tmp_path):
    # on the CPU .cpu() returns the sampler's own tensor, which every fold updates in place
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.5), [200], fps=50.0)
    history = SamplerHistory(tmp_path, interval_steps=1)
    live = []
    for step in range(3):
        sampler.env_step = step
        history.maybe_record(sampler)
        live.append(sampler.failure_rate.tolist())
        sampler.update(torch.tensor([0, 1]), torch.tensor([True, True]))
    history.flush()
    saved = load_history(tmp_path)["failure_rate"]
    np.testing.assert_allclose(saved, np.array(live, dtype=np.float32))
    assert saved[0].tolist() != saved[2].tolist()  # the rates moved between the snapshots


def test_a_resumed_runs_snapshots_replace_those_written_after_its_state(tmp_path):
    uniform = torch.full((3,), 1 / 3)
    before = SamplerHistory(tmp_path, interval_steps=1, chunk_size=4)
    for step in range(10):  # a chunk of 4 is written on its own schedule, so steps 6-9 reach disk past the state
        before.record(step, uniform, torch.full((3,), float(step)))
        if step == 5:
            before.flush()  # the last state save: the run resumes from step 5
    resumed = SamplerHistory(tmp_path, interval_steps=1, chunk_size=4)
    for step in range(6, 12):
        resumed.record(step, uniform, torch.full((3,), 100.0 + step))
    resumed.flush()
    loaded = load_history(tmp_path)
    assert loaded["env_step"].tolist() == list(range(12))
    assert loaded["failure_rate"][:, 0].tolist() == [*range(6), *(100.0 + s for s in range(6, 12))]


def test_a_heatmap_row_sits_at_its_own_env_step_when_the_snapshots_are_unevenly_spaced():
    from beyondmimic_adaptive.viz.heatmap import rows_on_a_step_grid

    steps = np.array([0, 24, 48, 96, 192])  # the live hook thins old rows: the spacing doubles
    rows, bottom, top = rows_on_a_step_grid(steps)
    assert (bottom, top) == (0.0, 288.0) and len(rows) == 12  # a row per 24 steps, the last held for 96
    centers = bottom + (np.arange(len(rows)) + 0.5) * (top - bottom) / len(rows)
    for center, row in zip(centers, rows, strict=True):
        assert steps[row] <= center < (steps[row + 1] if row + 1 < len(steps) else top), (center, row)
    assert rows.tolist() == [0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]
    assert rows_on_a_step_grid(np.array([5]))[1:] == (5.0, 6.0)
    with pytest.raises(ValueError, match="env steps must increase"):
        rows_on_a_step_grid(np.array([0, 24, 24]))
