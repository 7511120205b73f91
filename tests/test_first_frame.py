"""runs.first_frame.evaluate_from_first_frame: the shipped G1 policy from frame 0 of a clip, whole or a prefix.

Its own module: the env it builds cannot coexist with another module's live env (one simulation context per
process; test_shipped_policy.py keeps one open for its module)."""

from __future__ import annotations

import json

import pytest

from beyondmimic_adaptive.assets import G1_LONG_DANCE_POLICY


def test_the_first_frame_evaluation_plays_a_whole_short_clip_and_a_prefix(tmp_path):
    from beyondmimic_adaptive.assets import g1_default_motion
    from beyondmimic_adaptive.motion import load_motion
    from beyondmimic_adaptive.runs import RunError, motion_files_override
    from beyondmimic_adaptive.runs.first_frame import evaluate_from_first_frame

    clip = tmp_path / "first_second.npz"  # the dance's first 1.2 s: a clip the policy tracks to its end
    load_motion(g1_default_motion()).frames(0, 60).save(clip)
    overrides = [motion_files_override([clip])]
    report = evaluate_from_first_frame(G1_LONG_DANCE_POLICY, 2, overrides, out=tmp_path / "whole.json")
    assert report["num_frames"] == 60 and report["frames_evaluated"] == 60 and report["whole_clip"]
    # the motion's end ends the episode at step 59 (frame 59, the last): 60 steps, every env completed
    assert report["steps"] == 60 and report["furthest_frame"] == [59, 59] and report["completed"] == [True, True]
    assert report["full_clip_completion"] == 1.0 and report["prefix_completion"] == 1.0
    assert json.loads((tmp_path / "whole.json").read_text())["furthest_frame"] == [59, 59]
    prefix = evaluate_from_first_frame(G1_LONG_DANCE_POLICY, 1, overrides, max_seconds=0.5)
    assert prefix["frames_evaluated"] == 25 and not prefix["whole_clip"] and prefix["steps"] == 25
    assert prefix["completed"] == [False] and prefix["full_clip_completion"] == 0.0  # the clip was not played out
    assert prefix["prefix_completion"] == 1.0 and prefix["failed"] == [False]  # but its first 25 frames were
    for kwargs, message in (({"num_envs": 0}, "num_envs=0 is invalid"), ({"max_seconds": 0}, "max_seconds=0")):
        with pytest.raises(RunError, match=message):
            evaluate_from_first_frame(G1_LONG_DANCE_POLICY, **{"num_envs": 1, **kwargs})
