"""bench/choke_points.py: choke points from survival times, and a saved sampler state read back as drawn."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf
from script_run import exit_message, run_ok

from beyondmimic_adaptive.runs import train_config
from beyondmimic_adaptive.sampler import AdaptiveSampler, AdaptiveSamplerCfg, save_sampler_state

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from choke_points import choke_points


def report(played: list[float], completion: list[float]) -> dict:
    return {
        "median_seconds_played_per_bin": played,
        "completion_per_bin": completion,
        "median_furthest_frame": [300.0],
        "num_frames": [500],
        "bin_size_s": 1.0,
        "bin_motion": [0] * len(played),
        "fps": 50.0,
    }


def test_the_bin_where_most_failing_starts_end_comes_first():
    # 10 bins: starts in 0..5 end in bin 6 (6 - b seconds played), 7 falls where it starts, 8..9 complete
    played = [6.5 - b for b in range(6)] + [0.2, 0.4, 1.0, 1.0]
    completion = [0.0] * 8 + [1.0, 0.95]
    assert choke_points(report(played, completion)) == [(6, 7), (7, 1)]  # bin 6's own start ends there too


def test_a_failing_bin_whose_median_start_completes_the_clip_is_no_choke():
    # bins 0..2 end in bin 6; bins 3 and 4 fail in 20 % of their starts, but their median start plays from the
    # bin's first frame to the clip's last (499): it completes, and used to count as a choke in the last bin (9)
    played = [6.5 - b for b in range(3)] + [(499 - 50 * b) / 50 for b in (3, 4)] + [0.2] * 5
    completion = [0.0] * 3 + [0.8, 0.8] + [1.0] * 5
    assert choke_points(report(played, completion)) == [(6, 3)]


def test_states_and_reports_are_read_drawn_and_saved(tmp_path):
    cfg = AdaptiveSamplerCfg(attribution="hazard", alpha=1.0)
    sampler = AdaptiveSampler(cfg, [500], 50, device="cpu")  # 10 bins of 1 s
    bins = torch.arange(10).repeat(3)
    sampler.record_exposure(bins)
    sampler.record(torch.tensor([4, 4, 7]), torch.tensor([True, True, False]))
    sampler.fold()
    save_sampler_state(sampler, tmp_path / "state.pt")
    (tmp_path / "eval.json").write_text(json.dumps(report([2.0] * 10, [0.0] * 10)))
    out = tmp_path / "figs"
    stdout = run_ok(
        "bench/choke_points.py",
        "--reports", f"arm @ 1={tmp_path / 'eval.json'}",
        "--states", f"arm @ 1={tmp_path / 'state.pt'}",
        "--out", str(out),
    ).stdout  # fmt: skip
    assert "arm @ 1: furthest frame 300 of 500" in stdout
    assert "bins 0..9: p x bins" in stdout  # without --around: every bin
    saved = json.loads((out / "sampler_state.json").read_text())["arm @ 1"]
    assert saved["attribution"] == "hazard"
    torch.testing.assert_close(
        torch.tensor(saved["probability_x_bins"], dtype=torch.float64), sampler.probabilities.double() * 10
    )
    assert saved["failure_rate"][4] > 0 and saved["failure_rate"][7] == 0  # the falls' bin, a success's bin
    assert (out / "reach.png").stat().st_size > 0 and (out / "sampler_state.png").stat().st_size > 0


def test_a_word_without_a_label_is_refused(tmp_path):
    message = exit_message("bench/choke_points.py", "--reports", str(tmp_path / "eval.json"))
    assert "--reports: expected LABEL=PATH of an existing file" in message


def test_a_shorter_kernel_gives_the_hardest_bin_more_of_the_same_statistics(tmp_path):
    from choke_points import sampler_state, variant_line

    sampler = AdaptiveSampler(AdaptiveSamplerCfg(attribution="hazard", alpha=1.0), [500], 50, device="cpu")
    sampler.record_exposure(torch.arange(10).repeat(4))
    sampler.record(torch.tensor([6, 6, 6]), torch.tensor([True, True, True]))
    sampler.fold()
    save_sampler_state(sampler, tmp_path / "state.pt")
    default, short = sampler_state(tmp_path / "state.pt"), sampler_state(tmp_path / "state.pt", K=1)
    assert default["failure_rate"] == short["failure_rate"]  # the statistics are the state's
    torch.testing.assert_close(  # the default variant is the sampler's own distribution
        torch.tensor(default["probability_x_bins"], dtype=torch.float64), sampler.probabilities.double() * 10
    )
    assert short["probability_x_bins"][6] > default["probability_x_bins"][6]
    assert short["probability_x_bins"][5] < default["probability_x_bins"][5]  # no spread to the bin before
    assert variant_line(short, "K=1").startswith("K=1: bin 6 (rate")


def test_a_runs_state_is_drawn_with_the_runs_kernel(tmp_path):
    from choke_points import sampler_state

    cfg = AdaptiveSamplerCfg(attribution="hazard", alpha=1.0, K=1, gamma=0.5)
    sampler = AdaptiveSampler(cfg, [500], 50, device="cpu")
    sampler.record_exposure(torch.arange(10).repeat(4))
    sampler.record(torch.tensor([6, 6, 6]), torch.tensor([True, True, True]))
    sampler.fold()
    (tmp_path / "run" / "sampler").mkdir(parents=True)
    state = tmp_path / "run" / "sampler" / "state.pt"
    save_sampler_state(sampler, state)
    knobs = ["curriculum.adaptive.attribution=hazard", "curriculum.adaptive.alpha=1.0", "curriculum.adaptive.K=1"]
    OmegaConf.save(train_config([*knobs, "curriculum.adaptive.gamma=0.5"]).cfg, tmp_path / "run" / "config.yaml")
    drawn = sampler_state(state)
    assert drawn["knobs"].startswith("K=1, gamma=0.5,")
    torch.testing.assert_close(  # what the run drew, not the defaults' K=5, gamma=0.9
        torch.tensor(drawn["probability_x_bins"], dtype=torch.float64), sampler.probabilities.double() * 10
    )
    assert sampler_state(state, K=5)["probability_x_bins"][5] > drawn["probability_x_bins"][5]  # a variant wins
    (tmp_path / "run" / "config.yaml").write_text("curriculum: [K, 1]\n")  # not the schema's mapping
    message = exit_message("bench/choke_points.py", "--states", f"s={state}", "--out", str(tmp_path))
    assert "config.yaml: config error" in message and "restore it" in message


@pytest.mark.parametrize("variant,expected", [("alpha=0.5", "is not KEY=VALUE"), ("K=two", "is not a number")])
def test_a_bad_variant_is_refused(tmp_path, variant, expected):
    message = exit_message("bench/choke_points.py", "--variants", variant)
    assert expected in message


def test_a_report_without_survival_times_and_a_focus_outside_the_bins_are_refused(tmp_path):
    old = report([1.0] * 10, [0.0] * 10)
    del old["median_seconds_played_per_bin"]  # an evaluation made before survival times were reported
    (tmp_path / "old.json").write_text(json.dumps(old))
    message = exit_message("bench/choke_points.py", "--reports", f"old={tmp_path / 'old.json'}", "--out", str(tmp_path))
    assert "old: the report has no survival times; evaluate it again." in message
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(), [500], 50, device="cpu")
    save_sampler_state(sampler, tmp_path / "state.pt")
    argv = ["--states", f"s={tmp_path / 'state.pt'}", "--variants", "K=1", "--focus", "10", "--out", str(tmp_path)]
    message = exit_message("bench/choke_points.py", *argv)
    assert "--focus 10: s has bins 0..9." in message
    argv = ["--states", f"s={tmp_path / 'state.pt'}", "--around", "95", "117", "--out", str(tmp_path)]
    assert "--around 95 117: s has bins 0..9." in exit_message("bench/choke_points.py", *argv)
