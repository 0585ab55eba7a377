"""The simulated board: Protoboard's default port, available everywhere.

Use it from tests and scripts through :class:`Simulator` (``sim.pin("D13").history``,
``sim.part("BME280").temperature = 30.0``) and wire your own parts with :meth:`Simulator.attach`.
"""

from __future__ import annotations

import protoboard.hal.alarm
import protoboard.hal.analogio
import protoboard.hal.audiobusio
import protoboard.hal.audioi2sin
import protoboard.hal.audioio
import protoboard.hal.audiopwmio
import protoboard.hal.bitbangio
import protoboard.hal.busio
import protoboard.hal.countio
import protoboard.hal.digitalio
import protoboard.hal.microcontroller
import protoboard.hal.neopixel_write
import protoboard.hal.onewireio
import protoboard.hal.paralleldisplaybus
import protoboard.hal.picodvi
import protoboard.hal.pulseio
import protoboard.hal.pwmio
import protoboard.hal.rgbmatrix
import protoboard.hal.rotaryio
import protoboard.hal.rtc
import protoboard.hal.socketpool
import protoboard.hal.touchio
import protoboard.hal.usb_cdc
import protoboard.hal.usb_hid
import protoboard.hal.usb_host
import protoboard.hal.usb_midi
import protoboard.hal.wifi
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
        protoboard.hal.digitalio.DigitalInOut: f"{_M}.digitalio:DigitalInOut",
        protoboard.hal.busio.I2C: f"{_M}.busio:I2C",
        protoboard.hal.busio.SPI: f"{_M}.busio:SPI",
        protoboard.hal.busio.UART: f"{_M}.busio:UART",
        protoboard.hal.analogio.AnalogIn: f"{_M}.analogio:AnalogIn",
        protoboard.hal.analogio.AnalogOut: f"{_M}.analogio:AnalogOut",
        protoboard.hal.pwmio.PWMOut: f"{_M}.pwmio:PWMOut",
        protoboard.hal.neopixel_write.NeoPixelWriter: f"{_M}.neopixel_write:NeoPixelWriter",
        protoboard.hal.microcontroller.Processor: f"{_M}.microcontroller:Processor",
        protoboard.hal.microcontroller.NVM: f"{_M}.microcontroller:NVM",
        protoboard.hal.rotaryio.IncrementalEncoder: f"{_M}.rotaryio:IncrementalEncoder",
        protoboard.hal.countio.Counter: f"{_M}.countio:Counter",
        protoboard.hal.rtc.RTC: f"{_M}.rtc:RTC",
        protoboard.hal.touchio.TouchIn: f"{_M}.touchio:TouchIn",
        protoboard.hal.paralleldisplaybus.ParallelBus: f"{_M}.paralleldisplaybus:ParallelBus",
        protoboard.hal.rgbmatrix.RGBMatrix: f"{_M}.rgbmatrix:RGBMatrix",
        protoboard.hal.picodvi.Framebuffer: f"{_M}.picodvi:Framebuffer",
        protoboard.hal.wifi.Radio: f"{_M}.wifi:Radio",
        protoboard.hal.socketpool.SocketPool: f"{_M}.socketpool:SocketPool",
        protoboard.hal.pulseio.PulseIn: f"{_M}.pulseio:PulseIn",
        protoboard.hal.pulseio.PulseOut: f"{_M}.pulseio:PulseOut",
        protoboard.hal.onewireio.OneWire: f"{_M}.onewireio:OneWire",
        protoboard.hal.bitbangio.I2C: f"{_M}.bitbangio:I2C",
        protoboard.hal.bitbangio.SPI: f"{_M}.bitbangio:SPI",
        protoboard.hal.audioio.AudioOut: f"{_M}.audioio:AudioOut",
        protoboard.hal.audiopwmio.PWMAudioOut: f"{_M}.audiopwmio:PWMAudioOut",
        protoboard.hal.audiobusio.I2SOut: f"{_M}.audiobusio:I2SOut",
        protoboard.hal.audiobusio.PDMIn: f"{_M}.audiobusio:PDMIn",
        protoboard.hal.audioi2sin.I2SIn: f"{_M}.audioi2sin:I2SIn",
        protoboard.hal.usb_hid.HidHost: f"{_M}.usb_hid:HidHost",
        protoboard.hal.usb_midi.MidiHost: f"{_M}.usb_midi:MidiHost",
        protoboard.hal.usb_cdc.DataChannel: f"{_M}.usb_cdc:DataChannel",
        protoboard.hal.usb_host.HostPort: f"{_M}.usb_host:HostPort",
        protoboard.hal.alarm.Sleeper: f"{_M}.alarm:Sleeper",
    },
    backend=f"{_M}:open_backend",
    boards_package=_M,
    default_board="protoboard_sim",
    any_stub_board=True,
)

__all__ = ["PORT", "SimPin", "Simulator", "open_backend"]
