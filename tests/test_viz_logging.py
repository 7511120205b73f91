"""Sampler logging hooks, heatmap, stick-figure edges and the W&B run-file reader (no simulation)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from beyondmimic_adaptive.hydra_config import ConfigError, compose_config, parse_run
from beyondmimic_adaptive.sampler import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.viz import render_sampler_heatmap
from beyondmimic_adaptive.viz.stick_figure import StickFigureRenderer, tracked_edges
from beyondmimic_adaptive.viz.train_logging import SamplerLogHook, attach_log_hooks
from beyondmimic_adaptive.viz.wandb_offline import read_records


class FakeWriter:
    """Records what TensorBoard's SummaryWriter would be asked to write."""

    def __init__(self):
        self.histograms: dict[str, list[dict]] = {}
        self.images: list[tuple[str, tuple[int, ...], int]] = []

    def add_histogram_raw(self, tag, global_step, **kwargs):
        self.histograms.setdefault(tag, []).append(dict(kwargs, step=global_step))

    def add_image(self, tag, image, step, dataformats):
        assert dataformats == "HWC"
        self.images.append((tag, image.shape, step))


class FakeTerm:
    def __init__(self, sampler: AdaptiveSampler):
        self.sampler = sampler
        self.env_step = 0


def make_sampler() -> AdaptiveSampler:
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(), [250, 120], fps=50.0)
    bins = torch.arange(sampler.num_bins)
    sampler.update(bins, bins == 2)  # one failure in bin 2: the distribution leans towards bins 0-2
    return sampler


def test_hook_logs_per_bin_histograms_and_images_every_interval():
    term = FakeTerm(make_sampler())
    writer = FakeWriter()
    hook = SamplerLogHook(term, "adaptive", image_interval=3)
    for it in range(7):
        term.env_step = 24 * it
        hook(writer, it)
    probabilities = term.sampler.probabilities.numpy()
    logged = writer.histograms["Sampler/adaptive/start_probability"][-1]
    # bucket b holds bin b's probability: the histogram is the per-bin distribution itself
    np.testing.assert_allclose(logged["bucket_counts"], probabilities, rtol=1e-6)
    assert logged["bucket_limits"] == [b + 0.5 for b in range(term.sampler.num_bins)]
    assert logged["num"] == pytest.approx(1.0, abs=1e-5)
    failure = writer.histograms["Sampler/adaptive/failure_rate"][-1]["bucket_counts"]
    np.testing.assert_allclose(failure, term.sampler.failure_rate.numpy())
    assert [step for _, _, step in writer.images] == [0, 3, 6]
    assert all(tag == "Sampler/adaptive/heatmap" and shape[2] == 3 for tag, shape, _ in writer.images)
    assert len(hook.image_seconds) == 3 and len(hook.hook_seconds) == 7


def test_hook_thins_old_snapshots_and_keeps_the_newest():
    term = FakeTerm(make_sampler())
    hook = SamplerLogHook(term, "adaptive", image_interval=0, max_rows=4)
    for it in range(30):
        term.env_step = it
        hook(FakeWriter(), it)
    assert len(hook.steps) <= 8 and hook.steps[-1] == 29
    assert hook.steps == sorted(hook.steps)


def test_attach_log_hooks_runs_after_the_runner_log_only_with_a_writer():
    class Logger:
        writer = None

        def __init__(self):
            self.calls = []

        def log(self, it, **kwargs):
            self.calls.append(it)

    class Runner:
        logger = Logger()

    runner, seen = Runner(), []
    attach_log_hooks(runner, [lambda writer, it: seen.append((writer, it))])
    runner.logger.log(it=0, collect_time=1.0)
    assert runner.logger.calls == [0] and seen == []  # no writer (another rank, or no log dir)
    runner.logger.writer = "w"
    runner.logger.log(it=1, collect_time=1.0)
    assert seen == [("w", 1)]


def test_heatmap_image_and_bad_shapes():
    image = render_sampler_heatmap(np.arange(3), np.full((3, 5), 0.2), np.zeros((3, 5)), figsize=(4, 2), dpi=50)
    assert image.shape == (100, 200, 3) and image.dtype == np.uint8 and image.std() > 0
    with pytest.raises(ValueError, match="must both be"):
        render_sampler_heatmap(np.arange(3), np.zeros((3, 5)), np.zeros((3, 4)))


@pytest.mark.parametrize(
    ("override", "message"),
    [("logger=neptune", "logger='neptune' is invalid"), ("image_interval=-1", "image_interval=-1 is invalid")],
)
def test_logger_keys_are_validated(override, message):
    with pytest.raises(ConfigError, match=message):
        parse_run(compose_config("train", [override]))
    run = parse_run(compose_config("train", ["logger=wandb", "image_interval=0"]))
    assert run.logger == "wandb" and run.image_interval == 0


def test_wandb_without_credentials_stops_before_the_env_unless_offline(tmp_path, monkeypatch):
    from beyondmimic_adaptive.runs import RunError
    from beyondmimic_adaptive.runs.runner import check_logger

    run = parse_run(compose_config("train", ["logger=wandb"]))
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.delenv("WANDB_MODE", raising=False)
    with pytest.raises(RunError, match=r"no W&B credentials .* set WANDB_MODE=offline"):
        check_logger(run)
    monkeypatch.setenv("WANDB_MODE", "offline")
    check_logger(run)  # offline needs no login
    check_logger(parse_run(compose_config("train", [])))  # tensorboard: nothing to check


def test_stick_figure_edges_and_frame():
    parents = {"root": None, "hip": "root", "knee": "hip", "foot": "knee", "chest": "root", "hand": "chest"}
    # untracked hip and chest are skipped: knee hangs from root, hand from root
    assert tracked_edges(parents, ["root", "knee", "foot", "hand"]) == [(0, 1), (1, 2), (0, 3)]
    with pytest.raises(ValueError, match="'elbow' is not in the robot's kinematic tree"):
        tracked_edges(parents, ["root", "elbow"])
    renderer = StickFigureRenderer([(0, 1), (1, 2)], width=160, height=128)
    pos = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 0.5], [0.0, 0.1, 0.0]])
    frame = renderer.render(pos, pos + 0.1, "bin 3")
    assert frame.shape == (128, 160, 3)
    for width in (100, 0, -16):  # 0 passed the old check, and ffmpeg then wrote nothing
        with pytest.raises(ValueError, match="must be positive multiples of 16"):
            StickFigureRenderer([], width=width, height=128)


def test_wandb_reader_rejects_foreign_files(tmp_path):
    path = tmp_path / "run-x.wandb"
    path.write_bytes(b"not a wandb file")
    with pytest.raises(ValueError, match="is not a W&B run file"):
        read_records(path)
