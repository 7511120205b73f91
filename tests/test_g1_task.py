"""Tracking-G1-v0 in a REAL kit-less Isaac Lab env (Newton on the CPU, 2 envs), on a LAFAN1 clip.

The LAFAN1 retargets are CC BY-NC-ND 4.0 and never enter the repository: the tests read them from
the team's ``../shared/motions/lafan_g1/`` and convert them into a temporary cache.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

LAFAN_DIR = Path(__file__).resolve().parents[2] / "shared" / "motions" / "lafan_g1"
DANCE1 = LAFAN_DIR / "dance1_subject1.csv"
NUM_ENVS = 2

pytestmark = pytest.mark.skipif(not DANCE1.is_file(), reason=f"LAFAN1 test clip {DANCE1} not present")


@pytest.fixture(scope="module")
def dance1_npz(tmp_path_factory) -> Path:
    from beyondmimic_adaptive.assets import G1_USD
    from beyondmimic_adaptive.motion.csv_import import cached_conversion
    from beyondmimic_adaptive.motion.lafan import CSV_FPS
    from beyondmimic_adaptive.tasks.tracking.config.g1.robot import JOINT_NAMES

    return cached_conversion(DANCE1, CSV_FPS, G1_USD, JOINT_NAMES, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def env(dance1_npz):
    import gymnasium as gym
    from isaaclab.envs import ManagerBasedRLEnv

    import beyondmimic_adaptive.tasks  # noqa: F401
    from beyondmimic_adaptive.tasks.tracking.config.g1 import TrackingG1EnvCfg

    assert "Tracking-G1-v0" in gym.registry
    cfg = TrackingG1EnvCfg()
    cfg.scene.num_envs = NUM_ENVS
    cfg.commands.motion.motion_files = [str(dance1_npz)]
    cfg.commands.motion.pose_range = {}
    cfg.commands.motion.velocity_range = {}
    cfg.commands.motion.joint_position_range = (0.0, 0.0)
    cfg.events.push_robot = None
    environment = ManagerBasedRLEnv(cfg=cfg)
    yield environment
    environment.close()


def test_csv_converts_with_the_g1_kinematics(dance1_npz):
    data = np.load(dance1_npz)
    rows = np.loadtxt(DANCE1, delimiter=",")
    assert data["fps"][0] == 50.0
    assert data["joint_pos"].shape == (round((rows.shape[0] - 1) * 50 / 30) + 1, 29)
    # frame 0 is row 0: root position and joints as in the CSV, joints in the CSV's (Unitree's) order
    np.testing.assert_allclose(data["body_pos_w"][0, 0], rows[0, :3], atol=1e-6)
    np.testing.assert_allclose(data["joint_pos"][0], rows[0, 7:], atol=1e-6)
    # every 3rd output frame lands on a CSV row (50 fps from 30 fps): frame 5 is row 3
    np.testing.assert_allclose(data["joint_pos"][5], rows[3, 7:], atol=1e-5)


def test_start_contract_on_the_g1(env):
    from beyondmimic_adaptive.terms import find_adaptive_curriculum

    term = find_adaptive_curriculum(env, "adaptive")
    probabilities = np.zeros(term.sampler.num_bins)
    probabilities[60] = 1.0  # 60 s .. 61 s into dance1
    term.sampler.set_manual_probabilities(probabilities.tolist())
    try:
        env.reset()
    finally:
        term.sampler.set_manual_probabilities(None)
    command = env.command_manager.get_term("motion")
    assert bool(((command.time_steps >= 3000) & (command.time_steps < 3050)).all())
    reference = command.library.frame(command.motion_ids, command.time_steps)
    robot_bodies = command.robot_body_pos_w
    reference_bodies = reference.body_pos_w + env.scene.env_origins[:, None]
    error = (robot_bodies - reference_bodies).norm(dim=-1)
    assert float(error.max()) < 0.01, f"bodies off the reference by up to {float(error.max()):.4f} m"


def test_g1_steps_with_randomisation_and_room_in_the_solver(env):
    robot = env.scene["robot"]
    action_term = env.action_manager.get_term("joint_pos")
    nominal = robot.data.default_joint_pos.torch.clone()
    # the startup offsets: within +-0.01 rad of the nominal pose, and the action offset follows them
    assert torch.equal(action_term._offset, nominal[:, action_term._joint_ids])
    assert float(action_term._offset.std(dim=0).max()) > 0.0  # the envs differ
    actions = torch.zeros(NUM_ENVS, env.action_manager.total_action_dim)
    for _ in range(40):
        env.step(actions)
    watch = env.event_manager.get_term_cfg("solver_capacity").func
    peaks = watch.peaks()
    assert 0 < peaks["nefc"] < peaks["njmax"] and peaks["nacon"] < peaks["naconmax"], peaks
