"""Fixed-shape recording and sampling over all envs, replayed as CUDA graphs.

A step of a vectorised env finishes a different number of episodes each time. Recording and
sampling exactly those episodes means tensors of a new size every step, which rules out CUDA
graphs and leaves a dozen small kernel launches per call, each costing microseconds of host time.
Here every call covers all ``num_envs`` envs with a ``finished`` mask instead: the shapes never
change, so each operation is captured once and replayed as a single launch.

On the CPU there is no graph to replay and every op costs about a microsecond of dispatch whatever
its size, so the same calls do the reset envs' work only: the rows of the reset env ids are read
(no scan of every env), and starts are drawn for exactly those envs.
"""

from __future__ import annotations

import torch

from .distribution import draw_bins
from .graphed import CudaGraphedStep
from .sampler import AdaptiveSampler

_MAX_SAMPLE_GRAPHS = 4
"""Sampling graphs kept at once, one per sampling CDF (warm-up, adaptive, manual override)."""


class PerEnvSampling:
    """Records finished episodes and draws starts for a fixed number of envs, without host syncs.

    - :meth:`record` takes one row per env and counts only the rows marked ``finished`` (given the
      reset env ids, the CPU reads only those rows).
    - :meth:`starts` returns the starts of the envs that reset; :meth:`sample` writes them into
      per-env buffers, whose rows the caller reads.

    On CUDA (and with ``cfg.cuda_graph``) both are captured after a few eager calls and replayed;
    inputs are copied into persistent buffers first, and the draw covers *every* env (drawing the
    extra rows costs less than a launch per op would). Eagerly (CPU) only the requested rows are
    drawn, and only the finished rows recorded: there every op pays for every row, and launches are
    cheap. The outputs of :meth:`sample` are persistent buffers, overwritten by the next call: index
    or copy them first.

    Args:
        sampler: the sampler to record into and draw from.
        num_envs: the number of envs (rows) of every call.
        fixed_shapes: record every env's row (masked), as the CUDA graph does. None (default): on
            CUDA; on the CPU only the finished rows are recorded (the same counts, less work).
    """

    def __init__(self, sampler: AdaptiveSampler, num_envs: int, *, fixed_shapes: bool | None = None):
        if not (isinstance(num_envs, int) and num_envs >= 1):
            raise ValueError(f"PerEnvSampling(num_envs={num_envs!r}): expected an int >= 1 (the env count).")
        self.sampler = sampler
        self.num_envs = num_envs
        device = sampler.device
        self._use_graph = sampler.cfg.cuda_graph and device.type == "cuda"
        self._subset = device.type == "cpu" if fixed_shapes is None else not fixed_shapes
        """Record only the rows that count (data-dependent sizes: the CPU, where nothing is captured)."""
        self._row_shape = torch.Size((num_envs,))
        self._device_type = device.type
        self._device_flag = {"cpu": "is_cpu", "cuda": "is_cuda"}.get(device.type)
        """The tensor attribute that is True on this device type (cheaper to read than ``.device.type``)."""
        self._bins_in = torch.zeros(num_envs, dtype=torch.long, device=device)
        self._failed_in = torch.zeros(num_envs, dtype=torch.bool, device=device)
        self._finished_in = torch.zeros(num_envs, dtype=torch.bool, device=device)
        self._compile = sampler.cfg.compile
        """Compile the graphed steps' bodies (``cfg.compile``; they run only on the fixed-shape path)."""
        self._record_step = CudaGraphedStep(self._record_inputs, device, enabled=self._use_graph, compile=self._compile)
        self._alive_in = torch.ones(num_envs, dtype=torch.bool, device=device)
        self._ones = torch.ones(num_envs, device=device)
        """One env step of exposure per env (the CPU's unmasked exposure record)."""
        self._exposure_step = CudaGraphedStep(
            self._record_exposure_inputs, device, enabled=self._use_graph, compile=self._compile
        )
        self._start_bins = torch.zeros(num_envs, dtype=torch.long, device=device)
        self._start_motions = torch.zeros(num_envs, dtype=torch.long, device=device)
        self._start_frames = torch.zeros(num_envs, dtype=torch.long, device=device)
        self._starts = torch.zeros(num_envs, 3, dtype=torch.long, device=device)
        """(num_envs, 3) bins, motions, frames side by side (the graph's draw stacks them): :meth:`starts`
        gathers the reset rows of all three with one launch instead of three."""
        # keyed by the CDF tensor's id; the entry holds the tensor, so the id cannot be reused
        self._sample_steps: dict[int, tuple[torch.Tensor, CudaGraphedStep]] = {}

    def record(
        self, bins: torch.Tensor, failed: torch.Tensor, finished: torch.Tensor, rows: torch.Tensor | None = None
    ) -> None:
        """Count the episodes of the envs marked ``finished`` (all three of shape (num_envs,)).

        Args:
            bins: global bin id each env's episode is attributed to (int32/int64).
            failed: bool, True where the episode ended by a failure term.
            finished: bool, True for the envs whose episode ended now and counts.
            rows: optional (n,) int32/int64 env ids outside which ``finished`` is all False (the reset
                envs' ids). On the CPU only these rows are read, instead of a scan of every env for the
                finished ones; the fixed-shape path ignores it. Ids of envs not finished are fine.
        """
        if not self._rows_fit(bins, failed, finished):  # one cheap test per call; the details on failure
            self._check_row("bins", bins, (torch.int32, torch.int64))
            self._check_row("failed", failed, (torch.bool,))
            self._check_row("finished", finished, (torch.bool,))
        if rows is not None and not self._is_env_id_tensor(rows):
            self._refuse_rows(rows, "record", " or None")
        if self._subset and rows is not None:
            if rows.dtype is not torch.int64:
                rows = rows.long()
            self.sampler._record_checked(
                bins.index_select(0, rows), failed.index_select(0, rows), finished.index_select(0, rows), True
            )
            return
        if self._subset:
            rows = finished.nonzero().view(-1)
            self.sampler._record_checked(bins.index_select(0, rows), failed.index_select(0, rows))
            return
        if not self._use_graph:
            self.sampler.record(bins.long(), failed, mask=finished)
            return
        self._bins_in.copy_(bins)
        self._failed_in.copy_(failed)
        self._finished_in.copy_(finished)
        self._record_step()

    @property
    def graphed(self) -> bool:
        """Whether the calls replay CUDA graphs (CUDA and ``cfg.cuda_graph``): a caller may then capture its own
        fixed-shape work together with :meth:`AdaptiveSampler.record` (the curriculum term does)."""
        return self._use_graph

    def record_exposure(self, bins: torch.Tensor, alive: torch.Tensor | None = None) -> None:
        """Count one env step in the current bin of every env (``attribution: hazard``), fixed shape.

        Args:
            bins: (num_envs,) global bin id each env is in during this step (int32/int64).
            alive: optional (num_envs,) bool; False skips an env. None counts every env.
        """
        self._check_row("bins", bins, (torch.int32, torch.int64), "record_exposure")
        if alive is not None:
            self._check_row("alive", alive, (torch.bool,), "record_exposure")
        if self._subset and alive is not None:
            self.sampler.record_exposure(bins.index_select(0, alive.nonzero().view(-1)))
            return
        if self._subset:  # every env counts: persistent weights, no mask
            bins = bins if bins.dtype is torch.int64 else bins.long()
            self.sampler._record_exposure_checked(bins, self._ones, bins)
            return
        if not self._use_graph:
            self.sampler.record_exposure(bins.long(), mask=alive)
            return
        self._bins_in.copy_(bins)
        if alive is None:
            self._alive_in.fill_(True)
        else:
            self._alive_in.copy_(alive)
        self._exposure_step()

    def sample(self, rows: torch.Tensor | slice | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(start bins, motion ids, frames), each (num_envs,), with fresh starts in ``rows``.

        Args:
            rows: the envs that need a start: (n,) int env ids, a slice, or None for all. Only
                these rows are guaranteed fresh (with CUDA graphs every row is).
        """
        self._check_rows(rows, "sample")
        if self._use_graph:
            self._replay_sampling()
        elif rows is None or (isinstance(rows, slice) and rows == slice(None)):
            self._sample_into_outputs()
        else:
            self._sample_rows(rows)
        return self._start_bins, self._start_motions, self._start_frames

    def starts(self, rows: torch.Tensor | slice | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(start bins, motion ids, frames) of the envs in ``rows`` only, each (n,) (the reset event's call).

        With CUDA graphs this replays the draw for every env and gathers the rows; eagerly (the CPU) it
        draws exactly n starts and returns them, with no full-width buffer in between. For ``rows``
        None or ``slice(None)`` the outputs may be the persistent buffers of :meth:`sample`: copy them
        before the next call.

        Args:
            rows: (n,) int env ids, a slice, or None for all envs.
        """
        if not self._use_graph and isinstance(rows, torch.Tensor) and self._is_env_id_tensor(rows):
            return self._draw(rows.shape[0])  # the reset event's call on the CPU
        self._check_rows(rows, "starts")
        if rows is None or (isinstance(rows, slice) and rows == slice(None)):
            return self.sample(rows)
        if not self._use_graph and isinstance(rows, slice):
            return self._draw(len(range(self.num_envs)[rows]))
        bins, motions, frames = self.sample(rows)
        if isinstance(rows, slice):
            return bins[rows], motions[rows], frames[rows]
        if self._use_graph:  # the draw stacked them: one gather, three column views
            return self._starts.index_select(0, rows).unbind(1)  # type: ignore[return-value]
        return bins.index_select(0, rows), motions.index_select(0, rows), frames.index_select(0, rows)

    def _check_rows(self, rows: object, call: str) -> None:
        if not (rows is None or isinstance(rows, slice) or self._is_env_id_tensor(rows)):
            self._refuse_rows(rows, call, ", a slice or None")

    def _refuse_rows(self, rows: object, call: str, alternatives: str) -> None:
        found = (
            f"{rows.dtype} tensor of shape {tuple(rows.shape)} on {rows.device}"
            if isinstance(rows, torch.Tensor)
            else rows
        )
        raise TypeError(
            f"PerEnvSampling.{call}(rows=...) expects 1-D int32/int64 env ids on {self.sampler.device}"
            f"{alternatives}; got {found}."
        )

    def _draw(self, count: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(bins, motion ids, frames) of ``count`` starts (eager: sizes vary)."""
        bins = self.sampler.sample_bins(count)
        motions, frames = self.sampler.layout.draw_time_in_bin(bins)
        return bins, motions, frames

    def _is_env_id_tensor(self, rows: object) -> bool:
        # dtype, shape and device live on the host: checking them costs no sync
        return (
            isinstance(rows, torch.Tensor)
            and rows.dim() == 1
            and (rows.dtype is torch.int64 or rows.dtype is torch.int32)
            and self._on_device(rows)
        )

    def _on_device(self, value: torch.Tensor) -> bool:
        flag = self._device_flag
        return getattr(value, flag) if flag is not None else value.device.type == self._device_type

    def _replay_sampling(self) -> None:
        cdf = self.sampler.sampling_cdf
        entry = self._sample_steps.get(id(cdf))
        if entry is None:
            if len(self._sample_steps) >= _MAX_SAMPLE_GRAPHS:
                self._sample_steps.clear()
            head, total = self.sampler.sampling_parts()  # the parts of ``cdf``, bound now: no guard on env_step

            def draw() -> None:
                self.sample_from(head, total)
                torch.stack((self._start_bins, self._start_motions, self._start_frames), dim=1, out=self._starts)

            entry = (cdf, CudaGraphedStep(draw, self.sampler.device, compile=self._compile))
            self._sample_steps[id(cdf)] = entry
        entry[1]()

    def _sample_rows(self, rows: torch.Tensor | slice) -> None:
        if isinstance(rows, slice):
            rows = torch.arange(self.num_envs, device=self.sampler.device)[rows]
        elif rows.dtype != torch.long:
            rows = rows.long()
        bins, motions, frames = self._draw(rows.shape[0])
        self._start_bins.index_copy_(0, rows, bins)
        self._start_motions.index_copy_(0, rows, motions)
        self._start_frames.index_copy_(0, rows, frames)

    def _record_inputs(self) -> None:
        self.sampler.record(self._bins_in, self._failed_in, mask=self._finished_in)

    def _record_exposure_inputs(self) -> None:
        self.sampler.record_exposure(self._bins_in, mask=self._alive_in)

    def _sample_into_outputs(self) -> None:
        self.sample_from(*self.sampler.sampling_parts())

    @property
    def last_draw(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The persistent (start bins, motion ids, frames) outputs, as the last full-width draw left them."""
        return self._start_bins, self._start_motions, self._start_frames

    def sample_from(self, head: torch.Tensor, total: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(start bins, motion ids, frames) of every env, drawn from the CDF of ``head`` and ``total``
        (:meth:`AdaptiveSampler.sampling_parts`) into :meth:`sample`'s persistent outputs.

        Fixed shapes, no host sync, in place: for a caller that captures the draw in a graph of its own
        (the curriculum term's record graph draws the reset envs' starts with the record).
        """
        # written in place where torch allows (out=): every copy saved is a kernel launch saved
        bins = draw_bins(head, total, self.num_envs, out=self._start_bins)
        motions, _ = self.sampler.layout.uniform_time_in_bin(bins, frames_out=self._start_frames)
        self._start_motions.copy_(motions)
        return self._start_bins, self._start_motions, self._start_frames

    def _rows_fit(self, bins: object, failed: object, finished: object) -> bool:
        """Whether :meth:`record`'s rows are valid (the same test as :meth:`_check_row`, in one go)."""
        shape = self._row_shape
        return (
            isinstance(bins, torch.Tensor)
            and isinstance(failed, torch.Tensor)
            and isinstance(finished, torch.Tensor)
            and bins.shape == shape
            and failed.shape == shape
            and finished.shape == shape
            and (bins.dtype is torch.int64 or bins.dtype is torch.int32)
            and failed.dtype is torch.bool
            and finished.dtype is torch.bool
            and self._on_device(bins)
            and self._on_device(failed)
            and self._on_device(finished)
        )

    def _check_row(self, name: str, value: object, dtypes: tuple[torch.dtype, ...], call: str = "record") -> None:
        # shape, dtype and device live on the host: checking them costs no sync
        ok = (
            isinstance(value, torch.Tensor)
            and value.dtype in dtypes
            and value.shape == self._row_shape
            and value.device.type == self._device_type
        )
        if not ok:
            found = (
                f"{value.dtype} tensor of shape {tuple(value.shape)} on {value.device}"
                if isinstance(value, torch.Tensor)
                else type(value).__name__
            )
            expected = "/".join(str(d).removeprefix("torch.") for d in dtypes)
            raise TypeError(
                f"PerEnvSampling.{call}({name}=...) expects a {expected} tensor of shape ({self.num_envs},) on "
                f"{self.sampler.device} (one row per env), got {found}."
            )
