"""Contract for ``countio``: an edge counter on one pin."""

from __future__ import annotations

import abc
import enum

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation
from protoboard.hal.digitalio import Pull


class Edge(enum.Enum):
    RISE = "rise"
    FALL = "fall"
    RISE_AND_FALL = "rise_and_fall"


class Counter(Implementation):
    def __init__(self, backend: Backend, pin: str, edge: Edge, pull: Pull | None) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def read(self) -> int:
        """Edges counted since construction (never reset by the port)."""
