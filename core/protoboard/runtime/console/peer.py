"""One destination of console output and its bounded buffer.

Slow peers
    Each peer has a bounded output buffer (``max_buffer``). A TCP client that lets it overflow is
    disconnected (it gets a one-line notice if its socket still has room). The terminal and the
    pty cannot be disconnected, so on overflow their pending output is discarded and replaced by
    a ``[console: ... bytes dropped ...]`` notice; output resumes when they drain.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

#: the largest single write to an fd that is known to be non-blocking
WRITE_CHUNK = 65536


class CrlfToLf:
    """Streaming ``\\r\\n`` -> ``\\n`` conversion; a trailing ``\\r`` waits for the next chunk."""

    def __init__(self) -> None:
        self.held_cr = False

    def __call__(self, data: bytes) -> bytes:
        if self.held_cr:
            data = b"\r" + data
            self.held_cr = False
        if data.endswith(b"\r"):
            data = data[:-1]
            self.held_cr = True
        return data.replace(b"\r\n", b"\n")

    def flush(self) -> bytes:
        held, self.held_cr = self.held_cr, False
        return b"\r" if held else b""


class Peer:
    """One destination of console output, with its bounded buffer.

    ``out`` is filled by the hub's ``write`` under the hub lock; ``sending`` belongs to the I/O
    thread, which moves ``out`` into it and writes from it.
    """

    def __init__(
        self,
        name: str,
        fd: int,
        send: Callable[[bytearray], int],
        *,
        limit: int,
        disconnect_on_overflow: bool,
        on_error: Callable[[OSError], None],
        transform: CrlfToLf | None = None,
        eager: bool = True,
        max_write: int = WRITE_CHUNK,
    ) -> None:
        self.name = name
        self.fd = fd
        self.send = send
        self.limit = limit
        self.disconnect_on_overflow = disconnect_on_overflow
        self.on_error = on_error
        self.transform = transform
        #: write without waiting for the selector (the fd is non-blocking)
        self.eager = eager
        self.max_write = max_write
        self.out = bytearray()
        self.sending = bytearray()
        self.alive = True
        #: called on the I/O thread after a disconnect_on_overflow peer was dropped
        self.on_overflow: Callable[[], None] | None = None
        #: bytes discarded by the last overflow (for the log)
        self.dropped = 0

    def pending(self) -> bool:
        return bool(self.sending or self.out)

    def enqueue(self, data: bytes) -> bool:
        """Queue ``data`` (under the hub lock). False: it overflowed and must be disconnected."""
        if self.transform is not None:
            data = self.transform(data)
            if not data:
                return True
        if len(self.out) + len(self.sending) + len(data) <= self.limit:
            self.out += data
            return True
        if self.disconnect_on_overflow:
            self.alive = False
            return False
        self.dropped = len(self.out) + len(data)
        self.out.clear()  # `sending` is the I/O thread's; it is counted, and drains
        notice = f"\r\n[console: output fell behind; {self.dropped} bytes dropped]\r\n"
        note = notice.encode()
        if self.transform is not None:
            note = self.transform(note)
        self.out += note
        log.warning("console: %s fell behind; %d bytes dropped", self.name, self.dropped)
        return True

    def finish(self) -> None:
        """Queue what the transform still holds (under the hub lock), before the last drain."""
        if self.transform is not None:
            self.out += self.transform.flush()

    def send_some(self, lock: threading.RLock) -> bool:
        """Write what the fd takes now (I/O thread); ``lock`` is the hub's, guarding ``out``.

        False if a write failed: ``on_error`` has been called and has dealt with the peer.
        """
        if not self.sending:
            with lock:
                self.sending, self.out = self.out, self.sending
        while self.sending:
            try:
                n = self.send(self.sending[: self.max_write])
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                self.on_error(exc)
                return False
            del self.sending[:n]
            if not self.eager or n == 0:
                break
            if not self.sending:
                with lock:
                    self.sending, self.out = self.out, self.sending
        return True
