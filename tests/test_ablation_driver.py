"""bench/ablation.py on the CPU: one tiny chunk per arm, results appended, a rerun continues (does nothing).

The driver runs in the test process (its ``main``); each arm trains in a process of its own, as on a GPU.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from script_run import exit_message, run_ok

from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from ablation_plots import reach_grid


def run_ablation(out, *extra: str) -> str:
    """The driver's stdout."""
    argv = ["--out", str(out), "--device", "cpu", "--num-envs", "4", "--eval-every", "2", "--envs-per-bin", "1"]
    return run_ok("bench/ablation.py", *argv, *extra, "--motion-files", str(DEMO_SHORT_MOTION)).stdout


def test_ablation_evaluates_every_checkpoint_of_each_arm_and_resumes(tmp_path):
    run_ablation(tmp_path, "--max-iterations", "4", "--arms", "adaptive", "uniform")
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    # checkpoints model_2 and the final model_3 (model_0 is the untrained policy: not evaluated)
    assert sorted((r["arm"], r["iterations"]) for r in rows) == [
        ("adaptive", 2),
        ("adaptive", 3),
        ("uniform", 2),
        ("uniform", 3),
    ]
    assert all(len(r["completion_per_bin"]) == 8 and r["train_wall_s"] > 0 for r in rows)

    # a kill inside rsl-rl's (non-atomic) save leaves a cut-off checkpoint: neither evaluated nor resumed
    complete = (tmp_path / "adaptive" / "model_3.pt").read_bytes()
    (tmp_path / "adaptive" / "model_5.pt").write_bytes(complete[: len(complete) // 2])
    # a larger budget continues the arm from its latest complete checkpoint; evaluated ones are not redone
    stdout = run_ablation(tmp_path, "--max-iterations", "6", "--arms", "adaptive", "--plot")
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert sorted(r["iterations"] for r in rows if r["arm"] == "adaptive") == [2, 3, 4, 5]
    log = (tmp_path / "adaptive_train.log").read_text()
    assert "skipping model_5.pt: truncated" in log and "resumed model_3.pt" in log
    assert "completes at" in stdout and "adaptive" in stdout
    assert (tmp_path / "ablation.png").stat().st_size > 0
    assert (tmp_path / "completion_heatmaps.png").stat().st_size > 0


def test_summary_names_the_first_completing_checkpoint_or_never(tmp_path):
    def row(arm: str, iterations: int, full: float) -> str:
        per_bin = [1.0, 0.5, full]
        return json.dumps(
            {"arm": arm, "iterations": iterations, "train_wall_s": 1.0, "mean_completion": sum(per_bin) / 3,
             "full_clip_completion": [full], "completion_per_bin": per_bin}
        )  # fmt: skip

    lines = [row("adaptive", 250, 0.5), row("adaptive", 500, 0.95), row("uniform", 250, 0.5), row("uniform", 500, 0.8)]
    (tmp_path / "results.jsonl").write_text("\n".join(lines) + "\n")
    stdout = run_ok("bench/ablation.py", "--out", str(tmp_path), "--plot-only", "--done-at", "0.9").stdout
    rows = {
        line.split()[0]: line.split() for line in stdout.splitlines() if line.split()[:1] in (["adaptive"], ["uniform"])
    }
    assert rows["adaptive"][1:4] == ["500", "500", "0.817"] and rows["adaptive"][4] == "1"
    assert rows["uniform"][1] == "never"


def test_ingest_adds_evaluations_made_elsewhere_once(tmp_path):
    def report(completion: float) -> dict:
        per_bin = [completion, 1.0]
        return {"mean_completion": sum(per_bin) / 2, "full_clip_completion": [completion],
                "completion_per_bin": per_bin, "median_furthest_frame": [70], "num_frames": [100],
                "envs_per_bin": 16, "median_seconds_played_per_bin": [1.5, 2.0]}  # fmt: skip

    for iterations, completion in ((1250, 0.25), (1500, 0.5), (999, 0.0)):
        (tmp_path / "hazard" / f"eval_model_{iterations}").mkdir(parents=True)
        (tmp_path / "hazard" / f"eval_model_{iterations}" / "eval.json").write_text(json.dumps(report(completion)))
    (tmp_path / "hazard" / "eval_other").mkdir()  # not a checkpoint's evaluation: ignored
    (tmp_path / "hazard" / "eval_other" / "eval.json").write_text("{}")
    known = {"arm": "hazard", "iterations": 999, "train_wall_s": 1089.0, **report(0.0)}
    (tmp_path / "results.jsonl").write_text(json.dumps(known) + "\n")

    stdout = run_ok("bench/ablation.py", "--out", str(tmp_path), "--arms", "hazard", "--ingest").stdout
    assert "ingested hazard @ 1250" in stdout and "ingested hazard @ 1500" in stdout and "@ 999" not in stdout
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [(r["iterations"], r["train_wall_s"]) for r in rows] == [(999, 1089.0), (1250, None), (1500, None)]
    assert rows[2]["full_clip_completion"] == [0.5] and rows[2]["median_seconds_played_per_bin"] == [1.5, 2.0]
    assert rows[2]["envs_per_bin"] == 16 and not (tmp_path / "hazard_train.log").exists()  # nothing trained
    run_ok("bench/ablation.py", "--out", str(tmp_path), "--arms", "hazard", "--ingest")
    assert len((tmp_path / "results.jsonl").read_text().splitlines()) == 3  # a rerun adds nothing
    run_ok("bench/ablation.py", "--out", str(tmp_path), "--plot-only")
    assert (tmp_path / "reach_latest.png").stat().st_size > 0  # the latest row carries survival times
    assert (tmp_path / "reach_heatmaps.png").stat().st_size > 0


def test_reach_grid_is_where_each_start_bin_ends_per_checkpoint():
    rows = [
        {"iterations": 250, "median_seconds_played_per_bin": [2.0, 1.0, 0.5]},
        {"iterations": 500},  # evaluated before survival times were recorded: left out
        {"iterations": 750, "median_seconds_played_per_bin": [3.0, 2.0, 1.0]},
    ]
    iterations, grid = reach_grid(rows, bin_size_s=0.5)
    assert iterations == [250, 750]
    assert grid.tolist() == [[4.0, 3.0, 3.0], [6.0, 5.0, 4.0]]  # start bin + seconds played / 0.5 s
    none, empty = reach_grid([{"iterations": 1}])
    assert none == [] and empty.size == 0


def test_a_results_row_keeps_the_reports_bin_size_and_mixed_sizes_are_not_plotted_together(tmp_path):
    from ablation import REPORT_KEYS, result_row

    report = {key: [0.5] for key in REPORT_KEYS} | {"bin_size_s": 0.5}
    assert result_row("adaptive", 2, report, None)["bin_size_s"] == 0.5  # the reach plots divided by 1 s
    rows = [result_row(arm, 2, report | {"bin_size_s": size}, None) for arm, size in (("a", 0.5), ("b", 1.0))]
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    message = exit_message("bench/ablation.py", "--out", str(tmp_path), "--plot-only")
    assert "the rows' bin sizes differ ([0.5, 1.0] s); plot arms of one bin size" in message


def test_ingest_refuses_a_report_it_cannot_read_and_adds_nothing(tmp_path):
    good = {"mean_completion": 1.0, "full_clip_completion": [1.0], "completion_per_bin": [1.0],
            "median_furthest_frame": [9], "num_frames": [10], "envs_per_bin": 2}  # fmt: skip
    for name, text in (("eval_model_5", json.dumps(good)), ("eval_model_7", '{"mean_completion": 0.5}')):
        (tmp_path / "adaptive" / name).mkdir(parents=True)
        (tmp_path / "adaptive" / name / "eval.json").write_text(text)
    message = exit_message("bench/ablation.py", "--out", str(tmp_path), "--arms", "adaptive", "--ingest")
    assert "eval_model_7/eval.json lacks full_clip_completion" in message and "evaluate the checkpoint again" in message
    assert not (tmp_path / "results.jsonl").exists() or not (tmp_path / "results.jsonl").read_text()
    (tmp_path / "adaptive" / "eval_model_7" / "eval.json").write_text("{not json")
    message = exit_message("bench/ablation.py", "--out", str(tmp_path), "--arms", "adaptive", "--ingest")
    assert "eval_model_7/eval.json is not an evaluation report" in message
    # an evaluation from some bins only (scripts/evaluate.py --start-bins) has no per-bin curve to add
    partial = good | {"completion_per_bin": [1.0, None, None], "start_bins": [0]}
    (tmp_path / "adaptive" / "eval_model_7" / "eval.json").write_text(json.dumps(partial))
    message = exit_message("bench/ablation.py", "--out", str(tmp_path), "--arms", "adaptive", "--ingest")
    assert "eval_model_7/eval.json: the evaluation started from 1 of 3 bins ([0])" in message
    assert "evaluate again without --start-bins" in message
    assert not (tmp_path / "results.jsonl").exists() or not (tmp_path / "results.jsonl").read_text()


def test_a_variant_arm_trains_as_its_base_arm_with_more_overrides(tmp_path):
    import yaml

    run_ablation(
        tmp_path, "--max-iterations", "1", "--train-only", "--arms", "hazard_k1",
        "--variant", "hazard_k1=hazard:curriculum.adaptive.K=1,curriculum.adaptive.gamma=0.5",
    )  # fmt: skip
    config = yaml.safe_load((tmp_path / "hazard_k1" / "config.yaml").read_text())["curriculum"]["adaptive"]
    assert (config["attribution"], config["K"], config["gamma"]) == ("hazard", 1, 0.5)


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["--arms", "hazard_k1"], "--arms hazard_k1: not an arm"),
        (["--variant", "k1=bogus:curriculum.adaptive.K=1"], "is not NAME=ARM:KEY=VALUE"),
        (["--variant", "hazard=hazard:curriculum.adaptive.K=1"], "a NAME of its own"),
        (["--variant", "k1=hazard"], "is not NAME=ARM:KEY=VALUE"),
    ],
)
def test_bad_arms_and_variants_are_refused(tmp_path, argv, expected):
    assert expected in exit_message("bench/ablation.py", "--out", str(tmp_path), *argv)
