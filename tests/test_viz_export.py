"""End to end on the CPU: train.py with logger=wandb (offline), then export_onnx.py and play.py on its checkpoint.

The training run is conftest.py's shared ``training_run`` (2 iterations, a heatmap every iteration); the
scripts run inside the test process (tests/script_run.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from script_run import ScriptResult, run_script
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

NUM_BINS = 8  # the 8 s demo clip, 1 s bins


def script(path: str, *args: str) -> ScriptResult:
    result = run_script(path, *args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def run(training_run) -> Path:
    assert training_run.iterations == 2  # the per-iteration counts below
    return training_run.run_dir


def test_wandb_offline_run_has_per_bin_histograms_tables_and_heatmaps(run):
    from beyondmimic_adaptive.viz.wandb_offline import read_history

    rows = read_history(run)
    hist = [r for r in rows if r.get("Sampler/adaptive/start_probability/_type") == "histogram"]
    assert len(hist) == 2  # one per iteration
    values = np.array(hist[-1]["Sampler/adaptive/start_probability/values"])
    assert values.shape == (NUM_BINS,) and values.sum() == pytest.approx(1.0, abs=1e-5)
    assert hist[-1]["Sampler/adaptive/start_probability/bins"] == [b - 0.5 for b in range(NUM_BINS + 1)]
    assert any(r.get("Sampler/adaptive/failure_rate/_type") == "histogram" for r in rows)
    tables = [r for r in rows if r.get("Sampler/adaptive/bins/_type") == "table-file"]
    assert len(tables) == 2 and tables[-1]["Sampler/adaptive/bins/nrows"] == NUM_BINS
    (files,) = run.glob("wandb/offline-run-*/files")
    table = json.loads((files / tables[-1]["Sampler/adaptive/bins/path"]).read_text())
    assert table["columns"] == ["bin", "motion", "start_s", "probability", "failure_rate", "episodes"]
    assert [row[0] for row in table["data"]] == list(range(NUM_BINS))
    np.testing.assert_allclose([row[3] for row in table["data"]], values, atol=1e-6)
    images = [r for r in rows if r.get("Sampler/adaptive/heatmap/_type") == "image-file"]
    assert len(images) == 2 and (files / images[-1]["Sampler/adaptive/heatmap/path"]).stat().st_size > 0
    # rsl-rl's own scalars and the curriculum's reach W&B too
    assert any("Curriculum/adaptive/entropy_normalized" in r for r in rows)


def test_tensorboard_gets_histograms_and_heatmap_images(run):
    events = EventAccumulator(str(run), size_guidance={"images": 0, "histograms": 0}).Reload()
    assert "Sampler/adaptive/heatmap" in events.Tags()["images"]
    assert len(events.Images("Sampler/adaptive/heatmap")) == 2
    histogram = events.Histograms("Sampler/adaptive/start_probability")[-1].histogram_value
    assert len(histogram.bucket) == NUM_BINS and histogram.num == pytest.approx(1.0, abs=1e-5)


def test_export_onnx_matches_torch_and_carries_the_deployment_metadata(run):
    import onnxruntime

    from beyondmimic_adaptive.export import read_metadata
    from beyondmimic_adaptive.tasks.tracking.config.humanoid import TrackingHumanoidEnvCfg

    result = script("scripts/export_onnx.py", "--checkpoint", str(run / "model_1.pt"))
    diff = float(re.search(r"max \|diff\| ([0-9.e+-]+)", result.stdout).group(1))
    assert diff < 1e-5
    path = run / "exported" / "policy.onnx"
    meta = read_metadata(path)
    cfg = TrackingHumanoidEnvCfg()
    joint_names = meta["joint_names"].split(",")
    assert len(joint_names) == 21 and len(set(joint_names)) == 21
    for key in ("joint_stiffness", "joint_damping", "default_joint_pos", "action_scale"):
        assert len(meta[key].split(",")) == 21, key
    assert [float(v) for v in meta["action_scale"].split(",")] == [cfg.actions.joint_pos.scale] * 21
    assert meta["anchor_body_name"] == cfg.commands.motion.anchor_body_name
    assert meta["body_names"].split(",") == list(cfg.commands.motion.body_names)
    names = meta["observation_names"].split(",")
    assert names == [n for n in vars(cfg.observations.policy) if n in names]  # the policy group's terms, in order
    dims = [int(d) for d in meta["observation_dims"].split(",")]
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape == [1, sum(dims)]
    # the embedded reference: frames clamp into the clip; quaternions are unit (w, x, y, z)
    obs = np.zeros((1, sum(dims)), np.float32)
    last = session.run(None, {"obs": obs, "time_step": np.array([[399.0]], np.float32)})
    beyond = session.run(None, {"obs": obs, "time_step": np.array([[10_000.0]], np.float32)})
    for a, b in zip(last[1:], beyond[1:], strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.linalg.norm(last[4], axis=-1), 1.0, atol=1e-5)


def test_the_onnx_model_acts_as_the_runners_policy_on_the_envs_own_observations(run):
    import onnxruntime

    from beyondmimic_adaptive.runs import load_policy_env

    path = run / "exported" / "policy.onnx"
    if not path.exists():
        script("scripts/export_onnx.py", "--checkpoint", str(run / "model_1.pt"))
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    loaded = load_policy_env(run / "model_1.pt", [], num_envs=2, keep_sampler=False)
    try:
        command = loaded.env.command_manager.get_term("motion")
        obs = loaded.wrapped.get_observations()
        for _ in range(5):  # a few steps in, from the sampler's starts: observations the policy really sees
            with torch.inference_mode():
                actions = loaded.policy(obs)
            for env in range(2):
                frame = command.time_steps[env : env + 1].float()[:, None].numpy()
                got = session.run(None, {"obs": obs["policy"][env : env + 1].numpy(), "time_step": frame})
                np.testing.assert_allclose(got[0], actions[env : env + 1].numpy(), atol=1e-5, rtol=0)
                if int(command.motion_ids[env]) == 0:  # the model embeds motion 0: its reference at that frame
                    np.testing.assert_array_equal(got[1][0], command.reference.joint_pos[env].numpy())
            obs = loaded.wrapped.step(actions)[0]
    finally:
        loaded.env.close()


def test_play_writes_a_video_with_one_frame_per_step(run, tmp_path):
    import imageio_ffmpeg

    out = tmp_path / "play.mp4"
    script("scripts/play.py", "--checkpoint", str(run / "model_1.pt"), "--steps", "10", "--out", str(out),
           "--width", "320", "--height", "240")  # fmt: skip
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == 10  # one per control step: a dropped or extra frame changes the count


def test_play_on_other_motions_starts_an_empty_sampler(run, tmp_path):
    from beyondmimic_adaptive.assets import DEMO_LONG_MOTION

    out = tmp_path / "other.mp4"  # the run trained on the short clip: its sampler state has other bins
    result = script(
        "scripts/play.py",
        "--checkpoint",
        str(run / "model_1.pt"),
        "--steps",
        "3",
        "--out",
        str(out),
        "--width",
        "160",
        "--height",
        "128",
        f"motion_files=[{DEMO_LONG_MOTION}]",
        "curriculum.adaptive.manual_probabilities=null",
    )  # fmt: skip (the fixture's are per short-clip bin)
    assert "the run's sampler state does not fit, the sampler starts empty" in result.stdout
    assert out.stat().st_size > 0


def test_a_checkpoint_of_another_task_is_named():
    from beyondmimic_adaptive.runs import RunError
    from beyondmimic_adaptive.runs.checkpoints import load_actor

    class Runner:  # what rsl-rl raises for an actor of other observation sizes
        def load(self, *args, **kwargs):
            raise RuntimeError(
                "Error(s) in loading state_dict for MLPModel:\n\tsize mismatch for obs_normalizer._mean: copying a "
                "param with shape torch.Size([1, 120]) from checkpoint, the shape in current model is [1, 160]."
            )

    with pytest.raises(RunError, match=r"model_1.pt does not fit task 'Tracking-G1-v0' \(size mismatch for obs_"):
        load_actor(Runner(), Path("model_1.pt"), "cpu", "Tracking-G1-v0")


def test_play_g1_without_a_checkpoint(tmp_path):
    import imageio_ffmpeg

    out = tmp_path / "g1.mp4"
    script("scripts/play.py", "--task", "Tracking-G1-v0", "--steps", "5", "--out", str(out), "--width", "320",
           "--height", "240")  # fmt: skip
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 5


def test_play_and_export_fail_clearly(tmp_path):
    for args, message in (
        (["scripts/play.py", "--steps", "3"], "without --checkpoint, give --out"),
        (["scripts/play.py", "--checkpoint", str(tmp_path / "none.pt")], "does not exist"),
        (["scripts/play.py", "--checkpoint", str(tmp_path)], "is a folder; give one of its model_<iteration>.pt"),
        (["scripts/play.py", "--task", "Tracking-Humanoid-v0", "--out", "x.mp4", "--width", "0"], "positive multiples"),
        (["scripts/export_onnx.py", "--checkpoint", str(tmp_path / "none.pt")], "does not exist"),
    ):
        result = run_script(*args)  # an uncaught exception (a traceback) fails the test here
        assert result.returncode != 0 and message in result.stderr
