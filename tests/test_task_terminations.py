"""The tracking task's own termination settings: the motion's end and the time-out are successes.

The curriculum counts an episode as failed when a termination term with ``time_out=False`` ended it,
so these flags decide what the sampler learns. Read from every registered tracking task's config
(no simulation is built).
"""

from __future__ import annotations

import gymnasium as gym
import pytest
from isaaclab.utils.string import string_to_callable

import beyondmimic_adaptive.tasks  # noqa: F401 (registers the tasks)
from beyondmimic_adaptive.terms import motion_finished

pytestmark = pytest.mark.fast

SUCCESS_TERMS = {"time_out", "motion_end"}
"""BeyondMimic's successes: the episode's time ran out, or the reference motion ended."""
FAILURE_TERMS = {"anchor_height", "anchor_ori", "end_effector_height"}
"""BeyondMimic's tracking failures (HybridRobotics/whole_body_tracking, ``terminations``)."""

TRACKING_TASKS = sorted(task for task in gym.registry if task.startswith("Tracking-"))


def test_both_robots_register_a_tracking_task():
    assert {"Tracking-Humanoid-v0", "Tracking-G1-v0"} <= set(TRACKING_TASKS)


@pytest.mark.parametrize("task", TRACKING_TASKS)
def test_motion_end_and_time_out_are_successes_and_only_tracking_errors_fail(task):
    env_cfg = string_to_callable(gym.spec(task).kwargs["env_cfg_entry_point"])()
    terms = {name: term for name, term in vars(env_cfg.terminations).items() if term is not None}
    assert set(terms) == SUCCESS_TERMS | FAILURE_TERMS
    successes = {name for name, term in terms.items() if term.time_out}
    assert successes == SUCCESS_TERMS, f"{task}: time_out=True on {sorted(successes)}"
    # the motion's end is the command's own end-of-clip check, on the command the sampler drives
    motion_end = terms["motion_end"]
    assert motion_end.func is motion_finished
    assert motion_end.params.get("command_name", "motion") == env_cfg.curriculum.adaptive.command_name
