"""bench/remote/slim_index.sh: `out` takes the full checkpoints out of the index and leaves the actor-only
copies in it (they travel with a device call's tree); `in` puts everything back."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def test_out_keeps_the_actor_only_copies_and_in_restores_the_rest(tmp_path):
    repo = tmp_path / "repo"
    (repo / "bench" / "remote").mkdir(parents=True)
    shutil.copy(ROOT / "bench" / "remote" / "slim_index.sh", repo / "bench" / "remote")
    arm = repo / "runs" / "study" / "arm"
    arm.mkdir(parents=True)
    (arm / "model_100.pt").write_bytes(os.urandom(3 * 1024 * 1024))  # a full checkpoint's size
    (arm / "model_50.pt").write_bytes(os.urandom(1024 * 1024))  # an actor-only copy's
    (arm / "config.yaml").write_text("seed: 1\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    tracked = set(git(repo, "ls-files").split())

    out = subprocess.run(["bash", "bench/remote/slim_index.sh", "out"], cwd=repo, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "run `in` before any commit" in out.stdout
    assert set(git(repo, "ls-files").split()) == tracked - {"runs/study/arm/model_100.pt"}
    assert (arm / "model_100.pt").exists()  # on disk still, and ignored: a plain `git add -A` leaves it out
    git(repo, "add", "-A")
    assert "runs/study/arm/model_100.pt" not in git(repo, "ls-files")

    back = subprocess.run(["bash", "bench/remote/slim_index.sh", "in"], cwd=repo, capture_output=True, text=True)
    assert back.returncode == 0, back.stderr
    assert set(git(repo, "ls-files").split()) == tracked
    assert "checkpoints back in the index: 2 files" in back.stdout
