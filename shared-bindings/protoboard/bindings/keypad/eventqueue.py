"""keypad.EventQueue: the bounded queue a scanner fills."""

from __future__ import annotations

import collections
import threading
from typing import Any

from protoboard.bindings import _validate
from protoboard.bindings.keypad.event import Event, _check_event

#: CircuitPython packs the key number into the low 15 bits of each queued event.
_KEY_NUMBER_MASK = (1 << 15) - 1


class EventQueue:
    """A queue of `Event` objects, filled by a `keypad` scanner such as `Keys` or `KeyMatrix`.

    You cannot create an instance of `EventQueue` directly. Each scanner creates an
    instance when it is created.
    """

    __slots__ = ("_events", "_lock", "_max_events", "_overflowed")
    _events: collections.deque[tuple[int, bool, int]]
    _lock: threading.Lock
    _max_events: int
    _overflowed: bool

    def __new__(cls, *args: Any, **kwargs: Any) -> EventQueue:
        raise _validate.cannot_create("keypad.EventQueue")

    @classmethod
    def _create(cls, max_events: int) -> EventQueue:
        queue = object.__new__(cls)
        queue._events = collections.deque()
        queue._lock = threading.Lock()
        queue._max_events = max_events
        queue._overflowed = False
        return queue

    def _record(self, key_number: int, pressed: bool, timestamp: int) -> bool:
        """Queue an event (the scanner's side). A full queue keeps its events, drops this one
        and sets `overflowed`, as CircuitPython's ``keypad_eventqueue_record`` does."""
        with self._lock:
            if len(self._events) >= self._max_events:
                self._overflowed = True
                return False
            self._events.append((key_number & _KEY_NUMBER_MASK, pressed, timestamp))
            return True

    def get(self) -> Event | None:
        """Remove the next key transition event from the `EventQueue` and return it.
        Return ``None`` if no events are pending.

        Note that the queue size is limited; see ``max_events`` in the constructor of
        a scanner such as `Keys` or `KeyMatrix`.
        If a new event arrives when the queue is full, the event is discarded, and
        `overflowed` is set to ``True``.

        :return: The next queued key transition `Event`.
        :rtype: Optional[Event]
        """
        with self._lock:
            if not self._events:
                return None
            return Event._create(*self._events.popleft())

    def get_into(self, event: Event) -> bool:
        """Remove the next key transition event from the ``EventQueue``, store it in ``event``,
        and return ``True``.
        If there are no queued events, do not touch ``event`` and return ``False``.

        The advantage of this method over ``get()`` is that it does not allocate storage.
        Instead you can reuse an existing ``Event`` object.

        Note that the queue size is limited; see ``max_events`` in the constructor of
        a scanner such as `Keys` or `KeyMatrix`.

        :return: ``True`` if an event was available and stored, ``False`` if not.
        :rtype: bool
        """
        _check_event(event)
        with self._lock:
            if not self._events:
                return False
            event._set(*self._events.popleft())
            return True

    def clear(self) -> None:
        """Clear any queued key transition events. Also sets `overflowed` to ``False``."""
        with self._lock:
            self._events.clear()
            self._overflowed = False

    def __bool__(self) -> bool:
        """``True`` if ``len()`` is greater than zero.
        This is an easy way to check if the queue is empty."""
        return len(self._events) != 0

    def __len__(self) -> int:
        """Return the number of events currently in the queue. Used to implement ``len()``."""
        return len(self._events)

    @property
    def overflowed(self) -> bool:
        """``True`` if an event could not be added to the event queue because it was full.
        (read-only) Set to ``False`` by `clear()`."""
        return self._overflowed
