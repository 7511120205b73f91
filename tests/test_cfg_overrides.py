"""``env.`` and ``agent.`` overrides of a run config reach the task's env and agent configs by attribute path
(as Isaac Lab's Hydra ``env.`` / ``agent.`` prefixes), with the old value's type and clear errors."""

from __future__ import annotations

import re
from dataclasses import field

import gymnasium as gym
import pytest
import torch
from isaaclab.utils import configclass

from beyondmimic_adaptive.runs.cfg_overrides import apply_cfg_overrides, flatten
from beyondmimic_adaptive.runs.config import RunError, train_config
from beyondmimic_adaptive.runs.task_cfg import apply_run_config, task_cfgs

pytestmark = pytest.mark.fast


def _params() -> dict:
    return {"threshold": 0.25, "names": ("a", "b")}


@configclass
class _Term:
    params: dict = field(default_factory=_params)
    weight: float = 1.0


@configclass
class _Terms:
    height: _Term = _Term()
    off: _Term | None = None


@configclass
class _Env:
    terms: _Terms = _Terms()
    episode_length_s: float = 10.0
    decimation: int = 4
    enabled: bool = True


def test_flatten_gives_one_dotted_path_per_leaf():
    assert flatten({"a": {"b": 1, "c": {"d": [2]}}, "e": "x"}) == {"a.b": 1, "a.c.d": [2], "e": "x"}


def test_attributes_and_dict_keys_are_set_in_the_old_values_type():
    env = _Env()
    overrides = {"terms": {"height": {"params": {"threshold": 1, "names": ["c"]}, "weight": 2}}, "decimation": 2}
    apply_cfg_overrides(env, overrides, "env")
    assert env.terms.height.params["threshold"] == 1.0 and isinstance(env.terms.height.params["threshold"], float)
    assert env.terms.height.params["names"] == ("c",)
    assert env.terms.height.weight == 2.0 and isinstance(env.terms.height.weight, float)
    assert env.decimation == 2
    assert _Env().terms.height.params["threshold"] == 0.25  # the class defaults are untouched


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"terms": {"hieght": {"weight": 1.0}}},
            "override env.terms.hieght: _Terms has no 'hieght' (it has: height, off)",
        ),
        (
            {"terms": {"height": {"params": {"treshold": 0.3}}}},
            "override env.terms.height.params.treshold: dict has no",
        ),
        ({"decimation": 2.5}, "override env.decimation=2.5: the task's value is 4 (int); give a int."),
        ({"enabled": 1}, "override env.enabled=1: the task's value is True (bool); give a bool."),
        ({"episode_length_s": "long"}, "override env.episode_length_s='long': the task's value is 10.0 (float)"),
        ({"terms": {"off": {"weight": 1.0}}}, "override env.terms.off: the task's config has None there"),
    ],
)
def test_a_wrong_path_or_type_names_the_path_and_what_is_there(overrides, message):
    with pytest.raises(RunError) as err:
        apply_cfg_overrides(_Env(), overrides, "env")
    assert message in str(err.value)


def test_a_none_field_takes_any_value():
    env = _Env()
    apply_cfg_overrides(env, {"terms": {"off": None}}, "env")
    assert env.terms.off is None


def test_the_run_config_reaches_the_registered_tasks_configs():
    """A threshold the termination term reads and a PPO coefficient, from Hydra overrides to the configs."""
    config = train_config(
        [
            "env.terminations.end_effector_height.params.threshold=0.35",
            "agent.algorithm.entropy_coef=0.01",
            "env.episode_length_s=5",
        ]
    )
    assert config.run.env["terminations"]["end_effector_height"]["params"]["threshold"] == 0.35
    env_cfg, agent_cfg = task_cfgs(config.run.task)
    agent_cfg = apply_run_config(env_cfg, agent_cfg, config)
    assert env_cfg.terminations.end_effector_height.params["threshold"] == 0.35
    assert env_cfg.episode_length_s == 5.0
    assert agent_cfg.algorithm.entropy_coef == 0.01
    default_env, _ = task_cfgs(config.run.task)
    assert default_env.terminations.end_effector_height.params["threshold"] == 0.25


