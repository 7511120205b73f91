"""The adaptive terms' own ops per env step (their glue around the sampler core): guard it (bench/term_glue.py)."""

from __future__ import annotations

import re
import sys

from manager_env import use_graph_path
from script_run import ROOT, run_script


def test_glue_ops_per_call_of_each_term_do_not_creep_back_up():
    result = run_script("bench/term_glue.py", "--envs", "8", "--steps", "40", "--warmup", "4")
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {
        m.group(1): [float(x) for x in m.group(2).split()]
        for m in re.finditer(r"^(curriculum|start event|fold event)\s+([\d.\s]+?)$", result.stdout, re.M)
    }
    assert set(rows) == {"curriculum", "start event", "fold event"}, result.stdout
    # columns: calls/step, core ops/step, glue ops/step, glue ops/call, core us/call, glue us/call
    glue_per_call = {term: row[3] for term, row in rows.items()}
    assert all(row[0] > 0 for row in rows.values()), result.stdout  # every term ran (the robots fall: resets)
    # before the glue trim: curriculum 20, start event 5 (its int32 -> int64 copy of the ids, made again after
    # the curriculum's); 16 -> 14 with the log counts summed in place; raise these only with a measured reason
    assert glue_per_call["curriculum"] <= 14.5, result.stdout
    assert glue_per_call["start event"] <= 4, result.stdout
    # the fold event's own ops: none since the logged metrics (the sampler's, core) moved to the log (0.5 before)
    assert glue_per_call["fold event"] <= 0.25, result.stdout


class _Pair:
    """Stands in for a CUDA event pair: ``elapsed_time`` in milliseconds, as torch's."""

    def __init__(self, ms: float) -> None:
        self.ms = ms

    def elapsed_time(self, other: object) -> float:
        return self.ms


def test_step_bound_charges_host_and_stream_time_of_every_term_to_the_step():
    sys.path.insert(0, str(ROOT / "bench"))
    import term_glue

    meter = term_glue.Meter()
    for term, seconds in zip(term_glue.TERMS, (3e-3, 2e-3, 1e-3), strict=True):
        meter.seconds[(term, "total")] = seconds  # 6 ms of host time over 10 steps: 600 us per step
        meter.seconds[(term, "core")] = seconds / 2  # core time is part of the total: not counted twice
    pair = _Pair(0.05)
    meter.events = [(pair, pair)] * 20  # 20 calls of 50 us of stream time over 10 steps: 100 us per step
    line = term_glue.step_bound(meter, steps=10, wall_s=0.2)  # 20 ms per step
    assert "20000 us wall" in line and "host time 600 us" in line and "stream time 100 us" in line, line
    assert line.endswith(">= 0.9650 (1 - (host + stream) / step)"), line


def test_on_the_graph_path_the_record_graph_counts_as_core_and_two_glue_ops_remain():
    """What a CUDA env runs (the term's record and the starts' draw as one graph), eagerly on the CPU: the bench
    charges the whole record, the sampler's included, to the core, and leaves the term's own ops (the reset mask's
    fill); the start event runs no op."""
    sys.path.insert(0, str(ROOT / "bench"))
    import term_glue

    env = term_glue.build_env("Tracking-Humanoid-v0", 8, "cpu", None, False)
    try:
        from beyondmimic_adaptive.terms import find_adaptive_curriculum

        term = find_adaptive_curriculum(env, "adaptive")
        use_graph_path(term)  # as on CUDA: full-width rows, the record and the starts' draw as one graph body
        assert term._record_graph is not None and term.draws_starts
        env.reset()
        meter = term_glue.Meter()
        term_glue.run(env, meter, 2, count_ops=False)
        term_glue.install(env, meter)
        term_glue.run(env, meter, 30, count_ops=True)
        calls = meter.calls["curriculum"]
        assert calls > 0  # the robots fall: resets
        assert meter.ops[("curriculum", "core")] / calls >= 5  # the stack, any, mask, record, counts: core
        # the reset mask's index_fill_, and the log's few ops once per metrics interval (14 before the graph cut)
        assert meter.ops[("curriculum", "glue")] / calls <= 2.5, dict(meter.names["curriculum"])
        assert meter.seconds[("curriculum", "core")] > 0
        # the start event only confirms the starts the record replay drew (8 ops per call before: 3 core, 4 glue)
        starts = meter.calls["start event"]
        assert starts == calls
        start_ops = meter.ops[("start event", "core")] + meter.ops[("start event", "glue")]
        assert start_ops == 0, dict(meter.names["start event"])
    finally:
        env.close()
