"""inoreport.portable: a child started from a process that already runs with numpy's SIMD
targets disabled must run with them disabled too (numpy then reports them as absent)."""

from __future__ import annotations

from numpy._core import _multiarray_umath as umath

from inoreport import portable


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
