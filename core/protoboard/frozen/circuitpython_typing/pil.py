"""The image protocols of PIL that some display libraries accept (``circuitpython_typing.pil``)."""

from __future__ import annotations

from typing import Any, Protocol


class PixelAccess(Protocol):
    """Pixels indexed by (x, y)."""

    def __getitem__(self, xy: tuple[int, int]) -> int | tuple[int, ...]: ...


class Image(Protocol):
    """A PIL-like image."""

    mode: str
    size: tuple[int, int]
    width: int
    height: int

    def load(self) -> PixelAccess: ...

    def convert(self, mode: str) -> Any: ...
