"""The simulated board: Protoboard's default port, available everywhere.

Use it from tests and scripts through :class:`Simulator` (``sim.pin("D13").history``,
``sim.part("BME280").temperature = 30.0``) and wire your own parts with :meth:`Simulator.attach`.
"""

from __future__ import annotations

from protoboard.boards import BoardDef
from protoboard.ports.sim.model import SimPin, Simulator
from protoboard.registry import Port

_M = "protoboard.ports.sim"


def open_backend(board: BoardDef) -> Simulator:
    return Simulator(board)


PORT = Port(
    name="sim",
    description="A simulated board with parts you can drive and inspect; no hardware needed.",
    priority=0,
    implementations={
        "digitalio.DigitalInOut": f"{_M}.digitalio:DigitalInOut",
        "busio.I2C": f"{_M}.busio:I2C",
        "busio.SPI": f"{_M}.busio:SPI",
        "busio.UART": f"{_M}.busio:UART",
        "analogio.AnalogIn": f"{_M}.analogio:AnalogIn",
        "analogio.AnalogOut": f"{_M}.analogio:AnalogOut",
        "pwmio.PWMOut": f"{_M}.pwmio:PWMOut",
        "neopixel_write.NeoPixelWriter": f"{_M}.neopixel_write:NeoPixelWriter",
        "microcontroller.Processor": f"{_M}.microcontroller:Processor",
        "microcontroller.NVM": f"{_M}.microcontroller:NVM",
        "rotaryio.IncrementalEncoder": f"{_M}.rotaryio:IncrementalEncoder",
        "countio.Counter": f"{_M}.countio:Counter",
    },
    backend=f"{_M}:open_backend",
    boards_package=_M,
    default_board="protoboard_sim",
    any_stub_board=True,
)

__all__ = ["PORT", "SimPin", "Simulator", "open_backend"]
