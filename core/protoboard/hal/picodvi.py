"""Contract for ``picodvi``: a DVI output the port scans out from a framebuffer in RAM."""

from __future__ import annotations

import abc

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


class Framebuffer(Implementation):
    def __init__(
        self,
        backend: Backend,
        pins: tuple[str, ...],
        width: int,
        height: int,
        color_depth: int,
        row_stride: int,
    ) -> None:
        """``pins``: clk_dp, clk_dn, red_dp, red_dn, green_dp, green_dn, blue_dp, blue_dn."""
        super().__init__(backend)

    @abc.abstractmethod
    def show(self, frame: bytes) -> None:
        """Scan out ``frame``: ``height`` rows of ``row_stride`` bytes in the picodvi pixel
        format of ``color_depth`` (see ``picodvi.Framebuffer``)."""
