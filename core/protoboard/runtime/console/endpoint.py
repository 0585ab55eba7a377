"""What an endpoint is, and the hub as its endpoints see it.

An endpoint (the terminal, a pty, a TCP listener) owns its fds and turns them into peers: it
watches its input through :meth:`EndpointHost.set_reader`, hands what a peer types to
:meth:`EndpointHost.deliver`, and starts and stops a peer's output with
:meth:`EndpointHost.attach` and :meth:`EndpointHost.detach`. That is all it may ask of the hub.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

from protoboard.runtime.console.peer import Peer

#: the most an endpoint reads from an fd at once
READ_SIZE = 65536


class EndpointHost(ABC):
    """The hub's side of the endpoint contract.

    Methods marked *I/O thread* may only be called from the hub's I/O thread (an endpoint's
    ``start`` and its callbacks run there).
    """

    #: the output buffer bound for each peer, in bytes
    max_buffer: int

    @abstractmethod
    def deliver(self, data: bytes) -> None:
        """Pass what a peer typed to the console's input (*I/O thread*)."""

    @abstractmethod
    def request_quit(self) -> None:
        """The user typed the quit key (*I/O thread*)."""

    @abstractmethod
    def set_reader(self, fd: int, callback: Callable[[], None] | None) -> None:
        """Call ``callback`` whenever ``fd`` is readable; None stops it (*I/O thread*)."""

    @abstractmethod
    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        """Call ``callback`` once, ``delay`` seconds from now (*I/O thread*)."""

    @abstractmethod
    def attach(self, peer: Peer, *, replay: bool) -> None:
        """Start sending output to ``peer``, first the recent output if ``replay``."""

    @abstractmethod
    def detach(self, peer: Peer) -> None:
        """Stop sending output to ``peer`` and drop what it has pending (*I/O thread*)."""


class Endpoint(ABC):
    """One kind of console connection, added to the hub and closed by it."""

    @abstractmethod
    def start(self) -> None:
        """Begin watching the fds (*I/O thread*)."""

    @abstractmethod
    def close(self) -> None:
        """Detach every peer and close every fd (*I/O thread*, or once the thread stopped)."""

    @abstractmethod
    def forget(self) -> None:
        """In a forked child: close this process's copies of the fds, touching nothing shared."""
