"""Memory housekeeping for the few operations that build a million objects at once."""

from __future__ import annotations

import ctypes
import gc
import os
import platform
from collections.abc import Iterator
from contextlib import contextmanager

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20  # glibc's own ceiling for the dynamic threshold (64-bit)
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # what glibc pairs with it


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block.

    A big import or re-score allocates a million small objects that live until it ends and
    hold no reference cycle: the collector's passes over them, triggered every 700
    allocations, find nothing to free and cost up to a third of the work. Reference counting
    still frees everything as usual; a cycle made inside waits for the next collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def tune_malloc() -> bool:
    """Keep numpy's big temporary arrays (up to 32 MB) on the heap, where freed memory is
    reused, instead of mapping fresh pages for each one. Returns whether it was applied.

    By default glibc gives every block over 128 KB its own mmap and unmaps it on free: the next
    array of that size faults in new pages, one by one. A national re-score makes dozens of
    4 MB arrays per cohort, and on a virtual machine those faults cost more than the
    arithmetic (the base copy's unpacking: 8 ms a cohort, 3 ms on the heap). glibc raises its
    threshold by itself after the first large frees ("dynamic mmap threshold", up to 32 MB,
    trimming at twice that), so a long-lived process ends up here anyway; this starts there.

    Not applied where the C library is not glibc, nor when the operator set glibc's own
    MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ (theirs win)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # mallopt returns 1 on success; fixing either turns glibc's dynamic adjustment off.
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
