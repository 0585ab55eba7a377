"""keypad.ShiftRegisterKeys: keys read through parallel-in serial-out shift registers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from protoboard.bindings import _validate
from protoboard.bindings.keypad import _scanner
from protoboard.bindings.microcontroller import Pin
from protoboard.hal.digitalio import DriveMode


class _ShiftRegisterKeysEngine(_scanner.Engine):
    """``shared-module/keypad/ShiftRegisterKeys.c``: latch, then clock the bits in."""

    def __init__(
        self,
        make_dio: _scanner.DigitalInOutMaker,
        clock_id: str,
        data_ids: Sequence[str],
        latch_id: str,
        value_to_latch: bool,
        key_counts: Sequence[int],
        value_when_pressed: bool,
        interval: float,
        max_events: int,
        debounce_threshold: int,
    ) -> None:
        super().__init__(sum(key_counts), interval, max_events, debounce_threshold)
        self._value_to_latch = value_to_latch
        self._value_when_pressed = value_when_pressed
        self._key_counts = tuple(key_counts)
        self._max_key_count = max(key_counts, default=0)
        self._dios = _scanner.make_digitalinouts(make_dio, [clock_id, latch_id])
        self._clock, self._latch = self._dios
        try:
            self._clock.switch_to_output(False, DriveMode.PUSH_PULL)
            self._latch.switch_to_output(True, DriveMode.PUSH_PULL)
            self._data = _scanner.make_digitalinouts(make_dio, data_ids)
            self._dios += self._data
            for dio in self._data:
                dio.switch_to_input(None)
        except BaseException:
            self._release()
            raise
        self._start("ShiftRegisterKeys")

    def _scan(self, timestamp: int) -> None:
        # Latch (freeze) the current state of the inputs.
        self._latch.set_value(self._value_to_latch)
        for scan_number in range(self._max_key_count):
            self._clock.set_value(False)
            # Bit 0 is on the data pin at once, without a shift. Registers sharing the clock and
            # latch are read in parallel; key numbers follow data[0]'s keys, then data[1]'s...
            index = 0
            for dio, count in zip(self._data, self._key_counts, strict=True):
                if scan_number < count:
                    pressed = dio.get_value() == self._value_when_pressed
                    self._update(scan_number + index, pressed, timestamp)
                index += count
            # A rising clock edge shifts the next bit out.
            self._clock.set_value(True)
        # Let the registers follow their inputs again.
        self._latch.set_value(not self._value_to_latch)

    def _release(self) -> None:
        for dio in self._dios:
            dio.deinit()


def _data_pins(data: Any) -> tuple[Any, ...]:
    if isinstance(data, Pin):
        return (_validate.free_pin(data, "data"),)
    return tuple(_validate.free_pin(pin, "data") for pin in _validate.sequence(data))


def _key_counts(key_count: Any, data_count: int) -> tuple[int, ...]:
    # MicroPython's mp_obj_is_int() is False for True/False, so a bool is taken as a sequence.
    single = isinstance(key_count, int) and not isinstance(key_count, bool)
    counts = (key_count,) if single else _validate.sequence(key_count)
    _validate.length(len(counts), data_count, "key_count")
    return tuple(_validate.int_at_least(count, 1, "key_count") for count in counts)


class ShiftRegisterKeys(_scanner.Scanner[_ShiftRegisterKeysEngine]):
    """Manage a set of keys attached to an incoming shift register."""

    __slots__ = ()

    def __init__(
        self,
        *,
        clock: Any,
        data: Any,
        latch: Any,
        value_to_latch: bool = True,
        key_count: int | Sequence[int],
        value_when_pressed: bool,
        interval: float = 0.020,
        max_events: int = 64,
        debounce_threshold: int = 1,
    ) -> None:
        """Create a `Keys` object that will scan keys attached to a parallel-in serial-out shift
        register like the 74HC165 or CD4021.
        Note that you may chain shift registers to load in as many values as you need.
        Furthermore, you can put multiple shift registers in parallel and share clock and latch.

        Key number 0 is the first (or more properly, the zero-th) bit read. In the
        74HC165, this bit is labeled ``Q7``. Key number 1 will be the value of ``Q6``, etc.
        Key numbers are sequenced such that there are ``key_count[0]`` values read from
        ``data[0]``, followed by ``key_count[1]`` values read from ``data[1]``, etc.

        An `EventQueue` is created when this object is created and is available in the
        `events` attribute.

        :param microcontroller.Pin clock: The shift register clock pin.
          The shift register should clock on a low-to-high transition.
        :param Union[microcontroller.Pin, Sequence[microcontroller.Pin]] data: the incoming
          shift register data pin(s). When a ``microcontroller.Pin`` argument is given, it is
          logically equivalent to a one-element sequence.
        :param microcontroller.Pin latch:
          Pin used to latch parallel data going into the shift register.
        :param bool value_to_latch: Pin state to latch data being read.
          ``True`` if the data is latched when ``latch`` goes high
          ``False`` if the data is latched when ``latch`` goes low.
          The default is ``True``, which is how the 74HC165 operates. The CD4021 latch is the
          opposite. Once the data is latched, it will be shifted out by toggling the clock pin.
        :param Union[int, Sequence[int]] key_count: number of data lines to clock in (per data
          pin). When an ``int`` argument is given, it is logically equivalent to a one-element
          sequence.
        :param bool value_when_pressed: ``True`` if the pin reads high when the key is pressed.
          ``False`` if the pin reads low (is grounded) when the key is pressed.
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
        data_pins = _data_pins(data)
        counts = _key_counts(key_count, len(data_pins))
        _validate.free_pin(clock, "clock")
        _validate.free_pin(latch, "latch")
        period, queue_size, threshold = _scanner.common_arguments(
            interval, max_events, debounce_threshold
        )
        self._claim(clock, *data_pins, latch)
        self._start(
            _ShiftRegisterKeysEngine,
            clock._id,
            [pin._id for pin in data_pins],
            latch._id,
            bool(value_to_latch),
            counts,
            bool(value_when_pressed),
            period,
            queue_size,
            threshold,
        )
