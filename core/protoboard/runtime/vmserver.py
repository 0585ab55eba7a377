"""The fork server VMs start from: one interpreter that has imported Protoboard once, so each
run costs a fork instead of an interpreter start and a few hundred imports."""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import signal
import threading
import time
import warnings
from typing import Any

from protoboard.runtime import reaper

PRELOAD = ["protoboard.runtime.preload"]


def context() -> Any:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def become_server() -> None:
    """Run in the fork server itself (first thing of its preload): it adopts the orphans of
    every run (a child subreaper, see :mod:`.reaper`), so whatever a run starts stays its
    descendant; and when it stops (``protoboard run`` gone, or a signal to the terminal's
    process group) it kills every process of every run before it leaves."""
    me = os.getpid()
    reaper.set_subreaper(True)
    # an adopted orphan's exit is not a VM's: the server reaps it, which is all it needs
    warnings.filterwarnings("ignore", message="forkserver: waitpid returned unexpected pid")

    def leave(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)  # so the atexit handler below runs

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, leave)

    def take_everything_along() -> None:
        if os.getpid() == me:  # not in a process forked from the server
            reaper.kill_descendants(me)

    atexit.register(take_everything_along)


def forget_server() -> None:
    """In a VM: close the fork server's "alive" pipe and the resource tracker's pipe, which
    multiprocessing hands every process it starts. Then only ``protoboard run`` holds them, and
    when it dies (even by SIGKILL) the fork server sees EOF and takes every run with it: a
    process the program started cannot keep the server waiting."""
    import multiprocessing.forkserver as forkserver
    import multiprocessing.resource_tracker as resource_tracker

    helpers = [
        (forkserver._forkserver, "_forkserver_alive_fd"),
        (resource_tracker._resource_tracker, "_fd"),
    ]
    for helper, name in helpers:
        fd = getattr(helper, name, None)
        if isinstance(fd, int):
            with contextlib.suppress(OSError):
                os.close(fd)
            setattr(helper, name, None)


def server_pid() -> int | None:
    """The fork server's pid, once it runs (a private but long-standing attribute)."""
    import multiprocessing.forkserver as forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    return pid if isinstance(pid, int) else None


def start_early() -> None:
    """Start the server now, in the background: it takes the longest to get ready, so
    ``protoboard run`` does this before anything else."""
    context()

    def ensure() -> None:
        import multiprocessing.forkserver as forkserver

        with contextlib.suppress(Exception):  # a failure is explained at the first VM start
            forkserver.ensure_running()

    threading.Thread(target=ensure, name="fork-server", daemon=True).start()


def stop(grace: float = 2.0) -> None:
    """Stop multiprocessing's fork server and resource tracker now, and reap them, rather than
    leave them to notice our exit (where PID 1 does not reap, they would linger as zombies, and
    they hold our stdout and stderr open). Each gets ``grace`` seconds to leave after its pipe is
    closed, then is killed: shutting down never hangs. This reads private but long-standing
    attributes of both helpers (CPython's own tests stop them the same way)."""
    import multiprocessing.forkserver as forkserver
    import multiprocessing.resource_tracker as resource_tracker

    server, tracker = forkserver._forkserver, resource_tracker._resource_tracker
    helpers = [
        (server, "_forkserver_alive_fd", "_forkserver_pid"),
        (tracker, "_fd", "_pid"),
    ]
    for helper, fd_name, pid_name in helpers:
        fd, pid = getattr(helper, fd_name, None), getattr(helper, pid_name, None)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
            setattr(helper, fd_name, None)
        if pid is None:
            continue
        setattr(helper, pid_name, None)
        deadline = time.monotonic() + grace
        while True:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                break
            if done:
                break
            if time.monotonic() > deadline:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
                break
            time.sleep(0.02)
