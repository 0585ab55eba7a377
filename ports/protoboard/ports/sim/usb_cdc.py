"""Simulated USB CDC channels.

``usb_cdc.data`` is, in ``protoboard run``, the supervisor's data pty (its endpoints are what
``run --data`` opened); elsewhere (``exec``, tests) the USB host part's serial buffers, which a
test fills with ``sim.part("USB").serial_send(b"...")`` and reads with ``serial_received``.
``usb_cdc.console`` is the board's console: the VM's stdin and stdout.
"""

from __future__ import annotations

import contextlib
import os
import select
import time

from protoboard.hal import usb_cdc as hal
from protoboard.ports.sim.model import Simulator
from protoboard.ports.sim.parts.usbhost import board_host

#: how often a wait looks again at the host part's buffer
_POLL = 0.005


def _deadline(timeout: float | None) -> float | None:
    return None if timeout is None else time.monotonic() + timeout


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())


class _Channel(hal.DataChannel):
    """Reads in terms of ``_take(size)`` (no wait) and ``_wait(seconds)`` (until input)."""

    def _take(self, size: int) -> bytes:
        raise NotImplementedError

    def _wait(self, seconds: float | None) -> None:
        raise NotImplementedError

    def read(self, size: int, timeout: float | None) -> bytes:
        deadline = _deadline(timeout)
        data = bytearray(self._take(size))
        while len(data) < size and timeout != 0:
            left = _left(deadline)
            if left == 0:
                break
            self._wait(left)
            data += self._take(size - len(data))
        return bytes(data)

    def readline(self, size: int, timeout: float | None) -> bytes:
        deadline = _deadline(timeout)
        line = bytearray()
        while size < 0 or len(line) < size:
            byte = self._take(1)
            if byte:
                line += byte
                if byte == b"\n":
                    break
                continue
            left = _left(deadline)
            if timeout == 0 or left == 0:
                break
            self._wait(left)
        return bytes(line)


class DataChannel(_Channel):
    def __init__(self, backend: Simulator, console: bool) -> None:
        super().__init__(backend, console)
        from protoboard.runtime import state

        self._sim = backend
        self._fd = -1
        self._console = console
        if console:
            self._in, self._out = 0, 1
        elif state.current.usb_cdc_data_fd >= 0:
            # the runtime's data pty (opened before the program's path rules applied)
            self._fd = state.current.usb_cdc_data_fd
            self._in = self._out = self._fd

    @property
    def _host_side(self) -> bool:
        return not self._console and self._fd < 0

    def _take(self, size: int) -> bytes:
        if size <= 0:
            return b""
        if self._host_side:
            return board_host(self._sim).serial_for_board(size)
        if not select.select([self._in], [], [], 0)[0]:
            return b""
        try:
            return os.read(self._in, size)
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError:  # the other side is gone
            return b""

    def _wait(self, seconds: float | None) -> None:
        if self._host_side:
            time.sleep(_POLL if seconds is None else min(_POLL, seconds))
            return
        select.select([self._in], [], [], seconds)

    def write(self, data: bytes, timeout: float | None) -> int:
        if self._host_side:
            board_host(self._sim).serial_from_board(data)
            return len(data)
        if self._console:
            import sys

            sys.stdout.flush()  # after what print() wrote before
        written = 0
        deadline = _deadline(timeout)
        while written < len(data):
            try:
                written += os.write(self._out, data[written:])
                continue
            except BlockingIOError:
                pass
            left = _left(deadline)
            if timeout == 0 or left == 0:
                break
            select.select([], [self._out], [], left)
        return written

    def in_waiting(self) -> int:
        if self._host_side:
            return board_host(self._sim).serial_waiting()
        import fcntl
        import termios

        buf = bytearray(4)
        with contextlib.suppress(OSError):
            fcntl.ioctl(self._in, termios.FIONREAD, buf)
        return int.from_bytes(buf, "little")

    def reset_input_buffer(self) -> None:
        if self._host_side:
            board_host(self._sim).serial_for_board(1 << 30)
            return
        while self._take(65536):
            pass

    def connected(self) -> bool:
        if self._console:
            from protoboard.runtime import state

            return state.current.serial_connected
        if self._host_side:
            return board_host(self._sim).serial_open
        return True

    def deinit(self) -> None:
        """The data pty stays open for the run (the VM's exit closes it)."""