def test_a_task_of_your_own_module_is_named_module_colon_id(tmp_path, monkeypatch):
    # gymnasium's make form: the scripts have no other way to import the package that registers a task
    (tmp_path / "my_tasks_for_test.py").write_text(
        "from beyondmimic_adaptive.tasks.tracking.registration import register_tracking_task\n"
        "register_tracking_task('My-Humanoid-For-Test-v0',"
        " 'beyondmimic_adaptive.tasks.tracking.config.humanoid.env_cfg',"
        " 'TrackingHumanoidEnvCfg', 'TrackingHumanoidPPORunnerCfg')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    config = train_config(["task=my_tasks_for_test:My-Humanoid-For-Test-v0", "num_envs=3"])
    env_cfg, agent_cfg = task_cfgs(config.run.task)
    apply_run_config(env_cfg, agent_cfg, config)
    assert type(env_cfg).__name__ == "TrackingHumanoidEnvCfg" and env_cfg.scene.num_envs == 3
    with pytest.raises(RunError, match=r"module 'no_such_module_here' does not import .*install it or put it on"):
        task_cfgs("no_such_module_here:My-Humanoid-For-Test-v0")
    with pytest.raises(RunError, match=r"not registered .*task=<your module>:<id>"):
        task_cfgs("My-Unknown-Task-v0")


def test_a_run_folder_under_a_file_is_refused_before_anything_is_built(tmp_path):
    from beyondmimic_adaptive.runs.folder import run_folder

    (tmp_path / "file").write_text("x")
    for log_dir, run_name in ((tmp_path / "file", "run"), (tmp_path, "file"), (tmp_path / "file" / "deeper", "r")):
        config = train_config([f"log_dir={log_dir}", f"run_name={run_name}"])
        with pytest.raises(RunError, match=rf"cannot be made: {re.escape(str(tmp_path / 'file'))} is a file"):
            run_folder(config.run)  # it was a NotADirectoryError traceback after the env's build
    assert run_folder(train_config([f"log_dir={tmp_path}", "run_name=new"]).run).path == tmp_path / "new"


def test_null_switches_a_task_term_off():
    config = train_config(["env.terminations.anchor_ori=null"])
    env_cfg, agent_cfg = task_cfgs(config.run.task)
    apply_run_config(env_cfg, agent_cfg, config)
    assert env_cfg.terminations.anchor_ori is None
    assert env_cfg.terminations.anchor_height is not None  # only the named terms
    with pytest.raises(RunError, match=r"override env\.episode_length_s=None: the task's value is"):
        apply_cfg_overrides(task_cfgs(config.run.task)[0], {"episode_length_s": None}, "env")  # not a term: refused


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("env.curriculum.adaptive=null", "env.events.adaptive_start serves curriculum term 'adaptive', which is gone"),
        ("env.events.adaptive_fold=null", "curriculum term 'adaptive' lost its event env.events.adaptive_fold"),
    ],
)
def test_a_sampler_term_or_event_switched_off_alone_is_refused(override, message):
    config = train_config([override])  # the term without its events (or the reverse) failed at the first reset
    env_cfg, agent_cfg = task_cfgs(config.run.task)
    with pytest.raises(RunError, match=rf"{re.escape(message)}; switch a sampler off with curriculum"):
        apply_run_config(env_cfg, agent_cfg, config)


def test_a_misspelt_task_key_stops_before_any_env_is_built():
    config = train_config(["env.terminations.end_effector_hieght.params.threshold=0.35"])
    env_cfg, agent_cfg = task_cfgs(config.run.task)
    with pytest.raises(RunError, match=r"env\.terminations\.end_effector_hieght: .* has no 'end_effector_hieght'"):
        apply_run_config(env_cfg, agent_cfg, config)
    assert gym.spec(config.run.task) is not None


