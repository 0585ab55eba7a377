"""Serial parts."""

from __future__ import annotations

from protoboard.ports.sim.parts.base import UARTPart


class SerialLoopback(UARTPart):
    """A serial device that echoes every byte the program sends (a TX-to-RX jumper with a log).

    ``received`` holds all bytes the program wrote; set ``echo=False`` to only listen, and use
    :meth:`send` to type at the program.
    """

    kind = "SerialLoopback"

    def __init__(self, *, name: str | None = None, echo: bool = True) -> None:
        super().__init__(name=name)
        self.echo = echo
        self.received = bytearray()

    def uart_receive(self, data: bytes) -> None:
        self.received += data
        if self.echo and "rx" in self.connections:
            self.send(data)
