"""Touch related IO

The `touchio` module contains classes to provide access to touch IO typically
accelerated by hardware on the onboard microcontroller.

All classes change hardware state and should be deinitialized when they
are no longer needed if the program continues after use. To do so, either
call :py:meth:`!deinit` or use a context manager.

For more information about working with the `touchio` module in CircuitPython,
see `this Learn guide page <https://learn.adafruit.com/circuitpython-essentials/circuitpython-cap-touch>`_.

**Limitations**: `touchio` on RP2350 must have a pull-up resistor to 3.3V
instead of ground and set the ``pull=Pull.UP`` parameter when constructing
a `TouchIn` object, due to GPIO hardware limitations.

Example::

  import touchio
  from board import *

  touch_pin = touchio.TouchIn(D6)
  print(touch_pin.value)

This example will initialize the the device, and print the
:py:data:`~touchio.TouchIn.value`.

On the simulated board, a ``TouchPad`` part on the pin is the pad: set its ``touched`` (or its
``raw_value``) from a test or ``protoboard sim``. The pins that can sense touch are the board's
``touch`` pins (``A1``-``A5`` on the default board); on a board whose chip has no touch hardware
(its ``touch_resistor`` pins), the pad needs its 1 MΩ resistor, as on a board.
"""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _peripheral, _validate
from protoboard.bindings.digitalio import Pull
from protoboard.hal import touchio as hal

_UINT16 = 0xFFFF


class TouchIn(_peripheral.Peripheral[hal.TouchIn]):
    """Read the state of a capacitive touch sensor

    Usage::

       import touchio
       from board import *

       touch = touchio.TouchIn(A1)
       while True:
           if touch.value:
               print("touched!")"""

    __slots__ = ("_threshold",)

    def __init__(self, pin: Any, pull: Pull | None = None) -> None:
        """Use the TouchIn on the given pin.

        :param ~microcontroller.Pin pin: the pin to read from
        :param Optional[digitalio.Pull] pull: specify external pull resistor type. If None,
            assume pull-down or chip-specific implementation that does not require a pull.
        """
        _validate.free_pin(pin, "pin")
        _validate.of_type_or_none(pull, Pull, "pull")
        self._claim(pin)
        self._build(hal.TouchIn, pin._id, pull._hal if pull is not None else None)
        impl = self._checked()
        raw = impl.read()
        if impl.timeout is not None and raw >= impl.timeout:
            self.deinit()
            side = "pullup" if pull is Pull.UP else "pulldown"
            raise ValueError(f"No {side} on pin; 1Mohm recommended")
        self._threshold = impl.initial_threshold(raw) & _UINT16  # a uint16_t on the board

    def deinit(self) -> None:
        """Deinitialises the TouchIn and releases any hardware resources for reuse."""
        super().deinit()

    def __enter__(self) -> TouchIn:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    @property
    def value(self) -> bool:
        """Whether the touch pad is being touched or not. (read-only)

        True when `raw_value` > `threshold`."""
        return self._checked().read() > self._threshold

    @property
    def raw_value(self) -> int:
        """The raw touch measurement as an `int`. (read-only)"""
        return self._checked().read()

    @property
    def threshold(self) -> int | None:
        """Minimum `raw_value` needed to detect a touch (and for `value` to be `True`).

        When the **TouchIn** object is created, an initial `raw_value` is read from the pin,
        and then `threshold` is set to be 100 + that value.

        You can adjust `threshold` to make the pin more or less sensitive::

          import board
          import touchio

          touch = touchio.TouchIn(board.A1)
          touch.threshold = 7300"""
        self._checked()
        return self._threshold

    @threshold.setter
    def threshold(self, value: int | None) -> None:
        self._checked()
        self._threshold = _validate.int_range(value, 0, _UINT16, "threshold")


_enum.publish("touchio", TouchIn)
