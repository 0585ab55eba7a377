"""Which objects a Group may hold: Groups, TileGrids and vectorio shapes (the C code's native
bases and draw protocol)."""

from __future__ import annotations

from typing import Any

#: classes whose instances are layers; vectorio registers its shape base when imported
LAYER_TYPES: list[type] = []


def register(cls: type) -> None:
    if cls not in LAYER_TYPES:
        LAYER_TYPES.append(cls)


def is_layer(obj: Any) -> bool:
    return isinstance(obj, tuple(LAYER_TYPES))
