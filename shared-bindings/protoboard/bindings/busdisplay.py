"""``busdisplay``: displays whose controller keeps its own frame memory, driven over a display
bus (``fourwire``, ``i2cdisplaybus``, ``paralleldisplaybus``)."""

from __future__ import annotations

import threading
import time
from typing import Any

from protoboard.bindings import _display, _validate
from protoboard.displaycore import registry
from protoboard.displaycore.bus_core import BusCore, ByteType, ChipSelect
from protoboard.displaycore.colorspace import Colorspace
from protoboard.displaycore.display_core import DisplayCore, send_area

DELAY = 0x80
NO_BRIGHTNESS_COMMAND = 0x100


def run_init_sequence(bus: BusCore, sequence: bytes) -> None:
    """Send each ``command, length (| 0x80 for a delay), data..., [delay ms]`` entry."""
    index = 0
    while index < len(sequence):
        command = sequence[index]
        length = sequence[index + 1] if index + 1 < len(sequence) else 0
        delay = bool(length & DELAY)
        length &= ~DELAY
        data = bytes(sequence[index + 2 : index + 2 + length])
        while not bus.begin():
            time.sleep(0)
        if bus.data_as_commands:
            bus.send(ByteType.COMMAND, ChipSelect.TOGGLE_EVERY_BYTE, bytes([command]) + data)
        else:
            toggle = ChipSelect.TOGGLE_EVERY_BYTE if length else ChipSelect.UNTOUCHED
            bus.send(ByteType.COMMAND, toggle, bytes([command]))
            bus.send(ByteType.DATA, ChipSelect.UNTOUCHED, data)
        bus.end()
        pause_ms = 10
        if delay:
            length += 1
            pause_ms = sequence[index + 1 + length] if index + 1 + length < len(sequence) else 0
            if pause_ms == 255:
                pause_ms = 500
        time.sleep(pause_ms / 1000)
        index += 2 + length


