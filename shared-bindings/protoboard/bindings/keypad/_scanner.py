"""What every keypad scanner shares (CircuitPython's ``shared-module/keypad/__init__.c``).

keypad needs no port contract of its own: like CircuitPython's shared-module, the scanners are
portable logic written on the port's ``digitalio.DigitalInOut`` implementation. Each scanner is
an :class:`Engine` (the part a port would otherwise provide, attached to the binding object as its
implementation) that scans once when created and then every ``interval`` seconds in a daemon
thread, debouncing each key and queueing events. A scanner stops on ``deinit()`` and when its
machine closes (it registers itself in ``machine.singletons``, which ``Machine.close()``
deinitializes).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from protoboard.bindings import _errors, _peripheral, _validate
from protoboard.bindings.keypad.eventqueue import EventQueue
from protoboard.hal import digitalio as hal
from protoboard.ticks import ticks_ms

P = ParamSpec("P")
#: makes the port's DigitalInOut on a (claimed) pin id
DigitalInOutMaker = Callable[[str], hal.DigitalInOut]

#: CircuitPython checks its scanners on every supervisor tick (1/1024 s): the shortest period.
MIN_PERIOD = 1 / 1024
#: How long deinit() waits for a scanner thread to finish (it is a daemon thread regardless).
JOIN_TIMEOUT = 5.0


def scan_period(interval: float) -> float:
    """The thread's wait between scans: at least one tick, at most what ``threading`` accepts
    (an infinite interval means: scan only when created and on ``reset()``)."""
    if math.isnan(interval) or interval > threading.TIMEOUT_MAX:
        return threading.TIMEOUT_MAX
    return max(interval, MIN_PERIOD)


def make_digitalinouts(
    make_dio: DigitalInOutMaker, pin_ids: Sequence[str]
) -> list[hal.DigitalInOut]:
    """One port DigitalInOut per pin; on failure the ones already made are released."""
    made: list[hal.DigitalInOut] = []
    try:
        for pin_id in pin_ids:
            made.append(make_dio(pin_id))
    except BaseException:
        for dio in made:
            dio.deinit()
        raise
    return made


class Engine:
    """The scanning core of a keypad object: debouncing, the event queue and the thread.

    Subclasses create their DigitalInOuts, then call :meth:`_start`; they implement
    :meth:`_scan` (read every key once, calling :meth:`_update` for each) and
    :meth:`_release` (deinit their DigitalInOuts).
    """

    def __init__(self, key_count: int, interval: float, max_events: int, threshold: int) -> None:
        self.key_count = key_count
        self.events = EventQueue._create(max_events)
        self._period = scan_period(interval)
        self._threshold = threshold
        # CircuitPython's counters start at 0 (zeroed memory): a key already down when the
        # scanner is created gives no event until it is released, unless reset() is called.
        self._counters = [0] * key_count
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._alive = True
        self._thread: threading.Thread | None = None

    # -- lifetime ---------------------------------------------------------------------------

    def _start(self, name: str) -> None:
        """Scan once now (as ``keypad_construct_common`` does), then start the thread."""
        try:
            with self._lock:
                self._scan(ticks_ms())
        except BaseException:
            self._alive = False
            self._release()
            raise
        self._thread = threading.Thread(target=self._run, name=f"keypad.{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._period):
            with self._lock:
                if not self._alive:
                    return
                try:
                    self._scan(ticks_ms())
                except BaseException:
                    # Stop scanning; the thread's exception is reported by threading.excepthook.
                    self._stop.set()
                    raise

    def deinit(self) -> None:
        """Stop scanning and release the pins. No scan runs after this returns."""
        self._stop.set()
        with self._lock:
            if not self._alive:
                return
            self._alive = False
            self._release()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(JOIN_TIMEOUT)

    def reset(self) -> None:
        """Forget the key states (all released) and scan at once, as
        ``common_hal_keypad_generic_reset`` does."""
        with self._lock:
            self._counters = [-self._threshold] * self.key_count
            self._scan(ticks_ms())

    # -- scanning ---------------------------------------------------------------------------

    def _update(self, key_number: int, current: bool, timestamp: int) -> None:
        """Debounce one reading and queue an event on a confirmed change (``keypad_debounce``:
        a counter runs from -threshold (released) to +threshold (pressed); an event fires when
        it crosses zero)."""
        counter = self._counters[key_number]
        threshold = self._threshold
        if current:
            if counter < threshold:
                counter += 1
                if counter == 0:
                    self._counters[key_number] = threshold
                    self.events._record(key_number, True, timestamp)
                    return
        elif counter > -threshold:
            counter -= 1
            if counter == 0:
                self._counters[key_number] = -threshold
                self.events._record(key_number, False, timestamp)
                return
        self._counters[key_number] = counter

    def _scan(self, timestamp: int) -> None:
        raise NotImplementedError

    def _release(self) -> None:
        raise NotImplementedError


EngineT = TypeVar("EngineT", bound=Engine)


class Scanner(_peripheral.Peripheral[EngineT]):
    """Base of the keypad bindings (`Keys`, `KeyMatrix`, `ShiftRegisterKeys`)."""

    __slots__ = ()

    def _start(
        self,
        engine: Callable[Concatenate[DigitalInOutMaker, P], EngineT],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> None:
        """Build the engine on the claimed pins and register for cleanup at machine close."""
        machine = self._machine

        def make_dio(pin_id: str) -> hal.DigitalInOut:
            return machine.create(hal.DigitalInOut, pin_id)

        self._construct(lambda: engine(make_dio, *args, **kwargs))
        machine.singletons[self._registration] = self

    @property
    def _registration(self) -> str:
        return f"keypad.{type(self).__name__}@{id(self):x}"

    # The public members every scanner shares, as CircuitPython's keypad_generic does.

    def deinit(self) -> None:
        """Stop scanning and release the pins."""
        super().deinit()
        if self._pins:  # claimed, so registered if construction got that far
            self._machine.singletons.pop(self._registration, None)

    def __enter__(self) -> Self:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes when exiting a context."""
        self.deinit()

    def reset(self) -> None:
        """Reset the internal state of the scanner to assume that all keys are now released.
        Any key that is already pressed at the time of this call will therefore immediately
        cause a new key-pressed event to occur.
        For instance, if you call `reset()` immediately after creating the scanner object
        at the beginning of your program, the events it generates will let you determine which
        keys were being held down at program start.
        """
        engine = self._checked()
        with _errors.translate():
            engine.reset()

    @property
    def key_count(self) -> int:
        """The number of keys that are being scanned. (read-only)"""
        return self._checked().key_count

    @property
    def events(self) -> EventQueue:
        """The `EventQueue` associated with this scanner. (read-only)"""
        return self._checked().events


def common_arguments(
    interval: Any, max_events: Any, debounce_threshold: Any
) -> tuple[float, int, int]:
    """Validate the arguments every scanner takes, with CircuitPython's texts."""
    return (
        _validate.float_non_negative(interval, "interval"),
        _validate.int_at_least(max_events, 1, "max_events"),
        _validate.int_range(debounce_threshold, 1, 127, "debounce_threshold"),
    )
