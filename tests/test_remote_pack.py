"""bench/remote/pack_new.py: each call packs only what is new, resumable checkpoints whole, older ones actor-only."""

from __future__ import annotations

import io
import sys
import tarfile
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench" / "remote"))
from pack_new import main as pack_main


def save_checkpoint(path: Path, it: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"actor_state_dict": {"w": torch.full((3,), float(it))}, "critic_state_dict": {"v": torch.ones(2)}}
    torch.save(state | {"optimizer_state_dict": {"lr": 1e-3}, "iter": it}, path)


def unpack(out: Path) -> dict[str, bytes]:
    data = b"".join(p.read_bytes() for p in sorted(out.glob("pack.tar.part-*")))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def test_each_call_packs_only_what_is_new(tmp_path):
    study = tmp_path / "study"
    run = study / "table2_dance1" / "adaptive"
    for it in (250, 500, 750):
        save_checkpoint(run / f"model_{it}.pt", it)
    (run / "sampler").mkdir()
    (run / "sampler" / "state.pt").write_bytes(b"state")
    (run / "config.yaml").write_text("seed: 1\n")
    (study / "table2_dance1" / "adaptive_train.log").write_text("Learning iteration 751/8000\n")
    report = study / "evals" / "e0" / "adaptive" / "eval_model_250" / "eval.json"
    report.parent.mkdir(parents=True)
    report.write_text("{}")

    save_checkpoint(study / "table2_dance2" / "uniform" / "model_50.pt", 50)  # a second study, packed too
    pack_main([str(study), str(tmp_path / "out1"), "--part-mb", "0.001"])  # 1 kB parts: several of them
    assert len(list((tmp_path / "out1").glob("pack.tar.part-*"))) > 1
    first = unpack(tmp_path / "out1")
    prefix = "table2_dance1/adaptive"
    assert {f"{prefix}/model_750.pt", f"{prefix}/sampler/state.pt", f"{prefix}/config.yaml"} <= first.keys()
    assert f"{prefix}/model_500.pt" not in first and f"{prefix}/actor/model_750.pt" not in first
    newest = torch.load(io.BytesIO(first[f"{prefix}/model_750.pt"]), weights_only=False)
    assert "optimizer_state_dict" in newest  # whole: a resume needs it
    for it in (250, 500):  # older multiples of 250: actor only
        actor = torch.load(io.BytesIO(first[f"{prefix}/actor/model_{it}.pt"]), weights_only=False)
        assert set(actor) == {"actor_state_dict", "iter"} and actor["actor_state_dict"]["w"][0] == it
    assert "evals/e0/adaptive/eval_model_250/eval.json" in first and "logs/table2_dance1/adaptive_train.log" in first
    assert "table2_dance2/uniform/model_50.pt" in first

    pack_main([str(study), str(tmp_path / "out2")])  # nothing new: only the logs, which grow
    assert set(unpack(tmp_path / "out2")) == {"logs/table2_dance1/adaptive_train.log"}

    save_checkpoint(run / "model_800.pt", 800)
    (run / "model_850.pt").write_bytes(b"PK\x03\x04 cut off while saving")
    pack_main([str(study), str(tmp_path / "out3")])
    third = unpack(tmp_path / "out3")
    assert f"{prefix}/model_800.pt" in third and f"{prefix}/model_850.pt" not in third  # newest complete
    assert [name for name in third if "/actor/" in name] == [f"{prefix}/actor/model_750.pt"]  # no longer the newest


def test_bad_part_size_or_interval_is_refused_by_name(tmp_path, capsys):
    for flag, value in (("--part-mb", "0"), ("--every", "0")):
        with pytest.raises(SystemExit):
            pack_main([str(tmp_path), str(tmp_path / "out"), flag, value])
        assert "--every must be >= 1 and --part-mb > 0" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and not (tmp_path / "sent.txt").exists()  # nothing half-written
    with pytest.raises(SystemExit):
        pack_main([str(tmp_path / "missing"), str(tmp_path / "out")])
    assert "missing is not a folder: give the study folder that start.sh made" in capsys.readouterr().err
