"""bench/env_throughput.py and bench/throughput_summary.py on the CPU: sampling off and on again in one env."""

from __future__ import annotations

import json
import sys

import pytest
import torch
from script_run import ROOT, exit_message, run_ok

sys.path.insert(0, str(ROOT / "bench"))
import env_throughput
import throughput_summary


@pytest.fixture
def env():
    """A humanoid tracking env, closed at the end of the test (one simulation per process at a time)."""
    from isaaclab.envs import ManagerBasedRLEnv

    from beyondmimic_adaptive.tasks.tracking.config.humanoid import TrackingHumanoidEnvCfg

    cfg = TrackingHumanoidEnvCfg()
    cfg.scene.num_envs = 4
    environment = ManagerBasedRLEnv(cfg=cfg)
    yield environment
    environment.close()


def test_an_off_phase_first_needs_the_fold_to_have_run(env):
    env.reset()
    action = torch.zeros(env.num_envs, env.action_manager.total_action_dim)
    first_env = torch.tensor([0])
    # what the G1 run on the H200 hit: `off` first, then the first reset with sampling on refuses to record
    with env_throughput.sampling_off(env):
        env.step(action)
        env.step(action)
    with pytest.raises(RuntimeError, match="never folded"):
        env.curriculum_manager.compute(env_ids=first_env)
    env_throughput.prime_sampling(env)  # what the bench now does before its first phase
    env.curriculum_manager.compute(env_ids=first_env)  # records: the statistics were folded once


def test_one_env_count_times_the_three_modes_with_the_terms_silent_when_off(tmp_path):
    rows_out = tmp_path / "rows.jsonl"
    flags = ["--single", "--num-envs", "4", "--rounds", "3", "--steps", "3", "--warmup", "2", "--rows-out", rows_out]
    done = run_ok("bench/env_throughput.py", *map(str, flags), "--warp-step", "null")  # the default: torch on the CPU
    assert "the term's sampler: warp_step False, one replay False" in done.stderr
    stdout = done.stdout
    rows = json.loads(next(line for line in stdout.splitlines() if line.startswith("RESULT "))[len("RESULT ") :])
    order = [(r["round"], r["mode"]) for r in rows]
    assert order[:6] == [(0, "off"), (0, "adaptive"), (0, "flat"), (1, "flat"), (1, "adaptive"), (1, "off")]
    assert len(order) == 9
    # every row went to --rows-out as it was timed; a run cut short in round 2 is summarized from rounds 0-1
    assert [json.loads(line) for line in rows_out.read_text().splitlines()] == rows
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(line + "\n" for line in rows_out.read_text().splitlines()[:-1]))
    summarized = run_ok("bench/env_throughput.py", "--summarize", str(cut), "--skip-rounds", "0").stdout
    assert summarized.strip() == throughput_summary.summary(rows[:6])
    assert "over 2 rounds" in summarized
    # by default the first round (one-time costs) is left out of the summary
    summarized = run_ok("bench/env_throughput.py", "--summarize", str(cut)).stdout
    assert summarized.strip() == throughput_summary.summary(rows[3:6]) and "over 1 rounds" in summarized
    message = exit_message("bench/env_throughput.py", "--warp-step", "auto", "--num-envs", "4")
    assert "argument --warp-step: invalid choice: 'auto' (choose from 'false', 'null', 'true')" in message
    message = exit_message("bench/env_throughput.py", "--summarize", str(cut), "--skip-rounds", "2")
    assert f"--summarize {cut}: no complete round after --skip-rounds 2" in message
    assert all((r["term_calls"] == 0) == (r["mode"] == "off") for r in rows)
    assert all(r["env_steps_per_s"] > 0 for r in rows)
    text = throughput_summary.summary(rows)
    assert "sampler terms ran in no 'off' phase: True; in every 'adaptive' and 'flat' phase: True" in text
    assert "adaptive/off" in text and "flat/off" in text


def test_flat_starts_are_uniform_over_frames_and_adaptive_comes_back(env):
    from beyondmimic_adaptive.terms import find_adaptive_curriculum

    env.reset()
    sampler = find_adaptive_curriculum(env, "adaptive").sampler
    sampler.record(torch.zeros(8, dtype=torch.long), torch.ones(8, dtype=torch.bool))  # falls in bin 0
    sampler.fold()
    adaptive = sampler.probabilities
    frames = sampler.layout.bin_length.float()
    assert not torch.allclose(adaptive, frames / frames.sum())  # the falls moved the distribution
    with env_throughput.flat_starts(env):
        torch.testing.assert_close(sampler.probabilities, frames / frames.sum())
        # the terms still record, fold and draw: the statistics keep changing underneath
        sampler.record(torch.zeros(8, dtype=torch.long), torch.ones(8, dtype=torch.bool))
        sampler.fold()
    assert not torch.allclose(sampler.probabilities, frames / frames.sum())
    torch.testing.assert_close(sampler.probabilities.sum(), torch.tensor(1.0))


