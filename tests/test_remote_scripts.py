"""bench/remote/progress.sh, stop.sh, evalbg.sh and start.sh: progress refuses at once on a fresh machine and stops
waiting when none of the study's processes runs; stop ends the study's processes only; evalbg puts every report
where pack_new.py looks for it; start.sh's arms (train_arm.sh) evaluate their last checkpoint once trained."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


def run_remote(tmp_path: Path, study_dir: Path, script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """bench/remote/SCRIPT ARGS with the study in ``study_dir``, packing into tmp_path/out, with this python
    (pack_new.py's) first on PATH; a 60 s limit fails a call that waits the full wait."""
    environ = os.environ | {"BM_STUDY_DIR": str(study_dir), "OUT": str(tmp_path / "out"), **env}
    environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + environ["PATH"]
    (tmp_path / "out").mkdir(exist_ok=True)
    command = ["bash", str(ROOT / "bench" / "remote" / script), *args]
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=60)


def run_progress(tmp_path: Path, study_dir: Path, wait_s: int, **env: str) -> subprocess.CompletedProcess:
    """progress.sh WAIT_S with the study in ``study_dir``."""
    return run_remote(tmp_path, study_dir, "progress.sh", str(wait_s), **env)


def stand_in_python(tmp_path: Path, body: str) -> str:
    """A PATH whose first ``python`` is a shell script running ``body`` (``$@``: the arguments it got)."""
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "python").write_text(f"#!/bin/sh\n{body}\n")
    (fake / "python").chmod(0o755)
    return f"{fake}{os.pathsep}{os.environ['PATH']}"


def recording_python(tmp_path: Path) -> str:
    """A PATH whose stand-in ``python`` succeeds and appends its arguments to tmp_path/args.txt, a line a call."""
    return stand_in_python(tmp_path, f'echo "$@" >> {tmp_path / "args.txt"}')


def run_start(study: Path, path: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """bench/remote/start.sh ARGS with the study in ``study`` and ``path`` (a stand-in python first) as PATH."""
    environ = os.environ | {"BM_STUDY_DIR": str(study), "PATH": path, **env}
    command = ["bash", str(ROOT / "bench" / "remote" / "start.sh"), *args]
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=30)


def recorded_lines(path: Path, enough: Callable[[list[str]], bool]) -> list[str]:
    """The lines a stand-in python wrote to ``path`` once ``enough(lines)`` holds (the scripts start it detached)."""
    lines: list[str] = []
    for _ in range(100):
        lines = path.read_text().splitlines() if path.exists() else []
        if enough(lines):
            break
        time.sleep(0.05)
    return lines


def study_run(tmp_path: Path) -> Path:
    """A study folder with one arm's log (what progress.sh reports and pack_new.py packs)."""
    run = tmp_path / "study" / "table2_dance1" / "adaptive"
    run.mkdir(parents=True)
    (run.parent / "adaptive_train.log").write_text("Learning iteration 51/8000\n")
    return tmp_path / "study"


def test_a_fresh_machine_is_refused_without_waiting(tmp_path):
    result = run_progress(tmp_path, tmp_path / "no_study", 600)
    assert result.returncode == 3
    assert "is a fresh one" in result.stdout and "resume with start.sh" in result.stdout
    assert not list((tmp_path / "out").iterdir())


def test_a_missing_site_is_refused_without_waiting(tmp_path):
    (tmp_path / "study").mkdir()
    result = run_progress(tmp_path, tmp_path / "study", 600, BM_SITE=str(tmp_path / "no_site"))
    assert result.returncode == 3
    assert f"no site {tmp_path / 'no_site'}" in result.stdout


def broken_site(tmp_path: Path) -> Path:
    """A site folder whose ``beyondmimic_adaptive`` fails to import, as the package does without its wheels."""
    package = tmp_path / "broken_site" / "beyondmimic_adaptive"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'omegaconf'\")\n")
    return package.parent


def test_a_site_that_cannot_import_the_package_is_refused_without_waiting(tmp_path):
    (tmp_path / "study").mkdir()
    result = run_progress(tmp_path, tmp_path / "study", 600, BM_SITE=str(broken_site(tmp_path)))
    assert result.returncode == 4
    assert "cannot import beyondmimic_adaptive.runs (ModuleNotFoundError: No module named 'omegaconf')" in result.stdout
    assert "set BM_SITE" in result.stdout and not list((tmp_path / "out").iterdir())


