"""``neopixel_write`` on a Raspberry Pi: the WS2812 bit stream clocked out of SPI0's MOSI.

No root, no DMA channel and no PWM/PCM hardware (what ``rpi_ws281x`` needs), and the same on
the Pi 5, whose SPI is on the RP1. This is the encoding Adafruit's ``neopixel_spi`` library
uses on a ``busio.SPI``, behind CircuitPython's ``neopixel_write`` so that unmodified
``neopixel`` programs run:

- the SPI clock is :data:`SPI_HZ` (6.4 MHz: one SPI bit = 156.25 ns);
- each data bit becomes one SPI byte, most significant bit first: a 0 is ``0b11000000``
  (high 312.5 ns), a 1 is ``0b11111000`` (high 781 ns); each data bit lasts 1.25 µs (800 kHz).
  Those highs sit inside the T0H and T1H windows of the WS2812, WS2812B and WS2812B-V5 data
  sheets (T0H 250-380 ns, T1H 650-850 ns where all three agree), also at the 6.25 MHz the
  Pi 4's and Pi 5's clock dividers give for a 6.4 MHz request;
- a zero byte leads each frame (MOSI low before the first bit), and a new frame waits until
  :data:`RESET_S` has passed since the previous one ended (the strip latches its colours).

Limits: one frame is one SPI transfer (a gap inside a frame would latch a partial frame), so a
frame must fit spidev's buffer (``bufsiz``, 4096 bytes by default: 170 RGB or 127 RGBW pixels);
the error for a longer strip says how to raise it. On a Pi 3 the SPI clock follows the core
clock, which varies unless config.txt pins it (``core_freq=250``).
"""

from __future__ import annotations

import time
from typing import Any

from protoboard.hal import neopixel_write as hal
from protoboard.hal.errors import BusError, HardwareError
from protoboard.ports.linux.backend import LinuxBackend, access_error, on_host

SPI_HZ = 6_400_000
ZERO = 0b11000000
ONE = 0b11111000
#: the low time after which a WS2812B-V5 latches (older chips need 50 µs)
RESET_S = 300e-6
#: spidev's default buffer, used when /sys/module/spidev/parameters/bufsiz cannot be read
DEFAULT_BUFSIZ = 4096

#: each data byte's eight SPI bytes
_TABLE = [
    bytes(ONE if byte >> bit & 1 else ZERO for bit in range(7, -1, -1)) for byte in range(256)
]


def encode(data: bytes) -> bytes:
    """The SPI bytes for ``data`` (the colour bytes in the strip's order), lead byte first."""
    return b"\x00" + b"".join([_TABLE[byte] for byte in data])


class NeoPixelWriter(hal.NeoPixelWriter):
    def __init__(self, backend: LinuxBackend) -> None:
        super().__init__(backend)
        self._backend = backend
        self._dev: Any = None
        self._bufsiz = DEFAULT_BUFSIZ
        self._ended = 0.0

    @on_host
    def _open(self, entry: Any) -> Any:
        import spidev

        path = str(self._backend.path(f"/dev/spidev{entry['bus']}.{entry.get('device', 0)}"))
        dev = spidev.SpiDev()
        try:
            dev.open_path(path)
        except OSError as exc:
            raise access_error("spi", path, exc) from None
        try:
            dev.no_cs = True  # nothing on CE0 needs to see NeoPixel frames
        except OSError:
            pass
        try:
            dev.mode = 0
            dev.bits_per_word = 8
            dev.max_speed_hz = SPI_HZ
        except OSError as exc:
            dev.close()
            raise HardwareError(f"{path} refused the NeoPixel settings: {exc.strerror}") from None
        size = self._backend.path("/sys/module/spidev/parameters/bufsiz")
        try:
            self._bufsiz = int(size.read_text().strip())
        except (OSError, ValueError):
            self._bufsiz = DEFAULT_BUFSIZ
        return dev

    def write(self, pin: str, data: bytes) -> None:
        backend = self._backend
        found = backend.neopixel_spi()
        name = backend.pin_name(pin)
        if found is None:
            raise HardwareError(
                f"neopixel_write is not available on the {backend.board.name}: it has no pin "
                "that can send NeoPixel data"
            )
        neopixel_pin, entry = found
        if pin != neopixel_pin:
            wanted = backend.pin_name(neopixel_pin)
            raise HardwareError(
                f"neopixel_write cannot drive {name}: on the {backend.board.name} NeoPixel data "
                f"goes out of SPI's MOSI pin, so connect the strip's data input to board.{wanted} "
                f"and enable SPI (sudo raspi-config nonint do_spi 0). The alternative is the "
                "neopixel_spi library on board.SPI(), which sends the same signal"
            )
        if self._dev is None:
            self._dev = self._open(entry)
        frame = encode(data)
        if len(frame) > self._bufsiz:
            raise HardwareError(
                f"{len(data)} bytes of NeoPixel data need {len(frame)} bytes in one SPI "
                f"transfer, more than spidev's buffer ({self._bufsiz} bytes): add "
                f"spidev.bufsiz={1 << max(16, len(frame).bit_length())} to the kernel command "
                "line (/boot/firmware/cmdline.txt) and reboot"
            )
        wait = self._ended + RESET_S - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            self._dev.writebytes2(frame)
        except OSError as exc:
            raise BusError(exc.errno or 5, exc.strerror or str(exc)) from None
        finally:
            self._ended = time.monotonic()

    def deinit(self) -> None:
        if self._dev is not None:
            self._dev.close()
            self._dev = None
