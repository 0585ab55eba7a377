"""The PWM output protocol (``circuitpython_typing.pwmio``)."""

from __future__ import annotations

from typing import Protocol


class PWMOut(Protocol):
    """Has a ``duty_cycle``, as ``pwmio.PWMOut``."""

    duty_cycle: int
