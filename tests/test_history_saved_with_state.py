"""A run killed between checkpoints keeps the sampler history up to its last state save (no simulation).

Snapshots are buffered and written 64 at a time; with a snapshot every 240 env steps that is 640 PPO
iterations of 24 steps. A training stopped before (a preempted job, a killed process) used to lose every
snapshot since the last full chunk, while the checkpoint and sampler state it resumes from were on disk.
"""

from __future__ import annotations

import pytest

from beyondmimic_adaptive.sampler import load_history


@pytest.mark.parametrize("curriculum", ["adaptive", "public"])
def test_each_state_save_writes_the_snapshots_taken_so_far(make_env, tmp_path, curriculum):
    folder = tmp_path / "sampler"
    fields = {
        "history_dir": str(folder),
        "history_interval_steps": 2,
        "state_path": str(folder / "state.pt"),
        "state_save_interval_steps": 5,
    }
    env = make_env([f"curriculum={curriculum}"], num_envs=4, term_fields=fields)
    env.reset()
    for _ in range(8):
        env.step()
    # killed here: nobody calls flush_history(); the state was last saved at env step 5
    assert (folder / "state.pt").is_file()
    history = load_history(folder)
    assert history["env_step"].tolist() == [1, 3, 5]
    for _ in range(4):
        env.step()  # the next save (step 10) appends the snapshots since, as the next chunk
    assert load_history(folder)["env_step"].tolist() == [1, 3, 5, 7, 9]
