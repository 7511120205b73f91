"""The Isaac Lab 2.x lane (scripts/test_isaaclab2.sh): real Isaac Lab 2.3.2 managers, 2.x env_ids forms.

These tests run only where the lane's stand-ins for Isaac Sim are loaded (``-p isaacsim_standins``);
the main lane (Isaac Lab 3.0) skips this folder.
"""

from __future__ import annotations

import sys

import pytest

if "isaacsim_standins" not in sys.modules:
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture
def make_env(make_env):
    """The shared env builder, resetting and stepping as Isaac Lab 2.x does (int64 env ids)."""
    from isaaclab2_env import as_isaaclab2

    def build(*args, **kwargs):
        return as_isaaclab2(make_env(*args, **kwargs))

    return build
