"""The display side of a refresh, shared by BusDisplay and EPaperDisplay: CircuitPython's
``display_core.c`` and ``BusDisplay.c`` refresh loop in Python.

A :class:`DisplayCore` holds the width, height, rotation, colour space and root group of a
display; :meth:`DisplayCore.refresh_areas` gives the areas to redraw (the whole panel after a
change of group or rotation, else what the group reports dirty) and :func:`send_area` renders
one area into buffers of CircuitPython's size and sends them over a :class:`BusCore`, one
sub-rectangle at a time, as the C code does (so a part sees the same windows and byte counts).
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any, Protocol

from protoboard.displaycore.area import Area, Transform, rotation_transform
from protoboard.displaycore.bus_core import BusCore, ByteType, ChipSelect, PixelFormat, Region
from protoboard.displaycore.colorspace import Colorspace
from protoboard.displaycore.render import buffer_size, clip_area, mask_size

#: CircuitPython's ``CIRCUITPY_DISPLAY_AREA_BUFFER_SIZE``: pixels rendered per bus transfer are
#: limited to this many bytes. Each port picks it (512 on most, 1920 on the Raspberry Pi port,
#: 8192 on some boards); this port has memory to spare and every transfer costs Python calls,
#: so it takes 32 KiB (a 320 x 240 16-bit frame goes in 5 pieces instead of 240)
AREA_BUFFER_BYTES = 32768


class DisplayCore:
    """Width, height, rotation, colour space and root group of a display."""

    def __init__(self, width: int, height: int, rotation: int, colorspace: Colorspace) -> None:
        self.width = width
        self.height = height
        self.colorspace = colorspace
        self.root_group: Any = None
        self.full_refresh = True
        self.last_refresh = 0.0
        self.refresh_in_progress = False
        #: the areas the refresh in progress took (None before it asks for them)
        self._taken: list[Area] | None = None
        self.set_rotation(rotation)

    def set_rotation(self, rotation: int) -> None:
        self.rotation = rotation % 360
        self.transform, self.area = self._transform_for(self.rotation)
        self.full_refresh = True

    def _transform_for(self, rotation: int) -> tuple[Transform, Area]:
        # As display_core.c: width/height are the display's as the program sees it; at 90/270
        # the panel's area is height x width.
        return rotation_transform(self.width, self.height, rotation)

    def set_root_group(self, group: Any) -> bool:
        """Show ``group`` (None: nothing). False when it is already shown somewhere else."""
        if group is self.root_group:
            return True
        if group is not None and group._in_group:
            return False
        if self.root_group is not None:
            self.root_group._update_transform(None)
        if group is not None:
            group._update_transform(self.transform)
        self.root_group = group
        self.full_refresh = True
        return True

    def update_transform(self) -> None:
        if self.root_group is not None:
            self.root_group._update_transform(self.transform)

    def refresh_areas(self) -> list[Area]:
        """The areas to redraw. During a refresh (after :meth:`start_refresh`) the first call
        also takes them: the group's change marks are reset at once, not when the refresh
        ends. Auto-refresh runs on a thread, so the program may change a label while its frame
        is being drawn; on a board the refresh runs between the program's bytecodes and cannot
        lose such a change, and here the change marks it for the next refresh rather than being
        wiped by this one's end."""
        if self.refresh_in_progress:
            if self._taken is None:
                self._taken = self._collect_areas()
                self._reset_marks()
            return self._taken
        return self._collect_areas()

    def _collect_areas(self) -> list[Area]:
        if self.full_refresh:
            return [self.area.copy()]
        areas: list[Area] = []
        if self.root_group is not None:
            self.root_group._get_refresh_areas(areas)
        return areas

    def _reset_marks(self) -> None:
        self.full_refresh = False
        if self.root_group is not None:
            self.root_group._finish_refresh()

    def start_refresh(self) -> bool:
        if self.refresh_in_progress:
            return False
        self.refresh_in_progress = True
        self._taken = None
        self.last_refresh = time.monotonic()
        return True

    def finish_refresh(self) -> None:
        if self._taken is None:  # a refresh that never asked for its areas
            self._reset_marks()
        self._taken = None
        self.refresh_in_progress = False
        self.last_refresh = time.monotonic()

    def fill(self, area: Area) -> bytearray:
        buffer = bytearray(buffer_size(self.colorspace, area))
        if self.root_group is not None:
            mask = bytearray(mask_size(area))
            self.root_group._fill_area(self.colorspace, area, mask, memoryview(buffer))
        return buffer

    def release(self) -> None:
        if self.root_group is not None:
            self.root_group._update_transform(None)
            self.root_group = None


def _subrectangles(core: DisplayCore, clipped: Area, sh1107: bool) -> list[Area]:
    """How the C code cuts an area so each piece fits its pixel buffer."""
    cs = core.colorspace
    rows = clipped.height()
    if sh1107:
        rows_per_buffer = 8  # page addressing writes 8 rows at a time
    else:
        pixels_per_buffer = AREA_BUFFER_BYTES * 8 // cs.depth
        rows_per_buffer = rows
        if clipped.size() > pixels_per_buffer:
            rows_per_buffer = max(pixels_per_buffer // clipped.width(), 1)
            if cs.depth < 8 and not cs.pixels_in_byte_share_row:
                per_byte = 8 // cs.depth
                rows_per_buffer -= rows_per_buffer % per_byte
    pieces = []
    y = clipped.y1
    while y < clipped.y2:
        pieces.append(Area(clipped.x1, y, clipped.x2, min(y + rows_per_buffer, clipped.y2)))
        y += rows_per_buffer
    return pieces


def send_area(
    core: DisplayCore, bus: BusCore, area: Area, write_ram_command: int, sh1107: bool = False
) -> bool:
    """Render ``area`` and send it, one buffer-sized piece at a time; False when the bus was
    busy."""
    clipped = clip_area(core.colorspace, core.area, area)
    if clipped is None:
        return True
    cs = core.colorspace
    pixels = PixelFormat(cs.depth, cs.pixels_in_byte_share_row, cs.bytes_per_cell)
    for piece in _subrectangles(core, clipped, sh1107):
        buffer = core.fill(piece)
        bus.set_region(Region(piece.x1, piece.y1, piece.x2, piece.y2), pixels)
        if not bus.begin():
            return False
        if not bus.data_as_commands:
            bus.send(ByteType.COMMAND, ChipSelect.TOGGLE_EVERY_BYTE, bytes([write_ram_command]))
        bus.send(ByteType.DATA, ChipSelect.UNTOUCHED, bytes(buffer))
        bus.end()
    return True


class Refreshable(Protocol):
    def _background(self) -> None: ...


class BackgroundRefresher:
    """Refreshes auto-refresh displays while the program runs, as a board's background tasks
    do: one daemon thread for all displays, started by the first display that needs it."""

    PERIOD = 0.004

    def __init__(self) -> None:
        self._displays: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, display: Refreshable) -> None:
        with self._lock:
            self._displays.add(display)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="display-refresh", daemon=True
                )
                self._thread.start()

    def discard(self, display: Refreshable) -> None:
        with self._lock:
            self._displays.discard(display)

    def _run(self) -> None:
        while True:
            with self._lock:
                displays = list(self._displays)
            for display in displays:
                try:
                    display._background()
                except Exception:  # a failed frame must not stop the others
                    # The program sees its own errors; a refresh that failed (a part
                    # detached mid-frame, the bus released) is retried next period.
                    continue
            time.sleep(self.PERIOD)


REFRESHER = BackgroundRefresher()
