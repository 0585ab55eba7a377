"""Contract for ``usb_cdc``: the second CDC serial channel (``usb_cdc.data``).

The console channel is the board's serial console (the runtime's); this contract is the data
channel a program reads and writes, with pyserial-like timeouts.
"""

from __future__ import annotations

import abc

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


class DataChannel(Implementation):
    """One per channel (``console`` True: the console's). ``timeout`` arguments: None waits
    for ever, 0 does not wait."""

    def __init__(self, backend: Backend, console: bool) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def read(self, size: int, timeout: float | None) -> bytes:
        """Up to ``size`` bytes, waiting at most ``timeout`` for all of them to arrive."""

    @abc.abstractmethod
    def readline(self, size: int, timeout: float | None) -> bytes:
        """Bytes up to and including b"\\n" (or ``size`` bytes, or what came by ``timeout``)."""

    @abc.abstractmethod
    def write(self, data: bytes, timeout: float | None) -> int:
        """Send ``data``; the count written."""

    @abc.abstractmethod
    def in_waiting(self) -> int:
        """Bytes received and not yet read."""

    def out_waiting(self) -> int:
        """Bytes written and not yet sent."""
        return 0

    @abc.abstractmethod
    def reset_input_buffer(self) -> None:
        """Drop the bytes received and not yet read."""

    def reset_output_buffer(self) -> None:
        """Drop the bytes written and not yet sent."""

    @abc.abstractmethod
    def connected(self) -> bool:
        """Whether a program on the host has the channel open."""

    def deinit(self) -> None:
        """The channel outlives the run's objects: nothing to release."""
