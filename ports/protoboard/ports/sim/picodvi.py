"""Simulated DVI output: each refreshed frame goes, still packed, to the monitor part on the
clock pin (a :class:`~protoboard.ports.sim.parts.dvi.DVIMonitor`, plugged in when none is)."""

from __future__ import annotations

from protoboard.hal import picodvi as hal
from protoboard.ports.sim.model import Simulator
from protoboard.ports.sim.parts.dvi import DVIMonitor, frame_message


class Framebuffer(hal.Framebuffer):
    def __init__(
        self,
        backend: Simulator,
        pins: tuple[str, ...],
        width: int,
        height: int,
        color_depth: int,
        row_stride: int,
    ) -> None:
        super().__init__(backend, pins, width, height, color_depth, row_stride)
        self._pins = [backend.pins[p] for p in pins]
        for pin in self._pins:
            pin.configure("picodvi", drive=False)
        self._clock = backend.pins[pins[0]]
        self._format = (width, height, color_depth, row_stride)
        if not any(isinstance(p, DVIMonitor) for p in backend.parts_on(pins[0])):
            # A DVI port with nothing on it shows nothing: plug a monitor in, as a user would.
            name = "DVI"
            while name in backend.parts:
                name += "_"
            backend.attach(DVIMonitor(name=name), clock=pins[0])

    def show(self, frame: bytes) -> None:
        self._clock.send_data(frame_message(*self._format, frame), "picodvi")

    def deinit(self) -> None:
        for pin in self._pins:
            pin.release()
