"""The built-in module table: every CircuitPython module Protoboard provides.

For each module: the binding that implements its public API and the contract classes a port must
implement for a board to enable it. The import hook, the board checks and the docs' support
matrix all read this one table.
"""

from __future__ import annotations

from dataclasses import dataclass

from protoboard.hal import alarm as hal_alarm
from protoboard.hal import (
    analogio,
    audiobusio,
    audioi2sin,
    audioio,
    audiopwmio,
    bitbangio,
    busio,
    countio,
    digitalio,
    microcontroller,
    neopixel_write,
    onewireio,
    paralleldisplaybus,
    picodvi,
    pulseio,
    pwmio,
    rgbmatrix,
    rotaryio,
    rtc,
    socketpool,
    touchio,
    usb_cdc,
    usb_hid,
    usb_host,
    usb_midi,
    wifi,
)
from protoboard.hal.base import Implementation

Contract = type[Implementation]


@dataclass(frozen=True)
class BuiltinModule:
    name: str
    binding: str
    #: contract classes the port must implement
    needs: tuple[Contract, ...] = ()
    #: other built-in modules this one is written on top of (portable "shared-module" code)
    uses: tuple[str, ...] = ()
    #: host packages it computes with (importable names), and the extra that installs them
    requires: tuple[str, ...] = ()
    extra: str | None = None


def _b(name: str, needs: tuple[Contract, ...] = (), uses: tuple[str, ...] = ()) -> BuiltinModule:
    return BuiltinModule(name, f"protoboard.bindings.{name}", needs, uses)


MODULES: dict[str, BuiltinModule] = {
    m.name: m
    for m in (
        _b("board"),
        _b("microcontroller", (microcontroller.Processor, microcontroller.NVM)),
        _b("nvm", (microcontroller.NVM,)),
        _b("micropython"),
        _b("digitalio", (digitalio.DigitalInOut,)),
        _b("busio", (busio.I2C, busio.SPI, busio.UART)),
        _b("analogio", (analogio.AnalogIn, analogio.AnalogOut)),
        _b("pwmio", (pwmio.PWMOut,)),
        _b("neopixel_write", (neopixel_write.NeoPixelWriter,), ("digitalio",)),
        _b("keypad", (), ("digitalio",)),
        _b("rotaryio", (rotaryio.IncrementalEncoder,)),
        _b("countio", (countio.Counter,)),
        _b("rainbowio"),
        _b("rtc", (rtc.RTC,)),
        _b("touchio", (touchio.TouchIn,)),
        _b("fourwire", (), ("busio", "digitalio")),
        _b("i2cdisplaybus", (), ("busio", "digitalio")),
        _b("paralleldisplaybus", (paralleldisplaybus.ParallelBus,), ("digitalio",)),
        _b("busdisplay", (), ("displayio",)),
        _b("epaperdisplay", (), ("displayio",)),
        _b("framebufferio", (), ("displayio",)),
        _b("rgbmatrix", (rgbmatrix.RGBMatrix,)),
        _b("picodvi", (picodvi.Framebuffer,)),
        # Display compositing and fonts: pure rendering, no hardware behind them.
        _b("displayio"),
        _b("fontio"),
        _b("terminalio", (), ("displayio", "fontio")),
        _b("vectorio", (), ("displayio",)),
        _b("bitmaptools", (), ("displayio",)),
        # The network: the radio, the IP stack behind it, and portable modules on top.
        _b("wifi", (wifi.Radio,)),
        _b("socketpool", (socketpool.SocketPool,), ("wifi",)),
        _b("ssl", (), ("socketpool",)),
        _b("ipaddress"),
        _b("mdns", (), ("wifi",)),
        _b("pulseio", (pulseio.PulseIn, pulseio.PulseOut)),
        _b("onewireio", (onewireio.OneWire,)),
        _b("bitbangio", (bitbangio.I2C, bitbangio.SPI)),
        _b("audiocore"),
        _b("audioio", (audioio.AudioOut,), ("audiocore",)),
        _b("audiopwmio", (audiopwmio.PWMAudioOut,), ("audiocore",)),
        _b("audiobusio", (audiobusio.I2SOut, audiobusio.PDMIn), ("audiocore",)),
        _b("audioi2sin", (audioi2sin.I2SIn,), ("audiocore",)),
        _b("audiomixer", (), ("audiocore",)),
        _b("audiomp3", (), ("audiocore",)),
        _b("synthio", (), ("audiocore",)),
        _b("adafruit_pixelbuf"),
        _b("usb_hid", (usb_hid.HidHost,)),
        _b("usb_midi", (usb_midi.MidiHost,)),
        _b("usb_cdc", (usb_cdc.DataChannel,)),
        # The board as a USB host: PyUSB's usb.core on the host controller, started by the
        # board, by usb_host.Port or by a MAX3421E chip on SPI.
        _b("usb", (usb_host.HostPort,)),
        _b("usb_host", (usb_host.HostPort,), ("usb",)),
        _b("max3421e", (usb_host.HostPort,), ("busio", "usb")),
        _b("alarm", (hal_alarm.Sleeper,)),
        # Runtime modules: the supervisor's state and the drive, no hardware behind them.
        _b("supervisor"),
        _b("storage"),
        _b("sdcardio", (), ("busio", "digitalio", "storage")),
        # Pure computation: ulab is numpy's work (the 'ulab' extra); atexit is the run's.
        BuiltinModule("ulab", "protoboard.bindings.ulab", requires=("numpy",), extra="ulab"),
        _b("atexit"),
    )
}


def missing_requirement(module: BuiltinModule) -> ImportError | None:
    """The error ``import <module>`` raises when a package it computes with is not installed
    (``ulab`` without numpy), naming the command that installs it; None when all are there."""
    import importlib.util

    for package in module.requires:
        try:
            found = importlib.util.find_spec(package) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return ImportError(
                f"{module.name} on Protoboard computes with {package}, which is not installed: "
                f"pip install 'protoboard[{module.extra}]'",
                name=module.name,
            )
    return None


#: every contract a port may implement, each once, in table order
CONTRACTS: tuple[Contract, ...] = tuple(
    dict.fromkeys(contract for module in MODULES.values() for contract in module.needs)
)

#: CircuitPython's core modules that are Python's own here (CPython's stand in for them); with
#: the table above, what ``help("modules")`` lists.
PYTHON_MODULES: tuple[str, ...] = (
    "__future__",
    "__main__",
    "array",
    "binascii",
    "builtins",
    "collections",
    "errno",
    "gc",
    "io",
    "json",
    "math",
    "os",
    "random",
    "re",
    "select",
    "struct",
    "sys",
    "time",
    "traceback",
    "warnings",
    "zlib",
)
