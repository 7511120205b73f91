"""Sampler history files name their per-bin statistic; old files (no name) load as failure_rate (no simulation)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from beyondmimic_adaptive.sampler import SamplerHistory, load_history
from beyondmimic_adaptive.viz import draw_sampler_heatmap

ROOT = Path(__file__).resolve().parents[1]


def test_an_old_history_file_without_a_name_loads_as_failure_rate(tmp_path):
    np.savez_compressed(
        tmp_path / "history_00000.npz",
        env_step=np.array([0, 240], dtype=np.int64),
        probabilities=np.full((2, 4), 0.25, dtype=np.float32),
        failure_rate=np.zeros((2, 4), dtype=np.float32),
    )
    history = load_history(tmp_path)
    assert history["statistic"] == "failure_rate" and history["failure_rate"].shape == (2, 4)
    assert history["env_step"].tolist() == [0, 240]


def test_the_committed_histories_still_load():
    history = load_history(ROOT / "docs" / "data" / "table2_dance1" / "adaptive")
    assert history["statistic"] == "failure_rate"
    assert history["failure_rate"].shape == history["probabilities"].shape


def test_a_named_statistic_round_trips_under_its_key(tmp_path):
    history = SamplerHistory(tmp_path, interval_steps=10, statistic="failed_count")
    for step in range(25):
        if history.due(step):
            history.record(step, torch.full((3,), 1 / 3), torch.tensor([0.0, float(step), 0.0]))
    history.flush()
    loaded = load_history(tmp_path)
    assert loaded["statistic"] == "failed_count" and "failure_rate" not in loaded
    assert loaded["env_step"].tolist() == [0, 10, 20]
    assert loaded["failed_count"][:, 1].tolist() == [0.0, 10.0, 20.0]


def test_mixed_statistics_in_one_folder_are_refused(tmp_path):
    for statistic in ("failure_rate", "failed_count"):
        history = SamplerHistory(tmp_path, interval_steps=1, statistic=statistic)
        history.record(0, torch.ones(2) / 2, torch.zeros(2))
        history.flush()
    with pytest.raises(ValueError, match="mixes statistics"):
        load_history(tmp_path)


@pytest.mark.parametrize("bad", ["probabilities", "env_step", "statistic", "failed count"])
def test_a_bad_statistic_name_is_refused(tmp_path, bad):
    with pytest.raises(ValueError, match="must be a Python identifier"):
        SamplerHistory(tmp_path, interval_steps=1, statistic=bad)


@pytest.mark.parametrize(
    "statistic,label", [("failure_rate", "failure rate"), ("failed_count", "EMA failure count per env step")]
)
def test_the_second_panel_is_labelled_by_the_statistic(statistic, label):
    fig = draw_sampler_heatmap(np.arange(2), np.full((2, 3), 1 / 3), np.zeros((2, 3)), statistic=statistic)
    assert [ax.get_title() for ax in fig.axes[:2]] == ["start probability", label]


def test_the_default_panel_is_the_failure_rate():
    fig = draw_sampler_heatmap(np.arange(2), np.full((2, 3), 1 / 3), np.zeros((2, 3)))
    assert fig.axes[1].get_title() == "failure rate"
