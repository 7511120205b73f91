"""Run scripts/train.py, logging every start the tracking command writes to the robot (for tests).

    python tests/train_start_log.py STARTS_JSON [train.py arguments]

Each reset's (motion id, frame) pairs, as the command applies them to the simulated robot, are
written to STARTS_JSON when training ends.
"""

from __future__ import annotations

import atexit
import json
import runpy
import sys
from pathlib import Path

from beyondmimic_adaptive.tasks.tracking.mdp.commands import MotionCommand
from beyondmimic_adaptive.terms.env_ids import normalize_env_ids

ROOT = Path(__file__).resolve().parents[1]
starts: list[tuple[int, int]] = []
write_start_state = MotionCommand._write_start_state


def logging_write_start_state(self: MotionCommand, env_ids) -> None:
    ids = normalize_env_ids(env_ids, self.num_envs, self.device)
    starts.extend(zip(self.motion_ids[ids].tolist(), self.time_steps[ids].tolist(), strict=True))
    write_start_state(self, env_ids)


def main() -> None:
    out = Path(sys.argv[1])
    MotionCommand._write_start_state = logging_write_start_state
    atexit.register(lambda: out.write_text(json.dumps(starts)))
    sys.argv = [str(ROOT / "scripts" / "train.py"), *sys.argv[2:]]
    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
