"""bench/compare_runs.py: training runs side by side from their TensorBoard events (a resumed run's files joined)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import compare_runs


def _write(folder: Path, values: dict[str, dict[int, float]]) -> None:
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(folder))
    for tag, series in values.items():
        for step, value in series.items():
            writer.add_scalar(tag, value, step)
    writer.close()


def test_window_means_per_run_with_a_resumed_run_joined(tmp_path, capsys):
    reward, length = compare_runs.VALUES["reward"], compare_runs.VALUES["episode length"]
    _write(tmp_path / "a", {reward: {i: float(i) for i in range(20)}, length: {i: 2.0 for i in range(20)}})
    # run b: a first stretch to iteration 9 (its last value logged again by the resume, which wins), then 10-19
    _write(tmp_path / "b", {reward: {i: 100.0 for i in range(10)}})
    time.sleep(1.1)  # the resume's events file is named after a later second
    _write(tmp_path / "b", {reward: {i: 1.0 for i in range(9, 20)}})
    out = tmp_path / "rows.jsonl"
    compare_runs.main([f"a={tmp_path / 'a'}", f"b={tmp_path / 'b'}", "--every", "10", "--window", "4",
                       "--rows-out", str(out)])  # fmt: skip
    rows = {(r["run"], r["iteration"]): r for r in map(json.loads, out.read_text().splitlines())}
    assert set(rows) == {("a", 10), ("a", 20), ("b", 10), ("b", 20)}
    assert rows["a", 10]["reward"] == pytest.approx((6 + 7 + 8 + 9) / 4)  # iterations 6..9
    assert rows["a", 20]["episode length"] == 2.0 and rows["a", 20]["failure rate"] is None  # not logged
    assert rows["b", 10]["reward"] == pytest.approx((100 * 3 + 1) / 4)  # iteration 9 from the resume
    assert rows["b", 20]["reward"] == 1.0
    printed = capsys.readouterr().out
    assert "| 10 | a | 7.5 | 2 | n/a | n/a | n/a |" in printed


def test_a_folder_without_events_and_a_bad_spec_say_what_to_give(tmp_path):
    with pytest.raises(SystemExit, match=r"no events\.out\.tfevents"):
        compare_runs.main([f"a={tmp_path}"])
    with pytest.raises(SystemExit):  # argparse: not NAME=RUN_DIR
        compare_runs.main([str(tmp_path)])


def test_a_repeated_name_and_a_run_shorter_than_every_are_refused(tmp_path, capsys):
    _write(tmp_path / "a", {compare_runs.VALUES["reward"]: {i: float(i) for i in range(5)}})
    with pytest.raises(SystemExit):  # the second run of a name replaced the first, silently
        compare_runs.main([f"seed={tmp_path / 'a'}", f"seed={tmp_path / 'a'}"])
    assert "run names repeat (['seed', 'seed'])" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # 5 iterations, a row every 100: only the header was printed
        compare_runs.main([f"a={tmp_path / 'a'}"])
    assert "no run has 100 iterations logged; lower --every" in capsys.readouterr().err
