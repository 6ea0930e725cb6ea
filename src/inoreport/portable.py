"""The same numbers on every x86-64 machine: the arithmetic of the generator and the book is pinned.

Why this exists. The calibration (``scipy.optimize.least_squares`` on a surrogate, then
realised statistics) stops where the cost stops falling by more than its tolerance. Some
directions of the parameter space are nearly flat, so *where* it stops depends on
floating-point noise at the level of one unit in the last place: which OpenBLAS kernel the
CPU selects (its summation order and its use of fused multiply-add), and which numpy SIMD
loop computes ``exp`` and ``log`` (numpy's own AVX-512 implementations differ from the C
library's in the last bit). Measured on one AVX-512 machine: the fitted parameters moved by
up to 3.5e-5 between the default kernel and ``OPENBLAS_CORETYPE=Haswell`` (1e-6 with
``Prescott``), enough to move a few event times by 0.01 month in the shipped CSV files.
Quantising the parameters cannot fix this (the noise is far larger than any safe grid step
near a grid boundary), and tightening the tolerances only moves the stopping point around
inside the flat valley.

The fix. The generator always runs its arithmetic on the x86-64 baseline, which every CPU
executes bit for bit identically:

* OpenBLAS: the ``Prescott`` (SSE3) kernels, one thread (no thread-count-dependent
  splitting of reductions);
* numpy: every runtime-dispatched SIMD target switched off (``NPY_DISABLE_CPU_FEATURES``),
  so ``exp``/``log`` and friends go through the baseline loops;
* the C library's maths functions: the FMA and AVX2 variants masked
  (``GLIBC_TUNABLES``), so ``exp``/``log`` take the same code path on every CPU;
* hash seed, locale and time zone fixed.

These settings must be in place before numpy is imported, so the entry points
(``python -m inoreport.studies`` behind ``make data``,
:func:`inoreport.studies.build_cohort`, ``python -m inoreport.book.build``) run in a child process with this environment unless the current process
already has it. The book's notebooks inherit it, so their numbers do not depend on the CPU
either.
``tests/synthetic/test_portability.py`` regenerates every cohort under different outer kernel
settings and asserts byte-identical files.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

#: Set in a process whose arithmetic is pinned (by :func:`portable_environment`).
MARKER = "INOREPORT_PORTABLE_ARITHMETIC"

#: numpy's runtime-dispatched SIMD targets above the x86-64 baseline. Listing a target that
#: the installed numpy does not dispatch is harmless; we read the real list when we can.
_FALLBACK_NUMPY_TARGETS = ("X86_V3", "X86_V4", "AVX512_ICL", "AVX512_SPR")

#: glibc features whose libm variants (exp, log, pow, ...) differ from the baseline ones.
_GLIBC_MASK = "glibc.cpu.hwcaps=-AVX512F,-AVX2,-FMA,-FMA4,-AVX"


def _numpy_dispatch_targets() -> tuple[str, ...]:
    """numpy's dispatched SIMD targets that this CPU has (numpy refuses to disable others)."""
    try:  # numpy >= 2 keeps the lists here; read them so a new numpy's targets are covered
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # pragma: no cover - older numpy
        return _FALLBACK_NUMPY_TARGETS
    dispatch = getattr(umath, "__cpu_dispatch__", _FALLBACK_NUMPY_TARGETS)
    features = getattr(umath, "__cpu_features__", {})
    # a target this process already runs with disabled reads as absent here, yet the CPU
    # has it (numpy accepted the setting): keep it disabled in the child too
    already = set(os.environ.get("NPY_DISABLE_CPU_FEATURES", "").replace(",", " ").split())
    return tuple(t for t in dispatch if features.get(t, True) or t in already)


def portable_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the generator's arithmetic pinned."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            MARKER: "1",
            "OPENBLAS_CORETYPE": "Prescott",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "NPY_DISABLE_CPU_FEATURES": " ".join(_numpy_dispatch_targets()),
            "GLIBC_TUNABLES": _GLIBC_MASK,
            "PYTHONHASHSEED": "0",
            "LC_ALL": "C.UTF-8",
            "TZ": "UTC",
        }
    )
    env.pop("NPY_ENABLE_CPU_FEATURES", None)
    return env


def is_portable() -> bool:
    """True in a process started with :func:`portable_environment`."""
    return os.environ.get(MARKER) == "1"


def run_module(module: str, args: list[str]) -> int:
    """Run ``python -m module args`` with pinned arithmetic; returns its exit code."""
    command = [sys.executable, "-m", module, *args]
    return subprocess.run(command, env=portable_environment(), check=False).returncode


def call_in_child(target: str, *args, **kwargs):
    """``module:function(*args, **kwargs)`` run in a child process with pinned arithmetic.

    Arguments and the result travel by pickle through a temporary folder. Raises
    ``RuntimeError`` with the last line of the child's error output if it fails.
    """
    with tempfile.TemporaryDirectory(prefix="inoreport-child-") as folder:
        request = Path(folder) / "request.pickle"
        answer = Path(folder) / "answer.pickle"
        request.write_bytes(pickle.dumps((target, args, kwargs)))
        child = subprocess.run(
            [sys.executable, "-m", "inoreport.portable", str(request), str(answer)],
            env=portable_environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            last = (child.stderr.strip().splitlines() or ["no error output"])[-1]
            raise RuntimeError(f"{target} failed in the pinned child process: {last}")
        return pickle.loads(answer.read_bytes())


def _child(request: str, answer: str) -> int:
    import importlib

    target, args, kwargs = pickle.loads(Path(request).read_bytes())
    module, function = target.split(":")
    result = getattr(importlib.import_module(module), function)(*args, **kwargs)
    Path(answer).write_bytes(pickle.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(_child(*sys.argv[1:3]))
