"""The pinned environment of a child process does not depend on the parent's own pinning."""

from __future__ import annotations

import os
import subprocess
import sys

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
