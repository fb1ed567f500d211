"""gc_paused turns the collector off for a block and back on as it was, even on error or
when blocks nest (the cohort import pauses it around its parse and around its write).
tune_malloc keeps big numpy arrays on glibc's heap in every Django process, unless the
operator set glibc's own variables."""

from __future__ import annotations

import gc
import json
import os
import platform
import subprocess
import sys

import pytest

from chiso.lib.memory import gc_paused


def test_the_collector_is_off_inside_and_back_on_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block leaves it off for the outer one
    assert gc.isenabled()


def test_the_collector_is_back_on_after_an_error() -> None:
    with pytest.raises(ZeroDivisionError), gc_paused():
        _ = 1 / 0
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


# A fresh interpreter, as a worker starts: counts the blocks glibc maps for a 4 MB array.
_PROBE = """
import ctypes, json, sys
import numpy as np
if sys.argv[1] == "django":
    import django
    django.setup()
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split())]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
before = libc.mallinfo2().hblks
array = np.ones(2**19)  # 4 MB
print(json.dumps({"mapped": libc.mallinfo2().hblks - before}))
"""
glibc = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)


def _mapped(mode: str, **env: str) -> int:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, mode],
        env={**clean, "DJANGO_SETTINGS_MODULE": "chiso.settings", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return int(json.loads(done.stdout.splitlines()[-1])["mapped"])


@glibc
def test_a_django_process_keeps_big_arrays_on_the_heap() -> None:
    assert _mapped("plain") == 1  # glibc's default: its own mapping, new pages each time
    assert _mapped("django") == 0  # chiso.lib's ready() tuned malloc


@glibc
def test_the_operators_own_malloc_settings_win() -> None:
    assert _mapped("django", MALLOC_MMAP_THRESHOLD_="131072") == 1
