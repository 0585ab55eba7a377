"""The serial device endpoint: a tty the board's console is served on, such as the USB
gadget's ``/dev/ttyGS0`` (the PC opens it as ``/dev/ttyACM0`` or ``COMn``).

Unlike a pty, the other end is not a process on this computer, so nothing tells when someone
listens: the device is opened once, in raw mode, and stays a peer for the whole run. What the
PC does not read waits in the kernel's buffer; past that, the peer's own bounded buffer drops
output with a notice, as for the terminal. A read error (the device went away) ends input from
it; output to it stops at the first write error.
"""

from __future__ import annotations

import contextlib
import logging
import os
import termios
import tty

from protoboard.runtime.console.endpoint import READ_SIZE, Endpoint, EndpointHost
from protoboard.runtime.console.peer import Peer

log = logging.getLogger(__name__)


class SerialDevice(Endpoint):
    """A tty device (a gadget's serial port, a UART) as a console endpoint."""

    def __init__(self, hub: EndpointHost, path: str) -> None:
        self.hub = hub
        self.path = path
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            if not os.isatty(fd):
                raise OSError(f"{path} is not a serial device (a tty)")
            # raw: no echo back to the PC, no line editing, no newline translation
            tty.setraw(fd, termios.TCSANOW)
            with contextlib.suppress(termios.error):
                termios.tcflush(fd, termios.TCIOFLUSH)
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        self.peer = Peer(
            f"serial {path}",
            fd,
            lambda chunk: os.write(self.fd, chunk),
            limit=hub.max_buffer,
            disconnect_on_overflow=False,
            on_error=self._output_failed,
        )

    def start(self) -> None:
        self.hub.set_reader(self.fd, self._on_read)
        # (replay: output written before the I/O thread started this endpoint is not lost)
        self.hub.attach(self.peer, replay=True)

    def _on_read(self) -> None:
        try:
            data = os.read(self.fd, READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            log.warning("console: %s input ended (%s)", self.path, exc)
            data = b""
        if data:
            self.hub.deliver(data)
        else:
            self.hub.set_reader(self.fd, None)

    def _output_failed(self, exc: OSError) -> None:
        log.warning("console: output to %s failed (%s); no more output to it", self.path, exc)
        self.hub.detach(self.peer)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.hub.detach(self.peer)
        self.forget()

    def forget(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1
