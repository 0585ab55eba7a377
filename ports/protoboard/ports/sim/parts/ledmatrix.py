"""A HUB75 RGB LED matrix panel (64 x 32 by default, as on the Matrix Portal), lit by the
board's ``rgbmatrix`` driver."""

from __future__ import annotations

from typing import ClassVar

from protoboard.ports.sim.parts.panel import DisplayPanel


class RGBMatrixPanel(DisplayPanel):
    """An RGB LED matrix on a HUB75 connector: ``width`` x ``height`` LEDs (64 x 32 by
    default). Wire ``clock`` (and optionally ``latch`` and ``output_enable``); each frame the
    program's ``rgbmatrix.RGBMatrix`` shows lights the LEDs (colour depth and brightness as the
    driver set them). Inspect ``frame``, :meth:`pixel`, :meth:`save_png` and ``frames`` (how
    many were shown)."""

    kind = "RGBMatrixPanel"
    roles: ClassVar[tuple[str, ...]] = ("clock",)
    optional_roles: tuple[str, ...] = ("latch", "output_enable")

    def __init__(self, *, name: str | None = None, width: int = 64, height: int = 32) -> None:
        super().__init__(name=name)
        if width < 1 or height < 1:
            raise ValueError(f"an LED matrix needs at least 1 x 1 LEDs, not {width} x {height}")
        self.width, self.height = width, height
        self._setup_log()
        self._shown = bytes(width * height * 3)
        #: frames shown so far
        self.frames = 0

    def on_attach(self) -> None:
        self.listen_data("clock", self._frame)

    def _frame(self, pin: object, data: bytes, kind: str) -> None:
        if kind != "rgbmatrix":
            return
        size = self.width * self.height * 3
        # A driver set up for another size lights what fits (the rest stays dark).
        self._shown = data[:size] + bytes(max(0, size - len(data)))
        self.frames += 1
        self.updates += 1

    def render(self) -> bytes:
        return self._shown
