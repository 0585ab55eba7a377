"""The TCP endpoint: a listener speaking raw bytes, as pyserial's ``socket://`` does.

Each accepted client is a peer of its own; ``connected`` while at least one client is attached.

Who may type
    A raw TCP console on 127.0.0.1 can be reached by every local program and, through a
    browser, by every web page: a page cannot read the reply, but it can make the browser send
    an HTTP request whose body would be typed into the REPL line by line. So a client's input is
    held until its first line shows it is not HTTP (:mod:`.sniff`), or until it has been quiet
    for :data:`SNIFF_QUIET` seconds (someone pressing one key at "Press any key"). An HTTP or
    TLS client is closed and nothing it sent reaches the board. A client's output starts when
    its input is let through, or after :data:`SNIFF_QUIET` seconds for a client that only reads.

    With a password (:data:`PASSWORD_ENV`), a client gets ``Password: `` and nothing else until
    it sends the right line; a wrong one closes the connection after
    :data:`WRONG_PASSWORD_DELAY` seconds, so a connection is one guess and the client cap bounds
    the guesses per second. A listener on an address other than loopback needs a password.

Bounds
    At most ``max_clients`` connections at once (the next one is told so and closed); input held
    before the gate opens is at most one first line (:data:`~.sniff.MAX_FIRST_LINE`, plus one
    read) or one password line (:data:`MAX_PASSWORD`); each client's output buffer is bounded by
    the hub (:mod:`.peer`); refusals are logged at most every :data:`NOTICE_INTERVAL` seconds
    per kind, with a count of those left out.
"""

from __future__ import annotations

import contextlib
import errno
import hmac
import ipaddress
import logging
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from protoboard.errors import UserError
from protoboard.runtime.console.endpoint import READ_SIZE, Endpoint, EndpointHost
from protoboard.runtime.console.peer import Peer
from protoboard.runtime.console.sniff import Verdict, classify

log = logging.getLogger(__name__)

_ACCEPT_BURST = 64
_ACCEPT_RETRY = 1.0  # seconds to pause accepting after EMFILE/ENFILE

#: the environment variable holding the TCP console's password (unset or empty: none)
PASSWORD_ENV = "PROTOBOARD_CONSOLE_PASSWORD"
#: seconds of quiet after which undecided input (one key, ``import os`` without Enter) goes in
SNIFF_QUIET = 0.3
#: the longest password line accepted, in bytes
MAX_PASSWORD = 1024
#: seconds a client may take to send its password
PASSWORD_TIMEOUT = 60
#: seconds before a wrong password is answered and the connection closed
WRONG_PASSWORD_DELAY = 1.0
#: simultaneous TCP clients, with a password or not yet
DEFAULT_MAX_CLIENTS = 8
#: the least time between two log lines about the same kind of refusal, in seconds
NOTICE_INTERVAL = 10.0

_HTTP_REPLY = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
    b"This port is the serial console of 'protoboard run', not a web server.\r\n"
)


@dataclass(frozen=True)
class TcpSpec:
    """A ``--console tcp:[HOST:]PORT`` endpoint, with its password from the environment."""

    host: str
    port: int
    password: bytes | None

    @classmethod
    def parse(cls, spec: str, environ: Mapping[str, str] = os.environ) -> TcpSpec:
        """``tcp:7777``, ``tcp:0`` (a free port), ``tcp:0.0.0.0:7777``, ``tcp:[::1]:7777``."""
        host, sep, port_text = spec.removeprefix("tcp:").rpartition(":")
        host = host.strip("[]") if sep else "127.0.0.1"
        if not host:
            raise UserError(
                f"'{spec}' has no host before the port",
                "write tcp:PORT for this computer only, or tcp:HOST:PORT",
            )
        if not (port_text.isascii() and port_text.isdigit()) or int(port_text) > 65535:
            raise UserError(
                f"'{spec}' does not end with a port number (0 to 65535)",
                "write tcp:PORT, e.g. tcp:7777 (tcp:0 picks a free port), or tcp:HOST:PORT",
            )
        password = environ.get(PASSWORD_ENV, "")
        return cls(host, int(port_text), password.encode() if password else None)


class _Gate(Enum):
    PASSWORD = "waiting for the password"
    SNIFF = "waiting for a first line that is not HTTP"
    OPEN = "open"


