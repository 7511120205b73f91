"""Picking rsl-rl checkpoints: a save cut off by a kill is never chosen."""

from __future__ import annotations

import torch

from beyondmimic_adaptive.runs.checkpoints import checkpoints_by_iteration, is_complete, latest_complete


def save_checkpoint(path, size: int = 1000) -> None:
    torch.save({"model_state_dict": {"w": torch.randn(size)}, "iter": 0}, path)


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
