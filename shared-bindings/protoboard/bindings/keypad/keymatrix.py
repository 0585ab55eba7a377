"""keypad.KeyMatrix: keys at the crossings of row and column lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from protoboard.bindings import _validate
from protoboard.bindings.keypad import _scanner
from protoboard.hal.digitalio import DriveMode, Pull


class _KeyMatrixEngine(_scanner.Engine):
    """``shared-module/keypad/KeyMatrix.c``: drive one row at a time, read every column."""

    def __init__(
        self,
        make_dio: _scanner.DigitalInOutMaker,
        row_ids: Sequence[str],
        column_ids: Sequence[str],
        columns_to_anodes: bool,
        interval: float,
        max_events: int,
        debounce_threshold: int,
    ) -> None:
        super().__init__(len(row_ids) * len(column_ids), interval, max_events, debounce_threshold)
        self._columns_to_anodes = columns_to_anodes
        self._pull = Pull.UP if columns_to_anodes else Pull.DOWN
        self._rows = _scanner.make_digitalinouts(make_dio, row_ids)
        self._columns: list[Any] = []
        try:
            self._columns = _scanner.make_digitalinouts(make_dio, column_ids)
            for dio in (*self._rows, *self._columns):
                dio.switch_to_input(self._pull)
        except BaseException:
            self._release()
            raise
        self._start("KeyMatrix")

    def _scan(self, timestamp: int) -> None:
        # On entry every pin is an input pulled towards its resting level.
        columns_to_anodes = self._columns_to_anodes
        column_count = len(self._columns)
        for row, row_dio in enumerate(self._rows):
            # Drive this row: low when the columns go to the diodes' anodes, else high.
            row_dio.switch_to_output(not columns_to_anodes, DriveMode.PUSH_PULL)
            for column, column_dio in enumerate(self._columns):
                # A pressed key pulls its column to the row's level.
                pressed = column_dio.get_value() != columns_to_anodes
                self._update(row * column_count + column, pressed, timestamp)
            # Back to the resting level first, then let go: the pull alone is slow to recover.
            row_dio.set_value(columns_to_anodes)
            row_dio.switch_to_input(self._pull)

    def _release(self) -> None:
        for dio in (*self._rows, *self._columns):
            dio.deinit()

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def column_count(self) -> int:
        return len(self._columns)


class KeyMatrix(_scanner.Scanner[_KeyMatrixEngine]):
    """Manage a 2D matrix of keys with row and column pins."""

    __slots__ = ()

    def __init__(
        self,
        row_pins: Sequence[Any],
        column_pins: Sequence[Any],
        *,
        columns_to_anodes: bool = True,
        interval: float = 0.020,
        max_events: int = 64,
        debounce_threshold: int = 1,
    ) -> None:
        """Create a `Keys` object that will scan the key matrix attached to the given row and
        column pins. There should not be any external pull-ups or pull-downs on the matrix:
        ``KeyMatrix`` enables internal pull-ups or pull-downs on the pins as necessary.

        The keys are numbered sequentially from zero. A key number can be computed
        by ``row * len(column_pins) + column``.

        An `EventQueue` is created when this object is created and is available in the
        `events` attribute.

        :param Sequence[microcontroller.Pin] row_pins: The pins attached to the rows.
        :param Sequence[microcontroller.Pin] column_pins: The pins attached to the columns.
        :param bool columns_to_anodes: Default ``True``.
          If the matrix uses diodes, the diode anodes are typically connected to the column
          pins, and the cathodes should be connected to the row pins. If your diodes are
          reversed, set ``columns_to_anodes`` to ``False``.
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
        len(row_pins)
        len(column_pins)
        period, queue_size, threshold = _scanner.common_arguments(
            interval, max_events, debounce_threshold
        )
        rows, columns = _validate.no_duplicate_pins_2(
            row_pins, column_pins, "row_pins", "column_pins"
        )
        for pin in (*rows, *columns):
            _validate.free_pin(pin, "pin")
        self._claim(*rows, *columns)
        self._start(
            _KeyMatrixEngine,
            [pin._id for pin in rows],
            [pin._id for pin in columns],
            bool(columns_to_anodes),
            period,
            queue_size,
            threshold,
        )

    def key_number_to_row_column(self, key_number: int) -> tuple[int, int]:
        """Return the row and column for the given key number.
        The row is ``key_number // len(column_pins)``.
        The column is ``key_number % len(column_pins)``.

        :return: ``(row, column)``
        :rtype: Tuple[int]
        """
        engine = self._checked()
        # As CircuitPython, the upper bound is key_count itself (inclusive).
        number = _validate.int_range(key_number, 0, engine.key_count, "key_number")
        return divmod(number, engine.column_count)

    def row_column_to_key_number(self, row: int, column: int) -> int:
        """Return the key number for a given row and column.
        The key number is ``row * len(column_pins) + column``.
        """
        engine = self._checked()
        # As CircuitPython, the upper bounds are the row and column counts (inclusive).
        row = _validate.int_range(row, 0, engine.row_count, "row")
        column = _validate.int_range(column, 0, engine.column_count, "column")
        return row * engine.column_count + column
