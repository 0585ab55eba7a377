"""keypad on the simulated board: Keys with Button parts, KeyMatrix with the KeyMatrixKeys part,
ShiftRegisterKeys with a 74HC165 model, and the Event / EventQueue objects.

Background scanning is checked by waiting for events with a generous deadline, never by timing.
Where a test needs to know exactly which keys a scanner sees, it calls ``reset()``, which (as in
CircuitPython) scans at once: every key held down then gives a pressed event.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from protoboard import machine
from protoboard.ports.sim.parts.base import Part
from protoboard.ports.sim.parts.basic import Button
from protoboard.ports.sim.parts.keys import KeyMatrixKeys
from protoboard.testing import activated
from protoboard.ticks import TICKS_PERIOD, ticks_ms

DEINIT = "Object has been deinitialized and can no longer be used. Create a new object."
#: long enough that the background thread never scans during a test: scans happen only when the
#: test asks (construction, reset(), scan_now()).
QUIET = 3600.0


def wait_for(predicate: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.002)


def drain(queue: Any) -> list[Any]:
    events = []
    while (event := queue.get()) is not None:
        events.append(event)
    return events


def held_keys(scanner: Any) -> set[int]:
    """The key numbers the scanner sees down right now (reset() rescans synchronously)."""
    scanner.events.clear()
    scanner.reset()
    return {e.key_number for e in drain(scanner.events) if e.pressed}


def scan_now(scanner: Any) -> None:
    """One scan, as the background thread does it (for debounce tests with a QUIET interval)."""
    engine = scanner._impl
    with engine._lock:
        engine._scan(ticks_ms())


def buttons(sim: Any, *pins: str, active_low: bool = True) -> list[Button]:
    return [sim.attach(Button(name=f"key{pin}", active_low=active_low), pin=pin) for pin in pins]


# --- Event ---------------------------------------------------------------------------------------


def test_event_defaults_and_properties(sim):
    import keypad

    before = ticks_ms()
    event = keypad.Event()
    after = ticks_ms()
    assert event.key_number == 0
    assert event.pressed is True and event.released is False
    assert (event.timestamp - before) % TICKS_PERIOD <= (after - before) % TICKS_PERIOD
    released = keypad.Event(3, False, timestamp=1234)
    assert (released.key_number, released.pressed, released.released) == (3, False, True)
    assert released.timestamp == 1234
    assert repr(released) == "<Event: key_number 3 released>"
    assert repr(keypad.Event(7)) == "<Event: key_number 7 pressed>"
    assert keypad.Event(pressed=0).pressed is False
    with pytest.raises(AttributeError):
        event.key_number = 2


def test_event_equality_ignores_timestamps(sim):
    import keypad

    a = keypad.Event(5, True, timestamp=1)
    b = keypad.Event(5, True, timestamp=999)
    assert a == b and hash(a) == hash(b)
    assert hash(a) == (1 << 15) + 5
    assert hash(keypad.Event(5, False)) == 5
    assert a != keypad.Event(5, False) and a != keypad.Event(4, True)
    assert (a == (5, True)) is False
    assert len({a, b, keypad.Event(5, False)}) == 2


def test_event_errors(sim):
    import keypad

    with pytest.raises(ValueError, match="^key_number must be >= 0$"):
        keypad.Event(-1)
    with pytest.raises(TypeError, match="^can't convert float to int$"):
        keypad.Event(1.5)
    with pytest.raises(TypeError, match="^can't convert str to int$"):
        keypad.Event(1, True, "now")


def test_module_names(sim):
    import keypad

    for name in ("Event", "EventQueue", "Keys", "KeyMatrix", "ShiftRegisterKeys"):
        assert getattr(keypad, name).__module__ == "keypad"
    assert sorted(keypad.__all__) == [
        "Event",
        "EventQueue",
        "KeyMatrix",
        "Keys",
        "ShiftRegisterKeys",
    ]


# --- EventQueue ----------------------------------------------------------------------------------


def test_event_queue_cannot_be_created(sim):
    import keypad

    with pytest.raises(TypeError, match="^cannot create 'keypad.EventQueue' instances$"):
        keypad.EventQueue()


def test_event_queue_get_into_clear_len_bool(sim):
    import board
    import keypad

    pads = buttons(sim, "D5", "D6")
    keys = keypad.Keys((board.D5, board.D6), value_when_pressed=False, interval=QUIET)
    queue = keys.events
    assert len(queue) == 0 and not queue and queue.get() is None
    for button in pads:
        button.press()
    keys.reset()
    assert len(queue) == 2 and bool(queue)
    reused = keypad.Event(9, False, timestamp=0)
    assert queue.get_into(reused) is True
    assert (reused.key_number, reused.pressed) == (0, True)
    assert queue.get() == keypad.Event(1, True)
    untouched = keypad.Event(9, False, timestamp=42)
    assert queue.get_into(untouched) is False
    assert (untouched.key_number, untouched.pressed, untouched.timestamp) == (9, False, 42)
    with pytest.raises(TypeError, match="^event must be of type Event, not NoneType$"):
        queue.get_into(None)
    keys.reset()
    assert len(queue) == 2
    queue.clear()
    assert len(queue) == 0 and queue.get() is None


def test_event_queue_overflow_keeps_the_old_events(sim):
    import board
    import keypad

    pads = buttons(sim, "D5", "D6", "D7")
    keys = keypad.Keys(
        (board.D5, board.D6, board.D7), value_when_pressed=False, max_events=2, interval=QUIET
    )
    for button in pads:
        button.press()
    keys.reset()
    queue = keys.events
    assert len(queue) == 2
    assert queue.overflowed is True
    # The queue kept the first two; the third (key 2) was dropped.
    assert [e.key_number for e in drain(queue)] == [0, 1]
    assert queue.overflowed is True  # until clear()
    queue.clear()
    assert queue.overflowed is False
    with pytest.raises(AttributeError):
        queue.overflowed = True


# --- Keys ----------------------------------------------------------------------------------------


def test_keys_report_button_presses_in_the_background(sim):
    import board
    import keypad

    first, second = buttons(sim, "D5", "D6")
    keys = keypad.Keys((board.D5, board.D6), value_when_pressed=False)
    assert keys.key_count == 2
    assert sim.pin("D5").pull == "up" and sim.pin("D6").pull == "up"
    before = ticks_ms()
    second.press()
    event = wait_for(keys.events.get)
    assert event == keypad.Event(1, True)
    assert (event.timestamp - before) % TICKS_PERIOD < 60_000
    second.release()
    assert wait_for(keys.events.get) == keypad.Event(1, False)
    first.press()
    assert wait_for(keys.events.get) == keypad.Event(0, True)
    first.release()
    assert wait_for(keys.events.get) == keypad.Event(0, False)
    keys.deinit()


def test_keys_pressed_high_use_pull_downs(sim):
    import board
    import keypad

    (button,) = buttons(sim, "D5", active_low=False)
    keys = keypad.Keys([board.D5], value_when_pressed=True)
    assert sim.pin("D5").pull == "down"
    button.press()
    assert wait_for(keys.events.get) == keypad.Event(0, True)
    keys.deinit()
    with keypad.Keys([board.D5], value_when_pressed=True, pull=False):
        assert sim.pin("D5").pull is None


def test_key_held_at_start_shows_only_after_reset(sim):
    import board
    import keypad

    (button,) = buttons(sim, "D5")
    button.press()
    keys = keypad.Keys((board.D5,), value_when_pressed=False, interval=QUIET)
    scan_now(keys)
    # As on a board: a key already down when scanning starts gives no pressed event...
    assert len(keys.events) == 0
    keys.reset()
    # ...unless reset() is called, which reports it at once.
    assert drain(keys.events) == [keypad.Event(0, True)]


def test_release_of_a_key_held_at_start_is_reported(sim):
    import board
    import keypad

    (button,) = buttons(sim, "D5")
    button.press()
    keys = keypad.Keys((board.D5,), value_when_pressed=False, interval=QUIET)
    scan_now(keys)
    button.release()
    scan_now(keys)
    assert drain(keys.events) == [keypad.Event(0, False)]


def test_debounce_threshold(sim):
    import board
    import keypad

    (button,) = buttons(sim, "D5")
    keys = keypad.Keys((board.D5,), value_when_pressed=False, interval=QUIET, debounce_threshold=3)
    for _ in range(3):
        scan_now(keys)  # settle as released
    button.press()
    scan_now(keys)
    scan_now(keys)
    assert len(keys.events) == 0
    scan_now(keys)
    assert drain(keys.events) == [keypad.Event(0, True)]
    # A one-scan glitch is filtered out.
    button.release()
    scan_now(keys)
    button.press()
    scan_now(keys)
    scan_now(keys)
    assert len(keys.events) == 0
    button.release()
    for _ in range(3):
        scan_now(keys)
    assert drain(keys.events) == [keypad.Event(0, False)]


def test_keys_errors(sim):
    import board
    import digitalio
    import keypad

    # CircuitPython names Keys' pins "row_pins" in this message.
    with pytest.raises(TypeError, match="^row_pins contains duplicate pins$"):
        keypad.Keys((board.D5, board.D5), value_when_pressed=False)
    with pytest.raises(TypeError, match="^object in row_pins must be of type Pin, not int$"):
        keypad.Keys((board.D5, 6), value_when_pressed=False)
    with pytest.raises(TypeError, match="^object of type 'int' has no len\\(\\)$"):
        keypad.Keys(5, value_when_pressed=False)
    with pytest.raises(TypeError, match="value_when_pressed"):
        keypad.Keys((board.D5,))
    with pytest.raises(TypeError):
        keypad.Keys((board.D5,), False)  # value_when_pressed is keyword-only
    with pytest.raises(ValueError, match="^interval must be >= 0$"):
        keypad.Keys((board.D5,), value_when_pressed=False, interval=-0.5)
    with pytest.raises(TypeError, match="^interval must be of type float, not str$"):
        keypad.Keys((board.D5,), value_when_pressed=False, interval="fast")
    with pytest.raises(ValueError, match="^max_events must be >= 1$"):
        keypad.Keys((board.D5,), value_when_pressed=False, max_events=0)
    with pytest.raises(TypeError, match="^can't convert float to int$"):
        keypad.Keys((board.D5,), value_when_pressed=False, max_events=2.0)
    for threshold in (0, 128):
        with pytest.raises(ValueError, match="^debounce_threshold must be 1-127$"):
            keypad.Keys((board.D5,), value_when_pressed=False, debounce_threshold=threshold)
    held = digitalio.DigitalInOut(board.D6)
    with pytest.raises(ValueError, match="^D6 in use$"):
        keypad.Keys((board.D5, board.D6), value_when_pressed=False)
    # Nothing was kept by the failed constructor.
    digitalio.DigitalInOut(board.D5).deinit()
    held.deinit()
    keys = keypad.Keys((board.D5, board.D6), value_when_pressed=False, interval=0)
    with pytest.raises(ValueError, match="^D5 in use$"):
        digitalio.DigitalInOut(board.D5)
    with pytest.raises(ValueError, match="^D6 in use$"):
        keypad.Keys((board.D6,), value_when_pressed=False)
    keys.deinit()
    assert keypad.Keys((), value_when_pressed=False).key_count == 0


def test_deinit_stops_the_thread_and_releases_the_pins(sim):
    import board
    import digitalio
    import keypad

    keys = keypad.Keys((board.D5, board.D6), value_when_pressed=False)
    thread = keys._impl._thread
    queue = keys.events
    assert thread.is_alive()
    keys.deinit()
    keys.deinit()  # idempotent
    wait_for(lambda: not thread.is_alive())
    for action in (lambda: keys.events, lambda: keys.key_count, keys.reset):
        with pytest.raises(ValueError) as info:
            action()
        assert str(info.value) == DEINIT
    # The queue object a program kept still works, as in CircuitPython.
    assert queue.get() is None and len(queue) == 0
    assert sim.pin("D5").mode == "unused"
    digitalio.DigitalInOut(board.D5).deinit()
    with keypad.Keys((board.D5,), value_when_pressed=False) as inside:
        assert inside.key_count == 1
        inner_thread = inside._impl._thread
    wait_for(lambda: not inner_thread.is_alive())
    with pytest.raises(ValueError, match="deinitialized"):
        inside.events  # noqa: B018


def test_machine_close_stops_scanners():
    with activated(machine.create("sim")) as target:
        import board
        import keypad

        keys = keypad.Keys((board.D5,), value_when_pressed=False)
        matrix = keypad.KeyMatrix((board.D6,), (board.D7,))
        threads = [keys._impl._thread, matrix._impl._thread]
        assert all(t.is_alive() for t in threads)
        assert keys in target.singletons.values()
    wait_for(lambda: not any(t.is_alive() for t in threads))
    for scanner in (keys, matrix):
        with pytest.raises(ValueError, match="deinitialized"):
            scanner.events  # noqa: B018
    assert not [t for t in threading.enumerate() if t.name.startswith("keypad.") and t in threads]


def test_program_sees_a_button_held_at_start_after_reset(sim, run_code, capsys):
    sim.part("BUTTON").press()
    result = run_code(
        """
        import board
        import keypad

        keys = keypad.Keys((board.BUTTON,), value_when_pressed=False, pull=True)
        keys.reset()
        print(keys.events.get())
        keys.deinit()
        """
    )
    assert result.ok, result.traceback
    assert capsys.readouterr().out == "<Event: key_number 0 pressed>\n"


# --- KeyMatrix -----------------------------------------------------------------------------------

ROWS = ["D2", "D3"]
COLUMNS = ["D9", "D10", "D11"]


def make_matrix(sim: Any, *, part_options: Any = None, **options: Any) -> tuple[Any, Any]:
    import board
    import keypad

    pad = sim.attach(KeyMatrixKeys(rows=ROWS, columns=COLUMNS, **(part_options or {})))
    matrix = keypad.KeyMatrix(
        [getattr(board, name) for name in ROWS],
        [getattr(board, name) for name in COLUMNS],
        **options,
    )
    return pad, matrix


def test_key_matrix_scans_the_matrix_part(sim):
    import keypad

    pad, matrix = make_matrix(sim)
    assert matrix.key_count == 6
    # Every line is an input pulled up between scans.
    for name in ROWS + COLUMNS:
        assert sim.pin(name).pull == "up"
    pad.press(1, 2)
    assert pad.key_number(1, 2) == 5
    assert wait_for(matrix.events.get) == keypad.Event(5, True)
    pad.release(1, 2)
    assert wait_for(matrix.events.get) == keypad.Event(5, False)
    pad.press(0, 1)
    event = wait_for(matrix.events.get)
    assert matrix.key_number_to_row_column(event.key_number) == (0, 1)
    # The scanner really drove the rows: their history shows low pulses.
    assert False in sim.pin("D2").levels and False in sim.pin("D3").levels
    matrix.deinit()
    # The part lets go of the columns once nothing drives the rows.
    assert sim.pin("D9").external is None


def test_diodes_prevent_ghost_keys(sim):
    pad, matrix = make_matrix(sim, interval=QUIET)
    for key in ((0, 0), (0, 1), (1, 0)):
        pad.press(*key)
    assert held_keys(matrix) == {0, 1, 3}


def test_plain_wire_matrix_shows_ghost_keys(sim):
    pad, matrix = make_matrix(sim, part_options={"diodes": False}, interval=QUIET)
    for key in ((0, 0), (0, 1), (1, 0)):
        pad.press(*key)
    # Row 1 low -> column 0 -> row 0 -> column 1: the fourth corner reads as pressed.
    assert held_keys(matrix) == {0, 1, 3, 4}
    pad.release_all()
    assert held_keys(matrix) == set()


def test_reversed_diodes_need_columns_to_anodes_false(sim):
    pad, matrix = make_matrix(
        sim, part_options={"columns_to_anodes": False}, columns_to_anodes=False, interval=QUIET
    )
    for name in ROWS + COLUMNS:
        assert sim.pin(name).pull == "down"
    pad.press(1, 1)
    assert held_keys(matrix) == {4}
    matrix.deinit()
    # Scanning with the wrong orientation: the diodes block, no key is seen.
    import board
    import keypad

    wrong = keypad.KeyMatrix(
        [getattr(board, n) for n in ROWS], [getattr(board, n) for n in COLUMNS], interval=QUIET
    )
    assert held_keys(wrong) == set()


def test_matrix_part_works_for_hand_written_scanning(sim):
    """Code that scans by driving columns and reading rows (as adafruit_matrixkeypad does) sees a
    plain-wire keypad too."""
    import board
    import digitalio

    pad = sim.attach(KeyMatrixKeys(rows=ROWS, columns=COLUMNS, diodes=False))
    rows = [digitalio.DigitalInOut(getattr(board, n)) for n in ROWS]
    columns = [digitalio.DigitalInOut(getattr(board, n)) for n in COLUMNS]
    for row in rows:
        row.switch_to_input(digitalio.Pull.UP)
    for column in columns:
        column.switch_to_input(digitalio.Pull.UP)

    def scan() -> set[tuple[int, int]]:
        found = set()
        for c, column in enumerate(columns):
            column.switch_to_output(False)
            for r, row in enumerate(rows):
                if not row.value:
                    found.add((r, c))
            column.switch_to_input(digitalio.Pull.UP)
        return found

    assert scan() == set()
    pad.press(1, 2)
    assert scan() == {(1, 2)}
    pad.press(0, 0)
    assert scan() == {(1, 2), (0, 0)}
    pad.release(1, 2)
    assert scan() == {(0, 0)}


def test_key_matrix_numbering_helpers(sim):
    _, matrix = make_matrix(sim, interval=QUIET)
    assert matrix.row_column_to_key_number(1, 2) == 5
    assert matrix.key_number_to_row_column(5) == (1, 2)
    assert isinstance(matrix.key_number_to_row_column(0), tuple)
    # CircuitPython's range checks include the count itself as the upper bound.
    assert matrix.key_number_to_row_column(6) == (2, 0)
    assert matrix.row_column_to_key_number(2, 0) == 6
    with pytest.raises(ValueError, match="^key_number must be 0-6$"):
        matrix.key_number_to_row_column(7)
    with pytest.raises(ValueError, match="^key_number must be 0-6$"):
        matrix.key_number_to_row_column(-1)
    with pytest.raises(ValueError, match="^row must be 0-2$"):
        matrix.row_column_to_key_number(3, 0)
    with pytest.raises(ValueError, match="^column must be 0-3$"):
        matrix.row_column_to_key_number(0, -1)
    with pytest.raises(TypeError, match="^can't convert str to int$"):
        matrix.row_column_to_key_number("1", 0)
    matrix.deinit()
    for action in (
        lambda: matrix.key_number_to_row_column(0),
        lambda: matrix.row_column_to_key_number(0, 0),
    ):
        with pytest.raises(ValueError) as info:
            action()
        assert str(info.value) == DEINIT


def test_key_matrix_errors(sim):
    import board
    import digitalio
    import keypad

    d = board
    with pytest.raises(TypeError, match="^row_pins contains duplicate pins$"):
        keypad.KeyMatrix((d.D2, d.D2), (d.D9,))
    with pytest.raises(TypeError, match="^column_pins contains duplicate pins$"):
        keypad.KeyMatrix((d.D2,), (d.D9, d.D9))
    with pytest.raises(TypeError, match="^row_pins and column_pins contain duplicate pins$"):
        keypad.KeyMatrix((d.D2, d.D3), (d.D9, d.D3))
    with pytest.raises(TypeError, match="^object in column_pins must be of type Pin, not str$"):
        keypad.KeyMatrix((d.D2,), ("D9",))
    with pytest.raises(TypeError):
        keypad.KeyMatrix((d.D2,), (d.D9,), False)  # columns_to_anodes is keyword-only
    with pytest.raises(ValueError, match="^debounce_threshold must be 1-127$"):
        keypad.KeyMatrix((d.D2,), (d.D9,), debounce_threshold=200)
    held = digitalio.DigitalInOut(d.D9)
    with pytest.raises(ValueError, match="^D9 in use$"):
        keypad.KeyMatrix((d.D2, d.D3), (d.D9,))
    held.deinit()
    digitalio.DigitalInOut(d.D2).deinit()


def test_matrix_part_from_the_catalog(sim):
    import board
    import keypad

    pad = sim.add("KeyMatrixKeys", name="pad", rows=["D2"], columns=["D3", "D4"])
    assert isinstance(pad, KeyMatrixKeys)
    assert pad.connections == {"row0": "GPIO2", "column0": "GPIO3", "column1": "GPIO4"}
    assert list(sim.parts_on("GPIO4")) == [pad]
    matrix = keypad.KeyMatrix((board.D2,), (board.D3, board.D4), interval=QUIET)
    pad.press(0, 1)
    assert pad.pressed == {(0, 1)} and pad.is_pressed(0, 1)
    assert held_keys(matrix) == {1}
    sim.detach("pad")
    assert held_keys(matrix) == set()


def test_matrix_part_wiring_errors(sim):
    with pytest.raises(ValueError, match="needs rows"):
        KeyMatrixKeys(rows=["D2"])
    with pytest.raises(ValueError, match="lists of pin names"):
        KeyMatrixKeys(rows="D2", columns=["D3"])
    with pytest.raises(ValueError, match="D2 is wired to both row0 and column0"):
        sim.attach(KeyMatrixKeys(rows=["D2"], columns=["D2"]))
    with pytest.raises(KeyError, match="no pin 'Q7'"):
        sim.attach(KeyMatrixKeys(name="pad2", rows=["Q7"], columns=["D2"]))
    with pytest.raises(ValueError, match="takes its pins as rows"):
        sim.attach(KeyMatrixKeys(name="pad3", rows=["D2"], columns=["D3"]), pin="D4")
    pad = sim.attach(KeyMatrixKeys(name="pad4", rows=["D2"], columns=["D3", "D4"]))
    assert pad.pin("column1") is sim.pin("D4")
    with pytest.raises(IndexError, match="^column must be 0-1, not 2$"):
        pad.press(0, 2)
    sim.detach("pad4")


# --- ShiftRegisterKeys ---------------------------------------------------------------------------


class ShiftRegister165(Part):
    """A 74HC165 parallel-in serial-out register: with the latch (SH/LD) low it follows its
    inputs; high, each rising clock edge shifts the next bit onto the data (QH) pin. Input 0 is
    the first bit out. Inputs are switches to ground with pull-ups: pressed reads low."""

    kind = "ShiftRegister165"
    roles = ("clock", "latch", "data")

    def __init__(self, *, name: str | None = None, size: int = 8) -> None:
        super().__init__(name=name)
        self.inputs = [True] * size
        self._register = list(self.inputs)
        self._lock = threading.RLock()

    def on_attach(self) -> None:
        self.listen("latch", self._latch_changed)
        self.listen("clock", self._clock_changed)
        self._load()

    def _shifting(self) -> bool:
        return self.pin("latch").level

    def _load(self) -> None:
        with self._lock:
            self._register = list(self.inputs)
            self.pin("data").set_external(self._register[0])

    def _latch_changed(self, pin: Any, level: bool, when: int) -> None:
        if not level:
            self._load()

    def _clock_changed(self, pin: Any, level: bool, when: int) -> None:
        with self._lock:
            if level and self._shifting():
                self._register = [*self._register[1:], False]
                self.pin("data").set_external(self._register[0])

    def press(self, index: int) -> None:
        with self._lock:
            self.inputs[index] = False
            if not self._shifting():
                self._load()

    def release(self, index: int) -> None:
        with self._lock:
            self.inputs[index] = True
            if not self._shifting():
                self._load()


def test_shift_register_keys_with_two_registers(sim):
    import board
    import keypad

    first = sim.attach(ShiftRegister165(name="U1"), clock="D2", latch="D8", data="D3")
    second = sim.attach(ShiftRegister165(name="U2"), clock="D2", latch="D8", data="D4")
    keys = keypad.ShiftRegisterKeys(
        clock=board.D2,
        data=(board.D3, board.D4),
        latch=board.D8,
        key_count=(3, 2),
        value_when_pressed=False,
    )
    assert keys.key_count == 5
    assert sim.pin("D2").mode == "output" and sim.pin("D8").mode == "output"
    first.press(1)
    assert wait_for(keys.events.get) == keypad.Event(1, True)
    second.press(0)
    assert wait_for(keys.events.get) == keypad.Event(3, True)
    first.release(1)
    assert wait_for(keys.events.get) == keypad.Event(1, False)
    second.press(1)
    assert wait_for(keys.events.get) == keypad.Event(4, True)
    # Bits past key_count are not read.
    first.press(5)
    assert held_keys(keys) == {3, 4}
    keys.deinit()
    assert sim.pin("D2").mode == "unused"


def test_shift_register_keys_single_data_pin(sim):
    import board
    import keypad

    register = sim.attach(ShiftRegister165(name="U1"), clock="D2", latch="D8", data="D3")
    keys = keypad.ShiftRegisterKeys(
        clock=board.D2,
        data=board.D3,
        latch=board.D8,
        key_count=8,
        value_when_pressed=False,
        interval=QUIET,
    )
    assert keys.key_count == 8
    register.press(0)
    register.press(7)
    assert held_keys(keys) == {0, 7}


def test_shift_register_keys_errors(sim):
    import board
    import digitalio
    import keypad

    d = board
    common = {"clock": d.D2, "latch": d.D8, "value_when_pressed": False}
    with pytest.raises(ValueError, match="^key_count length must be 2$"):
        keypad.ShiftRegisterKeys(data=(d.D3, d.D4), key_count=8, **common)
    with pytest.raises(ValueError, match="^key_count must be >= 1$"):
        keypad.ShiftRegisterKeys(data=d.D3, key_count=0, **common)
    with pytest.raises(ValueError, match="^key_count must be >= 1$"):
        keypad.ShiftRegisterKeys(data=(d.D3, d.D4), key_count=(8, 0), **common)
    with pytest.raises(TypeError, match="^object of type 'bool' has no len\\(\\)$"):
        keypad.ShiftRegisterKeys(data=d.D3, key_count=True, **common)
    with pytest.raises(TypeError, match="^object of type 'int' has no len\\(\\)$"):
        keypad.ShiftRegisterKeys(data=3, key_count=8, **common)
    with pytest.raises(TypeError, match="^data must be of type Pin, not int$"):
        keypad.ShiftRegisterKeys(data=(3,), key_count=8, **common)
    with pytest.raises(TypeError, match="^clock must be of type Pin, not NoneType$"):
        keypad.ShiftRegisterKeys(data=d.D3, key_count=8, **{**common, "clock": None})
    with pytest.raises(TypeError):
        keypad.ShiftRegisterKeys(d.D2, d.D3, d.D8, key_count=8, value_when_pressed=False)
    held = digitalio.DigitalInOut(d.D8)
    with pytest.raises(ValueError, match="^D8 in use$"):
        keypad.ShiftRegisterKeys(data=d.D3, key_count=8, **common)
    held.deinit()
    keys = keypad.ShiftRegisterKeys(data=d.D3, key_count=8, **common)
    keys.deinit()
    for action in (lambda: keys.events, lambda: keys.key_count, keys.reset):
        with pytest.raises(ValueError) as info:
            action()
        assert str(info.value) == DEINIT
