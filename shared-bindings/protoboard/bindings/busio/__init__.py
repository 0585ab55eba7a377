"""Hardware accelerated external bus access

The `busio` module contains classes to support a variety of serial protocols.

When the microcontroller does not support the behavior in a hardware accelerated fashion it may
internally use a bitbang routine. However, if hardware support is available on a subset of pins
but not those provided, then a RuntimeError will be raised.

All classes change hardware state and should be deinitialized when they are no longer needed if
the program continues after use. To do so, either call :py:meth:`!deinit` or use a context manager.

For example::

  import busio
  from board import *

  i2c = busio.I2C(SCL, SDA)
  print(i2c.scan())
  i2c.deinit()

This example will initialize the device, run :py:meth:`~busio.I2C.scan` and then
:py:meth:`~busio.I2C.deinit` the hardware. The last step is optional because CircuitPython
automatically resets hardware after a program finishes.
"""

from protoboard.bindings import _enum
from protoboard.bindings.busio.i2c import I2C
from protoboard.bindings.busio.spi import SPI
from protoboard.bindings.busio.uart import UART

__all__ = ["I2C", "SPI", "UART"]

_enum.publish("busio", I2C, SPI, UART, UART.Parity)
