"""Plain C loops for the CPU fold's passes over the bins, with torch's arithmetic step for step.

On the CPU each torch op is one pass over its tensors, and a float32 op into float64 (the kernel
mass's double-precision sums, the float64 totals) first converts a whole temporary: the kernel
mass of K = 5 window steps is 11 passes, then the cumulative sum one more. At 100k bins that was
about 290 µs of a 560 µs public step (docs/benchmarks.md §1.6). Here each is one loop, compiled
once with the system's C compiler (``cc``, or ``$CC``) and called through :mod:`ctypes`.

Same results bit for bit, by construction: every value goes through the same IEEE operations in
the same order as the torch ops it replaces (``-ffp-contract=off``, no fast-math, so the compiler
may vectorise across bins but not fuse or reorder the arithmetic of one bin):

- kernel mass: ``float32(w_u * r_{s+u})`` added in double precision in the order u = 0, 1, ...
  and rounded to float32 once (``changed_bins.py``);
- cumulative sum: torch's CPU ``cumsum`` of float32 accumulates in double and rounds each entry
  (``at::acc_type<float, false>`` is ``double``);
- totals: ``totals += pending`` in double precision, then ``pending = 0``;
- the hazard update (``hazard.py``) up to its ``expm1``, which stays a torch op: torch's vectorised
  ``expm1`` is not reproducible in C. Its lerp is torch's CPU kernel's, ``fma(w, end - start, start)``
  (``fma(w - 1, end - start, end)`` for w >= 0.5), written as explicit fused multiply-adds.

``tests/test_sampler_native.py`` and ``tests/test_sampler_cpu_row_fold.py`` check them against the torch
ops. The library is built at the first use (0.07-0.15 s here) into the package's cache folder
(:func:`beyondmimic_adaptive.cache.cache_dir`: ``~/.cache/beyondmimic_adaptive`` by default), named by a hash
of the source, compiler, flags and the CPU's model and feature flags (``-march=native``). Without a C compiler,
or with ``BEYONDMIMIC_NATIVE=0``, :func:`library` returns None (the former with one warning saying so), and the
sampler runs its torch ops: the same results, slower.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import torch

from ..cache import cache_dir

SOURCE = r"""
#include <stdint.h>
#define BLOCK 512

/* mass[s] = float(sum_u double(float(w[u][s] * r[s + u]))), u = 0..K-1 in order; cdf = cumsum(mass)
   accumulated in double, each entry rounded to float. w is (K, B) contiguous, r has B + K - 1 entries. */
void bm_kernel_mass_cumsum(const float* restrict w, const float* restrict r, int64_t K, int64_t B,
                           float* restrict mass, float* restrict cdf) {
    double sums[BLOCK];
    double acc = 0.0;
    for (int64_t start = 0; start < B; start += BLOCK) {
        int64_t n = B - start < BLOCK ? B - start : BLOCK;
        const float* w0 = w + start;
        const float* r0 = r + start;
        for (int64_t i = 0; i < n; ++i) {
            float p = w0[i] * r0[i];
            sums[i] = (double)p;
        }
        for (int64_t u = 1; u < K; ++u) {
            const float* wu = w + u * B + start;
            const float* ru = r + start + u;
            for (int64_t i = 0; i < n; ++i) {
                float p = wu[i] * ru[i];
                sums[i] += (double)p;
            }
        }
        for (int64_t i = 0; i < n; ++i) {
            float m = (float)sums[i];
            mass[start + i] = m;
            acc += (double)m;
            cdf[start + i] = (float)acc;
        }
    }
}

/* out = cumsum(x) accumulated in double, each entry rounded to float (torch's CPU cumsum of float32). */
void bm_cumsum(const float* restrict x, int64_t n, float* restrict out) {
    double acc = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        acc += (double)x[i];
        out[i] = (float)acc;
    }
}

/* The hazard update of bins (hazard.py) up to the expm1, for the (n,) bins `rows` (NULL: bins 0..n-1;
   duplicates allowed). Per bin b, in the order of the torch ops it replaces:
   got = f + e > 0; F = got ? lerp(F, f, a) : F; E likewise (lerp as torch's CPU kernel: fma(w, end - start,
   start) for |w| < 0.5, else fma(w - 1, end - start, end)); totals[b] += pending[b]; pending[b] = 0;
   visited = E > 0; with a prior F += prior_failures, E += prior * n_b; x = (F / E) * (-n_b).
   A bin listed again finds its pending counts cleared, so it keeps the values the first copy wrote and
   computes the same x. */
static inline float lerp_like_torch(float start, float end, float weight, float coeff, int small) {
    return small ? __builtin_fmaf(weight, end - start, start) : __builtin_fmaf(coeff, end - start, end);
}