def test_start_sh_records_its_site_for_the_later_calls(tmp_path):
    path = stand_in_python(tmp_path, "exit 1")  # the clip's conversion fails: start.sh stops there
    study = tmp_path / "study"
    result = run_start(study, path, "csv", "adaptive", "10", BM_SITE="/opt/site")
    assert result.returncode == 1 and "converting dance1_subject1 failed" in result.stdout
    assert (study / "bm_site").read_text() == "/opt/site\n"


def test_start_sh_evaluates_each_clips_checkpoints_under_a_tag_of_its_own(tmp_path):
    # a stand-in python that succeeds and appends its arguments (conversion, pack_new.py, evaluate.py)
    path = recording_python(tmp_path)
    study = tmp_path / "study"
    for name, clip in (("table2_dance2", "dance2_subject1"), ("table2_fight1", "fightAndSports1_subject1")):
        two = (f"{name}/adaptive/model_2999.pt", f"{name}/uniform/model_2999.pt")
        result = run_start(study, path, "csv", "", "3000", *two, BM_STUDY=name, BM_CLIP=clip)
        assert result.returncode == 0, result.stdout + result.stderr
    lines = recorded_lines(
        tmp_path / "args.txt", lambda lines: sum(line.startswith("scripts/evaluate.py") for line in lines) == 2
    )
    evaluations = [line.split() for line in lines if line.startswith("scripts/evaluate.py")]
    outs = sorted(words[words.index("--out") + 1] for words in evaluations)
    assert outs == [f"{study}/evals/e_table2_dance2", f"{study}/evals/e_table2_fight1"]
    assert not any("bench/ablation.py" in line for line in lines)


def test_each_arm_that_reaches_its_last_iteration_is_evaluated_after_training(tmp_path):
    # the stand-in python records its arguments; adaptive's training "wrote" its last checkpoint, uniform's did not
    path = recording_python(tmp_path)
    study = tmp_path / "study"
    for arm in ("adaptive", "uniform"):
        (study / "table2_dance1" / arm).mkdir(parents=True)
    (study / "table2_dance1" / "adaptive" / "model_2999.pt").write_bytes(b"")
    result = run_start(study, path, "csv", "adaptive uniform", "3000")
    assert result.returncode == 0, result.stdout + result.stderr
    uniform_log = study / "ablation_table2_dance1_uniform.log"
    recorded_lines(uniform_log, lambda lines: any("not evaluated" in line for line in lines))
    lines = recorded_lines(
        tmp_path / "args.txt",
        lambda lines: sum(line.startswith(("bench/ablation.py", "scripts/evaluate.py")) for line in lines) == 3,
    )
    trainings = [line.split() for line in lines if line.startswith("bench/ablation.py")]
    assert sorted(words[words.index("--arms") + 1] for words in trainings) == ["adaptive", "uniform"]
    assert all(words[words.index("--max-iterations") + 1] == "3000" for words in trainings)
    evaluations = [line.split() for line in lines if line.startswith("scripts/evaluate.py")]
    assert len(evaluations) == 1
    words = evaluations[0]
    assert words[words.index("--checkpoint") + 1] == f"{study}/table2_dance1/adaptive/model_2999.pt"
    assert words[words.index("--out") + 1] == f"{study}/evals/f_table2_dance1_adaptive/adaptive/eval_model_2999"
    assert "table2_dance1/uniform/model_2999.pt was not written" in uniform_log.read_text()


def test_bm_eval_final_0_trains_only(tmp_path):
    path = recording_python(tmp_path)
    study = tmp_path / "study"
    (study / "table2_dance1" / "adaptive").mkdir(parents=True)
    (study / "table2_dance1" / "adaptive" / "model_2999.pt").write_bytes(b"")
    assert run_start(study, path, "csv", "adaptive", "3000", BM_EVAL_FINAL="0").returncode == 0
    recorded_lines(tmp_path / "args.txt", lambda lines: any("bench/ablation.py" in line for line in lines))
    time.sleep(0.5)  # time for an evaluation to start if train_arm.sh (wrongly) started one
    lines = (tmp_path / "args.txt").read_text().splitlines()
    assert any(line.startswith("bench/ablation.py") for line in lines)
    assert not any(line.startswith("scripts/evaluate.py") for line in lines)


@pytest.mark.parametrize(
    ("max_iterations", "env", "message"),
    [
        ("8k", {}, "start.sh: MAX_ITERATIONS is '8k': give the iteration budget as a positive whole number"),
        ("0", {}, "start.sh: MAX_ITERATIONS is '0': give the iteration budget as a positive whole number"),
        ("8000", {"BM_EVAL_FINAL": "yes"}, "start.sh: BM_EVAL_FINAL is 'yes': set it to 1 (evaluate each arm's last"),
    ],
)
def test_start_sh_refuses_bad_input_before_anything_runs(tmp_path, max_iterations, env, message):
    path = recording_python(tmp_path)
    result = run_start(tmp_path / "study", path, "csv", "adaptive", max_iterations, **env)
    assert result.returncode == 2 and message in result.stdout, result.stdout + result.stderr
    assert not (tmp_path / "args.txt").exists() and not (tmp_path / "study").exists()


