"""A short scripts/train.py run starts its episodes where the sampler says, not just anywhere.

Outputs that exist and are finite say nothing about the starts: a run whose sampled starts never
reach the robot (the event not requesting them, the command resampling over them) trains just as
well. Here the sampler gets a manual distribution over two bins, and the starts the command writes
to the simulated robot during training must come from those bins, in proportion.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION
from beyondmimic_adaptive.sampler import read_sampler_state

ROOT = Path(__file__).resolve().parents[1]
MANUAL = [0, 0, 3, 0, 0, 1, 0, 0]  # the 8 s demo clip has 8 bins of 50 frames
FPS_FRAMES_PER_BIN = 50


def test_training_starts_follow_the_sampler_distribution(tmp_path):
    starts_file = tmp_path / "starts.json"
    command = [sys.executable, str(ROOT / "tests" / "train_start_log.py"), str(starts_file)]
    command += ["--num-envs", "8", "--iterations", "2", "--motion-files", str(DEMO_SHORT_MOTION)]
    command += ["--log-dir", str(tmp_path), "--run-name", "run"]
    command += ["curriculum.adaptive.manual_probabilities=[" + ",".join(map(str, MANUAL)) + "]"]
    command += ["curriculum.adaptive.attribution=start"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    starts = json.loads(starts_file.read_text())
    assert len(starts) >= 40, f"too few starts to test: {len(starts)}"  # initial reset + episodes that ended
    bins = [frame // FPS_FRAMES_PER_BIN for motion, frame in starts if motion == 0]
    assert len(bins) == len(starts)  # one motion
    outside = sorted({b for b in bins if MANUAL[b] == 0})
    assert not outside, f"starts applied in bins {outside}, which the sampler gives probability 0"
    # bin 2 : bin 5 = 3 : 1; 5 standard deviations of the binomial share
    n, share = len(bins), bins.count(2) / len(bins)
    assert abs(share - 0.75) < 5 * math.sqrt(0.75 * 0.25 / n), f"bin 2 got {share:.2f} of {n} starts, expected 0.75"
    # start attribution: the sampler counted each finished episode in the bin the robot started in
    state = read_sampler_state(tmp_path / "run" / "sampler" / "state.pt")
    counted = state["episode_counts"]
    assert counted.sum() > 0 and counted[2] + counted[5] == counted.sum()
