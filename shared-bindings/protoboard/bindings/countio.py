"""Support for edge counting

The `countio` module contains logic to read and count edge transitions

For more information on the applications of counting edges, see
`this Learn Guide on sequential circuits
<https://learn.adafruit.com/digital-circuits-4-sequential-circuits>`_.

All classes change hardware state and should be deinitialized when they are no longer needed if
the program continues after use. To do so, either call :py:meth:`!deinit` or use a context manager.
"""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _errors, _peripheral, _validate
from protoboard.bindings.digitalio import Pull
from protoboard.hal import countio as hal


class Edge(_enum.Constant):
    """Enumerates which signal transitions can be counted."""

    __slots__ = ()
    RISE: Edge
    """Count the rising edges."""
    FALL: Edge
    """Count the falling edges."""
    RISE_AND_FALL: Edge
    """Count the rising and falling edges."""


_enum.define(Edge, RISE=hal.Edge.RISE, FALL=hal.Edge.FALL, RISE_AND_FALL=hal.Edge.RISE_AND_FALL)


class Counter(_peripheral.Peripheral[hal.Counter]):
    """Count the number of rising- and/or falling-edge transitions on a given pin."""

    __slots__ = ("_offset",)

    def __init__(self, pin: Any, *, edge: Edge = Edge.FALL, pull: Pull | None = None) -> None:
        """Create a Counter object associated with the given pin that counts
        rising- and/or falling-edge transitions. At least one of ``rise`` and ``fall`` must be
        True. The default is to count only falling edges, and is for historical backward
        compatibility.

        :param ~microcontroller.Pin pin: pin to monitor
        :param Edge edge: which edge transitions to count
        :param Optional[digitalio.Pull] pull: enable a pull-up or pull-down if not None

        For example::

            import board
            import countio

            # Count rising edges only.
            pin_counter = countio.Counter(board.D1, edge=countio.Edge.RISE)
            # Reset the count after 100 counts.
            while True:
                if pin_counter.count >= 100:
                    pin_counter.reset()
                print(pin_counter.count)
        """
        _validate.free_pin(pin, "pin")
        _validate.of_type(edge, Edge, "edge")
        _validate.of_type_or_none(pull, Pull, "pull")
        self._offset = 0
        self._claim(pin)
        self._build(
            hal.Counter,
            pin._id,
            edge._hal,
            pull._hal if pull is not None else None,
        )

    def deinit(self) -> None:
        """Deinitializes the Counter and releases any hardware resources for reuse."""
        super().deinit()

    def __enter__(self) -> Counter:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    @property
    def count(self) -> int:
        """The current count in terms of pulses."""
        impl = self._checked()
        with _errors.translate():  # a timed part failing as its edges are worked out
            return impl.read() - self._offset

    @count.setter
    def count(self, value: int) -> None:
        impl = self._checked()
        self._offset = impl.read() - _validate.to_int(value, "count")

    def reset(self) -> None:
        """Resets the count back to 0."""
        self._offset = self._checked().read()


_enum.publish("countio", Edge, Counter)
