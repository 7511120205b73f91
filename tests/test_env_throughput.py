"""bench/env_throughput.py on the CPU: sampling switched off and on again in one env, as its rounds do."""

from __future__ import annotations

import json
import sys

import pytest
import torch
from script_run import ROOT, run_ok

sys.path.insert(0, str(ROOT / "bench"))
import env_throughput


@pytest.fixture
def env():
    """A humanoid tracking env, closed at the end of the test (one simulation per process at a time)."""
    from isaaclab.envs import ManagerBasedRLEnv

    from beyondmimic_adaptive.tasks.tracking.config.humanoid import TrackingHumanoidEnvCfg

    cfg = TrackingHumanoidEnvCfg()
    cfg.scene.num_envs = 4
    environment = ManagerBasedRLEnv(cfg=cfg)
    yield environment
    environment.close()


def test_an_off_phase_first_needs_the_fold_to_have_run(env):
    env.reset()
    action = torch.zeros(env.num_envs, env.action_manager.total_action_dim)
    first_env = torch.tensor([0])
    # what the G1 run on the H200 hit: `off` first, then the first reset with sampling on refuses to record
    with env_throughput.sampling_off(env):
        env.step(action)
        env.step(action)
    with pytest.raises(RuntimeError, match="never folded"):
        env.curriculum_manager.compute(env_ids=first_env)
    env_throughput.prime_sampling(env)  # what the bench now does before its first phase
    env.curriculum_manager.compute(env_ids=first_env)  # records: the statistics were folded once


def test_one_env_count_times_both_modes_with_the_terms_silent_when_off():
    flags = ["--single", "--num-envs", "4", "--rounds", "2", "--steps", "3", "--warmup", "2"]
    stdout = run_ok("bench/env_throughput.py", *flags).stdout
    rows = json.loads(next(line for line in stdout.splitlines() if line.startswith("RESULT "))[len("RESULT ") :])
    assert [(r["round"], r["mode"]) for r in rows] == [(0, "off"), (0, "adaptive"), (1, "adaptive"), (1, "off")]
    assert all((r["term_calls"] == 0) == (r["mode"] == "off") for r in rows)
    assert all(r["env_steps_per_s"] > 0 for r in rows)
    assert "sampler terms ran in no 'off' phase: True; in every 'adaptive' phase: True" in env_throughput.summary(rows)
