"""The shipped G1 policy (assets/policies/g1_longdance/): it is package data, it loads through the public API,
and from frame 0 on the CPU it tracks the dance's first seconds, where zero actions fall within one second."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from script_run import run_script

from beyondmimic_adaptive.assets import ASSETS_DIR, G1_LONG_DANCE_POLICY

ROOT = Path(__file__).resolve().parents[1]
POLICY_FILES = ("model_999.pt", "config.yaml", "eval_gpu.json", "README.md", "NOTICE")
TRACKED_SECONDS = 4.0
"""Seconds of the clip the policy must track without a failure (zero actions fail at 0.3-0.8 s, random ones
at 0.2-0.4 s; measured when this test was written)."""


def test_shipped_policy_is_package_data_small_and_portable(tmp_path):
    # what setuptools installs: build_py copies the packages and their package_data
    build = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stderr
    installed = tmp_path / G1_LONG_DANCE_POLICY.parent.relative_to(ASSETS_DIR.parent.parent)
    for name in POLICY_FILES:
        assert (installed / name).read_bytes() == (G1_LONG_DANCE_POLICY.parent / name).read_bytes(), name
    assert sum(p.stat().st_size for p in G1_LONG_DANCE_POLICY.parent.iterdir()) < 2_000_000
    checkpoint = torch.load(G1_LONG_DANCE_POLICY, map_location="cpu", weights_only=True)
    assert set(checkpoint) == {"actor_state_dict", "iter", "infos"}  # no critic, no optimizer state
    config = yaml.safe_load((G1_LONG_DANCE_POLICY.parent / "config.yaml").read_text())
    assert config["task"] == "Tracking-G1-v0" and config["device"] == "cpu" and config["motion_files"] is None
    assert not any(str(v).startswith(("/", "~")) for v in config.values())  # no folder of the training machine


@pytest.fixture(scope="module")
def g1_policy():
    from beyondmimic_adaptive.runs import load_policy_env

    loaded = load_policy_env(G1_LONG_DANCE_POLICY, [], num_envs=2, keep_sampler=False)
    yield loaded
    loaded.env.close()


def _tracks_first_seconds(loaded, policy) -> bool:
    from beyondmimic_adaptive.runs.first_frame import rollout_from_first_frame

    steps = round(TRACKED_SECONDS / loaded.env.step_dt)
    result = rollout_from_first_frame(loaded.env, loaded.wrapped, policy, steps)
    return not any(result.failed) and result.steps == steps and result.furthest_frame == [steps] * loaded.env.num_envs


def test_shipped_policy_tracks_the_first_seconds_from_frame_0(g1_policy):
    assert g1_policy.run.device == "cpu" and g1_policy.run.task == "Tracking-G1-v0"
    assert _tracks_first_seconds(g1_policy, g1_policy.policy)


def test_zero_actions_fail_the_same_check(g1_policy):
    actions = g1_policy.env.action_manager.total_action_dim
    assert not _tracks_first_seconds(g1_policy, lambda obs: torch.zeros(g1_policy.env.num_envs, actions))


def test_main_job_refuses_a_used_run_folder_before_playing(tmp_path):
    (tmp_path / "model_29.pt").write_bytes(b"")
    result = run_script("scripts/main_job.py", "--out", str(tmp_path))
    assert result.returncode == 1 and f"{tmp_path} already holds a run" in result.stderr
    assert not (tmp_path / "g1_longdance").exists()


def test_main_job_refuses_what_would_send_its_run_elsewhere_before_playing(tmp_path):
    for args, message in (
        (["--out", str(tmp_path / "o"), f"resume={tmp_path}"], "overrides ['resume="),
        (["--out", str(tmp_path / "o"), "run_name=x"], "the job sets these"),
    ):
        result = run_script("scripts/main_job.py", *args)
        assert result.returncode == 1 and message in result.stderr, result.stderr[-2000:]
    (tmp_path / "file").write_text("x")
    result = run_script("scripts/main_job.py", "--out", str(tmp_path / "file"))
    assert result.returncode == 1 and "is a file; give a folder" in result.stderr
    assert not (tmp_path / "o").exists()


def test_main_job_checks_the_trainings_overrides_before_playing(tmp_path):
    # the training's own checks (env./agent. paths, the wiring) came after the policy step's minutes
    for override, message in (
        ("env.foo=1", "override env.foo: "),
        ("curriculum.adaptive.command_name=ref", "no command term named 'ref'"),
        ("env.scene.num_envs=3", "the run sets it from its key num_envs"),
    ):
        result = run_script("scripts/main_job.py", "--out", str(tmp_path / "o"), override)
        assert result.returncode == 1 and message in result.stderr, result.stderr[-2000:]
        assert "[main] policy" not in result.stdout
    assert not (tmp_path / "o").exists()