class BusDisplay(_display.DisplayBase):
    """Manage updating a display over a display bus

    This initializes a display and connects it into CircuitPython. Unlike other objects in
    CircuitPython, Display objects live until `displayio.release_displays()` is called. This is
    done so that CircuitPython can use the display itself.

    Most people should not use this class directly. Use a specific display driver instead that
    will contain the initialization sequence at minimum."""

    # Long: CircuitPython's 26 constructor arguments, each checked, then the start-up in
    # the C code's order (init sequence, backlight, brightness, terminal, auto-refresh).
    def __init__(
        self,
        display_bus: Any,
        init_sequence: Any,
        *,
        width: int,
        height: int,
        colstart: int = 0,
        rowstart: int = 0,
        rotation: int = 0,
        color_depth: int = 16,
        grayscale: bool = False,
        pixels_in_byte_share_row: bool = True,
        bytes_per_cell: int = 1,
        reverse_pixels_in_byte: bool = False,
        reverse_bytes_in_word: bool = True,
        set_column_command: int = 0x2A,
        set_row_command: int = 0x2B,
        write_ram_command: int = 0x2C,
        backlight_pin: Any = None,
        brightness_command: int | None = None,
        brightness: float = 1.0,
        single_byte_bounds: bool = False,
        data_as_commands: bool = False,
        auto_refresh: bool = True,
        native_frames_per_second: int = 60,
        backlight_on_high: bool = True,
        SH1107_addressing: bool = False,
        backlight_pwm_frequency: int = 50000,
    ) -> None:
        r"""Create a Display object on the given display bus (`FourWire`, `ParallelBus` or
        `I2CDisplay`).

        The ``init_sequence`` is bitpacked to minimize the ram impact. Every command begins with
        a command byte followed by a byte to determine the parameter count and delay. When the
        top bit of the second byte is 1 (0x80), a delay will occur after the command parameters
        are sent. The remaining 7 bits are the parameter count excluding any delay byte. The
        bytes following are the parameters. When the delay bit is set, a single byte after the
        parameters specifies the delay duration in milliseconds. The value 0xff will lead to an
        extra long 500 ms delay instead of 255 ms. The next byte will begin a new command
        definition.

        :param display_bus: The bus that the display is connected to
        :type _DisplayBus: FourWire, ParallelBus or I2CDisplay
        :param ~circuitpython_typing.ReadableBuffer init_sequence: Byte-packed initialization
            sequence.
        :param int width: Width in pixels
        :param int height: Height in pixels
        :param int colstart: The index if the first visible column
        :param int rowstart: The index if the first visible row
        :param int rotation: The rotation of the display in degrees clockwise. Must be in
            90 degree increments (0, 90, 180, 270)
        :param int color_depth: The number of bits of color per pixel transmitted. (Some
            displays support 18 bit but 16 is easier to transmit. The last bit is extrapolated.)
        :param bool grayscale: True if the display only shows a single color.
        :param bool pixels_in_byte_share_row: True when pixels are less than a byte and a byte
            includes pixels from the same row of the display. When False, pixels share a column.
        :param int bytes_per_cell: Number of bytes per addressable memory location when
            color_depth < 8. When greater than one, bytes share a row or column according to
            pixels_in_byte_share_row.
        :param bool reverse_pixels_in_byte: Reverses the pixel order within each byte when
            color_depth < 8. Does not apply across multiple bytes even if there is more than
            one byte per cell (bytes_per_cell.)
        :param bool reverse_bytes_in_word: Reverses the order of bytes within a word when
            color_depth == 16
        :param int set_column_command: Command used to set the start and end columns to update
        :param int set_row_command: Command used so set the start and end rows to update
        :param int write_ram_command: Command used to write pixels values into the update region.
            Ignored if data_as_commands is set.
        :param microcontroller.Pin backlight_pin: Pin connected to the display's backlight
        :param int brightness_command: Command to set display brightness. Usually available in
            OLED controllers.
        :param float brightness: Initial display brightness.
        :param bool single_byte_bounds: Display column and row commands use single bytes
        :param bool data_as_commands: Treat all init and boundary data as SPI commands. Certain
            displays require this.
        :param bool auto_refresh: Automatically refresh the screen
        :param int native_frames_per_second: Number of display refreshes per second that occur
            with the given init_sequence.
        :param bool backlight_on_high: If True, pulling the backlight pin high turns the
            backlight on.
        :param bool SH1107_addressing: Special quirk for SH1107, use upper/lower column set and
            page set
        :param int backlight_pwm_frequency: The frequency to use to drive the PWM for backlight
            brightness control. Default is 50000."""
        init = bytes(memoryview(init_sequence).cast("B"))
        backlight = _validate.optional_pin(backlight_pin, "backlight_pin")
        if backlight is not None:
            _validate.free_pin(backlight, "backlight_pin")
        level = _validate.to_float(brightness, "brightness")
        rotation = _validate.to_int(rotation, "rotation")
        if rotation % 90 != 0:
            raise ValueError("Display rotation must be in 90 degree increments")
        color_depth = _validate.to_int(color_depth, "color_depth")
        if SH1107_addressing and color_depth != 1:
            raise ValueError("color_depth must be 1 when SH1107_addressing is True")
        self._bus_object = display_bus
        ram_size = 0xFF if single_byte_bounds else 0x100
        self._bus = BusCore(
            display_bus,
            ram_width=ram_size,
            ram_height=ram_size,
            colstart=_validate.to_int(colstart, "colstart"),
            rowstart=_validate.to_int(rowstart, "rowstart"),
            column_command=_validate.to_int(set_column_command, "set_column_command"),
            row_command=_validate.to_int(set_row_command, "set_row_command"),
            data_as_commands=bool(data_as_commands),
            sh1107_addressing=bool(SH1107_addressing) and color_depth == 1,
        )
        colorspace = Colorspace(
            depth=color_depth,
            bytes_per_cell=_validate.to_int(bytes_per_cell, "bytes_per_cell"),
            grayscale=bool(grayscale),
            pixels_in_byte_share_row=bool(pixels_in_byte_share_row),
            reverse_pixels_in_byte=bool(reverse_pixels_in_byte),
            reverse_bytes_in_word=bool(reverse_bytes_in_word),
        )
        self._core = DisplayCore(
            _validate.to_int(width, "width"), _validate.to_int(height, "height"), 0, colorspace
        )
        self._core.set_rotation(rotation)
        self._write_ram_command = _validate.to_int(write_ram_command, "write_ram_command")
        self._brightness_command = (
            NO_BRIGHTNESS_COMMAND
            if brightness_command is None
            else _validate.to_int(brightness_command, "brightness_command")
        )
        self._backlight_on_high = bool(backlight_on_high)
        fps = _validate.int_at_least(native_frames_per_second, 1, "native_frames_per_second")
        self._seconds_per_frame = (1000 // fps) / 1000
        self._auto_refresh = False
        self._first_manual_refresh = not auto_refresh
        self._last_refresh_call = 0.0
        self._lock = threading.RLock()
        self._current_brightness = -1.0
        self._backlight: Any = None
        self._backlight_pwm = False
        registry.register(self)
        run_init_sequence(self._bus, init)
        if backlight is not None:
            self._open_backlight(backlight, _validate.to_int(backlight_pwm_frequency, "f"))
        self._set_brightness(level)
        self._show_terminal()
        self.auto_refresh = bool(auto_refresh)

    def _open_backlight(self, pin: Any, frequency: int) -> None:
        from protoboard.bindings.digitalio import DigitalInOut
        from protoboard.bindings.pwmio import PWMOut

        try:
            self._backlight = PWMOut(pin, duty_cycle=0, frequency=frequency)
            self._backlight_pwm = True
        except (ValueError, RuntimeError):
            self._backlight = DigitalInOut(pin)
            self._backlight.switch_to_output()

    # -- brightness ----------------------------------------------------------------------------

    def _set_brightness(self, level: float) -> bool:
        if not self._backlight_on_high:
            level = 1.0 - level
        ok = False
        if self._backlight is not None and self._backlight_pwm:
            self._backlight.duty_cycle = int(0xFFFF * level)
            ok = True
        elif self._backlight is not None:
            self._backlight.value = level > 0.99
            ok = True
        elif self._brightness_command != NO_BRIGHTNESS_COMMAND:
            ok = self._bus.begin()
            if ok:
                value = int(0xFF * level) & 0xFF
                if self._bus.data_as_commands:
                    self._bus.send(
                        ByteType.COMMAND,
                        ChipSelect.TOGGLE_EVERY_BYTE,
                        bytes([self._brightness_command, value]),
                    )
                else:
                    self._bus.send(
                        ByteType.COMMAND,
                        ChipSelect.TOGGLE_EVERY_BYTE,
                        bytes([self._brightness_command]),
                    )
                    self._bus.send(ByteType.DATA, ChipSelect.UNTOUCHED, bytes([value]))
                self._bus.end()
        if ok:
            self._current_brightness = level
        return ok

    @property
    def brightness(self) -> float:
        """The brightness of the display as a float. 0.0 is off and 1.0 is full brightness."""
        if self._current_brightness < 0:
            raise RuntimeError("Brightness not adjustable")
        return self._current_brightness

    @brightness.setter
    def brightness(self, value: float) -> None:
        level = _validate.to_float(value, "brightness")
        if level < 0 or level > 1.0:
            raise ValueError("brightness must be 0-1")
        if not self._set_brightness(level):
            raise RuntimeError("Brightness not adjustable")

    # -- refresh -------------------------------------------------------------------------------

    def _refresh_display(self) -> None:
        with self._lock:
            if not self._bus.is_free() or not self._core.start_refresh():
                return
            try:
                for area in self._core.refresh_areas():
                    send_area(
                        self._core,
                        self._bus,
                        area,
                        self._write_ram_command,
                        self._bus.sh1107_addressing,
                    )
            finally:
                self._core.finish_refresh()

    def refresh(
        self, *, target_frames_per_second: int | None = None, minimum_frames_per_second: int = 0
    ) -> bool:
        """When auto_refresh is off, and :py:attr:`target_frames_per_second` is not `None` this
        waits for the target frame rate and then refreshes the display, returning `True`. If
        the call has taken too long since the last refresh call for the given target frame
        rate, then the refresh returns `False` immediately without updating the screen to
        hopefully help getting caught up.

        If the time since the last successful refresh is below the minimum frame rate, then an
        exception will be raised. The default :py:attr:`minimum_frames_per_second` of 0
        disables this behavior.

        When auto_refresh is off, and :py:attr:`target_frames_per_second` is `None` this
        will update the display immediately.

        When auto_refresh is on, updates the display immediately. (The display will also update
        without calls to this.)

        :param Optional[int] target_frames_per_second: The target frame rate that
            :py:func:`refresh` should try to achieve. Set to `None` for immediate refresh.
        :param int minimum_frames_per_second: The minimum number of times the screen should be
            updated per second."""
        minimum = _validate.to_int(minimum_frames_per_second, "minimum_frames_per_second")
        maximum_gap = 1000 // minimum if minimum > 0 else None
        target = None
        if target_frames_per_second is not None:
            target = 1000 // _validate.to_int(target_frames_per_second, "target_frames_per_second")
        if not self._auto_refresh and not self._first_manual_refresh and target is not None:
            now_ms = int(time.monotonic() * 1000)
            since_real = now_ms - int(self._core.last_refresh * 1000)
            if maximum_gap is not None and since_real > maximum_gap:
                raise RuntimeError("Below minimum frame rate")
            since_call = now_ms - int(self._last_refresh_call * 1000)
            self._last_refresh_call = now_ms / 1000
            if since_call > target:
                return False
            remaining = target - (since_real % target)
            while int(time.monotonic() * 1000) - now_ms < remaining:
                time.sleep(0.001)
        self._first_manual_refresh = False
        self._refresh_display()
        return True

    auto_refresh = _display.auto_refresh_property()

    # -- geometry and group --------------------------------------------------------------------

    width = _display.core_size("width", "Gets the width of the board")
    height = _display.core_size("height", "Gets the height of the board")
    rotation = _display.rotation_property("The rotation of the display as an int in degrees.")
    bus = _display.bus_property()
    root_group = _display.root_group_property(
        """The root group on the display.
        If the root group is set to `displayio.CIRCUITPYTHON_TERMINAL`, the default
        CircuitPython terminal will be shown.
        If the root group is set to ``None``, no output will be shown.
        """
    )
    show = _display.show_removed

    def fill_row(self, y: int, buffer: Any) -> Any:
        """Extract the pixels from a single row

        :param int y: The top edge of the area
        :param ~circuitpython_typing.WriteableBuffer buffer: The buffer in which to place the
            pixel data"""
        row = _validate.to_int(y, "y")
        view = memoryview(buffer).cast("B")
        if self._core.colorspace.depth != 16:
            raise ValueError("Display must have a 16 bit colorspace.")
        words = (self._core.width + 1) // 2
        if len(view) < words * 4:
            raise ValueError("Buffer too small")
        self._fill_row_into(row, view)
        return buffer

    # -- displayio.release_displays() ----------------------------------------------------------

    def _release(self) -> None:
        self.auto_refresh = False
        with self._lock:
            self._core.release()
        if self._backlight is not None:
            self._backlight.deinit()
            self._backlight = None
        _display.release_bus(self._bus_object)


__all__ = ["BusDisplay"]