def test_count_ops_adds_the_host_ops_per_step_of_each_mode():
    flags = ["--single", "--num-envs", "4", "--rounds", "1", "--steps", "3", "--warmup", "2", "--count-ops", "4"]
    stdout = run_ok("bench/env_throughput.py", *flags).stdout
    rows = json.loads(next(line for line in stdout.splitlines() if line.startswith("RESULT "))[len("RESULT ") :])
    ops = {r["mode"]: r["ops_per_step"] for r in rows}
    # the env's own managers: hundreds of ops per step in every mode (a reset step runs hundreds more, so a
    # few steps cannot order the modes: the terms' few dozen ops are within that noise)
    assert set(ops) == {"off", "adaptive", "flat"} and min(ops.values()) > 100, ops
    assert "host ops per env step" in throughput_summary.summary(rows)


@pytest.mark.parametrize(
    ("dof", "exact"), [(1, 12.7062), (2, 4.3027), (3, 3.1824), (4, 2.7764), (9, 2.2622), (29, 2.0452), (120, 1.9799)]
)
def test_t_quantile_matches_the_tables(dof, exact):
    assert throughput_summary.t_quantile_975(dof) == pytest.approx(exact, abs=4e-3)


def test_t_quantile_refuses_no_degrees_of_freedom():
    with pytest.raises(ValueError, match="0 degrees of freedom; need at least 1"):
        throughput_summary.t_quantile_975(0)


def test_paired_ratio_pairs_rounds_so_shared_drift_cancels():
    off = [100.0, 200.0, 150.0, 120.0]  # the machine drifts by 2x between rounds
    mean, low, high = throughput_summary.paired_ratio(off, [0.98 * x for x in off])
    assert mean == pytest.approx(0.98) and low == pytest.approx(0.98) and high == pytest.approx(0.98)
    assert throughput_summary.verdict(low, high) == "misses >= 0.99"
    mean, low, high = throughput_summary.paired_ratio(off, [1.02 * off[0], 0.96 * off[1], 1.0 * off[2], 0.99 * off[3]])
    assert low < 0.99 < high and low < mean < high
    assert throughput_summary.verdict(low, high) == "does not resolve >= 0.99"
    assert throughput_summary.verdict(0.995, 1.01) == "meets >= 0.99"


def test_paired_ratio_of_one_round_has_no_interval_and_refuses_unpaired_rates():
    assert throughput_summary.paired_ratio([10.0], [9.0]) == (pytest.approx(0.9), 0.0, float("inf"))
    with pytest.raises(ValueError, match="3 and 2 rates; need one pair per round"):
        throughput_summary.paired_ratio([1.0, 2.0, 3.0], [1.0, 2.0])


def test_summary_reports_each_modes_paired_interval():
    rows = [
        {"num_envs": 8, "mode": m, "round": r, "env_steps_per_s": rate, "resets": 0, "term_calls": int(m != "off")}
        for r, rates in enumerate([(100.0, 99.0, 101.0), (200.0, 194.0, 206.0)])
        for m, rate in zip(throughput_summary.MODES, rates, strict=True)
    ]
    text = throughput_summary.summary(rows)
    assert "adaptive/off paired by round: geometric mean 0.980" in text
    assert "flat/off paired by round: geometric mean 1.020" in text and "over 2 rounds" in text


def test_many_rounds_are_summarized_without_the_per_round_list_and_kept_in_rows_out(tmp_path):
    rates = [(100.0 + r, 99.0 + r, 101.0 + r) for r in range(throughput_summary.MAX_ROUNDS_LISTED + 1)]
    rows = [
        {"num_envs": 8, "mode": m, "round": r, "env_steps_per_s": rate, "resets": 7, "term_calls": int(m != "off")}
        for r, triple in enumerate(rates)
        for m, rate in zip(throughput_summary.MODES, triple, strict=True)
    ]
    text = throughput_summary.summary(rows)
    assert "(41 rounds: not listed; --rows-out writes them)" in text and "(7)" not in text
    assert "over 41 rounds" in text
    assert "(7)" in throughput_summary.summary(rows[: 3 * throughput_summary.MAX_ROUNDS_LISTED])  # 40 rounds: listed


