"""A saved sampler state is checked in full before anything is copied in (no half-loaded sampler)."""

from __future__ import annotations

import pytest
import torch

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import SamplerStateError

pytestmark = pytest.mark.fast


def trained(**cfg) -> AdaptiveSampler:
    """A sampler with non-trivial statistics and pending counts."""
    s = AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.3, **cfg), motion_num_frames=[250, 120], fps=50)
    generator = torch.Generator().manual_seed(0)
    for _ in range(5):
        s.update(torch.randint(0, s.num_bins, (40,), generator=generator), torch.rand(40, generator=generator) < 0.4)
    s.record(torch.tensor([0, 1, 1]), torch.tensor([True, False, True]))
    s.env_step = 77
    return s


def snapshot(s: AdaptiveSampler) -> dict[str, torch.Tensor]:
    """Every tensor the sampler keeps, and its env step."""
    tensors = {name: value.clone() for name, value in vars(s).items() if isinstance(value, torch.Tensor)}
    return {**tensors, "env_step": s.env_step}


def assert_unchanged(s: AdaptiveSampler, before: dict[str, torch.Tensor]) -> None:
    after = snapshot(s)
    assert after.keys() == before.keys()
    for name, value in before.items():
        if isinstance(value, torch.Tensor):
            assert torch.equal(after[name].nan_to_num(-7.0), value.nan_to_num(-7.0)), f"{name} changed"
        else:
            assert after[name] == value, f"{name} changed"


def with_value(key: str, index: tuple, value: float):
    """A state mutation that writes ``value`` at ``index`` of tensor ``key`` (keeping 'seen' consistent)."""

    def mutate(state: dict) -> dict:
        tensor = state[key].clone()
        tensor[index] = value
        state = {**state, key: tensor}
        state["seen"] = state["episode_counts"] > 0
        return state

    return mutate


@pytest.mark.parametrize(
    "mutate,expected",
    [
        (with_value("episode_counts", (2,), -3.0), "'episode_counts' has negative values"),
        (with_value("failure_counts", (1,), -1.0), "'failure_counts' has negative values"),
        (with_value("failure_counts", (0,), 1e6), "'failure_counts' exceeds 'episode_counts'"),
        (with_value("episode_counts", (3,), float("nan")), "'episode_counts' has non-finite values"),
        (with_value("failure_counts", (3,), float("inf")), "'failure_counts' has non-finite values"),
        (with_value("pending", (0, 0), -2.0), "'pending' has negative values"),
        (with_value("pending", (1, 1), -5.0), "'pending' has negative values"),  # gave a rate of -5
        (with_value("pending", (1, 1), 9.0), "'pending' failures exceed its episodes"),
        (with_value("pending", (2, 0), float("inf")), "'pending' has non-finite values"),
        (with_value("failure_rate", (0,), float("nan")), "'failure_rate' has non-finite values"),
        (with_value("failure_rate", (0,), float("inf")), "'failure_rate' has non-finite values"),
        (with_value("failure_rate", (0,), -0.5), "'failure_rate' has values outside [0, 1]"),
        (with_value("failure_rate", (0,), 1.5), "'failure_rate' has values outside [0, 1]"),
        (with_value("exposure_counts", (1,), -4.0), "'exposure_counts' has negative values"),
        (with_value("hazard_counts", (1, 0), float("nan")), "'hazard_counts' has non-finite values"),
        (with_value("hazard_counts", (2, 1), -1.0), "'hazard_counts' has negative values"),
        (lambda s: {**s, "attribution": "hazard"}, "'attribution' is 'hazard', but this run uses attribution='start'"),
        (lambda s: {**s, "format": "beyondmimic_adaptive.sampler/3"}, "not an adaptive sampler state"),
        (lambda s: {**s, "env_step": True}, "'env_step' must be an int >= 0, got True"),
        (lambda s: {**s, "env_step": 3.0}, "'env_step' must be an int >= 0, got 3.0"),
        (lambda s: {**s, "env_step": -1}, "'env_step' must be an int >= 0, got -1"),
    ],
)
def test_out_of_range_state_is_refused_and_nothing_changes(mutate, expected):
    s = trained()
    state = mutate(s.state_dict())
    s.update(torch.tensor([4]), torch.tensor([True]))  # the live sampler differs from the saved state
    before = snapshot(s)
    with pytest.raises(SamplerStateError) as err:
        s.load_state_dict(state)
    assert expected in str(err.value)
    assert_unchanged(s, before)


