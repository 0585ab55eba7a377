"""The hub: one logical console, its peers' output buffers and the I/O thread.

Threading
    One daemon I/O thread runs a :mod:`selectors` loop over every fd. :meth:`ConsoleHub.write`
    may be called from any thread: it only appends to per-peer buffers under a lock and wakes the
    loop through a self-pipe, so it never waits for a peer. ``on_input`` and ``on_quit`` run on
    the I/O thread and must not block (queue or write non-blocking); they may call any hub
    method, including :meth:`~ConsoleHub.write` and :meth:`~ConsoleHub.close`.

Shutdown
    :meth:`ConsoleHub.close` drains pending output for up to ``drain_timeout`` seconds, closes
    every fd and restores the terminal. It is also registered with :mod:`atexit`, so the terminal
    comes back from raw mode when the process ends normally or from an uncaught exception. The
    hub installs no signal handlers (only the main thread may): the supervisor should turn
    SIGTERM and SIGHUP into ``SystemExit`` (or a flag its main loop checks) and let the normal
    path call ``close()``; calling ``close()`` right inside a signal handler works, but if the
    signal interrupted a ``write()`` it waits a few seconds for the I/O thread. Raw mode
    disables the terminal's own SIGINT, so Ctrl-C goes to the board and Ctrl-] is the way out.

Fork
    A child forked after the hub exists (a fork server) inherits copies of the hub's fds, though
    not its thread; ``close()`` in such a child just closes those copies. Better: fork the fork
    server before creating the hub.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import selectors
import threading
import time
from collections.abc import Callable

from protoboard.runtime.console.endpoint import Endpoint, EndpointHost
from protoboard.runtime.console.loop import IoLoop, guard
from protoboard.runtime.console.peer import Peer
from protoboard.runtime.console.pty import Pty
from protoboard.runtime.console.scrollback import Scrollback
from protoboard.runtime.console.serialdev import SerialDevice
from protoboard.runtime.console.stream import DEFAULT_MAX_STREAMS, StreamEndpoint
from protoboard.runtime.console.tcp import DEFAULT_MAX_CLIENTS, SNIFF_QUIET, TcpListener
from protoboard.runtime.console.terminal import Terminal

log = logging.getLogger(__name__)

#: Ctrl-] typed on the terminal calls ``on_quit``; the board never sees it (as in telnet, tio).
QUIT_KEY = b"\x1d"
#: per-peer output buffer bound, in bytes
DEFAULT_MAX_BUFFER = 1 << 20
#: bytes of recent output replayed to a TCP client or pty tool that joins late
DEFAULT_SCROLLBACK = 4096


class ConsoleHub(EndpointHost):
    """One serial console, mirrored to a terminal, ptys and TCP clients.

    ``on_input(data)`` receives whatever any endpoint types (on the I/O thread); ``on_quit()`` is
    called when Ctrl-] is typed on a terminal endpoint whose stdin is a tty. ``max_buffer``
    bounds each peer's pending output; ``scrollback`` bytes of recent output are replayed to pty
    tools and TCP clients that connect later (0 disables); :meth:`close` waits up to
    ``drain_timeout`` seconds for pending output to be written.
    """

    def __init__(
        self,
        on_input: Callable[[bytes], None],
        *,
        on_quit: Callable[[], None] | None = None,
        max_buffer: int = DEFAULT_MAX_BUFFER,
        scrollback: int = DEFAULT_SCROLLBACK,
        drain_timeout: float = 0.5,
    ) -> None:
        self._on_input = on_input
        self._on_quit = on_quit
        self.max_buffer = max_buffer
        self._drain_timeout = drain_timeout
        self._pid = os.getpid()

        # re-entrant: close() from a signal handler that interrupted write() must not deadlock
        self._lock = threading.RLock()
        # guarded by _lock
        self._peers: list[Peer] = []
        self._dirty: set[Peer] = set()
        self._doomed: list[Peer] = []
        self._calls: list[Callable[[], None]] = []
        self._scrollback = Scrollback(scrollback)
        self._wake_pending = False
        self._closed = False
        self._endpoints: list[Endpoint] = []
        self._claimed_fds: set[int] = set()

        # I/O thread only
        self._loop = IoLoop()
        self._stopping = False
        self._torn_down = False

        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._loop.set_reader(self._wake_r, self._drain_wake_pipe)
        atexit.register(self._atexit_close)
        self._thread = threading.Thread(target=self._run, name="protoboard-console", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ public API

    def write(self, data: bytes) -> None:
        """Send ``data`` to every peer connected now. Thread-safe; never waits for a peer."""
        if not data:
            return
        data = bytes(data)
        with self._lock:
            if self._closed:
                return
            self._scrollback.add(data)
            for peer in tuple(self._peers):  # an overflowing peer leaves the list
                self._enqueue_locked(peer, data)
            self._wake_locked()

    def add_terminal(self, stdin_fd: int = 0, stdout_fd: int = 1) -> None:
        """Mirror the console to this process's terminal (or the given fds).

        A tty on ``stdin_fd`` is put in raw mode until :meth:`close` (or process exit); then
        Ctrl-] calls ``on_quit`` and every other key, Ctrl-C and Ctrl-D included, goes to the
        board. A pipe on stdin is forwarded as is, and its EOF just ends input. Output to a tty
        is passed through as is; to anything else ``\\r\\n`` becomes ``\\n``.
        """
        with self._lock:
            self._check_open_locked()
            if {stdin_fd, stdout_fd} & self._claimed_fds:
                raise ValueError("these fds are already a console endpoint")
        terminal = Terminal(self, stdin_fd, stdout_fd, QUIT_KEY)
        with self._lock:
            self._register_locked(terminal)
            self._claimed_fds |= {stdin_fd, stdout_fd}
            self._peers.append(terminal.peer)

    def add_pty(self, link: str | os.PathLike[str] | None = None) -> str:
        """Create a pty for serial tools and return its slave path (``/dev/pts/N``).

        ``link``, if given, is made a symlink to that path (a stable name across runs), replacing
        an older symlink there; it is removed on :meth:`close`.
        """
        with self._lock:
            self._check_open_locked()
        pty_ = Pty(self, link)
        with self._lock:
            self._register_locked(pty_)
        return pty_.path

    def add_serial(self, path: str) -> None:
        """Serve the console on a serial device (a USB gadget's ``/dev/ttyGS0``), in raw mode,
        for the whole run (:mod:`.serialdev`)."""
        with self._lock:
            self._check_open_locked()
        device = SerialDevice(self, path)
        with self._lock:
            self._register_locked(device)

    def add_tcp(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        password: bytes | None = None,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        sniff_quiet: float = SNIFF_QUIET,
    ) -> tuple[str, int]:
        """Listen for raw TCP clients (pyserial's ``socket://``); return the bound address.

        A client whose first line is HTTP is closed unread; with ``password``, a client must
        send it as its first line; a host other than loopback needs one (:mod:`.tcp`).
        """
        with self._lock:
            self._check_open_locked()
        tcp = TcpListener(
            self, host, port, password=password, max_clients=max_clients, sniff_quiet=sniff_quiet
        )
        with self._lock:
            self._register_locked(tcp)
        return tcp.address

    def add_streams(self, max_clients: int = DEFAULT_MAX_STREAMS) -> StreamEndpoint:
        """An endpoint handing out in-process console streams (socket pairs) to the web
        workflow and the board view (:mod:`.stream`)."""
        with self._lock:
            self._check_open_locked()
        streams = StreamEndpoint(self, self.call_soon, max_clients=max_clients)
        with self._lock:
            self._register_locked(streams)
        return streams

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` on the I/O thread, soon (from any thread)."""
        with self._lock:
            if self._closed:
                return
            self._calls.append(callback)
            self._wake_locked()

    @property
    def connected(self) -> bool:
        """True if any endpoint has a peer now (each endpoint's module says when it has one)."""
        with self._lock:
            return bool(self._peers)

    @property
    def peers(self) -> list[str]:
        """Names of the peers receiving output now, e.g. ``["terminal", "tcp 127.0.0.1:5123"]``."""
        with self._lock:
            return [peer.name for peer in self._peers]

    def close(self) -> None:
        """Stop the I/O thread, write what is pending (briefly), close every fd, restore the
        terminal. Idempotent. Called from ``on_input``/``on_quit``, it finishes as soon as that
        callback returns. In a forked child it only closes the child's copies of the fds."""
        if os.getpid() != self._pid:
            self._forget_in_child()
            return
        with self._lock:
            if not self._closed:
                self._closed = True
                self._wake_locked()
        if threading.current_thread() is self._thread:
            self._stopping = True
            return
        self._thread.join(timeout=5.0)  # again on a second call: it may have come from on_quit
        if self._thread.is_alive():  # stuck in a callback: at least give the terminal back
            log.warning("console: I/O thread did not stop; restoring the terminal anyway")
            for endpoint in self._endpoints:
                if isinstance(endpoint, Terminal):
                    endpoint.restore()

    def __enter__(self) -> ConsoleHub:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ EndpointHost

    def deliver(self, data: bytes) -> None:
        try:
            self._on_input(data)
        except Exception:
            log.exception("console: on_input failed")

    def request_quit(self) -> None:
        if self._on_quit is None:
            return
        try:
            self._on_quit()
        except Exception:
            log.exception("console: on_quit failed")

    def set_reader(self, fd: int, callback: Callable[[], None] | None) -> None:
        self._loop.set_reader(fd, callback)

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        self._loop.call_later(delay, callback)

    def attach(self, peer: Peer, *, replay: bool) -> None:
        with self._lock:
            if replay:
                tail = self._scrollback.tail(peer.limit // 2)
                if tail:
                    self._enqueue_locked(peer, tail)
            self._peers.append(peer)
            self._wake_locked()

    def detach(self, peer: Peer) -> None:
        with self._lock:
            if peer in self._peers:
                self._peers.remove(peer)
            peer.alive = False
            self._dirty.discard(peer)
        if self._loop.has_writer(peer.fd):
            self._loop.set_writer(peer.fd, None)

    # ------------------------------------------------------------------ helpers (any thread)

    def _check_open_locked(self) -> None:
        if self._closed:
            raise RuntimeError("console hub is closed")

    def _register_locked(self, endpoint: Endpoint) -> None:
        """Keep ``endpoint`` and have the I/O thread start it; close it if the hub closed."""
        if self._closed:
            endpoint.close()
            raise RuntimeError("console hub is closed")
        self._endpoints.append(endpoint)
        self._calls.append(endpoint.start)
        self._wake_locked()

    def _wake_locked(self) -> None:
        if not self._wake_pending and self._wake_w >= 0:
            self._wake_pending = True
            with contextlib.suppress(BlockingIOError, OSError):
                os.write(self._wake_w, b"\0")

    def _enqueue_locked(self, peer: Peer, data: bytes) -> None:
        if peer.enqueue(data):
            self._dirty.add(peer)
            return
        if peer in self._peers:  # overflowed: the I/O thread disconnects it
            self._peers.remove(peer)
        self._doomed.append(peer)

    def _atexit_close(self) -> None:
        if os.getpid() == self._pid:
            self.close()

    # ------------------------------------------------------------------ I/O thread

    def _drain_wake_pipe(self) -> None:
        # Empty the pipe first, then clear the flag: the other order could swallow the byte of
        # a write() in between and leave the flag set on an empty pipe, so no write() would
        # ever wake us again. Whatever such a write() queued is handled by _run_pending next.
        with contextlib.suppress(BlockingIOError, OSError):
            while os.read(self._wake_r, 4096):
                pass
        with self._lock:
            self._wake_pending = False

    def _run(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._closed:
                        self._stopping = True
                if self._stopping:
                    break
                self._loop.poll()
                self._run_pending()
        except Exception:
            log.exception("console: I/O loop crashed")
        finally:
            self._teardown()

    def _run_pending(self) -> None:
        with self._lock:
            calls, self._calls = self._calls, []
            doomed, self._doomed = self._doomed, []
            dirty, self._dirty = self._dirty, set()
        for call in calls:
            guard(call)
        for peer in doomed:
            if peer.on_overflow is not None:
                guard(peer.on_overflow)
        for peer in dirty:
            if not peer.alive:
                continue
            if peer.eager:
                self._flush(peer)
            elif peer.pending():
                self._loop.set_writer(peer.fd, self._flusher(peer))
        self._loop.run_due_timers()

    def _flusher(self, peer: Peer) -> Callable[[], None]:
        return lambda: self._flush(peer)

    def _flush(self, peer: Peer) -> None:
        """Write what the selector allows; keep the write interest while something is left."""
        if not peer.alive or not peer.send_some(self._lock) or not peer.alive:
            return
        watching = self._loop.has_writer(peer.fd)
        if peer.pending():
            if not watching:
                self._loop.set_writer(peer.fd, self._flusher(peer))
        elif watching:
            self._loop.set_writer(peer.fd, None)

    def _teardown(self) -> None:
        if self._torn_down:
            return
        self._torn_down = True
        try:
            self._run_pending()  # endpoints added and data written just before close()
            self._drain()
        except Exception:
            log.exception("console: final flush failed")
        with self._lock:
            endpoints, self._endpoints = self._endpoints, []
            self._peers.clear()
        for endpoint in endpoints:
            try:
                endpoint.close()
            except Exception:
                log.exception("console: closing %r failed", endpoint)
        self._loop.close()
        self._close_wake_pipe()
        atexit.unregister(self._atexit_close)

    def _close_wake_pipe(self) -> None:
        with self._lock:  # a closed fd number may be reused: never write to it again
            fds, self._wake_r, self._wake_w = (self._wake_r, self._wake_w), -1, -1
        for fd in fds:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _drain(self) -> None:
        """Give pending output up to ``drain_timeout`` seconds to go out."""
        with self._lock:
            peers = list(self._peers)
            for peer in peers:
                peer.finish()
        deadline = time.monotonic() + self._drain_timeout
        while True:
            pending = [p for p in peers if p.alive and p.pending()]
            remaining = deadline - time.monotonic()
            if not pending or remaining <= 0:
                return
            for peer in _writable(pending, remaining):
                self._flush(peer)

    def _forget_in_child(self) -> None:
        """After fork: close our copies of the fds without touching what the parent shares."""
        for endpoint in self._endpoints:
            with contextlib.suppress(Exception):
                endpoint.forget()
        self._endpoints = []
        self._closed = True
        for fd in (self._wake_r, self._wake_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._wake_r = self._wake_w = -1
        self._loop.close()


def _writable(peers: list[Peer], timeout: float) -> list[Peer]:
    """The peers whose fds take output now, waiting up to ``timeout`` for the first; a peer
    whose fd cannot be watched any more is marked dead."""
    with selectors.DefaultSelector() as sel:
        always = []
        for peer in peers:
            try:
                sel.register(peer.fd, selectors.EVENT_WRITE, peer)
            except PermissionError:  # regular file
                always.append(peer)
            except (KeyError, ValueError, OSError):
                peer.alive = False
        return always + [key.data for key, _ in sel.select(0 if always else timeout)]
