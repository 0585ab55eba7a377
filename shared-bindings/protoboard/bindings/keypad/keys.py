"""keypad.Keys: independent keys, one per pin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from protoboard.bindings import _validate
from protoboard.bindings.keypad import _scanner
from protoboard.hal.digitalio import Pull


class _KeysEngine(_scanner.Engine):
    """``shared-module/keypad/Keys.c``: read each pin, compare with ``value_when_pressed``."""

    def __init__(
        self,
        make_dio: _scanner.DigitalInOutMaker,
        pin_ids: Sequence[str],
        value_when_pressed: bool,
        pull: bool,
        interval: float,
        max_events: int,
        debounce_threshold: int,
    ) -> None:
        super().__init__(len(pin_ids), interval, max_events, debounce_threshold)
        self._dios = _scanner.make_digitalinouts(make_dio, pin_ids)
        self._value_when_pressed = value_when_pressed
        try:
            if pull:
                for dio in self._dios:
                    dio.set_pull(Pull.DOWN if value_when_pressed else Pull.UP)
        except BaseException:
            self._release()
            raise
        self._start("Keys")

    def _scan(self, timestamp: int) -> None:
        value_when_pressed = self._value_when_pressed
        for key_number, dio in enumerate(self._dios):
            self._update(key_number, dio.get_value() == value_when_pressed, timestamp)

    def _release(self) -> None:
        for dio in self._dios:
            dio.deinit()


class Keys(_scanner.Scanner[_KeysEngine]):
    """Manage a set of independent keys."""

    __slots__ = ()

    def __init__(
        self,
        pins: Sequence[Any],
        *,
        value_when_pressed: bool,
        pull: bool = True,
        interval: float = 0.020,
        max_events: int = 64,
        debounce_threshold: int = 1,
    ) -> None:
        """Create a `Keys` object that will scan keys attached to the given sequence of pins.
        Each key is independent and attached to its own pin.

        An `EventQueue` is created when this object is created and is available in the
        `events` attribute.

        :param Sequence[microcontroller.Pin] pins: The pins attached to the keys.
          The key numbers correspond to indices into this sequence.
        :param bool value_when_pressed: ``True`` if the pin reads high when the key is pressed.
          ``False`` if the pin reads low (is grounded) when the key is pressed.
          All the pins must be connected in the same way.
        :param bool pull: ``True`` if an internal pull-up or pull-down should be
          enabled on each pin. A pull-up will be used if ``value_when_pressed`` is ``False``;
          a pull-down will be used if it is ``True``.
          If an external pull is already provided for all the pins, you can set ``pull`` to
          ``False``. However, enabling an internal pull when an external one is already present
          is not a problem; it simply uses slightly more current.
        :param float interval: Scan keys no more often than ``interval`` to allow for
          debouncing. ``interval`` is in float seconds. The default is 0.020 (20 msecs).
        :param int max_events: maximum size of `events` `EventQueue`:
          maximum number of key transition events that are saved.
          Must be >= 1.
          If a new event arrives when the queue is full, the new event is discarded and
          `EventQueue.overflowed` is set.
        :param int debounce_threshold: Emit events for state changes only after a key has been
          in the respective state for ``debounce_threshold`` times on average.
          Successive measurements are spaced apart by ``interval`` seconds.
          The default is 1, which resolves immediately. The maximum is 127.
        """
        _validate.to_int(max_events, "max_events")
        _validate.to_int(debounce_threshold, "debounce_threshold")
        # CircuitPython checks Keys' pins under the name row_pins (shared-bindings/keypad/Keys.c).
        pin_list = _validate.no_duplicate_pins(pins, "row_pins")
        period, queue_size, threshold = _scanner.common_arguments(
            interval, max_events, debounce_threshold
        )
        for pin in pin_list:
            _validate.free_pin(pin, "pin")
        self._claim(*pin_list)
        self._start(
            _KeysEngine,
            [pin._id for pin in pin_list],
            bool(value_when_pressed),
            bool(pull),
            period,
            queue_size,
            threshold,
        )
