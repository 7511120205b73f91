"""Hydra config: the dataclasses are the schema (Hydra composes onto them), the YAML shows them without drift,
overrides reach the term, bad input is named."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from beyondmimic_adaptive.hydra_config import (
    YAML_FACES,
    AdaptiveCurriculumNode,
    ConfigError,
    DemoConfig,
    RunNode,
    TermCurriculumNode,
    compose_config,
    load_run_config,
    parse_curriculum,
    parse_demo,
    parse_run,
    yaml_face_problems,
)
from beyondmimic_adaptive.sampler import AdaptiveSamplerCfg

pytestmark = pytest.mark.fast

CONFIG_DIR = Path(__file__).resolve().parents[1] / "exts" / "beyondmimic_adaptive" / "beyondmimic_adaptive" / "config"


@pytest.mark.parametrize("face", sorted(YAML_FACES))
def test_yaml_shows_its_schema_without_drift(face):
    schema, key = YAML_FACES[face]
    assert yaml_face_problems(CONFIG_DIR / face, schema, key) == []


def test_the_drift_check_names_each_kind_of_drift(tmp_path):
    face = tmp_path / "adaptive.yaml"
    text = (CONFIG_DIR / "curriculum" / "adaptive.yaml").read_text()
    text = text.replace("gamma: 0.9", "gamma: 0.8").replace(
        "  K: 5                      # kernel", "  K: 5  #\n  extra: 1  # kernel"
    )
    face.write_text(
        text.replace("  alpha: 0.01               # failure-rate", "  alpha: 0.01\n  #").replace(
            "  cuda_graph", "  # cuda_graph"
        )
    )
    problems = yaml_face_problems(face, AdaptiveCurriculumNode, "adaptive")
    assert problems == [
        "adaptive.yaml: gamma=0.8 but AdaptiveCurriculumNode.gamma defaults to 0.9",
        "adaptive.yaml: alpha has no comment (add '# <what it does>' on its line)",
        "adaptive.yaml: AdaptiveCurriculumNode.cuda_graph is missing (add 'cuda_graph: <default>  # <what>')",
        "adaptive.yaml: extra is not a field of AdaptiveCurriculumNode (remove it or add the field)",
    ]


def test_composition_is_typed_by_the_schema():
    cfg = compose_config("train", ["curriculum=[adaptive,action_rate_ramp]"])
    assert OmegaConf.get_type(cfg) is RunNode
    assert OmegaConf.get_type(cfg.curriculum.adaptive) is AdaptiveCurriculumNode
    assert OmegaConf.get_type(cfg.curriculum.action_rate_ramp) is TermCurriculumNode
    assert OmegaConf.get_type(compose_config("demo")) is DemoConfig


def test_the_parsed_entry_is_the_sampler_config():
    run = load_run_config(["curriculum.adaptive.gamma=0.8"])
    entry = run.curriculum["adaptive"]
    assert isinstance(entry, AdaptiveSamplerCfg) and entry.gamma == 0.8
    assert parse_curriculum(run.curriculum)["adaptive"] is entry  # parsed once: passed through, not re-parsed


def test_demo_config_is_parsed_and_checked():
    config = parse_demo(compose_config("demo", ["demo.iterations=7"]))
    assert config.demo.iterations == 7 and config.curriculum["adaptive"].gamma == 0.9
    with pytest.raises(ConfigError, match=re.escape("demo.fps=0 is invalid: use a number > 0")):
        parse_demo(compose_config("demo", ["demo.fps=0"]))
    with pytest.raises(ConfigError, match=re.escape("invalid config at demo.fsp: Key 'fsp' not in 'DemoNode'")):
        parse_demo(compose_config("demo", ["+demo.fsp=3"]))
    # a hard part after the 90 s clip's end was accepted; whole seconds were refused without a hint
    with pytest.raises(ConfigError, match=re.escape("use [start, end] pairs with 0 <= start < end <= clip_s (90)")):
        parse_demo(compose_config("demo", ["demo.hard_segments_s=[[95.0,100.0]]"]))
    with pytest.raises(ConfigError, match=re.escape("Write it as a float (e.g. 95.0).")):
        parse_demo(compose_config("demo", ["demo.hard_segments_s=[[95,100]]"]))


def test_a_saved_untyped_config_is_parsed_by_the_same_schema():
    saved = OmegaConf.create(OmegaConf.to_yaml(load_run_config(["curriculum.adaptive.K=3"])))
    assert OmegaConf.get_type(saved) is dict  # as OmegaConf.load reads a run's config.yaml
    assert load_run_config(["curriculum.adaptive.K=3"]) == parse_run(saved)
    saved.curriculum.adaptive.gama = 0.8
    with pytest.raises(ConfigError, match=re.escape("invalid config at curriculum.adaptive.gama: Key 'gama' not in")):
        parse_run(saved)


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
        load_run_config(overrides)
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
    sampler_cfg = parse_curriculum(cfg.curriculum)["adaptive"]
    assert (sampler_cfg.max_prob_ratio, sampler_cfg.rate_prior, sampler_cfg.rate_prior_mean) == (4.0, 2.0, 0.1)
    cfg = compose_config("train", ["curriculum.adaptive.attribution=hazard"])
    assert parse_curriculum(cfg.curriculum)["adaptive"].attribution == "hazard"


def test_composition_keeps_both_terms():
    cfg = compose_config("train", ["curriculum=[adaptive,action_rate_ramp]", "curriculum.adaptive.gamma=0.7"])
    nodes = parse_curriculum(cfg.curriculum)
    assert list(nodes) == ["adaptive", "action_rate_ramp"] and nodes["adaptive"].gamma == 0.7


@pytest.mark.parametrize(
    "overrides,expected",
    [
        (["curriculum.adaptive.gama=0.8"], "Could not override 'curriculum.adaptive.gama'"),
        (["curriculum.adaptive.gama=0.8"], "invalid config at curriculum.adaptive.gama: Key 'gama' not in"),
        (["+curriculum.adaptive.gama=0.8"], "curriculum.adaptive.gama: Key 'gama' not in"),
        (["curriculum.adaptive.gamma=abc"], "curriculum.adaptive.gamma: Value 'abc'"),
        (["curriculum.adaptive.K=2.5"], "curriculum.adaptive.K: Value '2.5'"),
        (["curriculum.adaptive.gamma=1.5"], "gamma=1.5 is invalid: expected in (0, 1]"),
        (["curriculum.adaptive.lambda_uniform=-1"], "lambda_uniform=-1.0 is invalid: expected in [0, 1]"),
        (["curriculum.adaptive.attribution=end"], "attribution='end' is invalid"),
        (["curriculum.adaptive.max_prob_ratio=0.5"], "max_prob_ratio=0.5 is invalid: expected null or 0 (off)"),
        (["curriculum.adaptive.rate_prior=-2"], "rate_prior=-2.0 is invalid: expected a finite number >= 0"),
        (["curriculum.adaptive.rate_prior_mean=2"], "rate_prior_mean=2.0 is invalid: expected in [0, 1]"),
        (
            ["curriculum.adaptive.warp_step=true", "curriculum.adaptive.max_prob_ratio=2"],
            "warp_step=True is invalid: expected false or null with a max_prob_ratio (Warp has no cap)",
        ),
        (["curriculum.adaptive.type=fancy"], "curriculum.adaptive.type='fancy' is unknown"),
        (["curriculum.adaptive.command_name="], "curriculum.adaptive.command_name='' is invalid: name a command"),
        (["+curriculum.x={type:adaptive_sampling,command_name:''}"], "curriculum.x.command_name='' is invalid"),
        (["curriculum=[adaptive,action_rate_ramp]", "curriculum.action_rate_ramp.func=x"], "func='x' is invalid"),
        (["curriculum=nosuch"], "Could not find 'curriculum/nosuch'"),
        (["curriculum=null"], "not null: to train without adaptive sampling set curriculum.adaptive.enabled=false"),
        (["+curriculum.extra=3"], "curriculum.extra must be a mapping"),
        (["curriculum.public.alpha=0.01"], "has no entry 'public': choose it with curriculum=public before setting"),
    ],
)
def test_bad_config_is_rejected_with_the_key(overrides, expected):
    with pytest.raises(ConfigError) as err:
        parse_curriculum(compose_config("train", overrides).curriculum)
    assert expected in str(err.value)


def test_a_curriculum_group_that_is_not_a_mapping_is_rejected():
    with pytest.raises(ConfigError, match=re.escape("curriculum must be a mapping of entry names to entries, got")):
        parse_curriculum(OmegaConf.create({"curriculum": ["K", 1]}).curriculum)  # e.g. a hand-edited config.yaml


def test_unimportable_term_function_is_rejected(make_env):
    with pytest.raises(
        ConfigError, match=re.escape("curriculum.action_rate_ramp.func='nowhere:thing' cannot be imported")
    ):
        make_env(["curriculum=[adaptive,action_rate_ramp]", "curriculum.action_rate_ramp.func=nowhere:thing"])


def test_missing_config_dir_is_named(tmp_path):
    with pytest.raises(ConfigError, match=re.escape("no config 'train.yaml'")):
        compose_config("train", [], config_dir=tmp_path)


def test_a_plain_hydra_app_gets_the_schema_from_the_search_path(tmp_path):
    # a user's own Hydra app that never imports hydra_config: Hydra imports the YAML's package, which registers it
    (tmp_path / "my_train.yaml").write_text(
        "hydra:\n  searchpath:\n    - pkg://beyondmimic_adaptive.config\n"
        "defaults:\n  - curriculum: adaptive\n  - _self_\n"
    )
    code = (
        "from hydra import compose, initialize_config_dir\nfrom omegaconf import OmegaConf\n"
        f"with initialize_config_dir(config_dir={str(tmp_path)!r}, version_base='1.3'):\n"
        "    cfg = compose('my_train', overrides=['curriculum.adaptive.gamma=0.8'])\n"
        "print(OmegaConf.get_type(cfg.curriculum.adaptive).__name__, cfg.curriculum.adaptive.gamma)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.stdout.split() == ["AdaptiveCurriculumNode", "0.8"], result.stderr