def test_the_site_start_sh_ran_with_is_used_without_bm_site(tmp_path):
    study = tmp_path / "study"
    study.mkdir()
    (study / "bm_site").write_text(f"{broken_site(tmp_path)}\n")  # what start.sh records
    assert run_progress(tmp_path, study, 600).returncode == 4
    (study / "bm_site").write_text(f"{tmp_path}\n")  # a site without the package: the repository's copy is used
    assert run_progress(tmp_path, study, 600).returncode == 0


def test_nothing_running_ends_the_wait_and_packs(tmp_path):
    study = study_run(tmp_path)
    torch.save({"actor_state_dict": {"w": torch.ones(2)}, "iter": 50}, study / "table2_dance1/adaptive/model_50.pt")
    result = run_progress(tmp_path, study, 600)
    assert result.returncode == 0, result.stderr
    assert "no training or evaluation is running" in result.stdout
    assert "table2_dance1/adaptive_train.log: Learning iteration 51/8000" in result.stdout
    assert list((tmp_path / "out").glob("pack.tar.part-*"))


def evalbg_out(tmp_path: Path, *checkpoints: str) -> str:
    """The ``--out`` evalbg.sh gives evaluate.py (a stand-in ``python`` on PATH records its arguments)."""
    path = stand_in_python(tmp_path, f'echo "$@" > {tmp_path / "args.txt"}')
    environ = os.environ | {"BM_STUDY_DIR": str(tmp_path / "study"), "PATH": path}
    script = ROOT / "bench" / "remote" / "evalbg.sh"
    subprocess.run(["bash", str(script), "e1", *checkpoints], env=environ, check=True, capture_output=True, timeout=30)
    args = " ".join(recorded_lines(tmp_path / "args.txt", bool)).split()
    return args[args.index("--out") + 1]


def test_evalbg_puts_a_single_checkpoint_report_where_pack_new_looks(tmp_path):
    study = tmp_path / "study"
    assert evalbg_out(tmp_path, "table2_dance1/adaptive/model_1750.pt") == f"{study}/evals/e1/adaptive/eval_model_1750"
    (tmp_path / "args.txt").unlink()
    two = ("table2_dance1/adaptive/model_1750.pt", "table2_dance1/uniform/model_1800.pt")
    assert evalbg_out(tmp_path, *two) == f"{study}/evals/e1"


def sleeper(*words: str) -> subprocess.Popen:
    """A process whose command line holds ``words`` (as a training's or an evaluation's would), for 60 s."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", *words])


def test_progress_waits_for_the_studys_processes_only(tmp_path):
    study = study_run(tmp_path)
    other = sleeper("scripts/evaluate.py", "--out", str(tmp_path / "elsewhere" / "evals"))  # not this study's
    try:
        started = time.monotonic()
        result = run_progress(tmp_path, study, 600)
        assert time.monotonic() - started < 50, "progress.sh waited for a process of another folder"
        assert "no training or evaluation is running" in result.stdout, result.stdout + result.stderr
        ours = sleeper("scripts/evaluate.py", "--out", str(study / "evals" / "e0"))
        try:
            started = time.monotonic()
            result = run_progress(tmp_path, study, 3)
            assert time.monotonic() - started >= 3
            assert "no training or evaluation is running" not in result.stdout
        finally:
            ours.kill()
    finally:
        other.kill()


def test_stop_ends_the_studys_processes_and_leaves_the_others(tmp_path):
    study = study_run(tmp_path)
    ours = [
        sleeper("bench/ablation.py", "--out", str(study / "table2_dance1")),
        sleeper("-m", "beyondmimic_adaptive.runs", "train", f"resume={study}/table2_dance1/adaptive"),
        sleeper("scripts/evaluate.py", "--out", str(study / "evals" / "e0")),
    ]
    other = sleeper("scripts/evaluate.py", "--out", str(tmp_path / "elsewhere"))
    try:
        result = run_remote(tmp_path, study, "stop.sh")
        assert result.returncode == 0, result.stderr
        for process in ours:
            assert process.wait(timeout=10) != 0  # ended by a signal
        assert other.poll() is None, "stop.sh ended a process of another folder"
    finally:
        for process in [*ours, other]:
            process.kill()
