"""A short scripts/train.py run starts its episodes where the sampler says, not just anywhere.

Outputs that exist and are finite say nothing about the starts: a run whose sampled starts never
reach the robot (the event not requesting them, the command resampling over them) trains just as
well. Here the sampler gets a manual distribution over two bins (bins 2 and 5, 3 : 1; the shared
``training_run`` of conftest.py), and the starts the command writes to the simulated robot during
training must come from those bins, in proportion.
"""

from __future__ import annotations

import math

from beyondmimic_adaptive.sampler import read_sampler_state

FRAMES_PER_BIN = 50  # 1 s bins at 50 fps


def test_training_starts_follow_the_sampler_distribution(training_run):
    manual, starts = training_run.manual_probabilities, training_run.starts
    assert manual == [0, 0, 3, 0, 0, 1, 0, 0]  # what the expected share below is computed for
    assert len(starts) >= 40, f"too few starts to test: {len(starts)}"  # initial reset + episodes that ended
    bins = [frame // FRAMES_PER_BIN for motion, frame in starts if motion == 0]
    assert len(bins) == len(starts)  # one motion
    outside = sorted({b for b in bins if manual[b] == 0})
    assert not outside, f"starts applied in bins {outside}, which the sampler gives probability 0"
    # bin 2 : bin 5 = 3 : 1; 5 standard deviations of the binomial share
    n, share = len(bins), bins.count(2) / len(bins)
    assert abs(share - 0.75) < 5 * math.sqrt(0.75 * 0.25 / n), f"bin 2 got {share:.2f} of {n} starts, expected 0.75"
    # start attribution: the sampler counted each finished episode in the bin the robot started in
    state = read_sampler_state(training_run.run_dir / "sampler" / "state.pt")
    counted = state["episode_counts"]
    assert counted.sum() > 0 and counted[2] + counted[5] == counted.sum()
