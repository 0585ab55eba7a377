"""``gc`` as CircuitPython has it: CPython's collector, plus MicroPython's ``mem_alloc``,
``mem_free`` and ``threshold``.

The heap of a run is the memory its VM may use: the limit the runtime sets (``RLIMIT_DATA``,
see "Limits" in the workflow docs), or the computer's free memory when there is none. What the
program uses is the VM's data segment, which is what that limit counts.
"""

from __future__ import annotations

import os
import resource
from gc import collect, disable, enable, isenabled

__all__ = ["collect", "disable", "enable", "isenabled", "mem_alloc", "mem_free", "threshold"]

_threshold = -1


def _page() -> int:
    return os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def mem_alloc() -> int:
    """Return the number of bytes of heap RAM that are allocated by Python code."""
    try:
        with open("/proc/self/statm") as statm:
            data_pages = int(statm.read().split()[5])
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return data_pages * _page()


def mem_free() -> int:
    """Return the number of bytes of heap RAM that is available for Python code to allocate,
    or -1 if this amount is not known."""
    limit = resource.getrlimit(resource.RLIMIT_DATA)[0]
    if limit == resource.RLIM_INFINITY:
        try:
            return os.sysconf("SC_AVPHYS_PAGES") * _page()
        except (ValueError, OSError, AttributeError):
            return -1
    return max(0, limit - mem_alloc())


def threshold(amount: int | None = None) -> int | None:
    """Set (with ``amount``) or get the number of bytes allocated after which a collection is
    run; ``-1`` when no threshold is set."""
    global _threshold
    if amount is None:
        return _threshold
    _threshold = int(amount)
    return None
