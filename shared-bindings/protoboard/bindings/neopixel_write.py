"""Low-level neopixel implementation

The `neopixel_write` module contains a helper method to write out bytes in the 800khz neopixel
protocol.

For example, to turn off a single neopixel (like the status pixel on Express
boards.)

.. code-block:: python

  import board
  import neopixel_write
  import digitalio

  pin = digitalio.DigitalInOut(board.NEOPIXEL)
  pin.direction = digitalio.Direction.OUTPUT
  pixel_off = bytearray([0, 0, 0])
  neopixel_write.neopixel_write(pin, pixel_off)
"""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _errors, _validate
from protoboard.hal import neopixel_write as hal


def neopixel_write(digitalinout: Any, buf: Any) -> None:
    """Write buf out on the given DigitalInOut.

    :param ~digitalio.DigitalInOut digitalinout: the DigitalInOut to output with
    :param ~circuitpython_typing.ReadableBuffer buf: The bytes to clock out. No assumption is
      made about color order
    """
    from protoboard.bindings.digitalio import DigitalInOut

    pin = _validate.of_type(digitalinout, DigitalInOut, "digitalinout")
    pin._checked()
    data = _validate.buffer_slice(buf, 0, _validate.MAXSIZE, "buf").tobytes()
    machine = pin._machine
    writer = machine.singletons.get("neopixel_write")
    if not isinstance(writer, hal.NeoPixelWriter):
        with _errors.translate():
            writer = machine.create(hal.NeoPixelWriter)
        machine.singletons["neopixel_write"] = writer
    with _errors.translate():
        writer.write(pin._pin._id, data)


_enum.publish("neopixel_write", neopixel_write)
