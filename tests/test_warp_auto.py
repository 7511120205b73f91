"""``warp_step: null`` (the default): the curriculum term picks the Warp kernels exactly where its one record replay
per env step applies (CUDA graphs, ``start`` or ``failure``, a command with masked requests, no cap, no compile,
a recent Warp that sees CUDA), torch elsewhere; a sampler built directly runs torch."""

from __future__ import annotations

import sys
import types

import pytest
import torch

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.sampler import PerEnvSampling, SamplerConfigError
from beyondmimic_adaptive.sampler.warp_fold import AUTO_MIN_WARP, warp_runs_on
from beyondmimic_adaptive.terms import AdaptiveSamplingCurriculum, find_adaptive_curriculum


def _term(env) -> AdaptiveSamplingCurriculum:
    return find_adaptive_curriculum(env, "adaptive")


def test_the_default_is_null_and_runs_torch_on_the_cpu(make_env):
    env = make_env(num_envs=8)
    term = _term(env)
    assert AdaptiveSamplerCfg().warp_step is None and term.cfg.sampler.warp_step is None
    assert term.sampler.cfg.warp_step is False and term.sampler._warp_fold is None
    assert isinstance(term.per_env, PerEnvSampling) and term._fused is None
    assert term.sampler_path == "warp_step None -> False: torch"  # what training prints
    explicit = _term(make_env(["curriculum.adaptive.warp_step=true"], num_envs=8))  # no graph path on the CPU
    assert explicit.sampler_path == "warp_step True -> True: Warp kernels, the fold event replays the step"
    # a sampler built directly treats null as false: the torch fold
    assert AdaptiveSampler(AdaptiveSamplerCfg(), [250, 120], fps=50)._warp_fold is None


@pytest.mark.parametrize(
    ("overrides", "warp"),
    [
        ([], True),
        (["curriculum.adaptive.attribution=failure"], True),
        (["curriculum.adaptive.warp_step=null"], True),
        (["curriculum.adaptive.attribution=hazard"], False),  # exposure counted at the fold event: no one replay
        (["curriculum.adaptive.max_prob_ratio=2.0"], False),  # the cap's water-filling is torch only
        (["curriculum.adaptive.compile=true"], False),  # asks for the torch bodies compiled
        (["curriculum.adaptive.warp_step=false"], False),  # explicit values are kept
        (["curriculum.adaptive.warp_step=true", "curriculum.adaptive.attribution=hazard"], True),
    ],
    ids=str,
)
def test_null_takes_warp_where_the_one_replay_applies(make_env, monkeypatch, overrides, warp):
    asked = []
    monkeypatch.setattr("beyondmimic_adaptive.terms.curriculum.warp_runs_on", lambda d: asked.append(d) or True)
    term = _term(make_env(overrides, num_envs=8))
    assert term.sampler.cfg.warp_step is ("warp_step=true" in str(overrides))  # the CPU: no graph path
    term._one_replay_applies = term._one_replay_wiring(graphed=True)  # as on a CUDA device
    resolved = term._resolved_sampler_cfg("cuda:0")
    assert resolved.warp_step is warp
    assert resolved.gamma == term.cfg.sampler.gamma and resolved.attribution == term.cfg.sampler.attribution
    assert asked in ([], ["cuda:0"]) and (asked == ["cuda:0"]) == (term.cfg.sampler.warp_step is None and warp)
    monkeypatch.setattr("beyondmimic_adaptive.terms.curriculum.warp_runs_on", lambda d: False)
    no_warp = term._resolved_sampler_cfg("cuda:0").warp_step
    assert no_warp is (warp if term.cfg.sampler.warp_step is not None else False)  # no usable Warp: torch


@pytest.mark.parametrize(("sync", "warp"), [(True, False), (False, True)])
def test_under_torchrun_null_takes_torch_before_the_process_group_exists(make_env, monkeypatch, sync, warp):
    # rsl-rl's runner joins the ranks after the env is built: WORLD_SIZE is all the term can see then
    monkeypatch.setattr("beyondmimic_adaptive.terms.curriculum.warp_runs_on", lambda d: True)
    monkeypatch.setenv("WORLD_SIZE", "2")
    term = _term(make_env([f"curriculum.adaptive.sync_distributed={str(sync).lower()}"], num_envs=8))
    term._one_replay_applies = term._one_replay_wiring(graphed=True)  # as on a CUDA device
    assert term._resolved_sampler_cfg("cuda:0").warp_step is warp  # unsynced ranks may each run Warp
    if sync:  # an explicit true is refused there, with the fix
        with pytest.raises(SamplerConfigError, match=r"warp_step to null \(the default"):
            AdaptiveSampler(AdaptiveSamplerCfg(warp_step=True), [250, 120], fps=50)


def _fake_warp(monkeypatch, version: object, cuda: bool = True) -> None:
    module = types.ModuleType("warp")
    if version is not None:
        module.__version__ = version  # type: ignore[attr-defined]
    module.init = lambda: None  # type: ignore[attr-defined]
    module.is_cuda_available = lambda: cuda  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "warp", module)


def test_warp_runs_on_needs_cuda_and_a_recent_warp(monkeypatch):
    recent = ".".join(str(part) for part in AUTO_MIN_WARP) + ".0"
    _fake_warp(monkeypatch, recent)
    assert warp_runs_on("cuda:0") and warp_runs_on(torch.device("cuda"))
    assert not warp_runs_on("cpu")  # never Warp's CPU device
    older = f"{AUTO_MIN_WARP[0]}.{AUTO_MIN_WARP[1] - 1}.9"
    for version, cuda in [(older, True), (recent, False), (None, True), ("dev", True), (1.17, True)]:
        _fake_warp(monkeypatch, version, cuda)  # too old, no CUDA, a stand-in, unparsable, not a string
        assert not warp_runs_on("cuda:0"), (version, cuda)
    monkeypatch.setitem(sys.modules, "warp", None)  # not installed: the import fails
    assert not warp_runs_on("cuda:0")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (the term's graph path)")
@pytest.mark.parametrize("attribution", ["start", "failure", "hazard"])
def test_on_cuda_the_default_takes_the_warp_one_replay_where_it_applies(make_env, attribution):
    env = make_env([f"curriculum.adaptive.attribution={attribution}"], num_envs=16, device="cuda")
    term = _term(env)
    one_replay = attribution != "hazard" and warp_runs_on("cuda")
    assert term.sampler.cfg.warp_step is one_replay and (term._fused is not None) == one_replay
    assert isinstance(term.per_env, PerEnvSampling)  # never the fold event's Warp step by default
    assert term.sampler_path.startswith(f"warp_step None -> {one_replay}: ")
    env.reset()
    env.fail_flag[:4] = True
    env.step()
    assert int(term.sampler.episode_counts.sum()) == 4
