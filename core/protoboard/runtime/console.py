"""The serial console hub: one logical console mirrored to several endpoints.

The supervisor reads what the VM prints (from the VM's pty master) and calls
:meth:`ConsoleHub.write`; the hub copies it to every endpoint that has a peer at that moment:

* the **terminal** this process runs in (:meth:`ConsoleHub.add_terminal`),
* a **pty** that pyserial, ``screen``, ``tio`` or ``minicom`` can open (:meth:`ConsoleHub.add_pty`),
* a **TCP** listener speaking raw bytes, as pyserial's ``socket://`` does
  (:meth:`ConsoleHub.add_tcp`).

Whatever any endpoint types goes to ``on_input`` (the supervisor writes it into the VM's pty).

Threading
    One daemon I/O thread runs a :mod:`selectors` loop over every fd. :meth:`ConsoleHub.write`
    may be called from any thread: it only appends to per-peer buffers under a lock and wakes the
    loop through a self-pipe, so it never waits for a peer. ``on_input`` and ``on_quit`` run on
    the I/O thread and must not block (queue or write non-blocking); they may call any hub
    method, including :meth:`~ConsoleHub.write` and :meth:`~ConsoleHub.close`.

Slow peers
    Each peer has a bounded output buffer (``max_buffer``). A TCP client that lets it overflow is
    disconnected (it gets a one-line notice if its socket still has room). The terminal and the
    pty cannot be disconnected, so on overflow their pending output is discarded and replaced by
    a ``[console: ... bytes dropped ...]`` notice; output resumes when they drain.

pty endpoint: re-open handling
    The hub does *not* keep the slave open. With no tool attached the master is in the hang-up
    state (reads give ``EIO``), so the master is taken out of the selector and probed every
    :data:`PTY_PROBE_INTERVAL` seconds; that timer is the only periodic wake-up, and it runs only
    while some pty has no peer. This makes ``connected`` exact (a process other than the hub has
    the slave open) and means nothing is written into the pty while nobody listens. When a tool
    closes the slave, the hub re-opens it for a moment to put it back in raw mode (a tool may
    have left ``ECHO`` on, which would loop our output back as input) and to flush bytes the
    tool never read, so the next tool starts clean on the same path.

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

``connected``, per endpoint
    * terminal: attached and its output still works (a pipe or file on stdout counts; it stops
      counting after ``EPIPE``/``EIO``, e.g. the terminal was closed);
    * pty: some process other than the hub has the slave open (noticed within
      :data:`PTY_PROBE_INTERVAL` of the open, at once on close);
    * TCP: at least one client is connected.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import logging
import os
import select
import selectors
import socket
import termios
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path

__all__ = ["DEFAULT_MAX_BUFFER", "PTY_PROBE_INTERVAL", "QUIT_KEY", "ConsoleHub"]

log = logging.getLogger(__name__)

#: Ctrl-] typed on the terminal calls ``on_quit``; the board never sees it (as in telnet, tio).
QUIT_KEY = b"\x1d"
#: per-peer output buffer bound, in bytes
DEFAULT_MAX_BUFFER = 1 << 20
#: bytes of recent output replayed to a TCP client or pty tool that joins late
DEFAULT_SCROLLBACK = 4096
#: seconds between checks whether a tool has opened a pty nobody had open
PTY_PROBE_INTERVAL = 0.2

_READ_SIZE = 65536
_WRITE_CHUNK = 65536
_ACCEPT_BURST = 64
_ACCEPT_RETRY = 1.0  # seconds to pause accepting after EMFILE/ENFILE


class _CrlfToLf:
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


class _Peer:
    """One destination of console output, with its bounded buffer.

    ``out`` is filled by :meth:`ConsoleHub.write` under the hub lock; ``sending`` belongs to the
    I/O thread, which moves ``out`` into it and writes from it.
    """

    def __init__(
        self,
        name: str,
        fd: int,
        send: Callable[[bytes], int],
        *,
        limit: int,
        disconnect_on_overflow: bool,
        on_error: Callable[[OSError], None],
        transform: _CrlfToLf | None = None,
        eager: bool = True,
        max_write: int = _WRITE_CHUNK,
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


class _Watch:
    """Read/write callbacks for one fd in the selector."""

    __slots__ = ("always", "fd", "reader", "registered", "writer")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.reader: Callable[[], None] | None = None
        self.writer: Callable[[], None] | None = None
        self.registered = 0  # events currently registered with the selector
        self.always = False  # a regular file: epoll refuses it, and it is always ready


def _ready_now(fd: int) -> bool:
    """Would reading ``fd`` return at once (data, EOF or an error)?"""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])  # pragma: no cover - platforms without poll


class _Terminal:
    """This process's terminal (or whatever stdin/stdout are: pipes, files)."""

    def __init__(self, hub: ConsoleHub, stdin_fd: int, stdout_fd: int, quit_key: bytes | None):
        self.hub = hub
        self.in_fd = stdin_fd
        self.out_fd = stdout_fd
        self.in_tty = os.isatty(stdin_fd)
        self.out_tty = os.isatty(stdout_fd)
        self.quit_key = quit_key if self.in_tty else None
        self.saved_mode: list | None = None
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
        self.peer = _Peer(
            "terminal",
            self.wfd,
            lambda chunk: os.write(self.wfd, chunk),
            limit=hub.max_buffer,
            disconnect_on_overflow=False,
            on_error=self._output_failed,
            transform=None if self.out_tty else _CrlfToLf(),
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
                return wfd, True, _WRITE_CHUNK
        if not os.get_blocking(fd):
            return fd, True, _WRITE_CHUNK
        return fd, False, getattr(select, "PIPE_BUF", 512)

    def start(self) -> None:  # I/O thread
        self.hub._set_reader(self.in_fd, self._on_read)

    def _on_read(self) -> None:
        try:
            data = os.read(self.in_fd, _READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:  # EIO: the terminal hung up
            log.debug("console: terminal input ended: %s", exc)
            data = b""
        if not data:  # EOF: no more input; output goes on, and this is not a quit
            self.hub._set_reader(self.in_fd, None)
            return
        if self.quit_key is None:
            self.hub._deliver(data)
            return
        parts = data.split(self.quit_key)
        for i, part in enumerate(parts):
            if part:
                self.hub._deliver(part)
            if i < len(parts) - 1:
                self.hub._quit()

    def _output_failed(self, exc: OSError) -> None:
        log.warning("console: terminal output failed (%s); no more output to it", exc)
        self.hub._detach(self.peer)

    def restore(self) -> None:
        """Put the terminal back in the mode it had; safe to call twice, from any thread."""
        if self.restored or self.saved_mode is None:
            return
        self.restored = True
        with contextlib.suppress(termios.error, OSError):
            termios.tcsetattr(self.in_fd, termios.TCSANOW, self.saved_mode)

    def close(self) -> None:
        self.restore()
        if self.own_wfd:
            self.own_wfd = False
            with contextlib.suppress(OSError):
                os.close(self.wfd)

    def forget(self) -> None:  # in a forked child: drop our copies, touch nothing shared
        if self.own_wfd:
            self.own_wfd = False
            with contextlib.suppress(OSError):
                os.close(self.wfd)


class _Pty:
    """A pty whose slave path serial tools open; see the module docstring for re-opens."""

    def __init__(self, hub: ConsoleHub, link: str | os.PathLike[str] | None):
        self.hub = hub
        master, slave = os.openpty()
        try:
            tty.setraw(slave, termios.TCSANOW)
            self.path = os.ttyname(slave)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        self.peer: _Peer | None = None
        self.link: Path | None = None
        if link is not None:
            try:
                self._make_link(Path(link))
            except BaseException:
                os.close(master)
                raise

    def _make_link(self, link: Path) -> None:
        if link.exists() and not link.is_symlink():
            raise FileExistsError(errno.EEXIST, "not a symlink; refusing to replace it", str(link))
        tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(self.path)
        tmp.replace(link)
        self.link = link

    def start(self) -> None:  # I/O thread
        self.probe()

    def probe(self) -> None:
        """Has a tool opened the slave? If not, look again in a while."""
        if self.master < 0 or self.peer is not None:
            return
        data = b""
        nobody = False
        if _ready_now(self.master):  # data, or the hang-up of "nobody has the slave open"
            try:
                data = os.read(self.master, _READ_SIZE)
                nobody = not data  # EOF (some BSDs)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:  # EIO: still nobody
                nobody = True
        if nobody:
            self.hub._call_later(PTY_PROBE_INTERVAL, self.probe)
            return
        self._connect()
        if data:
            self.hub._deliver(data)

    def _connect(self) -> None:
        log.debug("console: %s opened", self.path)
        self.peer = _Peer(
            f"pty {self.path}",
            self.master,
            lambda chunk: os.write(self.master, chunk),
            limit=self.hub.max_buffer,
            disconnect_on_overflow=False,
            on_error=self._output_failed,
        )
        self.hub._set_reader(self.master, self._on_read)
        self.hub._attach(self.peer, replay=True)

    def _on_read(self) -> None:
        try:
            data = os.read(self.master, _READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # EIO: the last tool closed the slave
            data = b""
        if data:
            self.hub._deliver(data)
        else:
            self._disconnect()

    def _output_failed(self, exc: OSError) -> None:
        log.debug("console: %s write failed: %s", self.path, exc)
        self._disconnect()

    def _disconnect(self) -> None:
        if self.peer is None:
            return
        log.debug("console: %s closed", self.path)
        self.hub._detach(self.peer)
        self.peer = None
        self.hub._set_reader(self.master, None)
        self._reset_slave()
        self.hub._call_later(PTY_PROBE_INTERVAL, self.probe)

    def _reset_slave(self) -> None:
        """Raw mode again and no stale bytes, for the next tool that opens the path."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            return
        try:
            tty.setraw(fd, termios.TCSANOW)
            termios.tcflush(fd, termios.TCIOFLUSH)
        except (termios.error, OSError):
            pass
        finally:
            os.close(fd)
        # Bytes the slave side wrote before we flushed reach the master; drop them too.
        with contextlib.suppress(OSError):
            while os.read(self.master, _READ_SIZE):
                pass

    def close(self) -> None:
        if self.peer is not None:
            self.hub._detach(self.peer)
            self.peer = None
        if self.link is not None:
            with contextlib.suppress(OSError):
                if os.readlink(self.link) == self.path:
                    self.link.unlink()
            self.link = None
        self.forget()

    def forget(self) -> None:
        if self.master >= 0:
            with contextlib.suppress(OSError):
                os.close(self.master)
            self.master = -1


class _TcpClient:
    def __init__(self, server: _Tcp, sock: socket.socket, addr: tuple) -> None:
        self.server = server
        self.hub = server.hub
        self.sock = sock
        self.fd = sock.fileno()
        host, port = addr[:2]
        self.peer = _Peer(
            f"tcp {host}:{port}",
            self.fd,
            sock.send,
            limit=self.hub.max_buffer,
            disconnect_on_overflow=True,
            on_error=self._failed,
        )
        self.peer.on_overflow = self._overflowed

    def start(self) -> None:
        self.hub._set_reader(self.fd, self._on_read)
        self.hub._attach(self.peer, replay=True)

    def _on_read(self) -> None:
        try:
            data = self.sock.recv(_READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._failed(exc)
            return
        if not data:
            log.debug("console: %s disconnected", self.peer.name)
            self.close()
            return
        self.hub._deliver(data)

    def _failed(self, exc: OSError) -> None:
        log.debug("console: %s dropped: %s", self.peer.name, exc)
        self.close()

    def _overflowed(self) -> None:
        log.warning(
            "console: %s fell more than %d bytes behind; disconnected",
            self.peer.name,
            self.peer.limit,
        )
        with contextlib.suppress(OSError):
            self.sock.send(b"\r\n[console: this client fell too far behind; disconnected]\r\n")
        self.close()

    def close(self) -> None:
        if self.sock is None:
            return
        self.hub._detach(self.peer)
        self.hub._set_reader(self.fd, None)
        self.server.clients.pop(self.fd, None)
        with contextlib.suppress(OSError):
            self.sock.close()
        self.sock = None  # type: ignore[assignment]

    def forget(self) -> None:
        if self.sock is not None:
            # close() of a socket object does not shut the connection down: the parent keeps it
            with contextlib.suppress(OSError):
                self.sock.detach()
                os.close(self.fd)
            self.sock = None  # type: ignore[assignment]


class _Tcp:
    """A listening socket; each accepted client is a peer of its own."""

    def __init__(self, hub: ConsoleHub, host: str, port: int) -> None:
        self.hub = hub
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
        family, _, _, _, addr = infos[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(addr)
            sock.listen(16)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        self.sock: socket.socket | None = sock
        self.fd = sock.fileno()
        self.address: tuple[str, int] = sock.getsockname()[:2]
        self.clients: dict[int, _TcpClient] = {}

    def start(self) -> None:
        if self.sock is not None:
            self.hub._set_reader(self.fd, self._on_accept)

    def _on_accept(self) -> None:
        for _ in range(_ACCEPT_BURST):
            try:
                conn, addr = self.sock.accept()  # type: ignore[union-attr]
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    # The backlog stays readable: pause, or the loop would spin.
                    log.warning("console: cannot accept TCP clients (%s); retrying", exc)
                    self.hub._set_reader(self.fd, None)
                    self.hub._call_later(_ACCEPT_RETRY, self.start)
                    return
                log.debug("console: accept failed: %s", exc)  # ECONNABORTED and the like
                continue
            conn.setblocking(False)
            with contextlib.suppress(OSError):
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            client = _TcpClient(self, conn, addr)
            self.clients[client.fd] = client
            log.debug("console: %s connected", client.peer.name)
            client.start()

    def close(self) -> None:
        for client in list(self.clients.values()):
            client.close()
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
            self.sock = None

    def forget(self) -> None:
        for client in list(self.clients.values()):
            client.forget()
        self.clients.clear()
        if self.sock is not None:
            with contextlib.suppress(OSError):
                os.close(self.sock.detach())
            self.sock = None


class ConsoleHub:
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
        self._scrollback_size = scrollback
        self._drain_timeout = drain_timeout
        self._pid = os.getpid()

        # re-entrant: close() from a signal handler that interrupted write() must not deadlock
        self._lock = threading.RLock()
        # guarded by _lock
        self._peers: list[_Peer] = []
        self._dirty: set[_Peer] = set()
        self._doomed: list[_Peer] = []
        self._calls: list[Callable[[], None]] = []
        self._scrollback = bytearray()
        self._wake_pending = False
        self._closed = False
        self._endpoints: list[_Terminal | _Pty | _Tcp] = []
        self._claimed_fds: set[int] = set()

        # I/O thread only
        self._watches: dict[int, _Watch] = {}
        self._timers: list[tuple[float, Callable[[], None]]] = []
        self._stopping = False
        self._torn_down = False

        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._set_reader(self._wake_r, self._drain_wake_pipe)
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
            if self._scrollback_size:
                self._scrollback += data
                if len(self._scrollback) > 2 * self._scrollback_size:
                    del self._scrollback[: -self._scrollback_size]
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
        terminal = _Terminal(self, stdin_fd, stdout_fd, QUIT_KEY)
        with self._lock:
            if self._closed:
                terminal.close()
                raise RuntimeError("console hub is closed")
            self._claimed_fds |= {stdin_fd, stdout_fd}
            self._endpoints.append(terminal)
            self._peers.append(terminal.peer)
            self._calls.append(terminal.start)
            self._wake_locked()

    def add_pty(self, link: str | os.PathLike[str] | None = None) -> str:
        """Create a pty for serial tools and return its slave path (``/dev/pts/N``).

        ``link``, if given, is made a symlink to that path (a stable name across runs), replacing
        an older symlink there; it is removed on :meth:`close`.
        """
        with self._lock:
            self._check_open_locked()
        pty_ = _Pty(self, link)
        self._register(pty_)
        return pty_.path

    def add_tcp(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen for raw TCP clients (pyserial's ``socket://``); return the bound address."""
        with self._lock:
            self._check_open_locked()
        tcp = _Tcp(self, host, port)
        self._register(tcp)
        return tcp.address

    @property
    def connected(self) -> bool:
        """True if any endpoint has a peer now (see the module docstring for each endpoint)."""
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
                if isinstance(endpoint, _Terminal):
                    endpoint.restore()

    def __enter__(self) -> ConsoleHub:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ helpers (any thread)

    def _check_open_locked(self) -> None:
        if self._closed:
            raise RuntimeError("console hub is closed")

    def _register(self, endpoint: _Pty | _Tcp) -> None:
        with self._lock:
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

    def _enqueue_locked(self, peer: _Peer, data: bytes) -> None:
        if peer.transform is not None:
            data = peer.transform(data)
            if not data:
                return
        if len(peer.out) + len(peer.sending) + len(data) > peer.limit:
            if peer.disconnect_on_overflow:
                if peer in self._peers:
                    self._peers.remove(peer)
                peer.alive = False
                self._doomed.append(peer)
                return
            peer.dropped = len(peer.out) + len(data)
            peer.out.clear()  # `sending` is the I/O thread's; it is counted, and drains
            notice = f"\r\n[console: output fell behind; {peer.dropped} bytes dropped]\r\n"
            note = notice.encode()
            if peer.transform is not None:
                note = peer.transform(note)
            peer.out += note
            log.warning("console: %s fell behind; %d bytes dropped", peer.name, peer.dropped)
        else:
            peer.out += data
        self._dirty.add(peer)

    def _atexit_close(self) -> None:
        if os.getpid() == self._pid:
            self.close()

    # ------------------------------------------------------------------ I/O thread

    def _attach(self, peer: _Peer, *, replay: bool) -> None:
        """Start sending output to ``peer`` (with the scroll-back, if asked)."""
        with self._lock:
            size = min(self._scrollback_size, peer.limit // 2)
            if replay and size and self._scrollback:
                tail = bytes(self._scrollback[-size:])
                newline = tail.find(b"\n")
                if 0 <= newline < len(tail) - 1 and len(self._scrollback) > len(tail):
                    tail = tail[newline + 1 :]  # start on a line boundary
                self._enqueue_locked(peer, tail)
            self._peers.append(peer)
            self._wake_locked()

    def _detach(self, peer: _Peer) -> None:
        with self._lock:
            if peer in self._peers:
                self._peers.remove(peer)
            peer.alive = False
            self._dirty.discard(peer)
        if peer.fd in self._watches and self._watches[peer.fd].writer is not None:
            self._set_writer(peer.fd, None)

    def _deliver(self, data: bytes) -> None:
        try:
            self._on_input(data)
        except Exception:
            log.exception("console: on_input failed")

    def _quit(self) -> None:
        if self._on_quit is None:
            return
        try:
            self._on_quit()
        except Exception:
            log.exception("console: on_quit failed")

    def _call_later(self, delay: float, callback: Callable[[], None]) -> None:
        self._timers.append((time.monotonic() + delay, callback))

    def _set_reader(self, fd: int, callback: Callable[[], None] | None) -> None:
        watch = self._watches.get(fd)
        if watch is None:
            if callback is None:
                return
            watch = self._watches[fd] = _Watch(fd)
        watch.reader = callback
        self._update(watch)

    def _set_writer(self, fd: int, callback: Callable[[], None] | None) -> None:
        watch = self._watches.get(fd)
        if watch is None:
            if callback is None:
                return
            watch = self._watches[fd] = _Watch(fd)
        watch.writer = callback
        self._update(watch)

    def _update(self, watch: _Watch) -> None:
        events = (selectors.EVENT_READ if watch.reader else 0) | (
            selectors.EVENT_WRITE if watch.writer else 0
        )
        if watch.always:
            if not events:
                del self._watches[watch.fd]
            return
        try:
            if not events:
                del self._watches[watch.fd]
                if watch.registered:
                    self._selector.unregister(watch.fd)
            elif not watch.registered:
                self._selector.register(watch.fd, events, watch)
            elif events != watch.registered:
                self._selector.modify(watch.fd, events, watch)
        except PermissionError:  # epoll and a regular file: it is always ready
            watch.always = True
            watch.registered = 0
            return
        except (KeyError, ValueError, OSError) as exc:  # fd closed under us
            log.debug("console: selector update for fd %d failed: %s", watch.fd, exc)
            self._watches.pop(watch.fd, None)
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._selector.unregister(watch.fd)
            watch.registered = 0
            return
        watch.registered = events

    def _drain_wake_pipe(self) -> None:
        # Empty the pipe first, then clear the flag: the other order could swallow the byte of
        # a write() in between and leave the flag set on an empty pipe, so no write() would
        # ever wake us again. Whatever such a write() queued is handled by _run_pending next.
        with contextlib.suppress(BlockingIOError, OSError):
            while os.read(self._wake_r, 4096):
                pass
        with self._lock:
            self._wake_pending = False

    def _dispatch(self, watch: _Watch, mask: int) -> None:
        if mask & selectors.EVENT_READ and watch.reader is not None:
            self._guard(watch.reader)
        if (
            mask & selectors.EVENT_WRITE
            and watch.writer is not None
            and self._watches.get(watch.fd) is watch
        ):
            self._guard(watch.writer)

    @staticmethod
    def _guard(callback: Callable[[], None]) -> None:
        try:
            callback()
        except Exception:
            log.exception("console: endpoint handler failed")

    def _run(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._closed:
                        self._stopping = True
                if self._stopping:
                    break
                self._loop_once()
        except Exception:
            log.exception("console: I/O loop crashed")
        finally:
            self._teardown()

    def _loop_once(self) -> None:
        always = [w for w in self._watches.values() if w.always]
        if always:
            timeout: float | None = 0
        elif self._timers:
            timeout = max(0.0, min(t for t, _ in self._timers) - time.monotonic())
        else:
            timeout = None
        for key, mask in self._selector.select(timeout):
            watch = key.data
            if self._watches.get(key.fd) is watch:
                self._dispatch(watch, mask)
        for watch in always:
            if self._watches.get(watch.fd) is watch:
                self._dispatch(watch, selectors.EVENT_READ | selectors.EVENT_WRITE)
        self._run_pending()

    def _run_pending(self) -> None:
        with self._lock:
            calls, self._calls = self._calls, []
            doomed, self._doomed = self._doomed, []
            dirty, self._dirty = self._dirty, set()
        for call in calls:
            self._guard(call)
        for peer in doomed:
            if peer.on_overflow is not None:
                self._guard(peer.on_overflow)
        for peer in dirty:
            if not peer.alive:
                continue
            if peer.eager:
                self._flush(peer)
            elif peer.pending():
                self._set_writer(peer.fd, lambda peer=peer: self._flush(peer))
        if self._timers:
            now = time.monotonic()
            due = [cb for t, cb in self._timers if t <= now]
            self._timers = [(t, cb) for t, cb in self._timers if t > now]
            for callback in due:
                self._guard(callback)

    def _flush(self, peer: _Peer) -> None:
        """Write what the selector allows; keep the write interest while something is left."""
        if not peer.alive:
            return
        if not peer.sending:
            with self._lock:
                peer.sending, peer.out = peer.out, peer.sending
        while peer.sending:
            try:
                n = peer.send(peer.sending[: peer.max_write])
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                peer.on_error(exc)
                return
            del peer.sending[:n]
            if not peer.eager or n == 0:
                break
            if not peer.sending:
                with self._lock:
                    peer.sending, peer.out = peer.out, peer.sending
        if not peer.alive:
            return
        watch = self._watches.get(peer.fd)
        if peer.pending():
            if watch is None or watch.writer is None:
                self._set_writer(peer.fd, lambda: self._flush(peer))
        elif watch is not None and watch.writer is not None:
            self._set_writer(peer.fd, None)

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
        self._watches.clear()
        with contextlib.suppress(Exception):
            self._selector.close()
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
                if peer.transform is not None:
                    peer.out += peer.transform.flush()
        deadline = time.monotonic() + self._drain_timeout
        while True:
            pending = [p for p in peers if p.alive and p.pending()]
            remaining = deadline - time.monotonic()
            if not pending or remaining <= 0:
                return
            with selectors.DefaultSelector() as sel:
                always = []
                for peer in pending:
                    try:
                        sel.register(peer.fd, selectors.EVENT_WRITE, peer)
                    except PermissionError:  # regular file
                        always.append(peer)
                    except (KeyError, ValueError, OSError):
                        peer.alive = False
                ready = always + [key.data for key, _ in sel.select(0 if always else remaining)]
            for peer in ready:
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
        with contextlib.suppress(Exception):
            self._selector.close()
