"""scripts/cut_motion.py: a named segment with margins, and the wrong inputs it refuses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from script_run import ScriptResult, run_script

from beyondmimic_adaptive.assets import DEMO_LONG_MOTION
from beyondmimic_adaptive.motion import load_motion


def cut(*args: str) -> ScriptResult:
    return run_script("scripts/cut_motion.py", "--motion", str(DEMO_LONG_MOTION), *args)


def test_segment_with_margin(tmp_path):
    out = tmp_path / "jump.npz"
    result = cut("--segment", "jump", "--margin-s", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    whole, part = load_motion(DEMO_LONG_MOTION), load_motion(out, control_fps=50)
    assert part.num_frames == 330  # jump 38.0..40.6 s, plus 2 s either side
    np.testing.assert_array_equal(part.body_pos_w, whole.body_pos_w[1800:2130])
    # the per-frame extras are cut with the frames (they were all dropped); the segments refer to the whole clip
    np.testing.assert_array_equal(part.extras["foot_contact"], whole.extras["foot_contact"][1800:2130])
    assert part.extras["foot_contact_bodies"].tolist() == whole.extras["foot_contact_bodies"].tolist()
    assert not any(key.startswith("segment_") for key in part.extras)


def test_bad_inputs(tmp_path):
    out = str(tmp_path / "x.npz")
    result = cut("--segment", "nope", "--out", out)
    assert result.returncode == 2 and "has no segment 'nope'" in result.stderr
    result = cut("--start-s", "100", "--end-s", "101", "--out", out)
    assert result.returncode == 2 and "holds 0 frames" in result.stderr
    result = cut("--out", out)
    assert result.returncode == 2 and "give --segment NAME or both --start-s and --end-s" in result.stderr
    for flag in (["--start-s", "nan", "--end-s", "2"], ["--start-s", "0", "--end-s", "inf"], ["--margin-s", "nan"]):
        result = cut(*flag, "--out", out)  # tracebacks from round() before
        assert result.returncode == 2 and "expected a number (finite)" in result.stderr, flag
    assert not Path(out).exists()  # (an uncaught exception fails the test in run_script)


def test_a_window_of_frames_keeps_every_per_frame_array_and_refuses_a_window_outside():
    import pytest

    from beyondmimic_adaptive.motion import MotionFileError
    from beyondmimic_adaptive.motion.clip import FLOAT_KEYS

    clip = load_motion(DEMO_LONG_MOTION)
    cut = clip.frames(100, 150)
    assert cut.num_frames == 50 and cut.fps == clip.fps and cut.body_names == clip.body_names
    for key in FLOAT_KEYS:
        np.testing.assert_array_equal(getattr(cut, key), getattr(clip, key)[100:150])
    assert not any(k.startswith("segment_") for k in cut.extras)  # they refer to the whole clip
    for first, last in ((-1, 10), (10, 10), (0, clip.num_frames + 1)):
        with pytest.raises(MotionFileError, match=rf"give 0 <= first < last <= {clip.num_frames}"):
            clip.frames(first, last)
