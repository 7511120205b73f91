"""scripts/evaluate.py takes the task, the bin size and the motion command's name from the run's config.yaml;
several checkpoints evaluated at once get the reports they get alone.

Training (the library's :func:`~beyondmimic_adaptive.runs.train`) and the script run in the test process.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import torch
from script_run import exit_message, run_ok

from beyondmimic_adaptive.assets import DEMO_LONG_MOTION, DEMO_SHORT_MOTION
from beyondmimic_adaptive.runs import (
    RunError,
    evaluate_checkpoint,
    evaluate_checkpoints,
    motion_files_override,
    report_dirs,
    train,
    train_config,
)


def evaluate(checkpoint: Path, *extra: str) -> str:
    return run_ok("scripts/evaluate.py", "--checkpoint", str(checkpoint), "--envs-per-bin", "1", *extra).stdout


def evaluate_fails(checkpoint: Path, *extra: str) -> str:
    return exit_message("scripts/evaluate.py", "--checkpoint", str(checkpoint), "--envs-per-bin", "1", *extra)


def copy_run(run: Path, to: Path, replace: tuple[str, str]) -> Path:
    to.mkdir()
    shutil.copy(run / "model_0.pt", to / "model_0.pt")
    text = (run / "config.yaml").read_text()
    assert replace[0] in text
    (to / "config.yaml").write_text(text.replace(*replace))
    return to / "model_0.pt"


def test_evaluation_uses_the_runs_bins_command_and_task(tmp_path):
    overrides = ["num_envs=4", "iterations=1", motion_files_override([DEMO_SHORT_MOTION])]
    run = train([*overrides, f"log_dir={tmp_path}", "run_name=run", "curriculum.adaptive.bin_size_s=2.0"])
    assert run == tmp_path / "run"
    assert evaluate(run / "model_0.pt").count("failures by term: ") == 1  # once: in the table
    report = json.loads((run / "eval.json").read_text())
    assert len(report["completion_per_bin"]) == 4  # the 8 s clip in 2 s bins
    assert report["bin_size_s"] == 2.0 and report["task"] == "Tracking-Humanoid-v0"
    assert report["motion_files"] == [str(DEMO_SHORT_MOTION)]
    # how far each start got: at most to the clip's end (8 s clip = 400 frames; bin b starts at 2b s)
    assert report["num_frames"] == [400] and 0 <= report["median_furthest_frame"][0] <= 399
    played = report["median_seconds_played_per_bin"]
    assert len(played) == 4 and all(0.0 <= s <= 8.0 - 2.0 * b for b, s in enumerate(played))
    assert played[0] * 50 == pytest.approx(report["median_furthest_frame"][0])  # bin 0 start = the frame-0 start
    # why each failing start ended: its failure terms, counted in the bin of the last frame played
    ended = report["failures_per_end_bin"]
    assert set(ended) == {"anchor_height", "anchor_ori", "end_effector_height"}
    assert all(len(c) == 4 for c in ended.values())
    failures = round(4 - 4 * sum(report["completion_per_bin"]) / 4)  # one start per bin
    assert failures >= 1  # a policy trained for one iteration falls
    assert max(sum(c) for c in ended.values()) <= failures <= sum(sum(c) for c in ended.values())
    for counts in ended.values():  # an episode ends in its start bin or later: at most b + 1 starts end by bin b
        assert all(sum(counts[: b + 1]) <= b + 1 for b in range(4))
    # a command-line override replaces the saved key
    evaluate(run / "model_0.pt", "--out", str(tmp_path / "four_seconds"), "curriculum.adaptive.bin_size_s=4.0")
    assert len(json.loads((tmp_path / "four_seconds" / "eval.json").read_text())["completion_per_bin"]) == 2

    other_command = copy_run(run, tmp_path / "ref", ("command_name: motion", "command_name: ref"))
    assert "has no motion command 'ref'" in evaluate_fails(other_command)
    other_task = copy_run(run, tmp_path / "task", ("task: Tracking-Humanoid-v0", "task: Tracking-Nowhere-v0"))
    assert "task 'Tracking-Nowhere-v0' of the run's config is not registered" in evaluate_fails(other_task)


def quiet_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    """Evaluations without the task's reset noise: every start is the bin's reference frame exactly.

    The noise is drawn for the whole env at once, so a checkpoint's starts in a batch evaluation get other
    draws than alone; without it, a block of envs plays what a single evaluation plays (each env's physics
    is its own world, and the policies are deterministic), up to float32 rounding of world positions."""
    from beyondmimic_adaptive.runs import evaluation

    def play_mode_without_reset_noise(env_cfg) -> None:
        play_mode(env_cfg)
        motion = env_cfg.commands.motion
        motion.pose_range, motion.velocity_range, motion.joint_position_range = {}, {}, (0.0, 0.0)

    play_mode = evaluation.play_mode
    monkeypatch.setattr(evaluation, "play_mode", play_mode_without_reset_noise)


def test_checkpoints_evaluated_together_get_the_reports_they_get_alone(tmp_path, monkeypatch):
    overrides = ["num_envs=4", "iterations=2", "save_interval=1", motion_files_override([DEMO_SHORT_MOTION])]
    run = train([*overrides, f"log_dir={tmp_path}", "run_name=adaptive", "curriculum.adaptive.bin_size_s=2.0"])
    # a second arm: another run folder, another curriculum (evaluation ignores it), the later checkpoint stripped
    # to its actor like the shipped policies (assets/policies/)
    other = copy_run(run, tmp_path / "uniform", ("attribution: start", "attribution: hazard")).with_name("model_1.pt")
    saved = torch.load(run / "model_1.pt", weights_only=False)
    torch.save({key: saved[key] for key in ("actor_state_dict", "iter", "infos")}, other)
    quiet_reset(monkeypatch)
    alone = [
        evaluate_checkpoint(checkpoint, 1, out=tmp_path / f"alone_{i}")
        for i, checkpoint in enumerate((run / "model_0.pt", other))
    ]
    assert alone[0]["body_pos_error_per_bin"] != alone[1]["body_pos_error_per_bin"]  # two different policies

    stdout = run_ok(
        "scripts/evaluate.py", "--checkpoint", str(run / "model_0.pt"), str(other), "--envs-per-bin", "1",
        "--out", str(tmp_path / "batch"),
    ).stdout  # fmt: skip
    written = [tmp_path / "batch" / "adaptive" / "eval_model_0", tmp_path / "batch" / "uniform" / "eval_model_1"]
    for report, folder in zip(alone, written, strict=True):
        together = json.loads((folder / "eval.json").read_text())
        # the env grid (hence each env's origin) grows with the batch: world positions round differently in float32
        assert together.pop("body_pos_error_per_bin") == pytest.approx(report.pop("body_pos_error_per_bin"), rel=1e-4)
        assert together == report  # completion, frames played: exactly
        assert (folder / "eval.png").stat().st_size > 0 and f"wrote {folder / 'eval.json'}" in stdout
    # the ablation driver's --ingest reads them: the run folder's name is the arm
    run_ok("bench/ablation.py", "--out", str(tmp_path / "batch"), "--arms", "adaptive", "uniform", "--ingest")
    rows = [json.loads(line) for line in (tmp_path / "batch" / "results.jsonl").read_text().splitlines()]
    assert [(r["arm"], r["iterations"], r["completion_per_bin"]) for r in rows] == [
        ("adaptive", 0, alone[0]["completion_per_bin"]),
        ("uniform", 1, alone[1]["completion_per_bin"]),
    ]

    # without --out, each report goes next to its checkpoint, in a folder of its own
    assert report_dirs([run / "model_0.pt", other]) == [run / "eval_model_0", other.parent / "eval_model_1"]


@pytest.mark.fast
def test_checkpoints_of_runs_that_differ_are_refused_before_anything_is_built(tmp_path, monkeypatch):
    from omegaconf import OmegaConf

    from beyondmimic_adaptive.runs import evaluation

    def run_folder(name: str, *overrides: str) -> Path:
        (tmp_path / name).mkdir()
        OmegaConf.save(train_config(list(overrides)).cfg, tmp_path / name / "config.yaml")
        return tmp_path / name / "model_5.pt"  # never opened: the configs are compared first

    monkeypatch.setattr(evaluation, "make_env", lambda cfg: pytest.fail("built an env for a refused evaluation"))
    short = run_folder("short", motion_files_override([DEMO_SHORT_MOTION]))
    long = run_folder("long", motion_files_override([DEMO_LONG_MOTION]))
    wide = run_folder("wide", motion_files_override([DEMO_SHORT_MOTION]), "curriculum.adaptive.bin_size_s=2.0")
    with pytest.raises(RunError, match="differ in motion_files") as err:
        evaluate_checkpoints([short, long])
    assert str(short) in str(err.value) and str(long) in str(err.value)
    with pytest.raises(RunError, match=r"differ in bin_size_s \(1.0 vs 2.0"):
        evaluate_checkpoints([short, wide])
    with pytest.raises(RunError, match="would both write their report to"):
        evaluate_checkpoints([short, short])
    # one env and the first run's agent cfg for all: a termination threshold or an actor size must agree too
    strict = run_folder("strict", motion_files_override([DEMO_SHORT_MOTION]),
                        "env.terminations.end_effector_height.params.threshold=0.35")  # fmt: skip
    with pytest.raises(RunError, match=r"differ in env \(\{\} vs \{'terminations'"):
        evaluate_checkpoints([short, strict])
    small = run_folder("small", motion_files_override([DEMO_SHORT_MOTION]), "agent.actor.hidden_dims=[64,64]")
    with pytest.raises(RunError, match=r"differ in agent \(\{\} vs \{'actor': \{'hidden_dims': \[64, 64\]"):
        evaluate_checkpoints([short, small])
    # what an evaluation does not use may differ: a reward weight, a PPO coefficient
    tuned = run_folder("tuned", motion_files_override([DEMO_SHORT_MOTION]), "agent.algorithm.entropy_coef=0.01",
                       "env.rewards.action_rate.weight=-0.2")  # fmt: skip
    with pytest.raises(RunError, match=f"checkpoint {short} does not exist"):  # past the comparison
        evaluate_checkpoints([short, tuned])
    # the same setup, the curriculum aside: on to the checkpoints themselves
    uniform = run_folder("uniform", motion_files_override([DEMO_SHORT_MOTION]), "curriculum=uniform")
    with pytest.raises(RunError, match=f"checkpoint {short} does not exist"):
        evaluate_checkpoints([short, uniform])
    short.write_bytes(b"PK")  # a save cut off by a kill
    with pytest.raises(RunError, match=f"checkpoint {short} is truncated"):
        evaluate_checkpoints([short, uniform])


@pytest.mark.fast
def test_failures_by_term_read_from_a_report_old_or_new():
    from beyondmimic_adaptive.runs.eval_report import failure_summary

    assert failure_summary({}) == "not recorded"  # a report written before the terms were recorded
    two_terms = {"failures_per_end_bin": {"height": [0, 1, 1], "feet": [0, 3, 0], "orientation": [0, 0, 0]}}
    assert failure_summary(two_terms) == "feet 3 (most in bin 1: 3), height 2 (most in bin 1: 1)"
    assert failure_summary({"failures_per_end_bin": {"height": [0, 0]}}) == "none"


@pytest.mark.fast
def test_whole_clip_completion_is_reported_with_its_wilson_interval():
    from beyondmimic_adaptive.runs.eval_report import full_clip_summary, wilson_interval

    assert wilson_interval(15, 16) == pytest.approx((0.7167, 0.9889), abs=1e-4)
    assert wilson_interval(16, 16) == pytest.approx((0.8064, 1.0), abs=1e-4)  # not empty at every success
    assert wilson_interval(0, 16) == pytest.approx((0.0, 0.1936), abs=1e-4)
    assert wilson_interval(1, 2)[0] == pytest.approx(1 - wilson_interval(1, 2)[1])  # symmetric about 1/2
    with pytest.raises(ValueError, match="17 successes of 16 trials; need 0 <= successes <= trials"):
        wilson_interval(17, 16)
    with pytest.raises(ValueError, match="0 successes of 0 trials"):
        wilson_interval(0, 0)
    report = {"envs_per_bin": 16, "full_clip_completion": [0.9375, None, 0.0]}
    assert full_clip_summary(report) == (
        "15 of 16 starts (95 % interval 0.72-0.99); not started; 0 of 16 starts (95 % interval 0.00-0.19)"
    )


def test_start_bins_evaluate_only_those_bins_as_the_full_evaluation_does(tmp_path, monkeypatch):
    overrides = ["num_envs=4", "iterations=1", motion_files_override([DEMO_SHORT_MOTION])]
    run = train([*overrides, f"log_dir={tmp_path}", "run_name=run", "curriculum.adaptive.bin_size_s=2.0"])
    quiet_reset(monkeypatch)  # every start is its bin's reference frame: the same rollout in either evaluation
    full = evaluate_checkpoint(run / "model_0.pt", 1, out=tmp_path / "full")
    some = evaluate_checkpoint(run / "model_0.pt", 1, out=tmp_path / "some", start_bins=[2, 0])
    assert some["start_bins"] == [0, 2] and full["start_bins"] == [0, 1, 2, 3]
    for key in ("completion_per_bin", "median_seconds_played_per_bin"):
        assert some[key] == [full[key][0], None, full[key][2], None]
    assert some["full_clip_completion"] == full["full_clip_completion"]
    assert some["median_furthest_frame"] == full["median_furthest_frame"]
    assert some["mean_completion"] == pytest.approx((full["completion_per_bin"][0] + full["completion_per_bin"][2]) / 2)
    assert json.loads((tmp_path / "some" / "eval.json").read_text())["completion_per_bin"][1] is None
    assert (tmp_path / "some" / "eval.png").stat().st_size > 0
    # without the first bin there is no whole-clip number: None, not a made-up one
    late = evaluate_checkpoint(run / "model_0.pt", 1, out=tmp_path / "late", start_bins=[3])
    assert late["full_clip_completion"] == [None] and late["median_furthest_frame"] == [None]
    # no frame of bins 0-2 was played from bin 3: no error there (it read 0.0 m, as if tracked perfectly)
    assert late["body_pos_error_per_bin"][:3] == [None] * 3 and late["body_pos_error_per_bin"][3] > 0
    assert "null" in (tmp_path / "late" / "eval.json").read_text() and (tmp_path / "late" / "eval.png").is_file()
    # the script's flag; its table lists the started bins only
    table = evaluate(run / "model_0.pt", "--out", str(tmp_path / "cli"), "--start-bins", "1")
    rows = [line.split() for line in table.splitlines() if line.split() and line.split()[0].isdigit()]
    assert [row[0] for row in rows] == ["1"]


@pytest.mark.fast
@pytest.mark.parametrize(
    ("start_bins", "message"),
    [
        ([4], r"start bins \[4\] are outside these motions' bins 0..3"),
        ([-1, 0], r"start bins \[-1\] are outside"),
        ([], "start_bins is empty"),
        ([1, 1], r"start bins \[1\] are given twice"),
    ],
)
def test_bad_start_bins_are_refused_before_an_env_is_built(tmp_path, monkeypatch, start_bins, message):
    from omegaconf import OmegaConf

    from beyondmimic_adaptive.runs import evaluation

    monkeypatch.setattr(evaluation, "make_env", lambda cfg: pytest.fail("built an env for a refused evaluation"))
    config = train_config([motion_files_override([DEMO_SHORT_MOTION]), "curriculum.adaptive.bin_size_s=2.0"])
    OmegaConf.save(config.cfg, tmp_path / "config.yaml")
    torch.save({"actor_state_dict": {}, "iter": 0, "infos": None}, tmp_path / "model_0.pt")
    with pytest.raises(RunError, match=message):
        evaluate_checkpoint(tmp_path / "model_0.pt", 1, start_bins=start_bins)
    if start_bins:  # the script's flag says the same, prefixed with the script's name
        flag = ["--start-bins", *map(str, start_bins)]
        assert re.search(f"evaluate.py: {message}", evaluate_fails(tmp_path / "model_0.pt", *flag))


@pytest.mark.fast
def test_start_bins_that_are_not_integers_are_refused_by_the_script(tmp_path):
    message = evaluate_fails(tmp_path / "model_0.pt", "--start-bins", "first")
    assert "argument --start-bins: invalid int value: 'first'" in message
    # an override after the bins is an override (it was read as a bin: "invalid int value")
    message = evaluate_fails(tmp_path / "model_0.pt", "--start-bins", "0", "device=gpu")
    assert "device='gpu' is invalid" in message
