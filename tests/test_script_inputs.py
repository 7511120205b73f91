"""Wrong inputs to the scripts and benchmarks fail with a message naming the flag, not a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from script_run import exit_message

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_evaluate_refuses_missing_checkpoint_and_bad_envs_per_bin(tmp_path):
    # in the test process: the scripts' main exits with the message a user sees (see script_run.py)
    message = exit_message("scripts/evaluate.py", "--checkpoint", str(tmp_path / "model_9.pt"))
    assert f"checkpoint {tmp_path / 'model_9.pt'} does not exist" in message
    checkpoint = tmp_path / "model_0.pt"
    checkpoint.write_bytes(b"")
    message = exit_message("scripts/evaluate.py", "--checkpoint", str(checkpoint), "--envs-per-bin", "0")
    assert "argument --envs-per-bin: expected an int >= 1, got '0'" in message
    message = exit_message("scripts/evaluate.py", "--checkpoint", str(checkpoint), "device=gpu")
    assert "device='gpu' is invalid" in message
    message = exit_message("scripts/evaluate.py", "--checkpoint", str(checkpoint))  # a save cut off by a kill
    assert f"checkpoint {checkpoint} is truncated" in message


def test_evaluate_as_a_process_says_what_is_wrong_without_a_traceback(tmp_path):
    result = run("scripts/evaluate.py", "--checkpoint", str(tmp_path / "model_0.pt"), "device=gpu")
    assert result.returncode != 0 and "device='gpu' is invalid" in result.stderr
    assert "Traceback" not in result.stderr


def test_plot_refuses_a_run_without_history(tmp_path):
    assert "no sampler history" in exit_message("scripts/plot_sampler_history.py", str(tmp_path))
    missing = tmp_path / "no_such_run"  # it asked whether the run was started with a history
    assert f"run folder {missing} does not exist" in exit_message("scripts/plot_sampler_history.py", str(missing))


def test_a_list_key_given_one_value_says_to_give_a_list():
    message = exit_message("scripts/train.py", "motion_files=x.npz")
    assert "invalid config at motion_files: " in message and "Give a list: motion_files=[...]." in message


@pytest.mark.parametrize(
    "flags,expected",
    [
        (["--eval-every", "0"], "argument --eval-every: expected an int >= 1, got '0'"),
        (["--max-iterations", "-5"], "argument --max-iterations: expected an int >= 1, got '-5'"),
        (["--envs-per-bin", "0"], "argument --envs-per-bin: expected an int >= 1, got '0'"),
        (["--done-at", "1.5"], "argument --done-at: expected a number in (0, 1], got '1.5'"),
    ],
)
def test_ablation_refuses_bad_flags_before_training(tmp_path, flags, expected):
    message = exit_message("bench/ablation.py", "--out", str(tmp_path), "--device", "cpu", *flags)
    assert expected in message
    assert not (tmp_path / "results.jsonl").exists() and not list(tmp_path.glob("*_train.log"))


@pytest.mark.parametrize(
    "flags,expected",
    [
        (["--steps", "0"], "argument --steps: expected an int >= 1, got '0'"),
        (["--base-rate", "1.2"], "argument --base-rate: expected a number in [0, 1], got '1.2'"),
        (["--alphas", "0.1", "0"], "argument --alphas: expected a number in (0, 1], got '0'"),
        (["--bins", "10", "--hard-bins", "3", "10"], "--hard-bins must lie in [0, 9] (--bins 10)"),
    ],
)
def test_rate_noise_refuses_bad_flags(flags, expected):
    result = run("bench/rate_noise.py", *flags)
    assert result.returncode != 0 and expected in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "script,flags,expected",
    [
        ("bench/sync_audit.py", ["--steps", "0"], "argument --steps: expected an int >= 1, got '0'"),
        ("bench/sync_audit.py", ["--num-envs", "-1"], "argument --num-envs: expected an int >= 1, got '-1'"),
        (
            "bench/distributed_sync.py",
            ["--folds", "0", "--backend", "gloo"],
            "argument --folds: expected an int >= 1, got '0'",
        ),
        (
            "bench/sampler_cost.py",
            ["--device", "cpu", "--envs", "64", "0"],
            "argument --envs: expected an int >= 1, got '0'",
        ),
        (
            "bench/sampler_cost.py",
            ["--device", "cpu", "--repeats", "0"],
            "argument --repeats: expected an int >= 1, got '0'",
        ),
        (
            "bench/sampler_cost.py",
            ["--device", "cpu", "--reset-fraction", "0"],
            "argument --reset-fraction: expected a number in (0, 1], got '0'",
        ),
        ("bench/launch_count.py", ["--envs", "0"], "argument --envs: expected an int >= 1, got '0'"),
        ("bench/launch_count.py", ["--bins", "x"], "argument --bins: expected an int >= 1, got 'x'"),
        (
            "bench/sampler_cost.py",
            ["--device", "cpu", "--budget-s", "nan"],
            "argument --budget-s: expected a number > 0",
        ),
        ("bench/sampler_cost.py", ["--device", "cpu", "--threads", "0"], "argument --threads: expected an int >= 1"),
        ("bench/env_throughput.py", ["--rounds", "0"], "argument --rounds: expected an int >= 1, got '0'"),
        ("bench/env_throughput.py", ["--num-envs", "16", "0"], "argument --num-envs: expected an int >= 1, got '0'"),
        ("bench/term_glue.py", ["--steps", "0"], "argument --steps: expected an int >= 1, got '0'"),
        ("bench/env_throughput.py", ["--count-ops", "0"], "argument --count-ops: expected an int >= 1, got '0'"),
        ("bench/sampler_profile.py", ["--envs", "0"], "argument --envs: expected an int >= 1, got '0'"),
        ("bench/sampler_profile.py", ["--reset-fraction", "2"], "argument --reset-fraction: expected a number in"),
        (
            "bench/sampler_profile.py",
            ["--warp", "--warp-one-block-max-bins", "-1"],
            "argument --warp-one-block-max-bins: expected an int >= 0 (0: always the grid kernels), got '-1'",
        ),
        ("bench/sampler_profile.py", ["--warp-draw-first"], "--warp-draw-first profiles a Warp step: add --warp"),
        ("bench/sampler_profile.py", ["--by-kernel", "0"], "argument --by-kernel: expected an int >= 1, got '0'"),
        ("bench/choke_points.py", ["--around", "95"], "argument --around: expected 2 arguments"),
    ],
)
def test_benchmarks_refuse_bad_flags(script, flags, expected):
    result = run(script, *flags)
    assert result.returncode != 0 and expected in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "flags,expected",
    [
        (["--steps", "0"], "argument --steps: expected an int >= 1, got '0'"),
        (["--num-envs", "-2"], "argument --num-envs: expected an int >= 1, got '-2'"),
    ],
)
def test_play_refuses_bad_flags(flags, expected):
    assert expected in exit_message("scripts/play.py", *flags)


def test_gpu_only_benchmarks_say_so_on_a_cpu_machine():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = run("bench/sync_audit.py", "--steps", "1")
    assert result.returncode != 0 and "needs a CUDA device" in result.stderr and "Traceback" not in result.stderr
    result = run("bench/distributed_sync.py", "--backend", "nccl")
    assert result.returncode != 0 and "use --backend gloo on the CPU" in result.stderr


def test_ablation_gpus_script_prints_its_usage_without_arguments():
    result = subprocess.run(["bash", "bench/ablation_gpus.sh"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (
        result.returncode == 2 and "usage: bash bench/ablation_gpus.sh OUT MAX_ITERATIONS EVAL_EVERY" in result.stderr
    )


@pytest.mark.parametrize(
    "script,flags,example",
    [
        ("scripts/export_onnx.py", ["--checkpoint", "m.pt", "--out"], "policy.onnx"),
        ("scripts/csv_to_npz.py", ["--csv", "m.csv", "--input-fps", "30", "--out"], "motion.npz"),
        ("scripts/cut_motion.py", ["--motion", "m.npz", "--out"], "cut.npz"),
        ("scripts/play.py", ["--out"], "play.mp4"),
        ("scripts/plot_sampler_history.py", ["run", "--out"], "sampler_heatmap.png"),
        ("bench/failure_bodies.py", ["--checkpoint", "m.pt", "--start-bins", "0", "--out"], "failure_bodies.json"),
        ("bench/frame0_curves.py", ["--out"], "frame0.png"),
        ("bench/env_throughput.py", ["--rows-out"], "rows.jsonl"),
        ("bench/compare_runs.py", ["--rows-out"], "rows.jsonl"),
        ("bench/multigpu_train.py", ["--out"], "rows.json"),
    ],
)
def test_a_file_output_flag_refuses_a_folder_at_parsing(tmp_path, script, flags, example):
    # argparse's exit (status 2) before anything is loaded or run: the work would have been lost at the write
    flag = flags[-1]
    message = exit_message(script, *flags, str(tmp_path))
    assert f"argument {flag}: {tmp_path} is a folder; give the file's path, e.g. {tmp_path / example}" in message
    assert not list(tmp_path.iterdir())


def test_shared_flag_types_accept_their_range_and_name_the_rule():
    import argparse

    from beyondmimic_adaptive.cli_types import positive_float, positive_int, probability, share

    assert positive_int("3") == 3 and positive_float("0.5") == 0.5 and share("1") == 1.0 and probability("0") == 0.0
    for parse, text, rule in (
        (positive_int, "0", "an int >= 1"),
        (positive_int, "1.5", "an int >= 1"),
        (positive_float, "0", "a number > 0"),
        (positive_float, "inf", "a number > 0"),
        (share, "0", "a number in (0, 1]"),
        (share, "1.01", "a number in (0, 1]"),
        (probability, "-0.1", "a number in [0, 1]"),
        (probability, "nan", "a number in [0, 1]"),
    ):
        with pytest.raises(argparse.ArgumentTypeError, match=rf"expected {re.escape(rule)}, got '{re.escape(text)}'"):
            parse(text)


@pytest.mark.parametrize("script", ["bench/term_glue.py", "bench/env_throughput.py"])
def test_env_benchmarks_refuse_an_unknown_device_before_building_the_env(script):
    assert "argument --device: expected 'cpu' or 'cuda:N', got 'gpu'" in exit_message(script, "--device", "gpu")
