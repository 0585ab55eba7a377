"""The Linux port: the uniform API on the kernel's interfaces (GPIO character device through
libgpiod v2, i2c-dev, spidev, serial ports, sysfs PWM, IIO), for a Raspberry Pi and any board
described by a board file with a ``[linux]`` table.

Chosen automatically on a Raspberry Pi that adafruit-platformdetect recognises, or with
``--port linux`` (``PROTOBOARD_PORT=linux``). Its dependencies come with ``pip install
'protoboard[linux]'``.
"""

from __future__ import annotations

from dataclasses import dataclass

import protoboard.hal.analogio
import protoboard.hal.backend
import protoboard.hal.busio
import protoboard.hal.countio
import protoboard.hal.digitalio
import protoboard.hal.microcontroller
import protoboard.hal.neopixel_write
import protoboard.hal.pwmio
import protoboard.hal.rotaryio
from protoboard.boards import BoardDef, BoardError
from protoboard.registry import Port

_M = "protoboard.ports.linux"


def open_backend(board: BoardDef) -> protoboard.hal.backend.Backend:
    try:
        import gpiod  # noqa: F401
    except ImportError:
        raise BoardError(
            "the Linux port needs its packages: pip install 'protoboard[linux]'"
        ) from None
    from protoboard.ports.linux.backend import LinuxBackend

    return LinuxBackend(board)


@dataclass(frozen=True)
class LinuxPort(Port):
    """A port whose default board is the one this computer is."""

    def board(self, board_id: str | None) -> BoardDef:
        if not board_id:
            from protoboard.ports.linux.detect import detected_board

            board_id = detected_board()
            if board_id is None:
                ids = ", ".join(self.boards)
                raise BoardError(
                    f"this computer is not a board the 'linux' port recognises; name one with "
                    f"--board (one of: {ids})"
                )
        return super().board(board_id)


PORT = LinuxPort(
    name="linux",
    description="Real pins and buses of a Linux board (Raspberry Pi) through the kernel.",
    priority=10,
    implementations={
        protoboard.hal.digitalio.DigitalInOut: f"{_M}.digitalio:DigitalInOut",
        protoboard.hal.busio.I2C: f"{_M}.busio:I2C",
        protoboard.hal.busio.SPI: f"{_M}.busio:SPI",
        protoboard.hal.busio.UART: f"{_M}.busio:UART",
        protoboard.hal.analogio.AnalogIn: f"{_M}.analogio:AnalogIn",
        protoboard.hal.analogio.AnalogOut: f"{_M}.analogio:AnalogOut",
        protoboard.hal.pwmio.PWMOut: f"{_M}.pwmio:PWMOut",
        protoboard.hal.microcontroller.Processor: f"{_M}.microcontroller:Processor",
        protoboard.hal.microcontroller.NVM: f"{_M}.microcontroller:NVM",
        protoboard.hal.rotaryio.IncrementalEncoder: f"{_M}.rotaryio:IncrementalEncoder",
        protoboard.hal.countio.Counter: f"{_M}.countio:Counter",
        protoboard.hal.neopixel_write.NeoPixelWriter: f"{_M}.neopixel_write:NeoPixelWriter",
    },
    backend=f"{_M}:open_backend",
    boards_package=_M,
    default_board="",
    detect=f"{_M}.detect:detect",
)

__all__ = ["PORT", "LinuxPort", "open_backend"]
