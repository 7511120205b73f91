"""bench/frame0_curves.py: the frame-0 curves of the Table II study, from both kinds of evaluation."""

from __future__ import annotations

import json
import sys

import pytest
from script_run import ROOT, exit_message, run_ok

sys.path.insert(0, str(ROOT / "bench"))
import frame0_curves


def _report(full: float, furthest: int, frames: int = 1000, **extra: object) -> dict:
    return {"full_clip_completion": [full], "median_furthest_frame": [furthest], "num_frames": [frames], **extra}


def _study(tmp_path, name="table2_clip"):
    study = tmp_path / name
    (study / "cpu_frame0").mkdir(parents=True)
    rows = [
        _report(0.0, 250, arm="adaptive", iterations=1000),
        _report(0.5, 999, arm="adaptive", iterations=500),
        _report(0.0, 100, arm="uniform", iterations=1000),
    ]
    (study / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (study / "cpu_frame0" / "adaptive_1000.json").write_text(json.dumps(_report(0.25, 500)))
    (study / "cpu_frame0" / "hazard_k2_1500.json").write_text(json.dumps(_report(1.0, 999)))
    return study


def test_points_merge_both_kinds_per_arm_sorted_with_the_protocol_first(tmp_path):
    points = frame0_curves.load_points(_study(tmp_path))
    assert sorted(points) == ["adaptive", "hazard_k2", "uniform"]  # an arm name may hold underscores
    adaptive = points["adaptive"]
    assert [(p.iterations, p.protocol) for p in adaptive] == [(500, True), (1000, True), (1000, False)]
    assert [p.full_clip for p in adaptive] == [0.5, 0.0, 0.25]
    assert [p.furthest for p in adaptive] == [0.999, 0.25, 0.5]  # a share of the clip's frames
    assert points["hazard_k2"] == [frame0_curves.Point(1500, 1.0, 0.999, False)]


def test_bad_folders_and_names_are_refused_with_the_fix(tmp_path):
    with pytest.raises(SystemExit, match=r"holds neither results\.jsonl nor cpu_frame0"):
        frame0_curves.load_points(tmp_path)
    study = _study(tmp_path)
    (study / "cpu_frame0" / "adaptive.json").write_text(json.dumps(_report(0.0, 1)))
    with pytest.raises(SystemExit, match=r"adaptive\.json is not named ARM_ITERATIONS\.json"):
        frame0_curves.load_points(study)
    (study / "cpu_frame0" / "adaptive.json").unlink()
    (study / "cpu_frame0" / "uniform_2000.json").write_text(json.dumps({"mean_completion": 0.1}))
    with pytest.raises(SystemExit, match=r"uniform_2000\.json lacks a frame-0 result"):
        frame0_curves.load_points(study)


def test_the_script_writes_one_picture_for_several_studies(tmp_path):
    out = tmp_path / "frame0.png"
    result = run_ok(
        "bench/frame0_curves.py", "--study", str(_study(tmp_path, "a")), str(_study(tmp_path, "b")), "--out", str(out)
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "a adaptive: 3 points, last at 1000: whole clip 0.25, furthest 0.50 of the clip" in result.stdout


def test_an_out_path_in_a_missing_folder_is_refused(tmp_path):
    out = tmp_path / "missing" / "frame0.png"
    message = exit_message("bench/frame0_curves.py", "--study", str(_study(tmp_path)), "--out", str(out))
    assert f"--out {out}: the folder {out.parent} does not exist; create it first" in message
