"""The simulated board's sockets: the host's, allowed out only while the world has a network."""

from __future__ import annotations

import socket

from protoboard.hal import socketpool as hal
from protoboard.hal.errors import HardwareError
from protoboard.ports.sim.model import Simulator
from protoboard.ports.sim.network import MAX_SOCKETS, state


class SocketPool(hal.SocketPool):
    def __init__(self, backend: Simulator) -> None:
        super().__init__(backend)
        self._net = state(backend)

    def resolve(self, host: str) -> str:
        numeric = _numeric(host)
        if numeric is not None:
            return numeric
        net = self._net
        if net.joined is None or not net.enabled or not net.joined.internet:
            raise hal.NameNotFound(host)
        try:
            found = socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise hal.NameNotFound(host) from None
        return str(found[0][4][0])

    def check_route(self, address: str) -> None:
        import errno

        if not self._net.reachable(address):
            raise hal.Unreachable(errno.EHOSTUNREACH)

    def open(self, family: int, kind: int, proto: int) -> socket.socket:
        if len(self._net.sockets) >= MAX_SOCKETS:
            raise HardwareError("Out of sockets")
        sock = socket.socket(family, kind, proto)
        self._net.track(sock)
        return sock

    def adopt(self, sock: socket.socket) -> None:
        self._net.track(sock)

    def close(self, sock: socket.socket) -> None:
        self._net.forget(sock)

    def lost(self, sock: socket.socket) -> int | None:
        return self._net.lost.get(sock)

    def deinit(self) -> None:
        """Sockets are closed by the program (or when its process ends)."""


def _numeric(host: str) -> str | None:
    try:
        return socket.inet_ntoa(socket.inet_aton(host)) if host.count(".") == 3 else None
    except OSError:
        return None
