"""Protocols for objects with a ``value`` (``circuitpython_typing.io``)."""

from __future__ import annotations

from typing import Protocol


class ROValueIO(Protocol):
    """Has a readable ``value`` (a ``digitalio.DigitalInOut``, an ``analogio.AnalogIn``)."""

    @property
    def value(self) -> float: ...


class ValueIO(Protocol):
    """Has a readable and writable ``value``."""

    value: float
