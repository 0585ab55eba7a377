"""Colours and LED protocols (``circuitpython_typing.led``)."""

from __future__ import annotations

from typing import Protocol

ColorBasedColorUnion = int | tuple[int, int, int]
FillBasedColorUnion = ColorBasedColorUnion | tuple[int, int, int, int]


class ColorBasedLED(Protocol):
    """An LED set with ``color``."""

    def color(self, value: ColorBasedColorUnion) -> None: ...


class FillBasedLED(Protocol):
    """An LED set with ``fill``."""

    def fill(self, color: FillBasedColorUnion) -> None: ...
