"""The stream endpoint: in-process clients of the console, each given one end of a socket pair.

Parts of the runtime that speak to the console over a transport of their own (the web
workflow's ``/cp/serial/`` WebSocket, the browser board view) call :meth:`StreamEndpoint.open`
from any thread and get a connected, blocking stream socket: reading it gives the console's
output (first the recent output, as a late TCP client gets), writing to it types, as on the
terminal (Ctrl-C included). Closing it leaves. The hub's side is non-blocking and bounded like a
TCP client's: a reader that falls more than ``max_buffer`` bytes behind is disconnected (its
socket reads EOF). At most ``max_clients`` are open at once; beyond, :meth:`open` raises
:class:`ConnectionRefusedError` with a plain-words message.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading

from protoboard.runtime.console.endpoint import READ_SIZE, Endpoint, EndpointHost
from protoboard.runtime.console.peer import Peer

log = logging.getLogger(__name__)

#: in-process stream clients open at once
DEFAULT_MAX_STREAMS = 8


class _Stream:
    def __init__(self, owner: StreamEndpoint, sock: socket.socket, name: str) -> None:
        self.owner = owner
        self.sock: socket.socket | None = sock
        self.fd = sock.fileno()
        self.peer = Peer(
            name,
            self.fd,
            sock.send,
            limit=owner.hub.max_buffer,
            disconnect_on_overflow=True,
            on_error=lambda exc: self.close(),
        )
        self.peer.on_overflow = self._overflowed

    def start(self) -> None:
        self.owner.hub.set_reader(self.fd, self._on_read)
        self.owner.hub.attach(self.peer, replay=True)

    def _on_read(self) -> None:
        if self.sock is None:
            return
        try:
            data = self.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data:
            self.owner.hub.deliver(data)
        else:
            self.close()

    def _overflowed(self) -> None:
        log.warning("console: %s fell too far behind; disconnected", self.peer.name)
        self.close()

    def close(self) -> None:
        if self.sock is None:
            return
        hub = self.owner.hub
        hub.detach(self.peer)
        hub.set_reader(self.fd, None)
        with contextlib.suppress(OSError):
            self.sock.close()
        self.sock = None
        with self.owner.lock:
            self.owner.streams.pop(self.fd, None)

    def forget(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                os.close(self.sock.detach())
            self.sock = None


class StreamEndpoint(Endpoint):
    """Hands out console streams (see the module's doc). ``call_soon`` runs a callback on the
    hub's I/O thread (thread-safe)."""

    def __init__(
        self,
        hub: EndpointHost,
        call_soon: object,
        *,
        max_clients: int = DEFAULT_MAX_STREAMS,
    ) -> None:
        self.hub = hub
        self._call_soon = call_soon
        self.max_clients = max_clients
        self.lock = threading.Lock()
        self.streams: dict[int, _Stream] = {}
        self.closed = False

    def open(self, name: str) -> socket.socket:
        """A new console stream named ``name`` (``"web serial 127.0.0.1:5123"``)."""
        ours, theirs = socket.socketpair()
        ours.setblocking(False)
        stream = _Stream(self, ours, name)
        with self.lock:
            if self.closed or len(self.streams) >= self.max_clients:
                ours.close()
                theirs.close()
                raise ConnectionRefusedError(
                    f"{self.max_clients} console streams are open, the most served; close one"
                    if not self.closed
                    else "the console is closed"
                )
            self.streams[stream.fd] = stream
        self._call_soon(stream.start)  # type: ignore[operator]
        return theirs

    def start(self) -> None:
        pass  # streams start as they are opened

    def close(self) -> None:
        with self.lock:
            self.closed = True
            streams = list(self.streams.values())
        for stream in streams:
            stream.close()

    def forget(self) -> None:
        with self.lock:
            streams = list(self.streams.values())
            self.streams.clear()
        for stream in streams:
            stream.forget()
