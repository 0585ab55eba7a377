"""What the displays share (``busdisplay.BusDisplay``, ``epaperdisplay.EPaperDisplay``,
``framebufferio.FramebufferDisplay``): each keeps a ``DisplayCore`` (``_core``), a lock and the
object it draws through, and these give them the same ``root_group``, geometry, rotation,
``auto_refresh`` and terminal.

The properties are made per class (:func:`core_size`, :func:`rotation_property`...) rather than
inherited so that each class keeps its own CircuitPython docstring in the API pages.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from protoboard.bindings import _validate
from protoboard.displaycore.display_core import REFRESHER, DisplayCore


class DisplayBase:
    """The state the shared properties use; each display sets it up in its constructor."""

    _core: DisplayCore
    _lock: threading.RLock
    _auto_refresh: bool
    _first_manual_refresh: bool
    _seconds_per_frame: float

    def _show_terminal(self) -> None:
        """With no group of its own, a display shows the serial terminal (Blinka, the status
        line and the scroll area laid out for its size), as a board's built-in display does."""
        from protoboard.bindings._terminal_display import start_terminal
        from protoboard.bindings.displayio import CIRCUITPYTHON_TERMINAL

        if not CIRCUITPYTHON_TERMINAL._in_group:
            start_terminal(self._core.width, self._core.height)
            self._core.set_root_group(CIRCUITPYTHON_TERMINAL)

    def _refresh_display(self) -> None:
        raise NotImplementedError

    def _background(self) -> None:
        """Called by the refresher: refresh when ``auto_refresh`` is on and a frame is due."""
        if self._auto_refresh and (
            time.monotonic() - self._core.last_refresh > self._seconds_per_frame
        ):
            self._refresh_display()

    def _fill_row_into(self, y: int, view: memoryview) -> None:
        """``fill_row``'s drawing, once the display has checked the buffer: row ``y`` in the
        display's pixel format at the start of ``view``."""
        from protoboard.displaycore.area import Area

        data = self._core.fill(Area(0, y, self._core.width, y + 1))
        view[: len(data)] = data


def core_size(attribute: str, doc: str) -> property:
    """``width`` or ``height``: the core's, as rotated."""

    def get(self: DisplayBase) -> int:
        return int(getattr(self._core, attribute))

    return property(get, doc=doc)


def rotation_property(doc: str, *, steps_of_90: bool = False) -> property:
    """``rotation``; ``steps_of_90``: a new rotation must be a multiple of 90 (framebufferio's
    setter checks, the bus displays' do not)."""

    def get(self: DisplayBase) -> int:
        return self._core.rotation

    def set_(self: DisplayBase, value: int) -> None:
        rotation = _validate.to_int(value, "rotation")
        if steps_of_90 and rotation % 90 != 0:
            raise ValueError("Display rotation must be in 90 degree increments")
        with self._lock:
            core = self._core
            if (core.rotation in (90, 270)) != (rotation % 360 in (90, 270)):
                core.width, core.height = core.height, core.width
            core.set_rotation(rotation)
            core.update_transform()

    return property(get, set_, doc=doc)


def root_group_property(doc: str) -> property:
    """``root_group``: a ``displayio.Group`` (not one already in another group) or None."""

    def get(self: DisplayBase) -> Any:
        return self._core.root_group

    def set_(self: DisplayBase, value: Any) -> None:
        from protoboard.bindings.displayio import Group

        group = None if value is None else _validate.of_type(value, Group, "root_group")
        with self._lock:
            if not self._core.set_root_group(group):
                raise ValueError("Group already used")

    return property(get, set_, doc=doc)


def auto_refresh_property() -> property:
    """``auto_refresh``: on, the refresher calls the display's ``_background``; off, the next
    manual refresh is the first (its frame-rate checks start from it)."""

    def get(self: DisplayBase) -> bool:
        return self._auto_refresh

    def set_(self: DisplayBase, value: bool) -> None:
        self._first_manual_refresh = not value
        self._auto_refresh = bool(value)
        if self._auto_refresh:
            REFRESHER.add(self)
        else:
            REFRESHER.discard(self)

    return property(get, set_, doc="True when the display is refreshed automatically.")


def bus_property() -> property:
    def get(self: Any) -> Any:
        return self._bus_object

    return property(get, doc="The bus being used by the display")


def show_removed(self: Any, group: Any) -> None:
    """Removed; use ``root_group`` (CircuitPython 9 took ``show()`` away)."""
    raise AttributeError(".show(x) removed. Use .root_group = x")


def release_bus(bus: Any) -> None:
    """Let the display's bus go (``displayio.release_displays()``)."""
    release = getattr(bus, "_release", None)
    if release is not None:
        release()
