"""A bounded HTTP/1.1 front end: what a client controls (connections, bytes, time) has a limit.

One thread (the *loop*) accepts connections and reads each request head (request line and
headers) without blocking, so a slow client costs a socket and a small buffer, never a thread.
A head that arrives complete and within the limits goes to a fixed pool of worker threads; the
workers answer it and hand the socket back to the loop, which closes it gracefully (it reads
and discards what the client still sends for a moment, so the answer is not lost to a reset).

Limits (see :class:`Limits`): a listen backlog that holds a burst; at most ``pending``
connections sending their head (beyond: the oldest is dropped); a head must arrive within
``head_timeout`` seconds of the accept (``408``), with a request line of at most
``request_line`` bytes (``414``) and at most ``headers`` header lines of ``header_line`` bytes,
``head`` bytes in all (``431``); at most ``workers`` requests served at once and ``queue``
waiting (beyond: ``503`` with ``Retry-After``). Bodies and replies are the handler's business:
:class:`Limits` carries their timeouts too.
"""

from __future__ import annotations

import contextlib
import io
import logging
import queue
import re
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_REASONS = {
    408: "Request Timeout",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Limits:
    """Every bound the web server puts on a client. Sizes are in bytes, times in seconds."""

    backlog: int = 256  # connections the kernel holds before the loop accepts them
    pending: int = 256  # connections still sending their head; beyond, the oldest is dropped
    workers: int = 8  # requests served at once
    queue: int = 256  # complete requests waiting for a worker; beyond, 503
    head_timeout: float = 5.0  # request line and headers, from the accept
    io_timeout: float = 10.0  # any one read of a body or write of a reply
    body_rate: int = 4096  # a body slower than this (after io_timeout of grace) is dropped
    request_line: int = 8192  # 414 beyond
    header_line: int = 8192  # 431 beyond
    head: int = 32768  # request line and headers together; 431 beyond
    headers: int = 64  # header lines; 431 beyond
    path_bytes: int = 1024  # a decoded drive path; 414 beyond
    path_depth: int = 64  # folders in a drive path; 414 beyond
    delete_seconds: float = 30.0  # one DELETE; a larger tree is left as it was, with a 500
    linger: float = 1.0  # after the answer, how long to discard what the client still sends
    linger_bytes: int = 1 << 20  # ... and how much of it

    def __post_init__(self) -> None:
        for field in ("backlog", "pending", "workers", "queue", "body_rate", "path_depth"):
            if getattr(self, field) < 1:
                raise ValueError(f"Limits.{field} must be at least 1")


def quick_reply(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> bytes:
    """A complete, closing HTTP response with a plain-text body, for answers the loop gives."""
    body = (message + "\n").encode()
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
        "Server: Protoboard",
        "Content-Type: text/plain;charset=UTF-8",
        f"Content-Length: {len(body)}",
        "Access-Control-Allow-Credentials: true",
        "Vary: Origin, Accept, Upgrade",
        *(f"{key}: {value}" for key, value in headers),
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def check_head(head: bytes, limits: Limits) -> bytes | None:
    """The error response a complete (or still growing) head deserves, or None if it is fine."""
    first, _, rest = head.partition(b"\n")
    if len(first) > limits.request_line:
        return quick_reply(414, f"The request line is over {limits.request_line} bytes.")
    lines = rest.split(b"\n")
    if len(lines) > limits.headers + 2:  # + the empty line and what follows it
        return quick_reply(431, f"The request has more than {limits.headers} header lines.")
    if any(len(line) > limits.header_line for line in lines):
        return quick_reply(431, f"A header line is over {limits.header_line} bytes.")
    if len(head) > limits.head:
        return quick_reply(431, f"The request's headers are over {limits.head} bytes in all.")
    return None


class _Prefixed(io.RawIOBase):
    """A socket's input, after the bytes the loop already read from it."""

    def __init__(self, prefix: bytes, sock: socket.socket) -> None:
        self._prefix = memoryview(prefix)
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            count = min(len(buffer), len(self._prefix))
            buffer[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count
        return self._sock.recv_into(buffer)


class SocketWriter(io.BufferedIOBase):
    """Unbuffered writes straight to the socket (``sendall``, bounded by its timeout)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._sock.sendall(data)
        return len(data)


def reader(sock: socket.socket, prefix: bytes) -> io.BufferedReader:
    """A buffered reader of a connection whose first ``prefix`` bytes were already read."""
    return io.BufferedReader(_Prefixed(prefix, sock), 65536)


@dataclass
class _Conn:
    sock: socket.socket
    address: tuple
    deadline: float
    data: bytearray
    discard: int = 0  # lingering: bytes still allowed to be read and dropped


#: called on a worker thread with the socket (blocking, timeout set), the head bytes already
#: read (possibly with the start of the body) and the client's address; True means it took the
#: socket over (a WebSocket, say): the server then neither closes it nor counts it
Handler = Callable[[socket.socket, bytes, tuple], "bool | None"]


class BoundedServer:
    """Listen on ``address`` and call ``handler`` for each complete request head, within
    ``limits``. ``RequestHandlerClass`` is whatever the owner wants to keep there (unused)."""

    def __init__(self, address: tuple[str, int], handler: Handler, limits: Limits) -> None:
        self.handler = handler
        self.limits = limits
        self.listener = socket.create_server(address, backlog=limits.backlog)
        self.listener.setblocking(False)
        self.server_address = self.listener.getsockname()
        self._queue: queue.Queue[tuple[socket.socket, bytes, tuple] | None] = queue.Queue()
        self._returned: queue.Queue[socket.socket] = queue.Queue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._stopping = False
        self._heads: dict[socket.socket, _Conn] = {}
        self._closing: dict[socket.socket, _Conn] = {}
        self._selector = selectors.DefaultSelector()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        loop = threading.Thread(target=self._loop, name="fsapi-loop", daemon=True)
        workers = [
            threading.Thread(target=self._work, name=f"fsapi-worker-{n}", daemon=True)
            for n in range(self.limits.workers)
        ]
        self._threads = [loop, *workers]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop accepting, drop connections still sending heads; requests being served finish
        on their own (each bounded by the timeouts)."""
        self._stopping = True
        self._wake()
        for _ in range(self.limits.workers):
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=5)

    def give_back(self, sock: socket.socket) -> None:
        """A worker is done with ``sock``: the loop closes it gracefully."""
        self._returned.put(sock)
        self._wake()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    # --- the loop -----------------------------------------------------------------------

    def _loop(self) -> None:
        selector = self._selector
        selector.register(self.listener, selectors.EVENT_READ)
        selector.register(self._wake_r, selectors.EVENT_READ)
        try:
            while not self._stopping:
                for key, _ in selector.select(self._next_timeout()):
                    if key.fileobj is self.listener:
                        self._accept()
                    elif key.fileobj is self._wake_r:
                        with contextlib.suppress(OSError):
                            self._wake_r.recv(4096)
                    else:
                        self._readable(key.fileobj)  # type: ignore[arg-type]
                self._take_returned()
                self._expire(time.monotonic())
        except Exception:  # a bug here must not leave a listener that never answers
            log.exception("the web server's connection loop failed")
        finally:
            self._shut_down()

    def _next_timeout(self) -> float:
        deadlines = []
        for table in (self._heads, self._closing):
            if table:
                deadlines.append(next(iter(table.values())).deadline)
        if not deadlines:
            return 0.5
        return max(0.0, min(0.5, min(deadlines) - time.monotonic()))

    def _accept(self) -> None:
        for _ in range(64):  # a burst is taken in bites, so heads in progress get read too
            try:
                sock, address = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # EMFILE and the like: free a descriptor, or pause, and retry
                if self._heads:
                    self._drop(next(iter(self._heads)), self._heads)
                else:
                    time.sleep(0.05)  # not a busy loop on a listener that stays readable
                return
            if len(self._heads) >= self.limits.pending:
                self._drop(next(iter(self._heads)), self._heads)  # the oldest: likely a slowloris
            sock.setblocking(False)
            deadline = time.monotonic() + self.limits.head_timeout
            self._heads[sock] = _Conn(sock, address, deadline, bytearray())
            self._selector.register(sock, selectors.EVENT_READ)

    def _readable(self, sock: socket.socket) -> None:
        if sock in self._closing:
            self._discard(self._closing[sock])
            return
        conn = self._heads.get(sock)
        if conn is None:
            return
        try:
            data = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(sock, self._heads)
            return
        conn.data += data
        self._head_progress(conn)

    def _head_progress(self, conn: _Conn) -> None:
        end = _HEAD_END.search(conn.data)
        head = bytes(conn.data[: end.end()]) if end else bytes(conn.data)
        refusal = check_head(head, self.limits)
        if refusal is None and end is None:
            return  # not complete yet, not too big yet
        del self._heads[conn.sock]
        self._selector.unregister(conn.sock)
        if refusal is not None:
            self._answer_and_close(conn, refusal)
        elif self._queue.qsize() >= self.limits.queue:
            busy = f"The board is busy ({self.limits.workers} requests at once); try again."
            self._answer_and_close(conn, quick_reply(503, busy, (("Retry-After", "1"),)))
        else:
            conn.sock.setblocking(True)
            conn.sock.settimeout(self.limits.io_timeout)
            self._queue.put((conn.sock, bytes(conn.data), conn.address))

    def _answer_and_close(self, conn: _Conn, response: bytes) -> None:
        with contextlib.suppress(OSError):
            conn.sock.send(response)  # small: fits the empty send buffer
        self._linger(conn.sock)

    def _linger(self, sock: socket.socket) -> None:
        """Close after reading (and dropping) what the client still sends, for a moment: a
        close with unread input sends a reset, which can destroy the answer in flight."""
        try:
            sock.setblocking(False)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            sock.close()
            return
        if len(self._closing) >= self.limits.pending:
            self._drop(next(iter(self._closing)), self._closing)
        deadline = time.monotonic() + self.limits.linger
        self._closing[sock] = _Conn(sock, (), deadline, bytearray(), self.limits.linger_bytes)
        self._selector.register(sock, selectors.EVENT_READ)

    def _discard(self, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        conn.discard -= len(data)
        if not data or conn.discard <= 0:
            self._drop(conn.sock, self._closing)

    def _take_returned(self) -> None:
        while True:
            try:
                sock = self._returned.get_nowait()
            except queue.Empty:
                return
            if sock.fileno() >= 0:
                self._linger(sock)

    def _expire(self, now: float) -> None:
        while self._heads:
            sock, conn = next(iter(self._heads.items()))
            if conn.deadline > now:
                break
            del self._heads[sock]
            self._selector.unregister(sock)
            timeout = f"The request's headers did not arrive within {self.limits.head_timeout} s."
            self._answer_and_close(conn, quick_reply(408, timeout))
        while self._closing:
            sock, conn = next(iter(self._closing.items()))
            if conn.deadline > now:
                break
            self._drop(sock, self._closing)

    def _drop(self, sock: socket.socket, table: dict[socket.socket, _Conn]) -> None:
        table.pop(sock, None)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(sock)
        sock.close()

    def _shut_down(self) -> None:
        for table in (self._heads, self._closing):
            for sock in list(table):
                self._drop(sock, table)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(self.listener)
        self.listener.close()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()
        while True:  # sockets handed back after the loop stopped
            try:
                self._returned.get_nowait().close()
            except queue.Empty:
                break

    # --- workers ------------------------------------------------------------------------

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            sock, head, address = item
            taken = False
            try:
                taken = bool(self.handler(sock, head, address))
            except Exception:  # a bug in one request must not take a worker away
                log.exception("the web server failed to answer a request")
            finally:
                if taken:
                    pass  # its new owner closes it
                elif self._stopping:
                    sock.close()
                else:
                    self.give_back(sock)
