"""Package boundaries (a fresh interpreter) and the main-job demo script (in the test process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from script_run import run_script

ROOT = Path(__file__).resolve().parents[1]


def run_python(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_sampler_core_imports_without_isaaclab():
    code = (
        "import sys, beyondmimic_adaptive, beyondmimic_adaptive.sampler, beyondmimic_adaptive.hydra_config\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('isaaclab', 'isaacsim', 'omni'))\n"
        "assert not bad, bad"
    )
    result = run_python("-c", code)
    assert result.returncode == 0, result.stderr


def test_code_is_ruff_clean():
    for command in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run([sys.executable, "-m", "ruff", *command], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_demo_runs_and_writes_its_outputs(tmp_path):
    overrides = ["demo.iterations=40", "demo.num_envs=64", f"demo.out_dir={tmp_path}", "curriculum.adaptive.K=3"]
    result = run_script("scripts/demo.py", *overrides)
    assert result.returncode == 0, result.stderr
    assert "iterations to P(full clip) >= 0.5" in result.stdout and "K=3" in result.stdout
    for name in ("summary.txt", "full_clip_success.png", "heatmap_adaptive.png", "heatmap_uniform.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert any((tmp_path / "tensorboard" / "adaptive").iterdir())


def test_demo_rejects_bad_override_with_the_key(tmp_path):
    result = run_script("scripts/demo.py", "curriculum.adaptive.gamma=2", f"demo.out_dir={tmp_path}")
    assert result.returncode != 0  # (an uncaught exception, a traceback, fails the test in run_script)
    assert "gamma=2.0 is invalid: expected in (0, 1]" in result.stderr


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("curriculum.adaptive.enabled=false", "enabled=false leaves no adaptive arm"),
        ("curriculum.adaptive.attribution=hazard", "attribution=hazard needs the env steps each bin was played"),
    ],
)
def test_demo_refuses_what_its_model_cannot_run(tmp_path, override, expected):
    # both ran before and printed an "adaptive" arm that was uniform sampling
    result = run_script("scripts/demo.py", override, f"demo.out_dir={tmp_path}")
    assert result.returncode == 2 and expected in result.stderr
    assert not (tmp_path / "summary.txt").exists()
