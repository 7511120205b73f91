"""The rows of bench/env_throughput.py: reading a ``--rows-out`` file, pairing each mode's rate with ``off``'s of the
same round, and the summary table the script prints (with a verdict on the 0.99 target)."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

MODES = ("off", "adaptive", "flat")
"""The phases a round times, in the order the summary lists them (``off`` first: every ratio is paired with it)."""

MAX_ROUNDS_LISTED = 40
"""The summary lists every round's rates and resets up to this many rounds (``--rows-out`` keeps them all)."""


def t_quantile_975(dof: int) -> float:
    """The 97.5 % quantile of Student's t with ``dof`` degrees of freedom: closed forms for 1 and 2, else the
    Cornish-Fisher expansion around the normal quantile (within 0.004 of the exact value from 3 up)."""
    if dof < 1:
        raise ValueError(f"t_quantile_975: {dof} degrees of freedom; need at least 1 (two rounds).")
    if dof == 1:
        return math.tan(math.pi * 0.475)
    if dof == 2:
        return 0.95 / math.sqrt(2 * 0.975 * 0.025)
    z = statistics.NormalDist().inv_cdf(0.975)
    terms = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return z + sum(term / dof ** (k + 1) for k, term in enumerate(terms))


def paired_ratio(base: list[float], other: list[float]) -> tuple[float, float, float]:
    """Geometric mean of ``other[i] / base[i]`` over rounds and its 95 % interval (t over the log ratios):
    ``(mean, low, high)``; with one round there is no interval (``0`` to ``inf``)."""
    if len(base) != len(other) or not base:
        raise ValueError(f"paired_ratio: {len(base)} and {len(other)} rates; need one pair per round, at least one.")
    logs = [math.log(o / b) for b, o in zip(base, other, strict=True)]
    mean = statistics.fmean(logs)
    if len(logs) == 1:
        return math.exp(mean), 0.0, math.inf
    half = t_quantile_975(len(logs) - 1) * statistics.stdev(logs) / math.sqrt(len(logs))
    return math.exp(mean), math.exp(mean - half), math.exp(mean + half)


def verdict(low: float, high: float, target: float = 0.99) -> str:
    """Whether a ratio's interval says ``>= target`` is met, missed or not resolved."""
    if low >= target:
        return f"meets >= {target}"
    if high < target:
        return f"misses >= {target}"
    return f"does not resolve >= {target}"


ROW_KEYS = frozenset({"num_envs", "mode", "round", "env_steps_per_s", "resets", "term_calls"})
"""What every row of ``--rows-out`` holds (``ops_per_step`` too with ``--count-ops``)."""


def modes_of(rows: list[dict]) -> list[str]:
    """The modes the rows time, in :data:`MODES` order (a run with ``--modes off adaptive`` has no ``flat``)."""
    return [m for m in MODES if any(r["mode"] == m for r in rows)]


def complete_rounds(rows: list[dict]) -> list[dict]:
    """The rows of the rounds that timed every mode of the run (a run stopped early leaves its last round short)."""
    timed: dict[tuple[int, int], set[str]] = {}
    for row in rows:
        timed.setdefault((row["num_envs"], row["round"]), set()).add(row["mode"])
    every = set(modes_of(rows))
    if "off" not in every or len(every) < 2:  # nothing to pair: no round is complete
        return []
    return [r for r in rows if timed[(r["num_envs"], r["round"])] == every]


def after_warmup_rounds(rows: list[dict], skip: int) -> list[dict]:
    """The rows of the rounds from ``skip`` on: a run's first round pays one-time costs (the first CUDA graph
    captures, compiles and Warp kernel loads land in its first phases), unlike every later one."""
    return [r for r in rows if r["round"] >= skip]


def read_rows(path: Path) -> list[dict]:
    """The rows of a ``--rows-out`` file, with a clear error for a file that holds none."""
    if not path.is_file():
        raise SystemExit(f"env_throughput: --summarize {path}: no such file; pass the --rows-out file of a run")
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if not (isinstance(row, dict) and row.keys() >= ROW_KEYS):
            raise SystemExit(
                f"env_throughput: --summarize {path}: line {number} is not a row of --rows-out (a JSON object with"
                f" {', '.join(sorted(ROW_KEYS))}); pass the file a run wrote"
            )
        rows.append(row)
    if not complete_rounds(rows):
        raise SystemExit(
            f"env_throughput: --summarize {path}: {len(rows)} rows but no complete round (every mode of one round);"
            " the run stopped before its first round ended"
        )
    return rows


def summary(rows: list[dict]) -> str:
    """Medians per env count and mode, each mode's ratio to ``off``, and every round's values and resets."""
    silent = all(r["term_calls"] == 0 for r in rows if r["mode"] == "off")
    active = all(r["term_calls"] > 0 for r in rows if r["mode"] != "off")
    modes = modes_of(rows)
    others = modes[1:]  # "off" comes first: every ratio is paired with it
    named = " and ".join(f"'{m}'" for m in others)
    lines = [f"sampler terms ran in no 'off' phase: {silent}; in every {named} phase: {active}"]
    head = "".join(f"{m + ' (median)':>18}" for m in modes) + "".join(f"{m + '/off':>13}" for m in others)
    lines += [f"{'envs':>7}{head}  per round: env-steps/s (resets), " + ", ".join(modes)]
    for num_envs in sorted({r["num_envs"] for r in rows}):
        of = {m: [r for r in rows if r["num_envs"] == num_envs and r["mode"] == m] for m in modes}
        median = {m: statistics.median(r["env_steps_per_s"] for r in of[m]) for m in modes}
        rounds = "  ".join(
            " / ".join(f"{r['env_steps_per_s']:.0f} ({r['resets']})" for r in phases)
            for phases in zip(*of.values(), strict=True)
        )
        if len(of["off"]) > MAX_ROUNDS_LISTED:
            rounds = f"({len(of['off'])} rounds: not listed; --rows-out writes them)"
        cells = "".join(f"{median[m]:>18.0f}" for m in modes)
        ratios = "".join(f"{median[m] / median['off']:>13.3f}" for m in others)
        lines.append(f"{num_envs:>7}{cells}{ratios}  {rounds}")
        off = [r["env_steps_per_s"] for r in of["off"]]
        for mode in others:
            mean, low, high = paired_ratio(off, [r["env_steps_per_s"] for r in of[mode]])
            lines.append(
                f"{num_envs:>7} {mode}/off paired by round: geometric mean {mean:.3f},"
                f" 95 % interval {low:.3f}-{high:.3f} over {len(off)} rounds: {verdict(low, high)}"
            )
    if all("ops_per_step" in r for r in rows):
        lines.append("host ops per env step (median over rounds; --count-ops): envs, " + ", ".join(modes))
        for num_envs in sorted({r["num_envs"] for r in rows}):
            ops = {
                m: statistics.median(r["ops_per_step"] for r in rows if r["num_envs"] == num_envs and r["mode"] == m)
                for m in modes
            }
            added = ", ".join(f"{m} +{ops[m] - ops['off']:.1f}" for m in others)
            lines.append(f"{num_envs:>7} " + " ".join(f"{ops[m]:.1f}" for m in modes) + f"  ({added} over off)")
    return "\n".join(lines)
