"""Test helpers for the console hub: waiting for a condition, and collecting what the hub
hands the board (its ``on_input``, called on the hub's I/O thread)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def wait_until(condition: Callable[[], object], what: str, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


class Inbox:
    """What the hub passed to the board, in order."""

    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self._data = bytearray()
        self._lock = threading.Lock()

    def __call__(self, data: bytes) -> None:
        with self._lock:
            self._data += data

    def get(self) -> bytes:
        with self._lock:
            return bytes(self._data)

    def wait(self, expected: bytes) -> None:
        """Until exactly ``expected`` has arrived (and nothing else)."""
        wait_until(lambda: len(self.get()) >= len(expected), f"input {expected!r}", self.timeout)
        assert self.get() == expected

    def wait_for(self, tail: bytes) -> None:
        """Until what arrived ends with ``tail``."""
        wait_until(lambda: self.get().endswith(tail), f"input ending {tail!r}", self.timeout)