class TcpClient(Endpoint):
    """One accepted connection; its listener starts and tracks it."""

    def __init__(self, listener: TcpListener, sock: socket.socket, addr: tuple[str, int]) -> None:
        self.listener = listener
        self.hub = listener.hub
        self.sock: socket.socket | None = sock
        self.fd = sock.fileno()
        host, port = addr[:2]
        self.peer = Peer(
            f"tcp {host}:{port}",
            self.fd,
            sock.send,
            limit=self.hub.max_buffer,
            disconnect_on_overflow=True,
            on_error=self._failed,
        )
        self.peer.on_overflow = self._overflowed
        self.gate = _Gate.PASSWORD if listener.password is not None else _Gate.SNIFF
        #: input received before the gate opened (one first line or password line at most)
        self.held = bytearray()
        self.attached = False
        self.last_input = time.monotonic()
        self.timer_armed = False
        #: the password line ended with CR: a LF right after it belongs to it
        self.skip_lf = False

    def start(self) -> None:
        self.hub.set_reader(self.fd, self._on_read)
        if self.gate is _Gate.PASSWORD:
            self._say(b"Password: ")
            self.hub.call_later(PASSWORD_TIMEOUT, self._password_timeout)
        else:
            self._arm_timer(self.listener.sniff_quiet)

    def _on_read(self) -> None:
        if self.sock is None:
            return
        try:
            data = self.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._failed(exc)
            return
        if not data:
            log.debug("console: %s disconnected", self.peer.name)
            self.close()
            return
        if self.skip_lf:
            self.skip_lf = False
            data = data.removeprefix(b"\n")
        if self.gate is _Gate.OPEN:
            if data:
                self.hub.deliver(data)
            return
        self.held += data
        self.last_input = time.monotonic()
        if self.gate is _Gate.PASSWORD:
            self._check_password()
        else:
            self._sniff(quiet=False)

    # -- the gate: is it HTTP? -------------------------------------------------------------

    def _sniff(self, *, quiet: bool) -> None:
        verdict, why = classify(bytes(self.held))
        if verdict is Verdict.HTTP:
            self._refuse_http(why)
        elif verdict is Verdict.NOT_HTTP or (quiet and self.held):
            self._open(b"")
        elif quiet:
            self._attach()  # a client that only reads; its first line is still checked
        else:
            self._arm_timer(self.listener.sniff_quiet)

    def _arm_timer(self, delay: float) -> None:
        if not self.timer_armed:
            self.timer_armed = True
            self.hub.call_later(delay, self._on_quiet)

    def _on_quiet(self) -> None:
        self.timer_armed = False
        if self.sock is None or self.gate is not _Gate.SNIFF:
            return
        left = self.last_input + self.listener.sniff_quiet - time.monotonic()
        if left > 0:
            self._arm_timer(left)
        else:
            self._sniff(quiet=True)

    def _refuse_http(self, why: str) -> None:
        self.listener.notice(
            "http",
            f"console: closed {self.peer.name}: its first line is {why}, which looks like HTTP "
            "(a web browser, maybe sent by a web page, or another program speaking HTTP to the "
            "serial console); nothing it sent reached the board",
        )
        if "TLS" not in why:
            self._say(_HTTP_REPLY)
        self.close()

    def _open(self, extra: bytes) -> None:
        """Let this client type: what it sent so far goes to the board, then all it sends."""
        self.gate = _Gate.OPEN
        held = bytes(self.held) + extra
        self.held = bytearray()
        self._attach()
        if held:
            self.hub.deliver(held)

    def _attach(self) -> None:
        if not self.attached:
            self.attached = True
            self.hub.attach(self.peer, replay=True)

    # -- the gate: the password ------------------------------------------------------------

    def _check_password(self) -> None:
        ends = [i for i in (self.held.find(b"\r"), self.held.find(b"\n")) if i >= 0]
        if not ends:
            if len(self.held) > MAX_PASSWORD:
                self._wrong_password(f"a password line longer than {MAX_PASSWORD} bytes")
            return
        end = min(ends)
        line, rest = bytes(self.held[:end]), bytes(self.held[end + 1 :])
        if self.held[end] == 0x0D:  # CR LF, or a CR whose LF comes in the next read
            if rest.startswith(b"\n"):
                rest = rest[1:]
            elif not rest:
                self.skip_lf = True
        self.held = bytearray()
        verdict, why = classify(line + b"\n")
        password = self.listener.password
        if verdict is Verdict.HTTP:
            self._refuse_http(why)
        elif password is not None and hmac.compare_digest(line, password):
            log.debug("console: %s gave the password", self.peer.name)
            self._say(b"\r\n")
            self._open(rest)
        else:
            self._wrong_password("a wrong password")

    def _wrong_password(self, what: str) -> None:
        self.held = bytearray()
        self.hub.set_reader(self.fd, None)  # one guess per connection
        self.listener.notice("password", f"console: {self.peer.name} gave {what}; disconnected")
        self.hub.call_later(WRONG_PASSWORD_DELAY, self._disconnect_wrong)

    def _disconnect_wrong(self) -> None:
        self._say(b"\r\nWrong password; disconnected.\r\n")
        self.close()

    def _password_timeout(self) -> None:
        if self.sock is not None and self.gate is _Gate.PASSWORD:
            self._say(b"\r\nNo password within %d seconds; disconnected.\r\n" % PASSWORD_TIMEOUT)
            self.close()

    def _say(self, text: bytes) -> None:
        """A short message straight to this client (not console output; best effort)."""
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.send(text)

    # -- the connection --------------------------------------------------------------------

    def _failed(self, exc: OSError) -> None:
        log.debug("console: %s dropped: %s", self.peer.name, exc)
        self.close()

    def _overflowed(self) -> None:
        log.warning(
            "console: %s fell more than %d bytes behind; disconnected",
            self.peer.name,
            self.peer.limit,
        )
        self._say(b"\r\n[console: this client fell too far behind; disconnected]\r\n")
        self.close()

    def close(self) -> None:
        if self.sock is None:
            return
        self.hub.detach(self.peer)
        self.hub.set_reader(self.fd, None)
        self.listener.clients.pop(self.fd, None)
        with contextlib.suppress(OSError):
            self.sock.close()
        self.sock = None

    def forget(self) -> None:
        if self.sock is not None:
            # close() of a socket object does not shut the connection down: the parent keeps it
            with contextlib.suppress(OSError):
                self.sock.detach()
                os.close(self.fd)
            self.sock = None


