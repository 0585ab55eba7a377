"""``epaperdisplay``: e-paper displays, which keep their picture without power and refresh
slowly (a few seconds) and rarely (the panel needs a rest between refreshes)."""

from __future__ import annotations

import threading
import time
from typing import Any

from protoboard.bindings import _display, _validate
from protoboard.displaycore import registry
from protoboard.displaycore.area import Area
from protoboard.displaycore.bus_core import (
    NO_COMMAND,
    BusCore,
    ByteType,
    ChipSelect,
    PixelFormat,
    Region,
)
from protoboard.displaycore.colorspace import Colorspace, hue
from protoboard.displaycore.display_core import REFRESHER, DisplayCore
from protoboard.displaycore.render import clip_area

DELAY = 0x80
#: pixel buffer of the C code's e-paper refresh (128 uint32 words)
BUFFER_BYTES = 512


def _optional_command(value: Any, name: str) -> int:
    return NO_COMMAND if value is None else _validate.to_int(value, name)


class EPaperDisplay(_display.DisplayBase):
    """Manage updating an epaper display over a display bus

    This initializes an epaper display and connects it into CircuitPython. Unlike other
    objects in CircuitPython, EPaperDisplay objects live until
    `displayio.release_displays()` is called. This is done so that CircuitPython can use the
    display itself.

    Most people should not use this class directly. Use a specific display driver instead that
    will contain the startup and shutdown sequences at minimum."""

    # Long: CircuitPython's 33 constructor arguments, each checked and turned into the colour
    # space and bus addressing the C constructor sets up.
    def __init__(
        self,
        display_bus: Any,
        start_sequence: Any,
        stop_sequence: Any,
        *,
        width: int,
        height: int,
        ram_width: int,
        ram_height: int,
        colstart: int = 0,
        rowstart: int = 0,
        rotation: int = 0,
        set_column_window_command: int | None = None,
        set_row_window_command: int | None = None,
        set_current_column_command: int | None = None,
        set_current_row_command: int | None = None,
        write_black_ram_command: int,
        black_bits_inverted: bool = False,
        write_color_ram_command: int | None = None,
        color_bits_inverted: bool = False,
        highlight_color: int = 0x000000,
        highlight_color2: int = 0x000000,
        refresh_display_command: Any,
        refresh_time: float = 40,
        busy_pin: Any = None,
        busy_state: bool = True,
        seconds_per_frame: float = 180,
        always_toggle_chip_select: bool = False,
        grayscale: bool = False,
        advanced_color_epaper: bool = False,
        spectra6: bool = False,
        two_byte_sequence_length: bool = False,
        start_up_time: float = 0,
        address_little_endian: bool = False,
    ) -> None:
        """Create a EPaperDisplay object on the given display bus (`fourwire.FourWire` or
        `paralleldisplaybus.ParallelBus`).

        The ``start_sequence`` and ``stop_sequence`` are bitpacked to minimize the ram impact.
        Every command begins with a command byte followed by a byte to determine the parameter
        count and delay. When the top bit of the second byte is 1 (0x80), a delay will occur
        after the command parameters are sent. The remaining 7 bits are the parameter count
        excluding any delay byte. The bytes following are the parameters. When the delay bit
        is set, a single byte after the parameters specifies the delay duration in
        milliseconds. The value 0xff will lead to an extra long 500 ms delay instead of 255 ms.
        The next byte will begin a new command definition.

        :param display_bus: The bus that the display is connected to
        :param ~circuitpython_typing.ReadableBuffer start_sequence: Byte-packed command sequence.
        :param ~circuitpython_typing.ReadableBuffer stop_sequence: Byte-packed command sequence.
        :param int width: Width in pixels
        :param int height: Height in pixels
        :param int ram_width: RAM width in pixels
        :param int ram_height: RAM height in pixels
        :param int colstart: The index if the first visible column
        :param int rowstart: The index if the first visible row
        :param int rotation: The rotation of the display in degrees clockwise. Must be in
            90 degree increments (0, 90, 180, 270)
        :param int set_column_window_command: Command used to set the start and end columns to
            update
        :param int set_row_window_command: Command used so set the start and end rows to update
        :param int set_current_column_command: Command used to set the current column location
        :param int set_current_row_command: Command used to set the current row location
        :param int write_black_ram_command: Command used to write pixels values into the update
            region
        :param bool black_bits_inverted: True if 0 bits are used to show black pixels.
            Otherwise, 1 means to show black.
        :param int write_color_ram_command: Command used to write pixels values into the update
            region
        :param bool color_bits_inverted: True if 0 bits are used to show the color. Otherwise,
            1 means to show color.
        :param int highlight_color: RGB888 of source color to highlight with third ePaper color.
        :param int highlight_color2: RGB888 of source color to highlight with fourth ePaper
            color.
        :param int refresh_display_command: Command used to start a display refresh. Single int
            or byte-packed command sequence
        :param float refresh_time: Time it takes to refresh the display before the stop_sequence
            should be sent. Ignored when busy_pin is provided.
        :param microcontroller.Pin busy_pin: Pin used to signify the display is busy
        :param bool busy_state: State of the busy pin when the display is busy
        :param float seconds_per_frame: Minimum number of seconds between screen refreshes
        :param bool always_toggle_chip_select: When True, chip select is toggled every byte
        :param bool grayscale: When true, the color ram is the low bit of 2-bit grayscale
        :param bool advanced_color_epaper: When true, the display is a 7-color advanced color
            epaper (ACeP)
        :param bool spectra6: When true, the display is a 6-color spectra6 epaper
        :param bool two_byte_sequence_length: When true, use two bytes to define sequence length
        :param float start_up_time: Time to wait after reset before sending commands
        :param bool address_little_endian: Send the least significant byte (not bit) of
            multi-byte addresses first. Ignored when ram is addressed with one byte"""
        self._start = bytes(memoryview(start_sequence).cast("B"))
        self._stop = bytes(memoryview(stop_sequence).cast("B"))
        busy = _validate.optional_pin(busy_pin, "busy_pin")
        if busy is not None:
            _validate.free_pin(busy, "busy_pin")
        rotation = _validate.to_int(rotation, "rotation")
        if rotation % 90 != 0:
            raise ValueError("Display rotation must be in 90 degree increments")
        self._refresh_seconds = _validate.to_float(refresh_time, "refresh_time")
        self._seconds_per_frame = _validate.to_float(seconds_per_frame, "seconds_per_frame")
        self._start_up_time = _validate.to_float(start_up_time, "start_up_time")
        self._two_byte = bool(two_byte_sequence_length)
        if isinstance(refresh_display_command, int):
            refresh = bytes([refresh_display_command & 0xFF, 0, 0])
            self._refresh_sequence = refresh if self._two_byte else refresh[:2]
        else:
            try:
                self._refresh_sequence = bytes(memoryview(refresh_display_command).cast("B"))
            except TypeError:
                raise ValueError("Invalid refresh_display_command") from None
        color_command = _optional_command(write_color_ram_command, "write_color_ram_command")
        highlight = _validate.to_int(highlight_color, "highlight_color")
        highlight2 = _validate.to_int(highlight_color2, "highlight_color2")
        self._acep = bool(advanced_color_epaper) or bool(spectra6)
        depth, core_grey, grey = 1, True, bool(grayscale)
        if self._acep:
            depth, core_grey, grey = 4, False, False
        if (highlight or highlight2) and color_command == NO_COMMAND:
            depth, core_grey, grey = 2, False, False
        colorspace = Colorspace(
            depth=depth,
            grayscale=core_grey,
            pixels_in_byte_share_row=True,
            bytes_per_cell=1,
            reverse_pixels_in_byte=True,
            reverse_bytes_in_word=True,
            tricolor=bool(highlight) and not (highlight and highlight2),
            tricolor_hue=hue(highlight) if highlight else 0,
            fourcolor=bool(highlight and highlight2),
            fourcolor_hue=hue(highlight2) if highlight2 else 0,
            sixcolor=bool(spectra6),
            sevencolor=bool(advanced_color_epaper),
        )
        self._grayscale = grey
        self._core = DisplayCore(
            _validate.to_int(width, "width"), _validate.to_int(height, "height"), 0, colorspace
        )
        self._core.set_rotation(rotation)
        self._core.last_refresh = 0.0
        self._bus_object = display_bus
        self._bus = BusCore(
            display_bus,
            ram_width=_validate.to_int(ram_width, "ram_width"),
            ram_height=_validate.to_int(ram_height, "ram_height"),
            colstart=_validate.to_int(colstart, "colstart"),
            rowstart=_validate.to_int(rowstart, "rowstart"),
            column_command=_optional_command(set_column_window_command, "x"),
            row_command=_optional_command(set_row_window_command, "x"),
            set_current_column_command=_optional_command(set_current_column_command, "x"),
            set_current_row_command=_optional_command(set_current_row_command, "x"),
            always_toggle_chip_select=bool(always_toggle_chip_select),
            address_little_endian=bool(address_little_endian),
        )
        self._chip_select = (
            ChipSelect.TOGGLE_EVERY_BYTE if always_toggle_chip_select else ChipSelect.UNTOUCHED
        )
        self._black_command = _validate.to_int(write_black_ram_command, "write_black_ram_command")
        self._black_inverted = bool(black_bits_inverted)
        self._color_command = color_command
        self._color_inverted = bool(color_bits_inverted)
        self._busy_state = bool(busy_state)
        self._busy: Any = None
        self._refreshing = False
        self._lock = threading.RLock()
        if busy is not None:
            from protoboard.bindings.digitalio import DigitalInOut

            self._busy = DigitalInOut(busy)
        registry.register(self)
        self._show_terminal()

    # -- command sequences ---------------------------------------------------------------------

    def _is_busy(self) -> bool:
        return self._busy is not None and self._busy.value == self._busy_state

    def _wait_for_busy(self) -> None:
        while self._is_busy():
            time.sleep(0.001)

    def _send_sequence(self, wait_for_busy: bool, sequence: bytes) -> None:
        index = 0
        while index + 1 < len(sequence):
            command = sequence[index]
            size = sequence[index + 1]
            delay = bool(size & DELAY)
            start = index + 2
            size &= ~DELAY
            if self._two_byte:
                size = (size << 8) + sequence[index + 2]
                start = index + 3
            data = sequence[start : start + size]
            while not self._bus.begin():
                time.sleep(0.001)
            self._bus.send(ByteType.COMMAND, self._chip_select, bytes([command]))
            self._bus.send(ByteType.DATA, self._chip_select, data)
            self._bus.end()
            pause = 0
            if delay:
                size += 1
                position = index + 1 + size + int(self._two_byte)
                pause = sequence[position] if position < len(sequence) else 0
                if pause == 255:
                    pause = 500
            time.sleep(pause / 1000)
            if wait_for_busy:
                self._wait_for_busy()
            index += 2 + size + int(self._two_byte)

    # -- refresh -------------------------------------------------------------------------------

    @property
    def time_to_refresh(self) -> float:
        """Time, in fractional seconds, until the ePaper display can be refreshed."""
        if self._core.last_refresh == 0:
            return 0.0
        elapsed = time.monotonic() - self._core.last_refresh
        if elapsed > self._seconds_per_frame:
            return 0.0
        return self._seconds_per_frame - elapsed

    @property
    def busy(self) -> bool:
        """True when the display is refreshing. This uses the ``busy_pin`` when available or the
        ``refresh_time`` otherwise."""
        self._background()
        return self._refreshing

    def _background(self) -> None:
        if not self._refreshing:
            return
        if self._busy is not None:
            done = self._busy.value != self._busy_state
        else:
            done = time.monotonic() - self._core.last_refresh > self._refresh_seconds
        if done:
            self._refreshing = False
            REFRESHER.discard(self)
            self._send_sequence(False, self._stop)

    def _refresh_areas(self) -> list[Area]:
        areas = self._core.refresh_areas()
        if areas and not self._core.full_refresh and self._bus.row_command == NO_COMMAND:
            return [self._core.area.copy()]  # no window commands: the whole panel each time
        return areas

    def _try_refresh(self) -> bool:
        if self._refreshing and self._busy is not None:
            if self._busy.value != self._busy_state:
                self._refreshing = False
                REFRESHER.discard(self)
                self._send_sequence(False, self._stop)
            else:
                return False
        if self._core.root_group is None:
            return True
        if self.time_to_refresh > 0:
            return False
        if not self._bus.is_free():
            return False
        areas = self._refresh_areas()
        if not areas:
            return True
        if not self._core.start_refresh():
            return False
        areas = self._refresh_areas()  # taken now: later changes mark the next refresh
        reset = getattr(self._bus_object, "_bus_reset", None)
        if reset is not None:
            reset()
        time.sleep(self._start_up_time)
        self._send_sequence(True, self._start)
        for area in areas:
            self._refresh_area(area)
        self._send_sequence(False, self._refresh_sequence)
        self._refreshing = True
        self._core.finish_refresh()
        REFRESHER.add(self)
        return True

    def _pieces(self, clipped: Area) -> list[Area]:
        cs = self._core.colorspace
        per_buffer = BUFFER_BYTES * 8 // cs.depth
        rows = clipped.height()
        if clipped.size() > per_buffer:
            rows = max(per_buffer // clipped.width(), 1)
        pieces = []
        y = clipped.y1
        while y < clipped.y2:
            pieces.append(Area(clipped.x1, y, clipped.x2, min(y + rows, clipped.y2)))
            y += rows
        return pieces

    def _fill_pass(self, piece: Area, second: bool) -> bytearray:
        cs = self._core.colorspace
        if not self._acep:
            cs.grayscale = True
            cs.grayscale_bit = 7
        if second:
            if self._grayscale:
                cs.grayscale_bit = 6
            elif cs.tricolor:
                cs.grayscale = False
            elif not (cs.sixcolor or cs.sevencolor):
                return bytearray((piece.size() * cs.depth + 7) // 8)
        data = self._core.fill(piece)
        if (second and self._color_inverted) or (not second and self._black_inverted):
            data = bytearray(b ^ 0xFF for b in data)
        return data

    def _refresh_area(self, area: Area) -> None:
        cs = self._core.colorspace
        clipped = clip_area(cs, self._core.area, area)
        if clipped is None:
            return
        passes = 2 if self._color_command != NO_COMMAND else 1
        pixels = PixelFormat(cs.depth, cs.pixels_in_byte_share_row, cs.bytes_per_cell)
        for number in range(passes):
            if self._bus.row_command != NO_COMMAND:
                region = Region(clipped.x1, clipped.y1, clipped.x2, clipped.y2)
                self._bus.set_region(region, pixels)
            command = self._color_command if number else self._black_command
            if not self._bus.begin():
                return
            self._bus.send(ByteType.COMMAND, self._chip_select, bytes([command]))
            self._bus.end()
            for piece in self._pieces(clipped):
                data = self._fill_pass(piece, bool(number))
                if not self._bus.begin():
                    return
                self._bus.send(ByteType.DATA, self._chip_select, bytes(data))
                self._bus.end()

    def refresh(self) -> None:
        """Refreshes the display immediately or raises an exception if too soon. Use
        ``time.sleep(display.time_to_refresh)`` to sleep until a refresh can occur."""
        with self._lock:
            if not self._try_refresh():
                raise RuntimeError("Refresh too soon")

    def update_refresh_mode(self, start_sequence: Any, seconds_per_frame: float = 180) -> None:
        """Updates the ``start_sequence`` and ``seconds_per_frame`` parameters to enable
        varying the refresh mode of the display."""
        self._start = bytes(memoryview(start_sequence).cast("B"))
        self._seconds_per_frame = _validate.to_float(seconds_per_frame, "seconds_per_frame")

    # -- geometry and group --------------------------------------------------------------------

    width = _display.core_size("width", "Gets the width of the display in pixels")
    height = _display.core_size("height", "Gets the height of the display in pixels")
    rotation = _display.rotation_property("The rotation of the display as an int in degrees")
    bus = _display.bus_property()
    root_group = _display.root_group_property(
        """The root group on the epaper display.
        If the root group is set to `displayio.CIRCUITPYTHON_TERMINAL`, the default
        CircuitPython terminal will be shown.
        If the root group is set to ``None``, no output will be shown.
        """
    )
    show = _display.show_removed

    def _release(self) -> None:
        if self._refreshing:
            self._wait_for_busy()
            self._refreshing = False
            self._send_sequence(False, self._stop)
        REFRESHER.discard(self)
        self._core.release()
        if self._busy is not None:
            self._busy.deinit()
            self._busy = None
        _display.release_bus(self._bus_object)


__all__ = ["EPaperDisplay"]
