"""Resume: a training run killed with SIGKILL continues from the SAME sampler statistics.

The killed runs are real subprocesses (SIGKILL needs a process of its own); the resumed runs and the
refusals run scripts/train.py inside the test process (tests/script_run.py), which saves a new
interpreter's imports each.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from script_run import run_script

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.assets import DEMO_LONG_MOTION, DEMO_SHORT_MOTION
from beyondmimic_adaptive.sampler import SamplerStateError, read_sampler_state, state_digest

ROOT = Path(__file__).resolve().parents[1]


def train_args(log_dir: Path, iterations: int, *extra: str) -> list[str]:
    return [
        "--num-envs",
        "4",
        "--iterations",
        str(iterations),
        "--motion-files",
        str(DEMO_SHORT_MOTION),
        "--log-dir",
        str(log_dir),
        "--run-name",
        "run",
        "save_interval=1",
        *extra,
    ]


class KilledRun:
    """scripts/train.py in a subprocess, SIGKILLed once ``ready(run_dir)`` has held for ``settle_s``."""

    def __init__(self, log_dir: Path, ready: Callable[[Path], bool], *extra: str, settle_s: float = 0.0):
        self.run, self.ready, self.settle_s = log_dir / "run", ready, settle_s
        self.ready_since: float | None = None
        self.killed = False
        self.stderr = log_dir / "stderr.txt"  # a file, not a pipe: a full pipe would stall the run
        command = [sys.executable, "scripts/train.py", *train_args(log_dir, 500), *extra]
        with self.stderr.open("w") as stderr:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)

    def kill_when_due(self) -> bool:
        """SIGKILL the run if it is due (no clean shutdown, no final save); True once killed."""
        if not self.killed:
            assert self.process.poll() is None, self.stderr.read_text()[-3000:]
            if self.ready_since is None and self.ready(self.run):
                self.ready_since = time.monotonic()
            if self.ready_since is not None and time.monotonic() >= self.ready_since + self.settle_s:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
                self.killed = True
        return self.killed


@pytest.fixture(scope="module")
def killed_runs(tmp_path_factory) -> dict[str, Path]:
    """Two runs killed with SIGKILL, trained side by side (one thread each: two cores of a small machine).

    ``mid_run``: killed with the sampler state saved and at least 3 checkpoints (save_interval=1).
    ``before_first_state_save``: checkpoints every 1000 iterations, killed 2 s after model_0.pt appeared
    (the checkpoint write finished), long before the first periodic sampler save (at env step 1000 x 24).
    """
    runs = {
        "mid_run": KilledRun(
            tmp_path_factory.mktemp("mid_run"),
            lambda run: (run / "sampler" / "state.pt").is_file() and len(list(run.glob("model_*.pt"))) >= 3,
        ),
        "before_first_state_save": KilledRun(
            tmp_path_factory.mktemp("before_first_state_save"),
            lambda run: (run / "model_0.pt").is_file(),
            "save_interval=1000",
            settle_s=2.0,
        ),
    }
    try:
        deadline = time.monotonic() + 600
        while not all([run.kill_when_due() for run in runs.values()]):  # a list: every run is polled
            assert time.monotonic() < deadline, "training made no checkpoints in time"
            time.sleep(0.5)
    finally:
        for run in runs.values():
            if run.process.poll() is None:
                run.process.kill()
                run.process.wait()
    return {name: run.run for name, run in runs.items()}


def copy_run(run: Path, tmp_path: Path) -> Path:
    """The test's own copy of a shared run (a resume writes into its run folder)."""
    shutil.copytree(run, tmp_path / "run")
    return tmp_path / "run"


