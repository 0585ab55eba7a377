"""Contract for ``rotaryio``: a quadrature decoder."""

from __future__ import annotations

import abc

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


class IncrementalEncoder(Implementation):
    def __init__(self, backend: Backend, pin_a: str, pin_b: str) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def read_quarter_steps(self) -> int:
        """Signed count of valid quadrature transitions since construction."""
