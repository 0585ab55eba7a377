"""The Blinka bridge's board world: Blinka's pin objects for our pin ids."""

from __future__ import annotations

from typing import Any

from protoboard.boards import BoardDef
from protoboard.hal.backend import Backend
from protoboard.hal.errors import InvalidPin
from protoboard.ports.blinka.boarddata import blinka_board_module, blinka_pins


class BlinkaBackend(Backend):
    def __init__(self, board: BoardDef) -> None:
        super().__init__(board)
        self._pins = blinka_pins(blinka_board_module())

    def blinka_pin(self, pin: str) -> Any:
        """Blinka's pin object behind our pin id."""
        try:
            return self._pins[pin]
        except KeyError:
            raise InvalidPin(pin) from None
