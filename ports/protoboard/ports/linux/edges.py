"""A thread that reads a line request's edge events as the kernel timestamps them."""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Callable

import gpiod


class EdgeReader:
    """Calls ``handle(event)`` for each edge event of ``req`` until :meth:`stop`."""

    def __init__(self, req: gpiod.LineRequest, handle: Callable[[gpiod.EdgeEvent], None]) -> None:
        self._req = req
        self._handle = handle
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="protoboard-edges", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        fd = self._req.fd
        while True:
            ready, _, _ = select.select([fd, self._wake_r], [], [])
            if self._wake_r in ready:
                return
            # The kernel queues events in the request; one read takes up to 64 of them.
            for event in self._req.read_edge_events(64):
                self._handle(event)

    def stop(self) -> None:
        os.write(self._wake_w, b"x")
        self._thread.join()
        os.close(self._wake_r)
        os.close(self._wake_w)