def test_sigkill_then_resume_restores_the_saved_statistics_bit_for_bit(killed_runs, tmp_path):
    run = copy_run(killed_runs["mid_run"], tmp_path)
    state_file = run / "sampler" / "state.pt"
    saved = read_sampler_state(state_file)  # the atomic write left a complete file
    assert saved["episode_counts"].sum() > 0
    saved_digest = state_digest(saved)
    # rsl-rl's checkpoint save is not atomic: the kill may land inside it. Make that case certain
    # with a cut-off copy of the newest checkpoint under a later iteration.
    newest = max(run.glob("model_*.pt"), key=lambda p: int(p.stem.split("_")[1]))
    truncated = run / f"model_{int(newest.stem.split('_')[1]) + 1000}.pt"
    truncated.write_bytes(newest.read_bytes()[: newest.stat().st_size // 2])

    result = run_script("scripts/train.py", *train_args(tmp_path, 2, f"resume={run}"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"skipping {truncated.name}: truncated" in result.stdout
    restored = re.search(r"sampler state env_step=(\d+) sha256=(\w+)", result.stdout)
    assert restored is not None, result.stdout[-3000:]
    assert restored.group(2) == saved_digest  # bit for bit: every tensor and the env step
    assert int(restored.group(1)) == saved["env_step"]
    # training continued: later checkpoints, and statistics that grew from the restored ones
    final = read_sampler_state(state_file)
    assert final["env_step"] > saved["env_step"]
    assert bool((final["episode_counts"] >= saved["episode_counts"]).all())
    assert final["episode_counts"].sum() > saved["episode_counts"].sum()


def test_a_run_killed_before_its_first_state_save_resumes_and_starts_from_the_restored_sampler(killed_runs, tmp_path):
    # killed after model_0.pt, long before the first periodic sampler save: only the save at the start exists
    run = copy_run(killed_runs["before_first_state_save"], tmp_path)
    state_file = run / "sampler" / "state.pt"
    assert state_file.is_file(), "no sampler state: the run cannot be resumed"
    # statistics that send every start to bin 3 (K=1, no uniform floor): starts drawn from an empty
    # sampler would spread over all 8 bins, and with start attribution count their episodes there
    state = read_sampler_state(state_file)
    state["failure_rate"] = torch.zeros_like(state["failure_rate"])
    state["failure_rate"][3] = 1.0
    state["pending"].zero_()
    torch.save(state, state_file)
    result = run_script(
        "scripts/train.py",
        *train_args(tmp_path, 3, f"resume={run}"),
        "save_interval=1000",
        "curriculum.adaptive.K=1",
        "curriculum.adaptive.lambda_uniform=0.0",
        "curriculum.adaptive.attribution=start",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    restored = re.search(r"sampler state env_step=(\d+) sha256=(\w+)", result.stdout)
    assert restored is not None and restored.group(2) == state_digest(state)
    final = read_sampler_state(state_file)
    new_episodes = final["episode_counts"] - state["episode_counts"]
    assert new_episodes.sum() > 0
    assert new_episodes[3] == new_episodes.sum(), f"episodes started outside bin 3: {new_episodes.tolist()}"


def test_resume_refuses_other_motions(killed_runs, tmp_path):
    run = copy_run(killed_runs["mid_run"], tmp_path)  # a run on DEMO_SHORT_MOTION, with its sampler state
    args = train_args(tmp_path, 1, f"resume={run}")
    args[args.index(str(DEMO_SHORT_MOTION))] = str(DEMO_LONG_MOTION)
    result = run_script("scripts/train.py", *args)
    assert result.returncode != 0
    assert "cannot resume the sampler" in result.stderr and "made for motions/bins" in result.stderr


def test_resume_refuses_a_run_whose_checkpoints_are_all_truncated(tmp_path):
    (tmp_path / "model_0.pt").write_bytes(b"PK\x03\x04 cut off")
    result = run_script("scripts/train.py", *train_args(tmp_path, 1, f"resume={tmp_path}"))
    assert result.returncode != 0
    assert "every checkpoint (model_0.pt) is truncated" in result.stderr


def test_corrupt_state_file_is_refused(tmp_path):
    bad = tmp_path / "state.pt"
    bad.write_bytes(b"\x00garbage")
    with pytest.raises(SamplerStateError, match=r"cannot read sampler state .* corrupt"):
        read_sampler_state(bad)
    torch.save({"weights": torch.zeros(3)}, bad)  # readable, but foreign
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(), [100], 50)
    with pytest.raises(SamplerStateError, match="not an adaptive sampler state"):
        sampler.load_state_dict(read_sampler_state(bad))