void bm_hazard_pass(const int64_t* restrict rows, int64_t n, float* restrict pending, double* restrict totals,
                    float* restrict smoothed, const float* restrict bin_length, const float* restrict neg_length,
                    float alpha, float prior, float prior_failures, float* restrict x, uint8_t* restrict visited) {
    const int small = __builtin_fabsf(alpha) < 0.5f;
    const float coeff = alpha - 1.0f;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t b = rows ? rows[i] : i;
        float* counts = pending + 3 * b;
        const float f = counts[1], e = counts[2];
        float F = smoothed[2 * b], E = smoothed[2 * b + 1];
        if (f + e > 0.0f) {
            F = lerp_like_torch(F, f, alpha, coeff, small);
            E = lerp_like_torch(E, e, alpha, coeff, small);
            smoothed[2 * b] = F;
            smoothed[2 * b + 1] = E;
        }
        double* total = totals + 3 * b;
        total[0] += (double)counts[0];
        total[1] += (double)f;
        total[2] += (double)e;
        counts[0] = 0.0f;
        counts[1] = 0.0f;
        counts[2] = 0.0f;
        visited[i] = E > 0.0f;
        if (prior > 0.0f) {
            F = F + prior_failures;
            float length = prior * bin_length[b];
            E = E + length;
        }
        float h = F / E;
        x[i] = h * neg_length[b];
    }
}

/* rate[b] = visited ? -y : rate[b] for the (n,) bins `rows` (NULL: 0..n-1), y = expm1(x) of the pass. */
void bm_hazard_rates(const int64_t* restrict rows, int64_t n, const float* restrict y,
                     const uint8_t* restrict visited, float* restrict rate) {
    for (int64_t i = 0; i < n; ++i) {
        const int64_t b = rows ? rows[i] : i;
        if (visited[i]) rate[b] = -y[i];
    }
}

/* totals += pending (float32 widened to double), then pending = 0; n entries each, contiguous. */
void bm_add_and_clear(double* restrict totals, float* restrict pending, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        totals[i] += (double)pending[i];
        pending[i] = 0.0f;
    }
}
"""

FLAGS = ("-O3", "-march=native", "-fPIC", "-shared", "-ffp-contract=off", "-fno-fast-math")
"""Compiler flags: optimised for this CPU (the library is cached per CPU model and feature flags), but
no contraction into fused multiply-adds other than the explicit ones and no fast-math, so every
operation rounds as torch's does."""

DISABLE_VARIABLE = "BEYONDMIMIC_NATIVE"
"""Set to ``0`` to keep the CPU fold on torch ops (same results, slower)."""

_library: ctypes.CDLL | None = None
_tried = False


def library() -> ctypes.CDLL | None:
    """The compiled loops (built at the first call), or None without a C compiler (warned once)."""
    global _library, _tried
    if _tried:
        return _library
    _tried = True
    if os.environ.get(DISABLE_VARIABLE, "1") == "0":
        return None
    try:
        _library = _load(_build())
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:
        warnings.warn(
            f"beyondmimic_adaptive: the CPU sampler's C loops are unavailable ({error}); its fold runs on torch "
            f"ops instead (the same results, slower). Install a C compiler (cc or $CC, e.g. gcc), or set "
            f"{DISABLE_VARIABLE}=0 to choose the torch ops and silence this.",
            RuntimeWarning,
            stacklevel=2,
        )
        _library = None
    return _library


def _build() -> Path:
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        raise RuntimeError("no C compiler found (cc, gcc, clang or $CC)")
    digest = hashlib.sha256("\0".join((SOURCE, compiler, *FLAGS, _cpu_identity())).encode()).hexdigest()[:16]
    cache = cache_dir()
    target = cache / f"sampler_loops_{digest}.so"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        source = Path(scratch) / "loops.c"
        source.write_text(SOURCE)
        built = Path(scratch) / "loops.so"
        command = [compiler, *FLAGS, str(source), "-o", str(built), "-lm"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{compiler} failed: {result.stderr.strip()[-500:]}")
        os.replace(built, target)  # atomic: a concurrent build leaves one whole library
    return target


def _cpu_identity() -> str:
    """The CPU's model and feature flags (``-march=native`` builds for them), or the platform's name."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.machine() + platform.processor()
    return "\n".join(sorted({line for line in lines if line.startswith(("model name", "flags"))}))


def _load(path: Path) -> ctypes.CDLL:
    lib = ctypes.CDLL(str(path))
    pointer, size = ctypes.c_void_p, ctypes.c_int64
    lib.bm_kernel_mass_cumsum.argtypes = (pointer, pointer, size, size, pointer, pointer)
    lib.bm_cumsum.argtypes = (pointer, size, pointer)
    lib.bm_add_and_clear.argtypes = (pointer, pointer, size)
    real = ctypes.c_float
    lib.bm_hazard_pass.argtypes = (pointer, size, *(pointer,) * 5, real, real, real, pointer, pointer)
    lib.bm_hazard_rates.argtypes = (pointer, size, pointer, pointer, pointer)
    for name in ("bm_kernel_mass_cumsum", "bm_cumsum", "bm_add_and_clear", "bm_hazard_pass", "bm_hazard_rates"):
        getattr(lib, name).restype = None
    return lib


def check_buffer(name: str, tensor: torch.Tensor, dtype: torch.dtype) -> None:
    """Refuse a tensor the loops cannot read as a flat array (they take raw pointers)."""
    if tensor.device.type != "cpu" or tensor.dtype != dtype or not tensor.is_contiguous():
        raise ValueError(
            f"{name}: the C loops need a contiguous {dtype} CPU tensor, got {tensor.dtype} on {tensor.device}"
            f" (contiguous: {tensor.is_contiguous()})."
        )
