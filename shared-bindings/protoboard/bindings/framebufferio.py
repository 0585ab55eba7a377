"""``framebufferio``: displays drawn into an in-memory framebuffer (``rgbmatrix.RGBMatrix``,
``picodvi.Framebuffer``)."""

from __future__ import annotations

import threading
import time
from typing import Any

from protoboard.bindings import _display, _validate
from protoboard.displaycore import registry
from protoboard.displaycore.colorspace import Colorspace
from protoboard.displaycore.display_core import DisplayCore
from protoboard.displaycore.render import clip_area


def _check_framebuffer(value: Any) -> Any:
    if not callable(getattr(value, "_framebuffer", None)):
        raise TypeError(
            f"framebuffer must be of type FrameBuffer (such as rgbmatrix.RGBMatrix), "
            f"not {_validate.type_name(value)}"
        )
    return value


def _optional(framebuffer: Any, method: str, default: Any) -> Any:
    """A framebuffer's answer to an optional part of the protocol (``fb_getter_default``)."""
    found = getattr(framebuffer, method, None)
    return found() if callable(found) else default


def _colorspace(framebuffer: Any) -> Colorspace:
    """The pixel format the framebuffer says it has: RGB565 in native byte order unless it
    tells its colour depth (picodvi's 1 to 32 bits), as CircuitPython's protocol asks."""
    depth = _optional(framebuffer, "_color_depth", 16)
    return Colorspace(
        depth=depth,
        grayscale=_optional(framebuffer, "_grayscale", depth < 8),
        pixels_in_byte_share_row=_optional(framebuffer, "_pixels_in_byte_share_row", False),
        bytes_per_cell=_optional(framebuffer, "_bytes_per_cell", 1),
        reverse_pixels_in_byte=False,
        reverse_bytes_in_word=False,
    )


class FramebufferDisplay(_display.DisplayBase):
    """Manage updating a display with framebuffer in RAM

    This initializes a display and connects it into CircuitPython. Unlike other objects in
    CircuitPython, Display objects live until `displayio.release_displays()` is called. This is
    done so that CircuitPython can use the display itself."""

    def __init__(self, framebuffer: Any, *, rotation: int = 0, auto_refresh: bool = True) -> None:
        """Create a Display object with the given framebuffer (a buffer, array, ulab.array,
        etc)

        :param ~circuitpython_typing.FrameBuffer framebuffer: The framebuffer that the display
            is connected to
        :param bool auto_refresh: Automatically refresh the screen
        :param int rotation: The rotation of the display in degrees clockwise. Must be in
            90 degree increments (0, 90, 180, 270)"""
        self._framebuffer = _check_framebuffer(framebuffer)
        rotation = _validate.to_int(rotation, "rotation")
        if rotation % 90 != 0:
            raise ValueError("Display rotation must be in 90 degree increments")
        colorspace = _colorspace(framebuffer)
        self._core = DisplayCore(framebuffer.width, framebuffer.height, 0, colorspace)
        self._core.set_rotation(0)
        self._panel_width = framebuffer.width
        self._lock = threading.RLock()
        if rotation:
            self.rotation = rotation
        self._auto_refresh = False
        self._first_manual_refresh = not auto_refresh
        self._seconds_per_frame = 1 / 60
        registry.register(self)
        self._show_terminal()
        self.auto_refresh = bool(auto_refresh)

    def _refresh_display(self) -> None:
        with self._lock:
            if not self._core.start_refresh():
                return
            try:
                pixels = self._framebuffer._framebuffer()
                depth = self._core.colorspace.depth
                stride = _optional(self._framebuffer, "_row_stride", 0)
                stride = stride or self._panel_width * depth // 8
                areas = self._core.refresh_areas()
                for area in areas:
                    clipped = clip_area(self._core.colorspace, self._core.area, area)
                    if clipped is None:
                        continue
                    data = self._core.fill(clipped)
                    row_bytes = clipped.width() * depth // 8
                    for row in range(clipped.height()):
                        start = (clipped.y1 + row) * stride + clipped.x1 * depth // 8
                        pixels[start : start + row_bytes] = data[
                            row * row_bytes : (row + 1) * row_bytes
                        ]
                if areas:  # as CircuitPython: nothing changed, nothing sent
                    self._framebuffer._swapbuffers()
            finally:
                self._core.finish_refresh()

    def refresh(
        self, *, target_frames_per_second: int | None = None, minimum_frames_per_second: int = 0
    ) -> bool:
        """When auto_refresh is off, waits for the target frame rate and then refreshes the
        display, returning True. If the call has taken too long since the last refresh call
        for the given target frame rate, then the refresh returns False immediately without
        updating the screen to hopefully help getting caught up.

        If the time since the last successful refresh is below the minimum frame rate, then an
        exception will be raised. Set minimum_frames_per_second to 0 to disable.

        When auto_refresh is on, updates the display immediately. (The display will also update
        without calls to this.)

        :param int target_frames_per_second: How many times a second `refresh` should be
            called and the screen updated.
        :param int minimum_frames_per_second: The minimum number of times the screen should be
            updated per second."""
        minimum = _validate.to_int(minimum_frames_per_second, "minimum_frames_per_second")
        if not self._auto_refresh and not self._first_manual_refresh and minimum > 0:
            since = time.monotonic() - self._core.last_refresh
            if since > 1 / minimum:
                raise RuntimeError("Below minimum frame rate")
        if target_frames_per_second is not None:
            _validate.to_int(target_frames_per_second, "target_frames_per_second")
        self._first_manual_refresh = False
        self._refresh_display()
        return True

    auto_refresh = _display.auto_refresh_property()

    @property
    def brightness(self) -> float:
        """The brightness of the display as a float. 0.0 is off and 1.0 is full brightness."""
        if not hasattr(self._framebuffer, "brightness"):
            raise RuntimeError("Brightness not adjustable")
        return float(self._framebuffer.brightness)

    @brightness.setter
    def brightness(self, value: float) -> None:
        level = _validate.to_float(value, "brightness")
        if not 0 <= level <= 1:
            raise ValueError("brightness must be 0-1")
        if not hasattr(self._framebuffer, "brightness"):
            raise RuntimeError("Brightness not adjustable")
        self._framebuffer.brightness = level

    width = _display.core_size("width", "Gets the width of the framebuffer")
    height = _display.core_size("height", "Gets the height of the framebuffer")
    rotation = _display.rotation_property(
        "The rotation of the display as an int in degrees.", steps_of_90=True
    )

    @property
    def framebuffer(self) -> Any:
        """The framebuffer being used by the display"""
        return self._framebuffer

    def fill_row(self, y: int, buffer: Any) -> Any:
        """Extract the pixels from a single row

        :param int y: The top edge of the area
        :param ~circuitpython_typing.WriteableBuffer buffer: The buffer in which to place the
            pixel data"""
        row = _validate.to_int(y, "y")
        view = memoryview(buffer).cast("B")
        if len(view) < self._core.width * 2:
            raise ValueError("Buffer too small")
        self._fill_row_into(row, view)
        return buffer

    root_group = _display.root_group_property(
        """The root group on the display.
        If the root group is set to `displayio.CIRCUITPYTHON_TERMINAL`, the default
        CircuitPython terminal will be shown.
        If the root group is set to ``None``, no output will be shown.
        """
    )

    def _release(self) -> None:
        self.auto_refresh = False
        with self._lock:
            self._core.release()


__all__ = ["FramebufferDisplay"]
