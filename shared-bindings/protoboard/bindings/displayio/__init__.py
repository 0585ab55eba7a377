"""High level, display object compositing system

The `displayio` module contains classes to define what objects to display.
It is display type agnostic. Other modules define display-specific classes:
`busdisplay`, `epaperdisplay`, `framebufferio`. They use a bus from
`fourwire`, `i2cdisplaybus` or `paralleldisplaybus`.

Protoboard draws exactly what CircuitPython's C code draws: the same pixels in the same
display format, the same dirty areas, transparency, flips, transposes, scaling and colour
conversions (``protoboard.displaycore``).
"""

from __future__ import annotations

import importlib
from typing import Any

from protoboard.bindings import _enum
from protoboard.bindings.displayio._bitmap import Bitmap, Colorspace
from protoboard.bindings.displayio._group import Group
from protoboard.bindings.displayio._ondisk import OnDiskBitmap
from protoboard.bindings.displayio._shaders import ColorConverter, Palette
from protoboard.bindings.displayio._tilegrid import TileGrid
from protoboard.displaycore import registry

CIRCUITPYTHON_TERMINAL: Group = Group()
"""The `displayio.Group` that is the displayed serial terminal (REPL)."""


def release_displays() -> None:
    """Releases any actively used displays so their buses and pins can be used again. This will also
    release the builtin display on boards that have one. You will need to reinitialize it yourself
    afterwards. This may take seconds to complete if an active EPaperDisplay is refreshing.

    Use this once in your code.py if you initialize a display. Place it right before the
    initialization so the display is active as long as possible.

    Once you release a builtin display (one that is initialized automatically, not by user code),
    the display will remain released even if you restart the CircuitPython VM, for instance by
    typing ctrl-D.
    The display is not re-initialized until you do a hard reset or manually initialize it again.
    """
    registry.release_all()


#: CircuitPython 9's names, still in circuitpython-stubs 10.3.1's displayio: the classes of the
#: display modules, looked up when first used.
_ALIASES = {
    "Display": ("busdisplay", "BusDisplay"),
    "EPaperDisplay": ("epaperdisplay", "EPaperDisplay"),
    "FourWire": ("fourwire", "FourWire"),
    "I2CDisplay": ("i2cdisplaybus", "I2CDisplayBus"),
}


def __getattr__(name: str) -> Any:
    if name in _ALIASES:
        module_name, attribute = _ALIASES[name]
        try:
            module = importlib.import_module(f"protoboard.bindings.{module_name}")
        except ImportError:
            raise AttributeError(f"module 'displayio' has no attribute '{name}'") from None
        return getattr(module, attribute)
    raise AttributeError(f"module 'displayio' has no attribute '{name}'")


_enum.publish(
    "displayio",
    Bitmap,
    ColorConverter,
    Colorspace,
    Group,
    OnDiskBitmap,
    Palette,
    TileGrid,
    release_displays,
)

__all__ = [
    "CIRCUITPYTHON_TERMINAL",
    "Bitmap",
    "ColorConverter",
    "Colorspace",
    "Group",
    "OnDiskBitmap",
    "Palette",
    "TileGrid",
    "release_displays",
]
