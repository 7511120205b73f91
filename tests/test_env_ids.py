"""Every form of ``env_ids`` Isaac Lab hands a term (None, slices, lists, int tensors) resets exactly those envs."""

from __future__ import annotations

import pytest
import torch

ENV_ID_FORMS = [
    slice(0, 2),
    slice(1, None, 2),
    slice(5, None),
    slice(-3, -1),
    [0, 3],
    [7],
    torch.tensor([1, 4], dtype=torch.int32),
    torch.tensor([6, 2], dtype=torch.int64),
]


@pytest.mark.parametrize("env_ids", ENV_ID_FORMS, ids=repr)
def test_every_env_ids_form_resets_exactly_those_envs(make_env, env_ids):
    env = make_env(["curriculum.adaptive.manual_probabilities=[1,0,0,0,0,0,0,0]"], num_envs=8)
    env.reset()
    term, command = env.curriculum_manager.cfg.adaptive.func, env.command
    assert bool((command.time_steps < 50).all())
    term.sampler.set_manual_probabilities([0, 0, 0, 1, 0, 0, 0, 0])  # bin 3: frames 150..199
    expected = torch.zeros(8, dtype=torch.bool)
    expected[env_ids.long() if isinstance(env_ids, torch.Tensor) else env_ids] = True
    env.reset(env_ids)
    in_bin_3 = (command.time_steps >= 150) & (command.time_steps < 200)
    assert torch.equal(in_bin_3, expected)
    assert torch.equal(command.robot_frame, command.time_steps)
    assert torch.equal(term.sampler.bin_index(command.motion_ids, command.time_steps), term.start_bins)


def test_normalize_env_ids_forms_and_errors():
    from beyondmimic_adaptive.terms.env_ids import normalize_env_ids

    assert normalize_env_ids(None, 6, "cpu") == slice(None)
    assert normalize_env_ids(slice(0, 6), 6, "cpu") == slice(None)
    assert normalize_env_ids(slice(None, None, -1), 6, "cpu").tolist() == [5, 4, 3, 2, 1, 0]
    assert normalize_env_ids(slice(1, 100, 2), 6, "cpu").tolist() == [1, 3, 5]
    assert normalize_env_ids(slice(4, 2), 6, "cpu").tolist() == []
    ids = torch.tensor([3, 1])
    assert normalize_env_ids(ids, 6, "cpu") is ids  # already int64 on the device: no copy
    assert normalize_env_ids(torch.tensor([2], dtype=torch.int32), 6, "cpu").dtype == torch.int64
    assert normalize_env_ids(range(2, 4), 6, "cpu").tolist() == [2, 3]
    with pytest.raises(TypeError, match="1-D int32/int64 tensor"):
        normalize_env_ids(torch.tensor([True, False]), 6, "cpu")
    with pytest.raises(TypeError, match="expected ints"):
        normalize_env_ids([0.5], 6, "cpu")


def test_env_ids_normalizer_reuses_a_conversion_only_for_the_same_unmodified_tensor():
    from beyondmimic_adaptive.terms.env_ids import EnvIdsNormalizer

    normalize = EnvIdsNormalizer(6, "cpu")
    ids = torch.tensor([1, 4], dtype=torch.int32)
    first = normalize(ids)
    assert first.dtype == torch.int64 and first.tolist() == [1, 4]
    assert normalize(ids) is first  # the same reset's ids, handed to the next term: no second conversion
    ids[0] = 2  # modified in place: converted anew
    assert normalize(ids).tolist() == [2, 4]
    assert normalize(torch.tensor([1, 4], dtype=torch.int32)).tolist() == [1, 4]  # an equal, other tensor
    with torch.inference_mode():
        frozen = torch.tensor([3], dtype=torch.int32)
    assert normalize(frozen).tolist() == [3] and normalize(frozen).tolist() == [3]  # no version counter
    assert normalize(None) == slice(None) and normalize(slice(0, 6)) == slice(None)
