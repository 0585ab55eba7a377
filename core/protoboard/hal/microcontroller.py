"""Contract for ``microcontroller``: the processor and its non-volatile memory."""

from __future__ import annotations

import abc

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


class Processor(Implementation):
    """Facts about one CPU core. ``None`` where the port cannot tell."""

    def __init__(self, backend: Backend, index: int) -> None:
        super().__init__(backend)

    @property
    @abc.abstractmethod
    def frequency(self) -> int: ...

    @property
    @abc.abstractmethod
    def temperature(self) -> float | None: ...

    @property
    @abc.abstractmethod
    def voltage(self) -> float | None: ...

    @property
    @abc.abstractmethod
    def uid(self) -> bytes: ...

    def deinit(self) -> None:
        """Processors are never released."""


class NVM(Implementation):
    """A fixed-size byte store that keeps its contents across runs."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)

    @property
    @abc.abstractmethod
    def size(self) -> int: ...

    @abc.abstractmethod
    def read(self, start: int, end: int) -> bytes: ...

    @abc.abstractmethod
    def write(self, start: int, data: bytes) -> None: ...

    def deinit(self) -> None:
        """The NVM is never released."""
