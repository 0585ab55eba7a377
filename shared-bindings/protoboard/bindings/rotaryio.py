"""Support for reading rotation sensors

The `rotaryio` module contains classes to read different rotation encoding schemes. See
`Wikipedia's Rotary Encoder page <https://en.wikipedia.org/wiki/Rotary_encoder>`_ for more
background.

For more information on working with rotary encoders using this library, see
`this Learn Guide <https://learn.adafruit.com/rotary-encoder>`_.

All classes change hardware state and should be deinitialized when they are no longer needed if
the program continues after use. To do so, either call :py:meth:`!deinit` or use a context manager.
"""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _errors, _peripheral, _validate
from protoboard.hal import rotaryio as hal


def _step(position: int, sub_count: int, divisor: int, increment: int) -> tuple[int, int]:
    """One quadrature transition, exactly as ``shared_module_softencoder_state_update``."""
    sub_count += increment
    if sub_count >= divisor:
        return position + 1, 0
    if sub_count <= -divisor:
        return position - 1, 0
    return position, sub_count


def _advance(position: int, sub_count: int, divisor: int, steps: int) -> tuple[int, int]:
    """Apply ``steps`` transitions of the same direction (the net count the port reports since
    the last look) in O(1), with the result a sequence of single steps would give."""
    if steps == 0:
        return position, sub_count
    sign = 1 if steps > 0 else -1
    # The first step may start from a sub-count left out of range by a smaller divisor.
    position, sub_count = _step(position, sub_count, divisor, sign)
    remaining = abs(steps) - 1
    if remaining == 0:
        return position, sub_count
    if divisor >= 1:
        # Now -divisor < sub_count < divisor: every divisor steps make one count, and the
        # sub-count keeps the remainder (C truncating division, as the step rule implies).
        total = sub_count + sign * remaining
        whole = abs(total) // divisor * (1 if total >= 0 else -1)
        return position + whole, total - whole * divisor
    if divisor == 0:
        # Every step resets the sub-count and counts in its own direction.
        return position + sign * remaining, 0
    # A negative divisor counts every step up, whatever its direction (as CircuitPython does).
    return position + remaining, 0


class IncrementalEncoder(_peripheral.Peripheral[hal.IncrementalEncoder]):
    """IncrementalEncoder determines the relative rotational position based on two series of
    pulses. It assumes that the encoder's common pin(s) are connected to ground,and enables
    pull-ups on pin_a and pin_b."""

    __slots__ = ("_divisor", "_position", "_seen", "_sub_count")

    def __init__(self, pin_a: Any, pin_b: Any, divisor: int = 4) -> None:
        """Create an IncrementalEncoder object associated with the given pins. It tracks the
        positional state of an incremental rotary encoder (also known as a quadrature encoder.)
        Position is relative to the position when the object is constructed.

        :param ~microcontroller.Pin pin_a: First pin to read pulses from.
        :param ~microcontroller.Pin pin_b: Second pin to read pulses from.
        :param int divisor: The divisor of the quadrature signal.

        For example::

          import rotaryio
          import time
          from board import *

          enc = rotaryio.IncrementalEncoder(D1, D2)
          last_position = None
          while True:
              position = enc.position
              if last_position == None or position != last_position:
                  print(position)
              last_position = position
        """
        divisor = _validate.to_int(divisor, "divisor")
        _validate.free_pin(pin_a, "pin_a")
        _validate.free_pin(pin_b, "pin_b")
        self._divisor = divisor
        self._position = 0
        self._sub_count = 0
        self._seen = 0
        self._claim(pin_a, pin_b)
        self._build(hal.IncrementalEncoder, pin_a._id, pin_b._id)
        self._seen = self._checked().read_quarter_steps()

    def _sync(self) -> Any:
        """Fold the transitions counted by the port since the last look into the position."""
        impl = self._checked()
        with _errors.translate():  # a timed part failing as its edges are worked out
            steps = impl.read_quarter_steps()
        delta = steps - self._seen
        if delta:
            self._seen = steps
            self._position, self._sub_count = _advance(
                self._position, self._sub_count, self._divisor, delta
            )
        return impl

    def deinit(self) -> None:
        """Deinitializes the IncrementalEncoder and releases any hardware resources for reuse."""
        super().deinit()

    def __enter__(self) -> IncrementalEncoder:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    @property
    def divisor(self) -> int:
        """The divisor of the quadrature signal.  Use 1 for encoders without
        detents, or encoders with 4 detents per cycle.  Use 2 for encoders with 2
        detents per cycle.  Use 4 for encoders with 1 detent per cycle."""
        self._checked()
        return self._divisor

    @divisor.setter
    def divisor(self, value: int) -> None:
        self._sync()
        self._divisor = _validate.to_int(value, "divisor")

    @property
    def position(self) -> int:
        """The current position in terms of pulses. The number of pulses per rotation is
        defined by the specific hardware and by the divisor."""
        self._sync()
        return self._position

    @position.setter
    def position(self, value: int) -> None:
        self._sync()
        # As CircuitPython: the sub-count (progress towards the next detent) is kept.
        self._position = _validate.to_int(value, "position")


_enum.publish("rotaryio", IncrementalEncoder)
