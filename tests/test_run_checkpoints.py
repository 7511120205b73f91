"""Picking rsl-rl checkpoints (a save cut off by a kill is never chosen) and reading a run's saved config."""

from __future__ import annotations

import re

import torch

from beyondmimic_adaptive.runs.checkpoints import checkpoints_by_iteration, is_complete, latest_complete


def save_checkpoint(
    path, size: int = 1000, keys=("actor_state_dict", "critic_state_dict", "optimizer_state_dict")
) -> None:
    """A file shaped like rsl-rl's checkpoint (its state dicts under ``keys``)."""
    torch.save({**{key: {"w": torch.randn(size)} for key in keys}, "iter": 0}, path)


def cut_off(path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_checkpoints_are_ordered_by_iteration_number_not_by_name(tmp_path):
    for iteration in (100, 9, 20):
        save_checkpoint(tmp_path / f"model_{iteration}.pt")
    (tmp_path / "model_best.pt").write_bytes(b"")  # not an iteration: ignored
    assert list(checkpoints_by_iteration(tmp_path)) == [9, 20, 100]


def test_a_truncated_checkpoint_is_incomplete_and_skipped(tmp_path):
    for iteration in (1, 2, 3):
        save_checkpoint(tmp_path / f"model_{iteration}.pt")
    assert all(is_complete(p) for p in checkpoints_by_iteration(tmp_path).values())
    cut_off(tmp_path / "model_3.pt")
    assert not is_complete(tmp_path / "model_3.pt")
    assert latest_complete(tmp_path) == (tmp_path / "model_2.pt", [tmp_path / "model_3.pt"])
    # what was picked loads
    assert torch.load(tmp_path / "model_2.pt", weights_only=True)["iter"] == 0


def test_no_complete_checkpoint(tmp_path):
    assert latest_complete(tmp_path) == (None, [])
    save_checkpoint(tmp_path / "model_5.pt")
    cut_off(tmp_path / "model_5.pt")
    assert latest_complete(tmp_path) == (None, [tmp_path / "model_5.pt"])


def test_checked_checkpoint_and_resume_name_the_problem_and_the_fix(tmp_path):
    import pytest

    from beyondmimic_adaptive.runs import RunError, checked_checkpoint
    from beyondmimic_adaptive.runs.checkpoints import resume_checkpoint

    with pytest.raises(RunError, match=r"model_7.pt does not exist; give a model_<iteration>.pt"):
        checked_checkpoint(tmp_path / "model_7.pt")
    with pytest.raises(RunError, match=r"is a folder; give one of its model_<iteration>.pt, and it holds none"):
        checked_checkpoint(tmp_path)
    with pytest.raises(RunError, match=r"holds no model_<iteration>.pt checkpoint"):
        resume_checkpoint(tmp_path)
    save_checkpoint(tmp_path / "model_1.pt")
    folder = re.escape(f"(resume={tmp_path})")
    with pytest.raises(RunError, match=rf"is a file; resume takes the run folder {folder}"):
        resume_checkpoint(tmp_path / "model_1.pt")
    save_checkpoint(tmp_path / "model_2.pt")
    cut_off(tmp_path / "model_2.pt")
    with pytest.raises(RunError, match=r"model_2.pt is truncated .* pick an earlier model_<iteration>.pt"):
        checked_checkpoint(tmp_path / "model_2.pt")
    assert checked_checkpoint(tmp_path / "model_1.pt") == tmp_path / "model_1.pt"
    with pytest.raises(RunError, match=r"is a folder; give one of its model_<iteration>.pt \(its newest complete one"):
        checked_checkpoint(tmp_path)
    assert resume_checkpoint(tmp_path) == (tmp_path / "model_1.pt", [tmp_path / "model_2.pt"])
    cut_off(tmp_path / "model_1.pt")
    with pytest.raises(RunError, match=r"every checkpoint \(model_1.pt, model_2.pt\) is truncated"):
        resume_checkpoint(tmp_path)


def test_resume_refuses_a_checkpoint_stripped_for_inference(tmp_path):
    import pytest

    from beyondmimic_adaptive.assets import G1_LONG_DANCE_POLICY
    from beyondmimic_adaptive.runs import RunError
    from beyondmimic_adaptive.runs.checkpoints import resume_checkpoint

    save_checkpoint(tmp_path / "model_3.pt", keys=("actor_state_dict",))
    with pytest.raises(RunError, match=r"model_3.pt has no critic_state_dict, optimizer_state_dict .* start a new run"):
        resume_checkpoint(tmp_path)
    shipped = G1_LONG_DANCE_POLICY.parent
    with pytest.raises(RunError, match=r"cannot continue from it"):
        resume_checkpoint(shipped)


def test_a_saved_run_config_keeps_its_keys_unless_overridden(tmp_path):
    import pytest
    from omegaconf import OmegaConf

    from beyondmimic_adaptive.runs import RunError, saved_run_config, train_config

    saved = train_config(["task=Tracking-G1-v0", "curriculum.adaptive.bin_size_s=2.0", "seed=7"]).cfg
    (tmp_path / "config.yaml").write_text(OmegaConf.to_yaml(saved))
    config = saved_run_config(tmp_path, ["seed=9", "curriculum.adaptive.bin_size_s=4.0"])
    assert (config.run.task, config.run.seed) == ("Tracking-G1-v0", 9)
    assert config.cfg.curriculum.adaptive.bin_size_s == 4.0
    assert saved_run_config(tmp_path / "elsewhere").run.task == "Tracking-Humanoid-v0"  # no saved config: defaults
    with pytest.raises(RunError, match=r"config error: .*device='gpu' is invalid"):
        saved_run_config(tmp_path, ["device=gpu"])
    (tmp_path / "config.yaml").write_text("- a list\n")
    with pytest.raises(RunError, match=r"config.yaml is not a mapping of config keys"):
        saved_run_config(tmp_path)
