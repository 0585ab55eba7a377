"""The fork server VMs start from: one interpreter that has imported Protoboard once, so each
run costs a fork instead of an interpreter start and a few hundred imports."""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
from typing import Any

PRELOAD = ["protoboard.runtime.preload"]


def context() -> Any:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def start_early() -> None:
    """Start the server now, in the background: it takes the longest to get ready, so
    ``protoboard run`` does this before anything else."""
    context()

    def ensure() -> None:
        import multiprocessing.forkserver as forkserver

        with contextlib.suppress(Exception):  # a failure is explained at the first VM start
            forkserver.ensure_running()

    threading.Thread(target=ensure, name="fork-server", daemon=True).start()


def stop() -> None:
    """Stop multiprocessing's fork server and resource tracker now, and reap them, rather than
    leave them to notice our exit (where PID 1 does not reap, they would linger as zombies).
    These are private but long-standing methods (CPython's own tests use them)."""
    import multiprocessing.forkserver as forkserver
    import multiprocessing.resource_tracker as resource_tracker

    for helper in (forkserver._forkserver, resource_tracker._resource_tracker):
        with contextlib.suppress(Exception):
            helper._stop()
