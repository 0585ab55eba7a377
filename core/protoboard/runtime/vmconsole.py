"""The pty every VM takes as its console (its controlling terminal, so Ctrl-C is a real
SIGINT): what a VM prints goes to the console's endpoints, what they type goes to the VM."""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable

#: typed-ahead input kept for a program that is not reading (a board's USB buffer is smaller)
TYPEAHEAD_LIMIT = 64 * 1024
#: Ctrl-C
INTERRUPT = b"\x03"


class VMConsole:
    def __init__(self, on_output: Callable[[bytes], None]) -> None:
        self._on_output = on_output
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)
        self._typed: queue.Queue[bytes] = queue.Queue()
        self._typed_bytes = 0

    def start(self) -> None:
        threading.Thread(target=self._pump_output, name="vm-output", daemon=True).start()
        threading.Thread(target=self._feed_input, name="vm-input", daemon=True).start()

    def type(self, data: bytes) -> None:
        """Typed input, from an endpoint's I/O thread: queued, never written here, so a program
        that does not read its input cannot stall the console. Ctrl-C drops what was typed
        ahead (as CircuitPython clears its input buffer), so it reaches the program at once."""
        if INTERRUPT in data:
            data = data[data.rindex(INTERRUPT) :]
            with contextlib.suppress(queue.Empty):
                while True:
                    self._typed_bytes -= len(self._typed.get_nowait())
        if self._typed_bytes < TYPEAHEAD_LIMIT:
            self._typed_bytes += len(data)
            self._typed.put(data)

    def _feed_input(self) -> None:
        while True:
            data = self._typed.get()
            self._typed_bytes -= len(data)
            with contextlib.suppress(OSError):
                os.write(self.master, data)

    def _pump_output(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self._on_output(data)

    def close(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)
