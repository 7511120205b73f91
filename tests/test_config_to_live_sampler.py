"""Every sampler setting, generated from the config schema, travels from a Hydra override to the live sampler.

No list of keys here: the fields come from :class:`AdaptiveSamplerCfg`, the schema of the Hydra node
:class:`AdaptiveCurriculumNode` (a subclass the curriculum term takes as its sampler config), and each
gets a valid non-default value derived from its type and checked with ``validate()``. A new field is
covered the day it is added, or this test says how to cover it.
"""

from __future__ import annotations

import dataclasses
import types
import typing

import pytest

from beyondmimic_adaptive.hydra_config import AdaptiveCurriculumNode, compose_config, parse_curriculum
from beyondmimic_adaptive.sampler import AdaptiveSamplerCfg, SamplerConfigError
from beyondmimic_adaptive.sampler.bins import BinLayout
from beyondmimic_adaptive.sampler.config import ATTRIBUTIONS

pytestmark = pytest.mark.fast

MOTION_FRAMES = (250, 120)  # the make_env fixture's default motions, 50 fps
WIRING_KEYS = {"type", "enabled", "command_name"}
"""Node keys that wire the terms rather than configure the sampler (tested in test_isaaclab_terms.py)."""

# candidates per plain type, tried in order; the first valid one that differs from the default wins
CANDIDATES: dict[type, list[object]] = {
    bool: [False, True],
    int: [3, 7, 2, 1],
    float: [0.5, 0.25, 0.75, 3.0, 2.0],
    str: list(ATTRIBUTIONS),
}


def plain_type(annotation: object) -> tuple[type, bool]:
    """(the non-None type of an annotation, whether None is allowed)."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        assert len(inner) == 1, f"unsupported annotation {annotation}"
        return inner[0], True
    return annotation, False


def candidates(name: str, annotation: object) -> list[object]:
    kind, _ = plain_type(annotation)
    if typing.get_origin(kind) is list:  # per-bin values: one per bin of the test motions
        num_bins = BinLayout(list(MOTION_FRAMES), 50.0, AdaptiveSamplerCfg().bin_size_s, "cpu").num_bins
        return [[float(b % 3) for b in range(num_bins)]]
    if kind not in CANDIDATES:
        pytest.fail(f"AdaptiveSamplerCfg.{name} has type {annotation}: add candidate values for it to CANDIDATES")
    return CANDIDATES[kind]


def non_default_value(name: str) -> object:
    """A value of field ``name`` that differs from its default and passes ``validate()``."""
    annotation = typing.get_type_hints(AdaptiveSamplerCfg)[name]
    default = getattr(AdaptiveSamplerCfg(), name)
    for value in candidates(name, annotation):
        if value == default:
            continue
        try:
            dataclasses.replace(AdaptiveSamplerCfg(), **{name: value}).validate()
        except SamplerConfigError:
            continue
        return value
    pytest.fail(f"no valid non-default candidate for AdaptiveSamplerCfg.{name}: extend CANDIDATES")


def hydra_literal(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ",".join(hydra_literal(v) for v in value) + "]"
    return repr(value) if isinstance(value, float) else str(value)


SAMPLER_FIELDS = [f.name for f in dataclasses.fields(AdaptiveSamplerCfg)]


def test_the_hydra_node_is_the_sampler_config_plus_wiring_keys():
    assert issubclass(AdaptiveCurriculumNode, AdaptiveSamplerCfg)  # the node is the sampler config, no copy
    node_fields = {f.name for f in dataclasses.fields(AdaptiveCurriculumNode)}
    assert set(SAMPLER_FIELDS) <= node_fields
    # a node key outside the sampler config must be a wiring key this suite tests elsewhere
    assert node_fields - set(SAMPLER_FIELDS) == WIRING_KEYS


def test_every_field_gets_a_distinct_valid_value():
    values = {name: non_default_value(name) for name in SAMPLER_FIELDS}
    assert all(values[name] != getattr(AdaptiveSamplerCfg(), name) for name in SAMPLER_FIELDS)


@pytest.mark.parametrize("name", SAMPLER_FIELDS)
def test_override_reaches_the_live_sampler(make_env, name):
    value = non_default_value(name)
    override = f"curriculum.adaptive.{name}={hydra_literal(value)}"
    # the parsed config: this key changed, nothing else did
    expected = dataclasses.replace(AdaptiveCurriculumNode(), **{name: value})
    parsed = parse_curriculum(compose_config("train", [override]).curriculum)["adaptive"]
    assert parsed == expected, f"{override} parsed as {parsed}"
    # the sampler the running curriculum term built, after Isaac Lab's managers took the config
    env = make_env([override], motion_num_frames=MOTION_FRAMES)
    live = env.curriculum_manager.cfg.adaptive.func.sampler.cfg
    assert getattr(live, name) == value, f"{override} did not reach the live sampler: {name}={getattr(live, name)!r}"
    # warp_step null (the default) is resolved when the term builds the sampler: the torch path on the CPU
    resolved = dataclasses.replace(expected, warp_step=False) if expected.warp_step is None else expected
    assert live == resolved, f"{override} changed other settings of the live sampler: {live}"
