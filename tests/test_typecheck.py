"""The package type-checks clean under mypy (configured in pyproject.toml, ``[tool.mypy]``).

mypy is pinned in requirements/dev.txt. A cold check takes seconds (the large typed dependencies that the
package barely touches are not followed, see the config); later runs reuse ``.mypy_cache``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "exts" / "beyondmimic_adaptive" / "beyondmimic_adaptive"


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        import mypy  # noqa: F401
    except ImportError:
        pytest.fail("mypy is not installed: python -m pip install -r requirements/dev.txt")
    return subprocess.run(
        [sys.executable, "-m", "mypy", *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )


def test_package_typechecks_clean():
    result = _mypy()  # files, search path and per-module settings come from pyproject.toml
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"mypy found type errors in the package:\n{output}"
    # every module of the package was checked (a config that drops files would pass vacuously)
    checked = re.search(r"no issues found in (\d+) source files", output)
    assert checked is not None, output
    assert int(checked.group(1)) == len(list(PACKAGE.rglob("*.py")))


def test_checker_reports_errors(tmp_path: Path):
    # the same configuration fails on a type error against the package's types, so a clean run means something
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from beyondmimic_adaptive.sampler import AdaptiveSamplerCfg\n\nAdaptiveSamplerCfg().bin_size_s = 'x'\n"
    )
    result = _mypy(str(planted))
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'Incompatible types in assignment (expression has type "str", variable has type "float")' in result.stdout