def test_rows_out_writes_every_phase(tmp_path):
    out = tmp_path / "rows.jsonl"
    flags = ["--num-envs", "4", "--rounds", "1", "--skip-rounds", "0", "--steps", "2", "--warmup", "1", "--rows-out"]
    flags.append(str(out))
    stdout = run_ok("bench/env_throughput.py", *flags).stdout
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["mode"] for r in rows] == list(throughput_summary.MODES) and f"wrote 3 rows to {out}" in stdout


def test_a_run_without_the_flat_control_is_summarized_and_cut_rounds_are_dropped():
    row = {"num_envs": 8, "resets": 0}
    rows = [
        {**row, "mode": m, "round": r, "env_steps_per_s": rate, "term_calls": int(m != "off")}
        for r, pair in enumerate([(100.0, 99.0), (200.0, 196.0), (300.0, 290.0)])
        for m, rate in zip(("off", "adaptive"), pair, strict=True)
    ]
    assert throughput_summary.complete_rounds(rows[:-1]) == rows[:4]  # round 2 timed "off" only
    text = throughput_summary.summary(throughput_summary.complete_rounds(rows[:-1]))
    assert "in every 'adaptive' phase: True" in text and "flat" not in text
    assert "adaptive/off paired by round: geometric mean 0.985" in text and "over 2 rounds" in text


@pytest.mark.parametrize("modes", [["adaptive", "flat"], ["off"], ["off", "adaptive", "off"]])
def test_modes_without_off_or_with_a_repeat_are_refused(modes):
    message = exit_message("bench/env_throughput.py", "--num-envs", "4", "--modes", *modes)
    assert f"--modes {' '.join(modes)}: give off and at least one of adaptive, flat, each once" in message


def test_rows_out_in_a_missing_folder_is_refused_before_any_run(tmp_path):
    out = tmp_path / "no_such_folder" / "rows.jsonl"
    message = exit_message("bench/env_throughput.py", "--num-envs", "4", "--rows-out", str(out))
    assert f"--rows-out {out}: the folder {out.parent} does not exist; create it first" in message


def test_complete_rounds_drops_a_short_last_round_and_summarize_names_a_useless_file(tmp_path):
    row = {"num_envs": 4, "term_calls": 1, "env_steps_per_s": 1.0, "resets": 0}
    rows = [{**row, "round": r, "mode": m} for r in (0, 1) for m in throughput_summary.MODES]
    rows += [{**row, "round": 2, "mode": "off"}]
    assert throughput_summary.complete_rounds(rows) == rows[:-1]
    assert throughput_summary.complete_rounds([{**r, "num_envs": 8} for r in rows[3:]]) == [
        {**r, "num_envs": 8} for r in rows[3:6]
    ]
    missing = tmp_path / "none.jsonl"
    assert exit_message("bench/env_throughput.py", "--summarize", str(missing)).strip() == (
        f"env_throughput: --summarize {missing}: no such file; pass the --rows-out file of a run"
    )
    for bad in ('{"num_envs": 4', '{"num_envs": 4, "mode": "off"}', "[1, 2]", "{}"):
        broken = tmp_path / "broken.jsonl"
        broken.write_text(json.dumps(rows[0]) + "\n" + bad + "\n")
        assert exit_message("bench/env_throughput.py", "--summarize", str(broken)).strip() == (
            f"env_throughput: --summarize {broken}: line 2 is not a row of --rows-out (a JSON object with"
            " env_steps_per_s, mode, num_envs, resets, round, term_calls); pass the file a run wrote"
        )
    short = tmp_path / "short.jsonl"
    short.write_text(json.dumps(rows[0]) + "\n")
    assert exit_message("bench/env_throughput.py", "--summarize", str(short)).strip() == (
        f"env_throughput: --summarize {short}: 1 rows but no complete round (every mode of one round);"
        " the run stopped before its first round ended"
    )


@pytest.mark.parametrize("compile", [False, True])
def test_build_env_hands_compile_to_the_sampler(compile):
    from beyondmimic_adaptive.terms import find_adaptive_curriculum

    env = env_throughput.build_env("Tracking-Humanoid-v0", 2, "cpu", None, False, compile=compile)
    try:
        assert find_adaptive_curriculum(env, "adaptive").sampler.cfg.compile is compile
    finally:
        env.close()


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--rounds", "1"], "--rounds 1 with --skip-rounds 1 leaves no round to summarize"),
        (["--skip-rounds", "-1"], "--skip-rounds -1: give a number of rounds >= 0"),
    ],
)
def test_skip_rounds_that_leave_nothing_are_refused_before_any_run(flags, expected):
    assert expected in exit_message("bench/env_throughput.py", "--num-envs", "4", *flags)
