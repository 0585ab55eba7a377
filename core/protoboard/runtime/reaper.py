"""Every process a run starts ends with the run, as nothing outlives a board's soft reset.

A program can leave its process group and session (``start_new_session``, ``process_group=0``,
``nohup``, a double fork, a daemon, ``SIGHUP`` ignored), so killing a group is not enough. On
Linux, the process VMs are forked from is a *child subreaper*
(``prctl(PR_SET_CHILD_SUBREAPER)``): an orphan of a run is re-parented to it, not to PID 1, so
every process a run started stays its descendant and :func:`kill_descendants` finds it by
walking ``/proc``. It kills in rounds until a round finds nothing, since a process may fork
while its siblings are being killed. Elsewhere (macOS) only the VM's process group is killed:
a process that left it survives the run (see the docs' limits).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import time
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37
#: rounds of killing before giving up on a process that keeps forking
MAX_ROUNDS = 200


def _prctl(option: int, value: int | ctypes.c_int) -> int:
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    arg = ctypes.byref(value) if isinstance(value, ctypes.c_int) else ctypes.c_ulong(value)
    return int(libc.prctl(option, arg, 0, 0, 0))


def available() -> bool:
    """Can this system find every process a run started (Linux: /proc and subreapers)?"""
    return sys.platform.startswith("linux") and Path("/proc/self/stat").exists()


def set_subreaper(on: bool = True) -> bool:
    """Adopt the orphans of our descendants (Linux); False where the system cannot."""
    if not available():
        return False
    try:
        return _prctl(PR_SET_CHILD_SUBREAPER, int(on)) == 0
    except (OSError, AttributeError):
        return False


def is_subreaper() -> bool:
    if not available():
        return False
    value = ctypes.c_int(0)
    try:
        _prctl(PR_GET_CHILD_SUBREAPER, value)
    except (OSError, AttributeError):
        return False
    return bool(value.value)


def _parents() -> dict[int, int]:
    """pid -> parent pid of every live (not zombie) process."""
    table: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stream:
                fields = stream.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != b"Z":
            table[int(entry.name)] = int(fields[1])
    return table


def descendants(root: int, *, keep: Collection[int] = ()) -> list[int]:
    """Live descendants of ``root``, without the subtrees of the pids in ``keep``."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found: list[int] = []
    frontier = [root]
    while frontier:
        for child in children.get(frontier.pop(), ()):
            if child not in keep:
                found.append(child)
                frontier.append(child)
    return found


def kill_descendants(root: int, *, keep: Collection[int] = ()) -> int:
    """SIGKILL every live descendant of ``root`` (but ``keep`` and theirs), in rounds until
    none is left; the number killed. Returns at once where :func:`available` is False."""
    if not available():
        return 0
    return _kill_in_rounds(lambda: descendants(root, keep=keep))


def _kill_in_rounds(find: Callable[[], list[int]], *, reap: bool = False) -> int:
    """Stop, then SIGKILL, what ``find()`` returns, until it returns nothing (what dies may
    leave orphans, re-parented to us, that the next round finds); the number killed."""
    killed: set[int] = set()
    for _ in range(MAX_ROUNDS):
        found = find()
        if not found:
            break
        for pid in found:
            with contextlib.suppress(OSError):
                # stop first: a stopped process cannot fork while its siblings die
                os.kill(pid, signal.SIGSTOP)
        for pid in found:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        if reap:
            for pid in found:
                with contextlib.suppress(ChildProcessError, OSError):
                    os.waitpid(pid, os.WNOHANG)
        time.sleep(0.001)  # let the kernel re-parent the orphans of what just died
    return len(killed)


def kill_group(pid: int) -> None:
    """SIGKILL the process group ``pid`` leads (a VM is its session's leader)."""
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


@contextlib.contextmanager
def contained() -> Iterator[None]:
    """Run a program in this process (``protoboard exec``, the pytest plugin) so that what it
    starts ends with it: subreaper for the while, then every process that was not our child
    before is killed and reaped."""
    if not available():
        yield
        return
    before = set(descendants(os.getpid()))
    was = is_subreaper()
    set_subreaper(True)
    try:
        yield
    finally:
        me = os.getpid()
        _kill_in_rounds(lambda: [p for p in descendants(me) if p not in before], reap=True)
        reap_zombies(exclude=before)
        if not was:
            set_subreaper(False)


def reap_zombies(*, exclude: Collection[int] = ()) -> None:
    """Collect the exit status of our zombie children (adopted orphans) not in ``exclude``."""
    me = str(os.getpid()).encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) in exclude:
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stream:
                fields = stream.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] == b"Z" and fields[1] == me:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(int(entry.name), os.WNOHANG)
