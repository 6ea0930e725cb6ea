"""The pinned environment of a child process does not depend on the parent's own pinning."""

from __future__ import annotations

import os
import subprocess
import sys

from numpy._core import _multiarray_umath as umath

from inoreport import portable


def test_targets_the_parent_disabled_stay_disabled_in_the_child():
    """A process started with numpy's SIMD targets disabled sees them as absent; the
    environment it gives its child must still disable them (else the child computes with
    SIMD loops and its numbers change)."""
    pinned = portable.portable_environment(base={})["NPY_DISABLE_CPU_FEATURES"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(portable.MARKER)}
    env["NPY_DISABLE_CPU_FEATURES"] = pinned
    code = (
        "from inoreport import portable; "
        "print(portable.portable_environment(base={})['NPY_DISABLE_CPU_FEATURES'])"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert set(pinned.split()) <= set(run.stdout.split())


def test_targets_disabled_in_this_process_stay_disabled_in_the_child(monkeypatch):
    dispatch = tuple(umath.__cpu_dispatch__)
    # as numpy reports them when this process started with them disabled
    monkeypatch.setattr(umath, "__cpu_features__", {t: False for t in dispatch})
    monkeypatch.setenv("NPY_DISABLE_CPU_FEATURES", " ".join(dispatch))
    env = portable.portable_environment()
    assert env["NPY_DISABLE_CPU_FEATURES"].split() == list(dispatch)


def test_targets_the_cpu_lacks_are_not_listed(monkeypatch):
    dispatch = tuple(umath.__cpu_dispatch__)
    monkeypatch.setattr(umath, "__cpu_features__", {t: False for t in dispatch})
    monkeypatch.delenv("NPY_DISABLE_CPU_FEATURES", raising=False)
    assert portable.portable_environment()["NPY_DISABLE_CPU_FEATURES"] == ""
