"""Two processes (torch.distributed, gloo on the CPU) end every fold with identical statistics."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_ranks_keep_identical_statistics_equal_to_one_process_seeing_all():
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    command += ["--master_addr", "127.0.0.1", "--master_port", str(free_port())]
    command += ["bench/distributed_sync.py", "--backend", "gloo", "--folds", "200"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "RESULT: ranks identical=True; equal to one process folding all episodes=True" in result.stdout
    assert result.stdout.count("state sha256") == 2
