"""Training on several processes (``torchrun`` ranks): runs/distributed.py and train() under WORLD_SIZE=2.

The 2-process run is on the CPU with gloo (tests/distributed_train.py: rsl-rl's multi-GPU mode with its
three CUDA-only lines swapped, justified there); the same on 2 GPUs with the stock runner is the last
test, skipped without them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from beyondmimic_adaptive.runs import RunError
from beyondmimic_adaptive.runs.distributed import (
    World,
    layout_differences,
    rank_device,
    rank_seed,
    world_from_env,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.fast
def test_world_from_torchrun_env_vars():
    assert world_from_env({}) == World(0, 0, 1)
    world = world_from_env({"WORLD_SIZE": "4", "RANK": "3", "LOCAL_RANK": "1"})
    assert (world.rank, world.local_rank, world.size, world.distributed, world.is_writer) == (3, 1, 4, True, False)
    assert world_from_env({"WORLD_SIZE": "2", "RANK": "0", "LOCAL_RANK": "0"}).is_writer
    with pytest.raises(RunError, match=r"RANK=2 is invalid with WORLD_SIZE=2: expected 0 \.\. 1"):
        world_from_env({"WORLD_SIZE": "2", "RANK": "2", "LOCAL_RANK": "0"})
    with pytest.raises(RunError, match="WORLD_SIZE=2 without RANK and LOCAL_RANK: launch with torchrun"):
        world_from_env({"WORLD_SIZE": "2"})
    with pytest.raises(RunError, match="LOCAL_RANK='x' is not an integer"):
        world_from_env({"WORLD_SIZE": "2", "RANK": "1", "LOCAL_RANK": "x"})


@pytest.mark.fast
def test_rank_device_and_seed():
    one, second = World(), World(rank=3, local_rank=1, size=4)
    assert rank_device("cpu", one) == "cpu" and rank_device("cuda:1", one) == "cuda:1"
    assert rank_seed(42, one) == 42 and rank_seed(42, second) == 45
    # the stock rsl-rl runner refuses the CPU with several processes: said before anything is built
    with pytest.raises(RunError, match=r"device=cpu with 4 processes .* accepts only device cuda:<LOCAL_RANK>"):
        rank_device("cpu", second)
    if torch.cuda.device_count() < 2:
        with pytest.raises(RunError, match="LOCAL_RANK=1 needs CUDA device 1, but this host has"):
            rank_device("cuda", second)
    if not torch.cuda.is_available():  # not "--nproc_per_node <= 0"
        with pytest.raises(RunError, match=r"has 0; train on the CPU in one process \(without torchrun\)"):
            rank_device("cuda", second)
    if torch.cuda.device_count() >= 2:
        assert rank_device("cuda:0", second) == "cuda:1"


def test_several_ranks_need_one_run_name():
    from beyondmimic_adaptive.runs import train_config
    from beyondmimic_adaptive.runs.distributed import rank_run

    unnamed = train_config(["device=cuda:0"])
    assert rank_run(unnamed, World()) is unnamed  # one process: the clock names the folder as before
    with pytest.raises(RunError, match=r"under torchrun \(2 processes\) give run_name=<name>"):
        rank_run(unnamed, World(rank=1, local_rank=1, size=2))


@pytest.mark.fast
def test_layout_differences_name_the_rank_and_the_key():
    layout = {"motion_num_frames": [400], "fps": 50.0, "bin_size_s": 1.0, "alpha": 0.01, "sync_distributed": True}
    assert layout_differences([{"adaptive": layout}, {"adaptive": dict(layout)}]) == []
    other = {"adaptive": {**layout, "motion_num_frames": [400, 300], "alpha": 0.1}}
    assert layout_differences([{"adaptive": layout}, {"adaptive": layout}, other]) == [
        "rank 2 has adaptive.motion_num_frames=[400, 300] (rank 0: [400])",
        "rank 2 has adaptive.alpha=0.1 (rank 0: 0.01)",
    ]
    assert layout_differences([{"adaptive": layout}, {"b": layout}]) == [
        "rank 1 has adaptive terms ['b'], rank 0 ['adaptive']"
    ]
    # a third rank without rank 0's term: named, not a KeyError from the ranks before it
    assert layout_differences([{"adaptive": layout}, {"adaptive": layout}, {"b": layout}]) == [
        "rank 2 has adaptive terms ['b'], rank 0 ['adaptive']"
    ]
    # unsynced on every rank: nothing is all-reduced, the ranks may differ; unsynced on one rank would hang
    unsynced = {**layout, "sync_distributed": False}
    assert layout_differences([{"a": unsynced}, {"a": {**unsynced, "bin_size_s": 0.5}}]) == []
    assert layout_differences([{"a": layout}, {"a": unsynced}]) == [
        "rank 1 has a.sync_distributed=False (rank 0: True)"
    ]


@pytest.mark.fast
def test_ranks_with_different_statistics_are_refused_naming_the_term_and_the_ranks(monkeypatch):
    from types import SimpleNamespace

    from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
    from beyondmimic_adaptive.runs import distributed
    from beyondmimic_adaptive.sampler import state_digest

    def term(sync: bool = True) -> SimpleNamespace:
        sampler = AdaptiveSampler(AdaptiveSamplerCfg(sync_distributed=sync), motion_num_frames=[250], fps=50)
        return SimpleNamespace(sampler=sampler)

    terms = [("adaptive", term()), ("unsynced", term(sync=False))]
    mine = {name: state_digest(t.sampler.state_dict()) for name, t in terms}
    world = World(rank=0, local_rank=0, size=2)
    monkeypatch.setattr(distributed, "_gather", lambda world, mine: [mine, dict(mine)])
    assert distributed.check_same_statistics(terms, world) == mine  # the same on both ranks
    other = {"adaptive": "0" * 16, "unsynced": "1" * 16}  # rank 1 folded differently
    monkeypatch.setattr(distributed, "_gather", lambda world, mine: [mine, other])
    with pytest.raises(
        RuntimeError,
        match=rf"ranks' sampler statistics differ .*\(adaptive: rank 0 {mine['adaptive']}, rank 1 0{{16}}\)",
    ):
        distributed.check_same_statistics(terms, world)  # the unsynced term may differ: not named


def test_two_cpu_ranks_train_resume_and_refuse_different_bins(tmp_path):
    """2 ranks (gloo): a new run, its resume on both ranks, and a run whose ranks have other bins."""
    from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION
    from beyondmimic_adaptive.sampler import load_history

    ranks = []
    for rank in range(2):
        env = {**os.environ, "WORLD_SIZE": "2", "RANK": str(rank), "LOCAL_RANK": str(rank), "OMP_NUM_THREADS": "1"}
        log = (tmp_path / f"log{rank}.txt").open("w")  # a file, not a pipe: a full pipe would stall the rank
        command = [sys.executable, "tests/distributed_train.py", str(tmp_path), str(DEMO_SHORT_MOTION)]
        ranks.append((subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT), log))
    try:
        for process, _ in ranks:
            process.wait(timeout=400)  # a rank stuck in a collective times out there after 60 s
    finally:
        for process, log in ranks:
            if process.poll() is None:
                process.kill()
            log.close()
    logs = [(tmp_path / f"log{rank}.txt").read_text() for rank in range(2)]
    for (process, _), log in zip(ranks, logs, strict=True):
        assert process.returncode == 0, log[-4000:]
    rank0, rank1 = (json.loads((tmp_path / f"result_rank{r}.json").read_text()) for r in range(2))
    # seed + rank: the ranks' first starts differ (new run and resume)
    assert rank0["starts"][0] != rank1["starts"][0] and rank0["starts"][1] != rank1["starts"][1]
    # identical statistics on both ranks after training and after the resumed training; rank 0's file holds them
    assert rank0["digests"] == rank1["digests"] and len(rank0["digests"]) == 2
    assert rank0["digests"][0] != rank0["digests"][1] and rank0["state_digest"] == rank0["digests"][1]["adaptive"]
    assert rank0["state_env_steps"][1] > rank0["state_env_steps"][0]
    for log in logs:
        assert f"sha256={rank0['digests'][0]['adaptive']}" in log.split("resumed model_0.pt")[1].splitlines()[0]
    # rank 0 alone writes: rank 1's log dir was never created
    run = tmp_path / "rank0" / "run"
    assert not (tmp_path / "rank1").exists()
    assert (run / "model_0.pt").is_file() and (run / "config.yaml").is_file()
    assert (run / "config_resume_model_0.yaml").is_file() and (run / "sampler" / "state.pt").is_file()
    assert load_history(run / "sampler")["probabilities"].shape[1] == 8
    # other bins on rank 1: the same clear error on both ranks, before anything was written
    for result in (rank0, rank1):
        assert "rank 1 has adaptive.bin_size_s=0.5 (rank 0: 1.0)" in result["mismatch_error"]
        assert "same command line" in result["mismatch_error"]
    assert not (tmp_path / "mismatch0").exists() and not (tmp_path / "mismatch1").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs 2 CUDA devices")
def test_two_gpus_with_the_stock_runner(tmp_path):
    """torchrun --nproc_per_node 2 scripts/train.py --device cuda: rsl-rl's own NCCL set-up, no patch."""
    from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION

    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    command += ["--master_addr", "127.0.0.1", "--master_port", str(free_port()), "scripts/train.py"]
    command += ["--device", "cuda", "--num-envs", "64", "--iterations", "2", "--motion-files", str(DEMO_SHORT_MOTION)]
    command += ["--log-dir", str(tmp_path), "--run-name", "run", "image_interval=0"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    digests = [line.split("sha256=")[1] for line in result.stdout.splitlines() if "state sha256=" in line]
    assert len(digests) == 2 and digests[0] == digests[1], result.stdout[-4000:]
    assert (tmp_path / "run" / "model_1.pt").is_file()


@pytest.mark.fast
def test_bench_reads_every_ranks_digest_and_the_median_iteration():
    import importlib.util

    spec = importlib.util.spec_from_file_location("multigpu_train", ROOT / "bench" / "multigpu_train.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    output = (
        "[train] sampler adaptive (rank 1 of 2): state sha256=ab12\n[rank0]: noise\n"
        "[train] sampler adaptive (rank 0 of 2): state sha256=ab12\n"
    )
    assert bench.rank_digests(output) == {"adaptive": {0: "ab12", 1: "ab12"}}
    assert bench.rank_digests("[train] sampler adaptive: state sha256=cd34") == {"adaptive": {0: "cd34"}}
    row = bench.summary(2, 100, 24, [(9.0, 9.0), (1.0, 0.5), (1.5, 0.5), (2.0, 1.0)], warmup=1)
    assert row["s_per_iteration"] == 2.0 and row["env_steps_per_s"] == 2 * 100 * 24 / 2.0
