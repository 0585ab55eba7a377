"""Shared pieces of every peripheral contract."""

from __future__ import annotations

import abc

from protoboard.hal.backend import Backend


class Implementation(abc.ABC):
    """Base of every port implementation.

    ``backend`` is the port's per-board world (for the simulator, the :class:`Simulator`);
    ``pin`` arguments are port pin ids (strings), never binding objects.
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @abc.abstractmethod
    def deinit(self) -> None:
        """Release the hardware. Called once; the binding guarantees no call after it."""


def contract_name(contract: type[Implementation]) -> str:
    """``"busio.I2C"`` for :class:`protoboard.hal.busio.I2C`: the module and class a user knows."""
    return f"{contract.__module__.rpartition('.')[2]}.{contract.__qualname__}"
