"""Socket protocols (``circuitpython_typing.socket``)."""

from __future__ import annotations

from types import ModuleType
from typing import Any, Protocol


class CommonSocketType(Protocol):
    """What every socket has."""

    def send(self, data: bytes, /) -> int | None: ...

    def settimeout(self, value: float | None, /) -> None: ...

    def close(self) -> None: ...


class CircuitPythonSocketType(CommonSocketType, Protocol):
    """A ``socketpool`` socket."""

    def recv_into(self, buffer: bytearray, nbytes: int = ..., /) -> int: ...


StandardPythonSocketType = CommonSocketType
SocketType = CircuitPythonSocketType | StandardPythonSocketType
SocketpoolModuleType = ModuleType


class InterfaceType(Protocol):
    """A network interface with an ``TLS_MODE``."""

    @property
    def TLS_MODE(self) -> int: ...


SSLContextType = Any