class TcpListener(Endpoint):
    """A listening socket; each accepted client is a peer of its own.

    ``password`` (bytes) makes every client send it first; without one, ``host`` must be a
    loopback address (:class:`~protoboard.errors.UserError` otherwise). ``sniff_quiet``: the
    seconds of quiet after which undecided first input is let through.
    """

    def __init__(
        self,
        hub: EndpointHost,
        host: str,
        port: int,
        *,
        password: bytes | None = None,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        sniff_quiet: float = SNIFF_QUIET,
    ) -> None:
        self.hub = hub
        self.password = password or None
        self.max_clients = max_clients
        self.sniff_quiet = sniff_quiet
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
        family, _, _, _, addr = infos[0]
        if self.password is None and not _is_loopback(str(addr[0])):
            raise UserError(
                f"a TCP console on {addr[0]} would let anyone who can reach this computer type "
                f"into the board; set a password in {PASSWORD_ENV} to listen there, or leave the "
                "host out to listen on 127.0.0.1 only"
            )
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
        self.clients: dict[int, TcpClient] = {}
        #: kind -> (when last logged, how many left out since)
        self._notices: dict[str, tuple[float, int]] = {}

    def start(self) -> None:
        if self.sock is not None:
            self.hub.set_reader(self.fd, self._on_accept)

    def notice(self, kind: str, message: str) -> None:
        """Log a refusal, at most once every NOTICE_INTERVAL seconds per kind (a flood of
        connections must not flood the terminal)."""
        now = time.monotonic()
        last, left_out = self._notices.get(kind, (-NOTICE_INTERVAL, 0))
        if now - last < NOTICE_INTERVAL:
            self._notices[kind] = (last, left_out + 1)
            return
        self._notices[kind] = (now, 0)
        if left_out:
            message += f" ({left_out} more like it in the last {now - last:.0f} s)"
        log.warning("%s", message)

    def _on_accept(self) -> None:
        for _ in range(_ACCEPT_BURST):
            if self.sock is None:
                return
            try:
                conn, addr = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    # The backlog stays readable: pause, or the loop would spin.
                    log.warning("console: cannot accept TCP clients (%s); retrying", exc)
                    self.hub.set_reader(self.fd, None)
                    self.hub.call_later(_ACCEPT_RETRY, self.start)
                    return
                log.debug("console: accept failed: %s", exc)  # ECONNABORTED and the like
                continue
            if len(self.clients) >= self.max_clients:
                self._turn_away(conn, addr)
            else:
                self._add_client(conn, addr)

    def _turn_away(self, conn: socket.socket, addr: tuple[str, int]) -> None:
        with conn:
            conn.setblocking(False)
            with contextlib.suppress(OSError):
                conn.send(
                    b"[console: %d clients are connected already, the most this console "
                    b"takes; close one and try again]\r\n" % self.max_clients
                )
        self.notice(
            "full",
            f"console: turned away tcp {addr[0]}:{addr[1]}: {self.max_clients} TCP clients are "
            "connected already",
        )

    def _add_client(self, conn: socket.socket, addr: tuple[str, int]) -> None:
        conn.setblocking(False)
        with contextlib.suppress(OSError):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client = TcpClient(self, conn, addr)
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


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False