def test_negative_pending_failure_would_give_a_negative_probability():
    """The bug the pending check closes: the fold turned -5 failures in 1 episode into a rate of -5."""
    s = AdaptiveSampler(AdaptiveSamplerCfg(alpha=1.0, lambda_uniform=0.0), motion_num_frames=[250], fps=50)
    state = s.state_dict()
    state["pending"][1] = torch.tensor([1.0, -5.0, 0.0])
    with pytest.raises(SamplerStateError, match="'pending' has negative values"):
        s.load_state_dict(state)
    s.fold()
    assert bool((s.probabilities >= 0).all()) and bool((s.failure_rate == 0).all())


def test_valid_state_still_loads():
    a = trained()
    b = AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.3), motion_num_frames=[250, 120], fps=50)
    b.load_state_dict(a.state_dict())
    for name, value in snapshot(a).items():
        other = snapshot(b)[name]
        assert torch.equal(value, other) if isinstance(value, torch.Tensor) else value == other, name


def test_the_digest_changes_with_any_value_of_the_state():
    from beyondmimic_adaptive.sampler import state_digest

    state = trained().state_dict()
    digest = state_digest(state)
    assert state_digest({k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in state.items()}) == digest
    for key in sorted(k for k, v in state.items() if isinstance(v, torch.Tensor) and v.numel() > 0):
        changed = dict(state)
        changed[key] = state[key].clone()
        last = changed[key].view(-1)  # one element of one tensor, same shape and dtype
        last[-1] = ~last[-1] if last.dtype == torch.bool else last[-1] + 1
        assert state_digest(changed) != digest, key
    assert state_digest({**state, "env_step": state["env_step"] + 1}) != digest


def version_1(state: dict) -> dict:
    """The same statistics in the format before exposure (version 1)."""
    old = {k: v for k, v in state.items() if k not in ("attribution", "exposure_counts", "hazard_counts")}
    return {**old, "format": "beyondmimic_adaptive.sampler/1", "pending": state["pending"][:, :2].clone()}


@pytest.mark.parametrize("attribution", ["start", "failure"])
def test_version_1_state_loads_for_episode_attributions(attribution):
    a = trained(attribution=attribution)
    b = AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.3, attribution=attribution), motion_num_frames=[250, 120], fps=50)
    b.load_state_dict(version_1(a.state_dict()))
    for name in ("failure_rate", "episode_counts", "failure_counts", "_pending"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert b.env_step == 77 and bool((b.exposure_counts == 0).all())
    a.fold()
    b.fold()
    assert torch.equal(a.probabilities, b.probabilities)


def test_version_1_state_is_refused_for_hazard():
    old = version_1(trained().state_dict())
    s = trained(attribution="hazard")
    before = snapshot(s)
    with pytest.raises(SamplerStateError, match="has no per-bin exposure, so attribution='hazard' cannot continue"):
        s.load_state_dict(old)
    assert_unchanged(s, before)


def test_hazard_state_round_trip_is_bit_exact():
    a = trained(attribution="hazard")
    a.record_exposure(torch.tensor([0, 0, 1, 5]))
    a.fold()
    a.record_exposure(torch.tensor([2, 3]))  # pending exposure survives too
    b = AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.3, attribution="hazard"), motion_num_frames=[250, 120], fps=50)
    b.load_state_dict(a.state_dict())
    for name, value in snapshot(a).items():
        other = snapshot(b)[name]
        assert torch.equal(value, other) if isinstance(value, torch.Tensor) else value == other, name
    assert a.state_dict()["format"] == "beyondmimic_adaptive.sampler/2"
