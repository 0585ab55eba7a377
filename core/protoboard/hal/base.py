"""Shared pieces of every peripheral contract."""

from __future__ import annotations

import abc
from typing import Any


class Implementation(abc.ABC):
    """Base of every port implementation.

    ``backend`` is the port's per-board state (for the simulator, the :class:`Simulator`);
    ``pin`` arguments are port pin ids (strings), never binding objects.
    """

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    @abc.abstractmethod
    def deinit(self) -> None:
        """Release the hardware. Called once; the binding guarantees no call after it."""
