"""Hydra config: one source of truth for defaults, overrides reach the term, bad input is named."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from beyondmimic_adaptive.hydra_config import (
    AdaptiveCurriculumNode,
    ConfigError,
    RunNode,
    compose_config,
    parse_curriculum,
    parse_run,
)

pytestmark = pytest.mark.fast

CONFIG_DIR = Path(__file__).resolve().parents[1] / "exts" / "beyondmimic_adaptive" / "beyondmimic_adaptive" / "config"


def test_yaml_and_config_class_do_not_drift():
    yaml_node = OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "curriculum" / "adaptive.yaml"))["adaptive"]
    defaults = AdaptiveCurriculumNode()
    class_keys = {f.name for f in fields(AdaptiveCurriculumNode)}
    assert set(yaml_node) == class_keys, "adaptive.yaml and AdaptiveCurriculumNode list different keys"
    for key in class_keys:
        assert yaml_node[key] == getattr(defaults, key), f"default of {key} drifted between YAML and class"


def test_train_yaml_and_run_node_do_not_drift():
    yaml_node = OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "train.yaml"))
    yaml_node.pop("defaults")
    defaults = RunNode()
    assert set(yaml_node) == {f.name for f in fields(RunNode)}
    for key, value in yaml_node.items():
        assert value == getattr(defaults, key), f"default of {key} drifted between train.yaml and RunNode"


@pytest.mark.parametrize(
    "overrides,expected",
    [
        (["+num_env=3"], "invalid config at num_env: Key 'num_env' not in 'RunNode'"),
        (["num_envs=abc"], "invalid config at num_envs: Value 'abc'"),
        (["device=gpu"], "device='gpu' is invalid: use 'cpu' or 'cuda:N'"),
        (["iterations=0"], "iterations=0"),
    ],
)
def test_bad_run_keys_are_rejected(overrides, expected):
    with pytest.raises(ConfigError) as err:
        parse_run(compose_config("train", overrides))
    assert expected in str(err.value)


def test_override_reaches_the_running_term(make_env):
    env = make_env(["curriculum.adaptive.gamma=0.8", "curriculum.adaptive.K=3"])
    sampler = env.curriculum_manager.cfg.adaptive.func.sampler
    assert sampler.cfg.gamma == 0.8 and sampler.cfg.K == 3
    scale = 1.0 - sampler.cfg.lambda_uniform  # the weights carry the non-uniform share
    assert sampler._kernel_weight[:, 0].tolist() == pytest.approx([scale, 0.8 * scale, 0.64 * scale])


def test_uniform_variant_samples_uniformly_but_keeps_statistics(make_env):
    env = make_env(["curriculum=uniform"], num_envs=16)
    env.reset()
    env.fail_flag[:8] = True
    env.step()
    sampler = env.curriculum_manager.cfg.adaptive.func.sampler
    assert sampler.cfg.lambda_uniform == 1.0
    assert sampler.failure_counts.sum() == 8
    p = sampler.probabilities
    frames = sampler.layout.bin_length.double()
    assert float((p - frames / frames.sum()).abs().max()) < 1e-7  # uniform over frames


def test_remedies_reach_the_sampler_config():
    cfg = compose_config(
        "train",
        [
            "curriculum.adaptive.max_prob_ratio=4",
            "curriculum.adaptive.rate_prior=2",
            "curriculum.adaptive.rate_prior_mean=0.1",
        ],
    )
    sampler_cfg = parse_curriculum(cfg.curriculum)["adaptive"].sampler_cfg()
    assert (sampler_cfg.max_prob_ratio, sampler_cfg.rate_prior, sampler_cfg.rate_prior_mean) == (4.0, 2.0, 0.1)
    cfg = compose_config("train", ["curriculum.adaptive.attribution=hazard"])
    assert parse_curriculum(cfg.curriculum)["adaptive"].sampler_cfg().attribution == "hazard"


def test_composition_keeps_both_terms():
    cfg = compose_config("train", ["curriculum=[adaptive,action_rate_ramp]", "curriculum.adaptive.gamma=0.7"])
    nodes = parse_curriculum(cfg.curriculum)
    assert list(nodes) == ["adaptive", "action_rate_ramp"] and nodes["adaptive"].gamma == 0.7


@pytest.mark.parametrize(
    "overrides,expected",
    [
        (["curriculum.adaptive.gama=0.8"], "Could not override 'curriculum.adaptive.gama'"),
        (["+curriculum.adaptive.gama=0.8"], "curriculum.adaptive.gama: Key 'gama' not in"),
        (["curriculum.adaptive.gamma=abc"], "curriculum.adaptive.gamma: Value 'abc'"),
        (["curriculum.adaptive.K=2.5"], "curriculum.adaptive.K: Value '2.5'"),
        (["curriculum.adaptive.gamma=1.5"], "gamma=1.5 is invalid: expected in (0, 1]"),
        (["curriculum.adaptive.lambda_uniform=-1"], "lambda_uniform=-1.0 is invalid: expected in [0, 1]"),
        (["curriculum.adaptive.attribution=end"], "attribution='end' is invalid"),
        (["curriculum.adaptive.max_prob_ratio=0.5"], "max_prob_ratio=0.5 is invalid: expected null or 0 (off)"),
        (["curriculum.adaptive.rate_prior=-2"], "rate_prior=-2.0 is invalid: expected a finite number >= 0"),
        (["curriculum.adaptive.rate_prior_mean=2"], "rate_prior_mean=2.0 is invalid: expected in [0, 1]"),
        (["curriculum.adaptive.type=fancy"], "curriculum.adaptive.type='fancy' is unknown"),
        (["curriculum=nosuch"], "Could not find 'curriculum/nosuch'"),
        (["+curriculum.extra=3"], "curriculum.extra must be a mapping"),
    ],
)
def test_bad_config_is_rejected_with_the_key(overrides, expected):
    with pytest.raises(ConfigError) as err:
        parse_curriculum(compose_config("train", overrides).curriculum)
    assert expected in str(err.value)


def test_unimportable_term_function_is_rejected(make_env):
    with pytest.raises(
        ConfigError, match=re.escape("curriculum.action_rate_ramp.func='nowhere:thing' cannot be imported")
    ):
        make_env(["curriculum=[adaptive,action_rate_ramp]", "curriculum.action_rate_ramp.func=nowhere:thing"])


def test_missing_config_dir_is_named(tmp_path):
    with pytest.raises(ConfigError, match=re.escape("no config 'train.yaml'")):
        compose_config("train", [], config_dir=tmp_path)
