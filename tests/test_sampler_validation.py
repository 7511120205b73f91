"""Bad input to the sampler core fails early with a message naming the field and the fix."""

from __future__ import annotations

import pytest
import torch

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import MotionInputError, SamplerConfigError, SamplerStateError

pytestmark = pytest.mark.fast


@pytest.mark.parametrize(
    "field,value,expected",
    [
        ("gamma", 0.0, "in (0, 1]"),
        ("gamma", 1.01, "in (0, 1]"),
        ("gamma", float("nan"), "in (0, 1]"),
        ("K", 0, "integer >= 1"),
        ("K", 2.5, "integer >= 1"),
        ("lambda_uniform", -0.1, "in [0, 1]"),
        ("lambda_uniform", 1.5, "in [0, 1]"),
        ("alpha", 0.0, "in (0, 1]"),
        ("alpha", 2.0, "in (0, 1]"),
        ("bin_size_s", 0.0, "> 0"),
        ("attribution", "end", "one of ('start', 'failure', 'hazard')"),
        ("warmup_steps", -1, ">= 0"),
        ("manual_probabilities", [0.0, 0.0], "positive sum"),
        ("manual_probabilities", [1.0, -1.0], "non-negative"),
    ],
)
def test_out_of_range_hyperparameters(field, value, expected):
    with pytest.raises(SamplerConfigError) as err:
        AdaptiveSampler(AdaptiveSamplerCfg(**{field: value}), motion_num_frames=[100], fps=50)
    message = str(err.value)
    assert f"AdaptiveSamplerCfg.{field}=" in message and expected in message
    assert f"curriculum.adaptive.{field}" in message


@pytest.mark.parametrize(
    "frames,fps,expected",
    [
        ([], 50, "motion_num_frames is empty"),
        ([100, 0], 50, "motion_num_frames[1]=0"),
        ([100, 2.5], 50, "motion_num_frames[1]=2.5"),
        (None, 50, "expected a list"),
        ([100], 0, "fps=0"),
        ([100], float("inf"), "fps=inf"),
    ],
)
def test_bad_motions(frames, fps, expected):
    with pytest.raises(MotionInputError, match=None) as err:
        AdaptiveSampler(AdaptiveSamplerCfg(), motion_num_frames=frames, fps=fps)
    assert expected in str(err.value)


def test_bin_shorter_than_a_frame():
    with pytest.raises(MotionInputError, match="at least one frame"):
        AdaptiveSampler(AdaptiveSamplerCfg(bin_size_s=0.01), motion_num_frames=[100], fps=50)


def test_manual_probabilities_of_wrong_length():
    with pytest.raises(SamplerConfigError, match="has 2 entries but the motions have 3 bins"):
        AdaptiveSampler(AdaptiveSamplerCfg(manual_probabilities=[1.0, 1.0]), motion_num_frames=[150], fps=50)


@pytest.mark.parametrize(
    "bins,failed,mask,expected",
    [
        (torch.tensor([0.0]), torch.tensor([True]), None, "bins=...) expects a 1-D int32/int64"),
        (torch.tensor([[0]]), torch.tensor([True]), None, "bins=...) expects a 1-D"),
        (torch.tensor([0]), torch.tensor([1]), None, "failed=...) expects a bool tensor of shape (1,)"),
        (torch.tensor([0, 1]), torch.tensor([True]), None, "failed=...) expects a bool tensor of shape (2,)"),
        (torch.tensor([0]), torch.tensor([True]), torch.tensor([1.0]), "mask=...) expects a bool"),
    ],
)
@pytest.mark.parametrize("call", ["update", "record"])
def test_update_and_record_reject_wrong_types_naming_the_call(bins, failed, mask, expected, call):
    s = AdaptiveSampler(AdaptiveSamplerCfg(), motion_num_frames=[100], fps=50)
    with pytest.raises(TypeError) as err:
        getattr(s, call)(bins, failed, mask=mask)
    assert f"{call}({expected}" in str(err.value)


def test_record_needs_the_failed_flags():
    s = AdaptiveSampler(AdaptiveSamplerCfg(), motion_num_frames=[100], fps=50)
    with pytest.raises(TypeError, match=r"record\(failed=...\) expects a bool tensor of shape \(1,\), got NoneType"):
        s.record(torch.tensor([0]), None)  # type: ignore[arg-type]


def test_state_round_trip_is_bit_exact():
    a = AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.3), motion_num_frames=[250, 120], fps=50)
    torch.manual_seed(0)
    for _ in range(20):
        a.update(torch.randint(0, a.num_bins, (30,)), torch.rand(30) < 0.3)
    a.env_step = 1234
    b = AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.3), motion_num_frames=[250, 120], fps=50)
    b.load_state_dict(a.state_dict())
    assert torch.equal(a.failure_rate, b.failure_rate) and torch.equal(a.probabilities, b.probabilities)
    assert torch.equal(a.episode_counts, b.episode_counts) and b.env_step == 1234


def test_state_of_other_motions_is_refused():
    a = AdaptiveSampler(AdaptiveSamplerCfg(), motion_num_frames=[250, 120], fps=50)
    b = AdaptiveSampler(AdaptiveSamplerCfg(), motion_num_frames=[250], fps=50)
    with pytest.raises(SamplerStateError, match="made for motions/bins"):
        b.load_state_dict(a.state_dict())


@pytest.mark.parametrize(
    "mutate,expected",
    [
        (lambda s: {"weights": 1}, "not an adaptive sampler state"),
        (lambda s: [1, 2], "not an adaptive sampler state"),
        (lambda s: {**s, "failure_rate": s["failure_rate"][:-1]}, "'failure_rate' must be a torch.float32 tensor"),
        (lambda s: {**s, "seen": s["seen"].float()}, "'seen' must be a torch.bool tensor"),
        (lambda s: {**s, "seen": ~s["seen"]}, "'seen' must be True exactly where 'episode_counts' > 0"),
        (lambda s: {**s, "failure_rate": s["failure_rate"] + 2}, "outside [0, 1]"),
        (lambda s: {**s, "env_step": -3}, "'env_step' must be an int >= 0"),
    ],
)
def test_corrupt_or_foreign_state_is_refused(mutate, expected):
    s = AdaptiveSampler(AdaptiveSamplerCfg(), motion_num_frames=[250], fps=50)
    before = s.failure_rate.clone()
    with pytest.raises(SamplerStateError) as err:
        s.load_state_dict(mutate(s.state_dict()))
    assert expected in str(err.value)
    assert torch.equal(s.failure_rate, before)  # nothing written half-way
