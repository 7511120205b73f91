"""Long runs (a CI-sized count): random failure patterns keep the distribution valid, memory constant."""

from __future__ import annotations

from script_run import run_script


def test_soak_holds_invariants_with_constant_memory():
    result = run_script("bench/sampler_soak.py", "--updates", "30000", "--bins", "60")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "all invariants held; constant sampler memory" in result.stdout
    values = dict(line.split(":", 1) for line in result.stdout.splitlines() if ":" in line and "RESULT" not in line)
    assert int(values["updates".rjust(22)]) == 30000
    assert float(values["min_prob_over_floor".rjust(22)]) >= 1.0 - 1e-5
