"""The Blinka bridge: Adafruit Blinka's own chip code underneath (USB bridges such as the
FT232H and MCP2221, u2if boards, the many single-board computers Blinka knows), Protoboard's
bindings, validation and CircuitPython's error messages on top.

Chosen with ``--port blinka`` (``PROTOBOARD_PORT=blinka``), or automatically when one of
Blinka's opt-in variables (``BLINKA_FT232H``, ``BLINKA_MCP2221``, ``BLINKA_U2IF``,
``BLINKA_OS_AGNOSTIC``...) says a bridge is plugged in. Its dependency comes with
``pip install 'protoboard[blinka]'``.
"""

from __future__ import annotations

from dataclasses import dataclass

import protoboard.hal.analogio
import protoboard.hal.backend
import protoboard.hal.busio
import protoboard.hal.digitalio
import protoboard.hal.microcontroller
import protoboard.hal.neopixel_write
import protoboard.hal.pwmio
from protoboard.boards import BoardDef, BoardError
from protoboard.registry import Port

_M = "protoboard.ports.blinka"


def open_backend(board: BoardDef) -> protoboard.hal.backend.Backend:
    from protoboard.ports.blinka.backend import BlinkaBackend

    return BlinkaBackend(board)


@dataclass(frozen=True)
class BlinkaPort(Port):
    """A port with one board: the one Blinka detects (its board module is the board data)."""

    @property
    def boards(self) -> dict[str, BoardDef]:
        from protoboard.ports.blinka.boarddata import detected_board

        try:
            board = detected_board()
        except BoardError:
            return {}
        return {board.board_id: board}

    def board(self, board_id: str | None) -> BoardDef:
        from protoboard.ports.blinka.boarddata import detected_board

        board = detected_board()
        if board_id and board_id != board.board_id:
            raise BoardError(
                f"Blinka detects the board '{board.board_id}' here, not '{board_id}'; "
                "leave out --board to use it"
            )
        return board


PORT = BlinkaPort(
    name="blinka",
    description="Adafruit Blinka's chip code (USB bridges, u2if, SBCs) under Protoboard's API.",
    priority=5,
    implementations={
        protoboard.hal.digitalio.DigitalInOut: f"{_M}.digitalio:DigitalInOut",
        protoboard.hal.busio.I2C: f"{_M}.busio:I2C",
        protoboard.hal.busio.SPI: f"{_M}.busio:SPI",
        protoboard.hal.busio.UART: f"{_M}.busio:UART",
        protoboard.hal.pwmio.PWMOut: f"{_M}.pwmio:PWMOut",
        protoboard.hal.analogio.AnalogIn: f"{_M}.analogio:AnalogIn",
        protoboard.hal.analogio.AnalogOut: f"{_M}.analogio:AnalogOut",
        protoboard.hal.neopixel_write.NeoPixelWriter: f"{_M}.neopixel_write:NeoPixelWriter",
        protoboard.hal.microcontroller.Processor: f"{_M}.microcontroller:Processor",
        protoboard.hal.microcontroller.NVM: f"{_M}.microcontroller:NVM",
    },
    backend=f"{_M}:open_backend",
    boards_package=_M,
    default_board="",
    detect=f"{_M}.boarddata:bridge_requested",
)

__all__ = ["PORT", "BlinkaPort", "open_backend"]
