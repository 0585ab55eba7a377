"""Deep sleep as a board connected to a computer does it (CircuitPython's "fake" deep sleep).

With USB connected a board does not really sleep (the computer would lose the drive and the
console): after ``alarm.exit_and_deep_sleep_until_alarms()`` the program ends, the console says
:data:`PRETENDING`, and when an alarm fires it says :data:`WOKEN` and runs code.py again as
after a reset (boot.py is not run again), with ``alarm.wake_alarm`` set and
``alarm.sleep_memory`` kept. A key on the console (Ctrl-C too) ends the sleep for the REPL; a
file write reloads.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable, Sequence
from typing import Any

PRETENDING = "Pretending to deep sleep until alarm, CTRL-C or file write."
WOKEN = "Woken up by alarm."
#: how often the sleep looks at pin and touch alarms
POLL = 0.005


def key_waiting(fd: int) -> Callable[[float], bool]:
    """``ready(seconds)``: has a key come on ``fd`` within ``seconds``?"""

    def ready(seconds: float) -> bool:
        return bool(select.select([fd], [], [], max(seconds, 0.0))[0])

    return ready


def sleep_until(
    alarms: Sequence[Any],
    key_ready: Callable[[float], bool] | None = None,
    deadline: float | None = None,
) -> Any:
    """Wait for one of ``alarms`` (protoboard.hal.alarm.WakeAlarm): the one that fired, or None
    when a key came first (``key_ready``) or ``deadline`` (monotonic) passed."""
    from protoboard.bindings import alarm as binding

    sleeper = binding._sleeper() if alarms else None
    start = {
        a.pin: sleeper.level(a.pin, a.pull, a.value)
        for a in alarms
        if a.kind == "pin" and sleeper is not None
    }
    watching = any(a.kind != "time" for a in alarms)
    while True:
        if sleeper is not None:
            found = sleeper.fired(alarms, start)
            if found is not None:
                return alarms[found]
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            return None
        soonest = min((a.monotonic_time for a in alarms if a.kind == "time"), default=None)
        pause = 0.5 if soonest is None else soonest - now
        if watching:
            pause = min(pause, POLL)
        if deadline is not None:
            pause = min(pause, deadline - now)
        if key_ready is not None:
            if key_ready(pause):
                return None
        else:
            time.sleep(max(pause, 0.0))


def run_with_sleep(
    run_once: Callable[[float | None], Any], timeout: float | None, say: Callable[[str], None]
) -> Any:
    """``protoboard exec``'s deep sleep: ``run_once(time_left)`` runs the program (a
    protoboard.vm.RunResult); while it ends in deep sleep, wait for its alarms and run it again
    on the same board with ``alarm.wake_alarm`` set, within ``timeout`` seconds in all."""
    from protoboard import vm
    from protoboard.machine import current
    from protoboard.runtime import state

    deadline = None if timeout is None else time.monotonic() + timeout

    def left() -> float | None:
        return None if deadline is None else max(0.0, deadline - time.monotonic())

    result = run_once(left())
    try:
        while result.outcome is vm.Outcome.DEEP_SLEEP:
            say(PRETENDING)
            try:
                woke = sleep_until(getattr(result.exception, "alarms", ()), None, deadline)
            except KeyboardInterrupt:
                return vm.RunResult(vm.Outcome.INTERRUPTED)
            if woke is None:
                return vm.RunResult(vm.Outcome.TIMEOUT)
            say(WOKEN)
            current().release_all()  # as at a reset: every pin and bus free again
            state.current.wake_alarm = woke
            result = run_once(left())
    finally:
        state.current.wake_alarm = None
    return result
