"""Modules of other Python hardware dialects, and what CircuitPython uses instead.

A beginner following a MicroPython or Raspberry Pi tutorial imports these; on a CircuitPython
board the import fails with no word of the equivalent. One table, used by ``protoboard check``
and the runtime's messages.
"""

from __future__ import annotations

_MICROPYTHON = "MicroPython's"
_PI = "the Raspberry Pi's (CPython on Linux)"

#: module -> (whose module it is, what CircuitPython uses instead)
DIALECTS: dict[str, tuple[str, str]] = {
    "machine": (
        _MICROPYTHON,
        "use board for pin names with digitalio (Pin), busio (I2C, SPI, UART), pwmio (PWM), "
        "analogio (ADC) and microcontroller",
    ),
    "pyb": (_MICROPYTHON, "use board, digitalio, busio, pwmio and analogio"),
    "utime": (_MICROPYTHON, "use time (time.sleep, time.monotonic)"),
    "ujson": (_MICROPYTHON, "use json"),
    "uos": (_MICROPYTHON, "use os"),
    "ustruct": (_MICROPYTHON, "use struct"),
    "network": (_MICROPYTHON, "use wifi and socketpool"),
    "neopixel_micropython": (_MICROPYTHON, "use the neopixel library"),
    "RPi": (_PI, "use board and digitalio (RPi.GPIO.setup/output -> DigitalInOut)"),
    "gpiozero": (_PI, "use board and digitalio, or pwmio for a dimmable LED"),
    "smbus": (_PI, "use busio.I2C (or board.I2C()) with the sensor's Adafruit library"),
    "smbus2": (_PI, "use busio.I2C (or board.I2C()) with the sensor's Adafruit library"),
    "spidev": (_PI, "use busio.SPI (or board.SPI())"),
    "serial": ("pyserial's (a computer's serial ports)", "use busio.UART or usb_cdc"),
}


def advice(module: str) -> tuple[str, str] | None:
    """(whose module, what to use) for a module of another dialect, else None."""
    return DIALECTS.get(module)