def test_a_saved_run_keeps_its_overrides_and_takes_new_ones(tmp_path):
    """What ``resume=`` and ``scripts/evaluate.py`` read: the run's config.yaml, the command line on top."""
    from omegaconf import OmegaConf

    from beyondmimic_adaptive.runs.config import saved_run_config

    saved = train_config(["env.terminations.end_effector_height.params.threshold=0.35"]).cfg
    OmegaConf.save(saved, tmp_path / "config.yaml")
    config = saved_run_config(tmp_path, ["env.terminations.anchor_height.params.threshold=0.3"])
    terms = config.run.env["terminations"]
    assert terms["end_effector_height"]["params"]["threshold"] == 0.35
    assert terms["anchor_height"]["params"]["threshold"] == 0.3
    old = OmegaConf.to_container(saved)
    del old["env"], old["agent"]  # a run saved before these keys existed
    OmegaConf.save(OmegaConf.create(old), tmp_path / "config.yaml")
    assert saved_run_config(tmp_path).run.env == {}


def test_a_resume_reads_the_newest_saved_config_with_the_command_line_on_top(tmp_path):
    from omegaconf import OmegaConf

    from beyondmimic_adaptive.runs.config import training_config

    for name, num_envs in [("config.yaml", 4), ("config_resume_model_9.yaml", 6), ("config_resume_model_10.yaml", 8)]:
        OmegaConf.save(train_config([f"num_envs={num_envs}", "curriculum=uniform"]).cfg, tmp_path / name)
    config = training_config([f"resume={tmp_path}", "seed=7"])
    assert config.run.num_envs == 8 and config.run.seed == 7 and config.run.resume == str(tmp_path)
    assert config.cfg.curriculum.adaptive.lambda_uniform == 1.0  # curriculum=uniform, kept without saying it again
    assert training_config(["num_envs=3"]).run.num_envs == 3  # no resume: the packaged config


@pytest.mark.parametrize(
    ("field", "fix"),
    [
        ("state_save_interval_steps", "set save_interval="),
        ("history_interval_steps", "set the run key history_interval_steps="),
        ("state_path", "choose it with log_dir= and run_name="),
    ],
)
def test_an_env_override_of_a_field_the_run_sets_is_refused_with_the_run_key(tmp_path, field, fix):
    from beyondmimic_adaptive.runs.folder import RunFolder, attach_sampler_files

    value = "/tmp/x" if field == "state_path" else 48
    config = train_config([f"env.curriculum.adaptive.{field}={value}"])
    env_cfg, agent_cfg = task_cfgs(config.run.task)
    apply_run_config(env_cfg, agent_cfg, config)
    with pytest.raises(RunError, match=rf"env\.curriculum\.adaptive\.{field}: the run sets it; .*{re.escape(fix)}"):
        attach_sampler_files(env_cfg, RunFolder(tmp_path), config.run, steps_per_iteration=24, writer=False)
    ok = train_config(["env.curriculum.adaptive.metrics_interval_steps=48"])  # a field the run leaves alone
    env_cfg, agent_cfg = task_cfgs(ok.run.task)
    apply_run_config(env_cfg, agent_cfg, ok)
    attach_sampler_files(env_cfg, RunFolder(tmp_path), ok.run, steps_per_iteration=24)
    assert env_cfg.curriculum.adaptive.metrics_interval_steps == 48
    assert env_cfg.curriculum.adaptive.state_save_interval_steps == ok.run.save_interval * 24


