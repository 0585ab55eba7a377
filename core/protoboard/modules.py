"""The built-in module table: every CircuitPython module Protoboard provides.

For each module: the binding that implements its public API and the contract classes a port must
implement for a board to enable it. The import hook, the board checks and the docs' support
matrix all read this one table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuiltinModule:
    name: str
    binding: str
    #: contract keys (``"<module>.<Class>"``) the port must implement
    needs: tuple[str, ...] = ()
    #: other built-in modules this one is written on top of (portable "shared-module" code)
    uses: tuple[str, ...] = ()


def _b(name: str, needs: tuple[str, ...] = (), uses: tuple[str, ...] = ()) -> BuiltinModule:
    return BuiltinModule(name, f"protoboard.bindings.{name}", needs, uses)


MODULES: dict[str, BuiltinModule] = {
    m.name: m
    for m in (
        _b("board"),
        _b("microcontroller", ("microcontroller.Processor", "microcontroller.NVM")),
        _b("nvm", ("microcontroller.NVM",)),
        _b("micropython"),
        _b("digitalio", ("digitalio.DigitalInOut",)),
        _b("busio", ("busio.I2C", "busio.SPI", "busio.UART")),
        _b("analogio", ("analogio.AnalogIn", "analogio.AnalogOut")),
        _b("pwmio", ("pwmio.PWMOut",)),
        _b("neopixel_write", ("neopixel_write.NeoPixelWriter",), ("digitalio",)),
        _b("keypad", (), ("digitalio",)),
        _b("rotaryio", ("rotaryio.IncrementalEncoder",)),
        _b("countio", ("countio.Counter",)),
        # Runtime modules: the supervisor's state and the drive, no hardware behind them.
        _b("supervisor"),
        _b("storage"),
    )
}

#: contract key -> "module:Class" of its abstract base class
CONTRACTS: dict[str, str] = {
    "digitalio.DigitalInOut": "protoboard.hal.digitalio:DigitalInOut",
    "busio.I2C": "protoboard.hal.busio:I2C",
    "busio.SPI": "protoboard.hal.busio:SPI",
    "busio.UART": "protoboard.hal.busio:UART",
    "analogio.AnalogIn": "protoboard.hal.analogio:AnalogIn",
    "analogio.AnalogOut": "protoboard.hal.analogio:AnalogOut",
    "pwmio.PWMOut": "protoboard.hal.pwmio:PWMOut",
    "neopixel_write.NeoPixelWriter": "protoboard.hal.neopixel_write:NeoPixelWriter",
    "microcontroller.Processor": "protoboard.hal.microcontroller:Processor",
    "microcontroller.NVM": "protoboard.hal.microcontroller:NVM",
    "rotaryio.IncrementalEncoder": "protoboard.hal.rotaryio:IncrementalEncoder",
    "countio.Counter": "protoboard.hal.countio:Counter",
}
