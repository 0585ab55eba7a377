"""keypad.Event: one key transition."""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _validate
from protoboard.ticks import ticks_ms


class Event:
    """A key transition event."""

    __slots__ = ("_key_number", "_pressed", "_timestamp")

    def __init__(
        self, key_number: int = 0, pressed: bool = True, timestamp: int | None = None
    ) -> None:
        """Create a key transition event, which reports a key-pressed or key-released
        transition.

        :param int key_number: The key number.
        :param bool pressed: ``True`` if the key was pressed; ``False`` if it was released.
        :param int timestamp: The time in milliseconds that the keypress occurred in the
          ``supervisor.ticks_ms`` time system.  If specified as None, the current value of
          ``supervisor.ticks_ms`` is used.
        """
        number = _validate.int_at_least(key_number, 0, "key_number")
        if timestamp is None:
            timestamp = ticks_ms()
        _validate.to_int(timestamp, "timestamp")
        self._key_number = number
        self._pressed = bool(pressed)
        self._timestamp = timestamp

    @classmethod
    def _create(cls, key_number: int, pressed: bool, timestamp: int) -> Event:
        event = object.__new__(cls)
        event._set(key_number, pressed, timestamp)
        return event

    def _set(self, key_number: int, pressed: bool, timestamp: int) -> None:
        self._key_number = key_number
        self._pressed = pressed
        self._timestamp = timestamp

    @property
    def key_number(self) -> int:
        """The key number."""
        return self._key_number

    @property
    def pressed(self) -> bool:
        """``True`` if the event represents a key down (pressed) transition.
        The opposite of `released`."""
        return self._pressed

    @property
    def released(self) -> bool:
        """``True`` if the event represents a key up (released) transition.
        The opposite of `pressed`."""
        return not self._pressed

    @property
    def timestamp(self) -> int:
        """The timestamp."""
        return self._timestamp

    def __eq__(self, other: object) -> bool:
        """Two `Event` objects are equal if their `key_number`
        and `pressed`/`released` values are equal.
        Note that this does not compare the event timestamps."""
        if not isinstance(other, Event):
            return False
        return self._key_number == other._key_number and self._pressed == other._pressed

    def __hash__(self) -> int:
        """Returns a hash for the `Event`, so it can be used in dictionaries, etc..

        Note that as events with different timestamps compare equal, they also hash to the
        same value."""
        return (self._pressed << 15) + self._key_number

    def __repr__(self) -> str:
        state = "pressed" if self._pressed else "released"
        return f"<Event: key_number {self._key_number} {state}>"


def _check_event(value: Any) -> Event:
    return _validate.of_type(value, Event, "event")
