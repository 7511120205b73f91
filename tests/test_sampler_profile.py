"""bench/sampler_profile.py on the CPU: the per-env step profiled (no GPU: no kernels, the host's ops counted)."""

from __future__ import annotations

import sys

import pytest
import torch
from script_run import ROOT, run_ok

sys.path.insert(0, str(ROOT / "bench"))
from sampler_profile import profile_cell

from beyondmimic_adaptive.sampler import native


def test_a_cpu_cell_counts_host_ops_and_no_kernels():
    cell = profile_cell(torch.device("cpu"), 64, 20, "hazard", steps=30, burst=5, fraction=0.1)
    assert cell["kernels"] == 0 and cell["kernel_us"] == 0
    assert cell["wall_us"] > 0 and cell["issue_us"] > 0
    # record, exposure, fold and draw are each several ops; the exposure adds some over start attribution,
    # unless the hazard fold runs in the CPU's C loops (native_fold.py: a few calls instead of some 20 ops)
    start = profile_cell(torch.device("cpu"), 64, 20, "start", steps=30, burst=5, fraction=0.1)
    assert 10 < start["aten_ops"] < 200 and 10 < cell["aten_ops"] < 200
    if native.library() is None:
        assert start["aten_ops"] < cell["aten_ops"]


def test_the_table_has_a_row_per_cell():
    out = run_ok("bench/sampler_profile.py", "--device", "cpu", "--envs", "32", "--bins", "10", "20", "--steps", "20")
    rows = [line.split() for line in out.stdout.splitlines() if line.strip().startswith("32 ")]
    assert [(r[1], r[2]) for r in rows] == [("10", "start"), ("20", "start")]
    assert all(float(r[5]) == 0.0 for r in rows)  # kernels per step on the CPU
    listed = run_ok("bench/sampler_profile.py", "--device", "cpu", "--envs", "32", "--bins", "10", "--by-kernel", "3")
    assert "us per step" not in listed.stdout  # no kernels on the CPU: nothing to list


def test_the_warp_step_issues_a_handful_of_host_ops():
    """``--warp``: the Warp-fused step dispatches only the term's gather and copy of the reset rows (and the
    metrics every 24 steps) as ATen ops; record, fold and draw are Warp launches (one graph on CUDA)."""
    pytest.importorskip("warp")
    cell = profile_cell(torch.device("cpu"), 64, 20, "hazard", steps=48, burst=5, fraction=0.1, warp=True)
    per_env = profile_cell(torch.device("cpu"), 64, 20, "hazard", steps=48, burst=5, fraction=0.1)
    assert cell["aten_ops"] < 5 < per_env["aten_ops"]


def test_the_draw_first_warp_step_issues_only_the_metrics_ops():
    """``--warp --warp-draw-first``: no gather or copy after the replay; the only ATen ops left are the metrics'
    every 24 steps (fewer than one per step on average), while the default order adds the caller's 2 per step."""
    pytest.importorskip("warp")
    cell = {"steps": 48, "burst": 5, "fraction": 0.1, "warp": True}
    draw_first = profile_cell(torch.device("cpu"), 64, 20, "start", **cell, draw_first=True)  # type: ignore[arg-type]
    default = profile_cell(torch.device("cpu"), 64, 20, "start", **cell)  # type: ignore[arg-type]
    assert draw_first["aten_ops"] < 1.5 and draw_first["aten_ops"] + 1.5 < default["aten_ops"]
