"""Why each episode ended: Isaac Lab's termination buffers read into fixed-shape masks and log counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv


class EpisodeEnds:
    """Reads which of a reset's episodes ended, and whether by a failure, from the env's termination manager.

    An episode ended when the last termination compute marked the env done (terminated or timed out), a term of it
    fired, and the episode ran a step. Any other reset (an eval loop's or a wrapper's mid-episode reset, a
    visualizer's reset that marks envs terminated with no term fired, a reset right after a step's reset) ends
    none. The done flag also guards against term values that outlive their step (Isaac Lab 2.3.0's ``get_term``
    reports each env's last episode end). It failed when a non-time-out term fired: time-outs (and the motion's
    end, a time-out term) are successes.

    Every buffer is persistent and :meth:`mark` writes them in place with fixed shapes and no host sync, so it may
    run inside a captured CUDA graph (the curriculum term's record replay).

    Args:
        env: the env whose termination manager, episode lengths and done flags are read.
    """

    def __init__(self, env: ManagerBasedRLEnv):
        self._env = env
        terminations = env.termination_manager
        names = terminations.active_terms
        self.failure_terms = [n for n in names if not terminations.get_term_cfg(n).time_out]
        """Names of the termination terms that count as failures (every non-time-out term)."""
        self.success_terms = [n for n in names if terminations.get_term_cfg(n).time_out]
        """Names of the time-out termination terms (an episode they end is a success)."""
        self.term_names = self.failure_terms + self.success_terms
        """Every term, failures first (the columns of one stack into one persistent buffer)."""
        num_envs, device = env.num_envs, env.device
        self._terms = torch.zeros(num_envs, len(self.term_names), dtype=torch.bool, device=device)
        self._failures = self._terms[:, : len(self.failure_terms)]
        self._never_fired = torch.zeros(num_envs, dtype=torch.bool, device=device)
        self._fired = torch.zeros(num_envs, dtype=torch.bool, device=device)
        failed = torch.zeros(num_envs, dtype=torch.bool, device=device)
        if not self.term_names:
            failed = self._fired = self._never_fired
        elif not self.success_terms:
            failed = self._fired  # every term is a failure
        elif not self.failure_terms:
            failed = self._never_fired
        self.failed = failed
        """(num_envs,) a failure term fired at the last compute (persistent; :meth:`mark` writes it)."""
        self._log_rows = torch.zeros(len(self.failure_terms) + 1, num_envs, dtype=torch.bool, device=device)
        """One row per failure term then ``ended``: the env's episode ended by that term / at all (rows, so each is
        contiguous: ``torch.compile`` refuses ``out=`` into a strided view)."""
        self.ended = self._log_rows[-1]
        """(num_envs,) the episode ended at this reset and counts (persistent; :meth:`mark` writes it)."""
        self._log_counts = torch.zeros(len(self.failure_terms) + 1, dtype=torch.long, device=device)
        """The rows of ``_log_rows`` summed over the envs and the calls since the last :meth:`log_means`."""
        self._log_keys = [*(f"failures/{name}" for name in self.failure_terms), "episodes"]
        self._one_term_buffer = self._terms_share_one_buffer()
        """Every ``get_term`` is a column of the manager's one (num_envs, terms) buffer (Isaac Lab 2.3 and 3.0):
        :meth:`buffers` then reads that buffer's address, not a new view per term."""

    def mark(self, reset: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(ended, failed), both (num_envs,) bool: the episodes of the ``reset`` envs that ended now and count, and
        where a failure term fired (read only where ``ended`` holds). Counts them for the log. In place."""
        env = self._env
        terminations = env.termination_manager
        fired = self._fired
        if self.term_names:
            torch.stack([terminations.get_term(name) for name in self.term_names], dim=1, out=self._terms)
            torch.any(self._terms, dim=1, out=fired)
            if self.failed is not fired and self.failed is not self._never_fired:
                torch.any(self._failures, dim=1, out=self.failed)
        done = terminations.terminated | terminations.time_outs
        torch.logical_and(reset & (env.episode_length_buf > 0) & done, fired, out=self.ended)
        torch.logical_and(self._failures.T, self.ended, out=self._log_rows[:-1])
        self._log_counts.add_(self._log_rows.sum(dim=1))
        return self.ended, self.failed

    def log_means(self, calls: int) -> dict[str, torch.Tensor]:
        """Each failure term's and all ended episodes' counts since the last call, as their mean per reset over
        ``calls`` resets (0-d tensors, no sync); the counts restart."""
        means = self._log_counts / calls
        self._log_counts.zero_()
        return {key: means[index] for index, key in enumerate(self._log_keys)}

    def buffers(self) -> tuple[int, ...]:
        """Data pointers of the env's tensors :meth:`mark` reads (a captured graph reads them in place).

        Called before every replay of the curriculum term's graph, with the GPU idle after Isaac Lab's reset sync,
        so its host time is the env step's: with a view per term it took 62 us per call on the G1 (five terms) on an
        H200 host (``bench/term_glue.py``)."""
        env = self._env
        terminations = env.termination_manager
        if self._one_term_buffer:
            terms: tuple[int, ...] = (terminations._term_dones.data_ptr(),)
        else:
            terms = tuple(terminations.get_term(name).data_ptr() for name in self.term_names)
        return (
            env.episode_length_buf.data_ptr(),
            terminations.terminated.data_ptr(),
            terminations.time_outs.data_ptr(),
            *terms,
        )

    def _terms_share_one_buffer(self) -> bool:
        terminations = self._env.termination_manager
        dones = getattr(terminations, "_term_dones", None)
        if not (isinstance(dones, torch.Tensor) and dones.dim() == 2 and self.term_names):
            return False
        base = dones.untyped_storage().data_ptr()
        return all(terminations.get_term(name).untyped_storage().data_ptr() == base for name in self.term_names)
