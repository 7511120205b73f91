"""Read back what a W&B run logged, from its local run file (``WANDB_MODE=offline`` runs, no server).

A run's ``run-<id>.wandb`` is W&B's datastore: a 7-byte header, then the records (``wandb.proto``
``Record`` messages) in LevelDB's log format (32 KiB blocks; each chunk has a 7-byte header: crc32,
length, type FULL/FIRST/MIDDLE/LAST). wandb 0.31 ships no Python reader of it, so this is one.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

BLOCK_SIZE = 32768
HEADER_SIZE = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def offline_run_file(run_dir: str | Path) -> Path:
    """The ``run-*.wandb`` file of the (single, newest) offline run under ``run_dir/wandb``."""
    files = sorted(Path(run_dir).glob("wandb/offline-run-*/run-*.wandb"))
    if not files:
        raise FileNotFoundError(f"no offline W&B run under {run_dir}/wandb (was it trained with logger=wandb?).")
    return files[-1]


def read_records(path: str | Path) -> list[bytes]:
    """The raw record payloads of a W&B datastore file."""
    raw = Path(path).read_bytes()
    if raw[:4] != b":W&B":
        raise ValueError(f"{path} is not a W&B run file (header {raw[:4]!r}).")
    records, pending, pos = [], b"", HEADER_SIZE
    while pos + HEADER_SIZE <= len(raw):
        left = BLOCK_SIZE - pos % BLOCK_SIZE
        if left < HEADER_SIZE:  # a block's tail too short for a header is padding
            pos += left
            continue
        _, length, kind = struct.unpack("<IHB", raw[pos : pos + HEADER_SIZE])
        if kind == 0 and length == 0:
            pos += left
            continue
        payload = raw[pos + HEADER_SIZE : pos + HEADER_SIZE + length]
        pos += HEADER_SIZE + length
        if kind == FULL:
            records.append(payload)
        elif kind == FIRST:
            pending = payload
        elif kind == MIDDLE:
            pending += payload
        elif kind == LAST:
            records.append(pending + payload)
            pending = b""
    return records


def read_history(run_dir: str | Path) -> list[dict[str, object]]:
    """Each ``wandb.log`` history row of the run as a dict; nested keys are joined with ``/``."""
    from wandb.proto import wandb_internal_pb2

    rows = []
    for payload in read_records(offline_run_file(run_dir)):
        record = wandb_internal_pb2.Record()  # type: ignore[attr-defined]
        record.ParseFromString(payload)
        if record.WhichOneof("record_type") != "history":
            continue
        row = {}
        for item in record.history.item:
            key = item.key or "/".join(item.nested_key)
            row[key] = json.loads(item.value_json)
        rows.append(row)
    return rows
