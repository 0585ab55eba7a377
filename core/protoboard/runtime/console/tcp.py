"""The TCP endpoint: a listener speaking raw bytes, as pyserial's ``socket://`` does.

Each accepted client is a peer of its own; ``connected`` while at least one client is.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket

from protoboard.runtime.console.endpoint import READ_SIZE, Endpoint, EndpointHost
from protoboard.runtime.console.peer import Peer

log = logging.getLogger(__name__)

_ACCEPT_BURST = 64
_ACCEPT_RETRY = 1.0  # seconds to pause accepting after EMFILE/ENFILE


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

    def start(self) -> None:
        self.hub.set_reader(self.fd, self._on_read)
        self.hub.attach(self.peer, replay=True)

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
        self.hub.deliver(data)

    def _failed(self, exc: OSError) -> None:
        log.debug("console: %s dropped: %s", self.peer.name, exc)
        self.close()

    def _overflowed(self) -> None:
        log.warning(
            "console: %s fell more than %d bytes behind; disconnected",
            self.peer.name,
            self.peer.limit,
        )
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.send(b"\r\n[console: this client fell too far behind; disconnected]\r\n")
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
    """A listening socket; each accepted client is a peer of its own."""

    def __init__(self, hub: EndpointHost, host: str, port: int) -> None:
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
        self.clients: dict[int, TcpClient] = {}

    def start(self) -> None:
        if self.sock is not None:
            self.hub.set_reader(self.fd, self._on_accept)

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
            self._add_client(conn, addr)

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
