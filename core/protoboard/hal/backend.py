"""What a port's per-board world offers the rest of the runtime.

A port's ``open_backend`` returns a :class:`Backend`; the machine hands it to every implementation
it creates. Facts about the board's hardware are data on the backend (``cpu_count``); optional
capabilities are typed accessors that raise a HAL error where the port lacks them, so nothing
outside ``ports/`` probes a backend with ``getattr``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from protoboard.boards import BoardDef
from protoboard.hal.errors import NotSimulated

if TYPE_CHECKING:
    from protoboard.hal.simulated import SimulatedWorld


class Backend:
    """One board's world on one port (a simulated board, a Linux board's chips...)."""

    #: CPU cores the board has (the length of ``microcontroller.cpus``)
    cpu_count: int = 1

    def __init__(self, board: BoardDef) -> None:
        self.board = board

    def simulated_world(self) -> SimulatedWorld:
        """The simulated pins and parts tests, the CLI and the runtime drive and inspect.

        Raises :class:`~protoboard.hal.errors.NotSimulated` on a port with real hardware."""
        raise NotSimulated(
            f"the board '{self.board.board_id}' is not simulated: it has no simulated pins "
            "or parts (use the 'sim' port)"
        )

    def close(self) -> None:
        """Release what the backend holds (threads, files). Called once, when the machine
        closes; a backend holding nothing keeps this default."""
