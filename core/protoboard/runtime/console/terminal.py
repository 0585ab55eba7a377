"""The terminal endpoint: this process's own terminal, or whatever stdin and stdout are.

``connected`` while attached and its output still works (a pipe or file on stdout counts; it
stops counting after ``EPIPE``/``EIO``, e.g. the terminal was closed).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import termios
import tty
from typing import Any

from protoboard.runtime.console.endpoint import READ_SIZE, Endpoint, EndpointHost
from protoboard.runtime.console.peer import WRITE_CHUNK, CrlfToLf, Peer

log = logging.getLogger(__name__)


class Terminal(Endpoint):
    """This process's terminal (or whatever stdin/stdout are: pipes, files)."""

    def __init__(
        self, hub: EndpointHost, stdin_fd: int, stdout_fd: int, quit_key: bytes | None
    ) -> None:
        self.hub = hub
        self.in_fd = stdin_fd
        self.out_fd = stdout_fd
        self.in_tty = os.isatty(stdin_fd)
        self.out_tty = os.isatty(stdout_fd)
        self.quit_key = quit_key if self.in_tty else None
        self.saved_mode: list[Any] | None = None
        self.restored = False
        self.own_wfd = False
        if self.in_tty:
            self.saved_mode = termios.tcgetattr(stdin_fd)
            tty.setraw(stdin_fd, termios.TCSANOW)
        try:
            self.wfd, eager, max_write = self._output_fd()
        except BaseException:
            self.restore()
            raise
        self.peer = Peer(
            "terminal",
            self.wfd,
            lambda chunk: os.write(self.wfd, chunk),
            limit=hub.max_buffer,
            disconnect_on_overflow=False,
            on_error=self._output_failed,
            transform=None if self.out_tty else CrlfToLf(),
            eager=eager,
            max_write=max_write,
        )

    def _output_fd(self) -> tuple[int, bool, int]:
        """An fd for output, whether it can be written eagerly, and the largest write.

        ``O_NONBLOCK`` belongs to the open file description, which stdout shares with the shell
        and our own ``print``; so the flag is never set on stdout itself. A tty is re-opened by
        name (a private description that can be non-blocking). Otherwise stdout is written
        only when the selector says it is writable, at most ``PIPE_BUF`` bytes at a time, which a
        writable pipe takes without blocking; regular files never block.
        """
        fd = self.out_fd
        if self.out_tty:
            with contextlib.suppress(OSError):
                wfd = os.open(os.ttyname(fd), os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
                self.own_wfd = True
                return wfd, True, WRITE_CHUNK
        if not os.get_blocking(fd):
            return fd, True, WRITE_CHUNK
        return fd, False, getattr(select, "PIPE_BUF", 512)

    def start(self) -> None:
        self.hub.set_reader(self.in_fd, self._on_read)

    def _on_read(self) -> None:
        try:
            data = os.read(self.in_fd, READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:  # EIO: the terminal hung up
            log.debug("console: terminal input ended: %s", exc)
            data = b""
        if not data:  # EOF: no more input; output goes on, and this is not a quit
            self.hub.set_reader(self.in_fd, None)
            return
        if self.quit_key is None:
            self.hub.deliver(data)
            return
        parts = data.split(self.quit_key)
        for i, part in enumerate(parts):
            if part:
                self.hub.deliver(part)
            if i < len(parts) - 1:
                self.hub.request_quit()

    def _output_failed(self, exc: OSError) -> None:
        log.warning("console: terminal output failed (%s); no more output to it", exc)
        self.hub.detach(self.peer)

    def restore(self) -> None:
        """Put the terminal back in the mode it had; safe to call twice, from any thread."""
        if self.restored or self.saved_mode is None:
            return
        self.restored = True
        with contextlib.suppress(termios.error, OSError):
            termios.tcsetattr(self.in_fd, termios.TCSANOW, self.saved_mode)

    def close(self) -> None:
        self.restore()
        self.forget()

    def forget(self) -> None:
        if self.own_wfd:
            self.own_wfd = False
            with contextlib.suppress(OSError):
                os.close(self.wfd)
