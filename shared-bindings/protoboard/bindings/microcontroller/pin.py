"""Microcontroller pin names: the active board's pins under their chip names.

``microcontroller.pin.GPIO13`` is the same object as ``board.D13`` when the board gives the pin
that name.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    from protoboard.machine import current

    pins = current().pins
    if name in pins:
        return pins[name]
    raise AttributeError(f"module 'microcontroller.pin' has no attribute '{name}'")


def __dir__() -> list[str]:
    from protoboard.machine import current

    return sorted(current().pins)
