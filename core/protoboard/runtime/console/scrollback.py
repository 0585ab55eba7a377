"""Recent console output, replayed to a pty tool or TCP client that joins late."""

from __future__ import annotations


class Scrollback:
    """The last ``size`` bytes (at least) of console output; 0 keeps nothing.

    Not thread-safe: the hub calls it under its lock.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._data = bytearray()

    def add(self, data: bytes) -> None:
        if not self.size:
            return
        self._data += data
        if len(self._data) > 2 * self.size:  # trim now and then, not on every write
            del self._data[: -self.size]

    def tail(self, limit: int) -> bytes:
        """Up to ``min(size, limit)`` recent bytes, from a line start when output was cut."""
        size = min(self.size, limit)
        if not size or not self._data:
            return b""
        tail = bytes(self._data[-size:])
        newline = tail.find(b"\n")
        if 0 <= newline < len(tail) - 1 and len(self._data) > len(tail):
            tail = tail[newline + 1 :]  # start on a line boundary
        return tail