def test_an_env_override_of_a_sampler_value_out_of_range_stops_before_the_env_is_built():
    config = train_config(["env.curriculum.adaptive.sampler.gamma=1.5"])
    env_cfg, agent_cfg = task_cfgs(config.run.task)
    with pytest.raises(RunError, match=r"env\.curriculum\.adaptive\.sampler: AdaptiveSamplerCfg\.gamma=1\.5 is"):
        apply_run_config(env_cfg, agent_cfg, config)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("env.scene.num_envs=3", "num_envs"),
        ("env.seed=3", "seed"),
        ("env.sim.device=cuda:0", "device"),
        ("agent.device=cuda:0", "device"),
        ("agent.max_iterations=5", "iterations"),
        ("agent.save_interval=5", "save_interval"),
        ("env.commands.motion.motion_files=[a.npz]", "motion_files"),
    ],
)
def test_an_env_or_agent_override_of_what_a_run_key_sets_is_refused_naming_the_key(tmp_path, override, key):
    from beyondmimic_adaptive.runs.training import training_setup

    # before: env.scene.num_envs=3 built 3 envs while the run printed and saved num_envs=2; agent.device was ignored
    path = override.partition("=")[0]
    with pytest.raises(RunError, match=rf"override {re.escape(path)}: the run sets it from its key {key}; give {key}="):
        training_setup([override, f"log_dir={tmp_path}"])
    assert not list(tmp_path.iterdir())
    # a run saved with one (trained before the refusal) is still evaluated, played and exported as it trained
    config = train_config([override])
    env_cfg, agent_cfg = task_cfgs(config.run.task)
    if key != "device":  # cuda:0: this machine may have none
        apply_run_config(env_cfg, agent_cfg, config)
    # and resumed, unless the resume's own command line sets one
    from omegaconf import OmegaConf

    OmegaConf.save(config.cfg, tmp_path / "config.yaml")
    with pytest.raises(RunError, match=rf"override {re.escape(path)}: the run sets it from its key {key}"):
        training_setup([f"resume={tmp_path}", override])
    with pytest.raises(RunError, match=r"holds no model_<iteration>\.pt checkpoint"):  # past the refusal
        training_setup([f"resume={tmp_path}"])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("curriculum.adaptive.command_name=ref", r"config error: adaptive sampling: no command term named 'ref'"),
        (
            "env.terminations.motion_end.time_out=false",
            r"an env\. override breaks curriculum term 'adaptive': .*'motion_end' .* has time_out=False",
        ),
    ],
)
def test_a_wiring_mistake_is_a_run_error_before_the_env_is_built(override, message):
    config = train_config([override])  # a traceback from the wiring or from the term's build before
    env_cfg, agent_cfg = task_cfgs(config.run.task)
    with pytest.raises(RunError, match=message):
        apply_run_config(env_cfg, agent_cfg, config)


def test_a_manual_distribution_of_the_wrong_length_is_a_run_error_when_the_env_is_built():
    from beyondmimic_adaptive.runs.runner import make_env

    config = train_config(["num_envs=1", "curriculum.adaptive.manual_probabilities=[1,0]"])
    env_cfg, agent_cfg = task_cfgs(config.run.task)
    apply_run_config(env_cfg, agent_cfg, config)
    with pytest.raises(RunError, match=r"config error: manual_probabilities has 2 entries but the motions have 64"):
        make_env(env_cfg)  # the bins are known once the motions are loaded


@pytest.mark.skipif(torch.cuda.is_available(), reason="a machine without CUDA")
def test_a_cuda_device_on_a_machine_without_one_is_named_before_the_env_is_built():
    config = train_config(["device=cuda:0"])  # e.g. a run trained on a GPU, evaluated on a laptop
    env_cfg, agent_cfg = task_cfgs(config.run.task)
    with pytest.raises(RunError, match=r"device=cuda:0, but this machine has 0 CUDA device\(s\) .*give device=cpu"):
        apply_run_config(env_cfg, agent_cfg, config)


def test_a_seed_numpy_refuses_is_a_config_error():
    with pytest.raises(RunError, match=r"seed=-5 is invalid: use an int in \[0, 2\*\*32 - 1\]"):
        train_config(["seed=-5"])


def test_an_override_of_a_saved_public_runs_entry_composes_as_it_did_for_the_run(tmp_path):
    from omegaconf import OmegaConf

    from beyondmimic_adaptive.runs.config import saved_run_config

    OmegaConf.save(train_config(["curriculum=public"]).cfg, tmp_path / "config.yaml")
    # it was checked against the packaged default (adaptive only): "Key 'public' is not in struct"
    config = saved_run_config(tmp_path, ["curriculum.public.bin_size_s=2.0"])
    assert config.cfg.curriculum.public.bin_size_s == 2.0 and list(config.cfg.curriculum) == ["public"]
    assert saved_run_config(tmp_path, ["curriculum=adaptive"]).cfg.curriculum.adaptive.gamma == 0.9  # replaced
    with pytest.raises(RunError, match="bin_sizes"):  # a typo still fails
        saved_run_config(tmp_path, ["curriculum.public.bin_sizes=2.0"])
