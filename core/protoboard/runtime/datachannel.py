"""``usb_cdc.data``'s host side in ``protoboard run``: the board's second serial port.

A pty pair whose slave each VM opens when boot.py enabled the data channel, mirrored to the
endpoints given with ``protoboard run --data`` (a pty serial tools open, or a TCP port for
pyserial's ``socket://``), as the console is. Unlike the console it replays nothing to a tool
that connects late: a data channel carries the program's protocol, not a transcript.
"""

from __future__ import annotations

import termios
import tty
from collections.abc import Callable

from protoboard.runtime.console import ConsoleHub
from protoboard.runtime.console.tcp import TcpSpec
from protoboard.runtime.vmconsole import VMConsole


class DataChannel:
    def __init__(self) -> None:
        self.hub = ConsoleHub(self._typed, scrollback=0)
        self.pipe = VMConsole(self.hub.write)
        tty.setraw(self.pipe.slave, termios.TCSANOW)  # bytes, not lines: no echo, no CR/LF
        #: what a VM opens (usb_cdc.data)
        self.path = self.pipe.path

    def _typed(self, data: bytes) -> None:
        self.pipe.type(data)

    def open(self, specs: tuple[str, ...], log: Callable[[str], None]) -> None:
        """Start the endpoints: "pty" or "tcp:PORT" (as ``--console``)."""
        self.pipe.start()
        for spec in specs:
            if spec == "pty":
                log(f"usb_cdc.data serial port: {self.hub.add_pty()}")
            elif spec.startswith("tcp:"):
                tcp = TcpSpec.parse(spec)
                host, port = self.hub.add_tcp(tcp.host, tcp.port, password=tcp.password)
                where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
                log(f"usb_cdc.data serial port: socket://{where}")
            else:
                raise OSError(f"unknown data endpoint '{spec}' (use pty or tcp:PORT)")

    def close(self) -> None:
        self.hub.close()
        self.pipe.close()
