"""Contract for ``socketpool``: the IP stack behind a radio.

A port resolves names, says whether an address can be reached, and opens sockets of the host's
kind (:class:`socket.socket`): the binding gives them CircuitPython's API and errors. On the
simulated board the stack is the host's, gated by the simulated world (no access point, no
internet); the Linux port can hand out the host's sockets as they are.
"""

from __future__ import annotations

import abc
import socket

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation
from protoboard.hal.errors import HalError


class NameNotFound(HalError):
    """The name could not be resolved (no DNS answer, no network)."""


class Unreachable(HalError):
    """No route to the address: ``errno`` says why (EHOSTUNREACH, ENETUNREACH...)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.errno = code


class SocketPool(Implementation):
    """The sockets of one network interface."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def resolve(self, host: str) -> str:
        """The IPv4 address of ``host`` (a name or a dotted address). Raises
        :class:`NameNotFound`."""

    @abc.abstractmethod
    def check_route(self, address: str) -> None:
        """Raise :class:`Unreachable` unless packets to ``address`` can go out now."""

    @abc.abstractmethod
    def open(self, family: int, kind: int, proto: int) -> socket.socket:
        """A new host socket; the port may close it when the network goes away."""

    @abc.abstractmethod
    def close(self, sock: socket.socket) -> None:
        """The program closed ``sock``: forget it."""

    def adopt(self, sock: socket.socket) -> None:
        """A socket the program got another way (accepted, or wrapped in TLS): treat it as one
        :meth:`open` returned. The default does nothing."""

    @abc.abstractmethod
    def lost(self, sock: socket.socket) -> int | None:
        """The errno ``sock`` now fails with because the network went away after it was
        opened (the port shut it down then), or None."""
