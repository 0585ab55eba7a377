"""alarm on the simulated board: alarms, light sleep, sleep memory and CircuitPython's errors;
deep sleep through protoboard exec (tests/runtime/test_usb_alarm_run.py has it in run)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from protoboard.runtime import state


@pytest.fixture
def context() -> Iterator[state.RunContext]:
    saved = state.current
    fresh = state.install(state.RunContext())
    try:
        yield fresh
    finally:
        state.install(saved)


@pytest.mark.hostile
def test_time_alarm_errors(sim, context) -> None:
    import alarm

    with pytest.raises(ValueError, match="^Supply one of monotonic_time or epoch_time$"):
        alarm.time.TimeAlarm()
    with pytest.raises(ValueError, match="^Supply one of monotonic_time or epoch_time$"):
        alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 1, epoch_time=1)
    with pytest.raises(ValueError, match=r"^Time is in the past\.$"):
        alarm.time.TimeAlarm(monotonic_time=time.monotonic() - 1)
    with pytest.raises(ValueError, match=r"^Time is in the past\.$"):
        alarm.time.TimeAlarm(epoch_time=1000)  # 1970: long gone on the board's clock
    with pytest.raises(TypeError):
        alarm.time.TimeAlarm(time.monotonic() + 1)  # keyword-only
    two = [alarm.time.TimeAlarm(monotonic_time=time.monotonic() + n) for n in (1, 2)]
    with pytest.raises(ValueError, match=r"^Only one alarm\.time alarm can be set\.$"):
        alarm.light_sleep_until_alarms(*two)
    with pytest.raises(TypeError, match="^Expected a kind of Alarm$"):
        alarm.light_sleep_until_alarms(5)
    with pytest.raises(TypeError, match="^Expected a kind of Alarm$"):
        alarm.exit_and_deep_sleep_until_alarms("soon")


def test_epoch_time_uses_the_board_clock(sim, context) -> None:
    import alarm
    import rtc

    rtc.RTC().datetime = time.struct_time((2030, 1, 1, 12, 0, 0, 1, 1, -1))
    found = alarm.time.TimeAlarm(epoch_time=int(time.mktime(rtc.RTC().datetime)) + 60)
    assert 59 <= found.monotonic_time - time.monotonic() <= 61


def test_light_sleep_returns_the_alarm_that_fired(sim, context) -> None:
    import alarm
    import board

    assert alarm.light_sleep_until_alarms() is None
    assert alarm.wake_alarm is None
    soon = alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 0.05)
    assert alarm.light_sleep_until_alarms(soon) is soon
    assert alarm.wake_alarm is soon
    button = alarm.pin.PinAlarm(board.BUTTON, value=False, pull=True)  # pressed pulls low
    later = alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 30)
    threading.Timer(0.05, lambda: setattr(sim.part("BUTTON"), "pressed", True)).start()
    assert alarm.light_sleep_until_alarms(later, button) is button
    assert (button.pin, button.value) == (board.BUTTON, False)


def test_edge_pin_alarm_needs_a_change(sim, context) -> None:
    import alarm
    import board

    button = sim.part("BUTTON")
    button.pressed = True
    edge = alarm.pin.PinAlarm(board.BUTTON, value=False, edge=True, pull=True)
    level = alarm.pin.PinAlarm(board.BUTTON, value=False, pull=True)
    assert alarm.light_sleep_until_alarms(level) is level  # already at the level: at once

    def release_then_press() -> None:
        button.pressed = False
        time.sleep(0.05)
        button.pressed = True

    threading.Timer(0.05, release_then_press).start()
    assert alarm.light_sleep_until_alarms(edge) is edge
    assert button.pressed  # it waited for the release and the press again


def test_touch_alarm(sim, context) -> None:
    import alarm
    import board

    pad = sim.add("TouchPad", pin="A1")
    touch = alarm.touch.TouchAlarm(board.A1)
    threading.Timer(0.05, lambda: setattr(pad, "touched", True)).start()
    assert alarm.light_sleep_until_alarms(touch) is touch
    assert touch.pin is board.A1


@pytest.mark.hostile
def test_sleep_memory_as_a_bytearray(sim, context) -> None:
    import alarm

    memory = alarm.sleep_memory
    assert bool(memory) and len(memory) == 4096
    memory[0] = 255
    memory[-1] = 1
    memory[10:13] = b"abc"
    assert memory[0] == 255 and memory[4095] == 1
    assert memory[10:13] == bytearray(b"abc")
    with pytest.raises(ValueError, match="^bytes must be 0-255$"):
        memory[0] = 256
    with pytest.raises(IndexError, match="^SleepMemory index out of range$"):
        memory[4096]
    with pytest.raises(ValueError, match=r"^Slice and value different lengths\.$"):
        memory[0:2] = b"abc"
    with pytest.raises(
        NotImplementedError, match=r"^only slices with step=1 \(aka None\) are supported$"
    ):
        memory[0:4:2] = b"ab"
    with pytest.raises(NotImplementedError, match="^array/bytes required on right side$"):
        memory[0:2] = [1, 2]
    with pytest.raises(TypeError, match="cannot create 'alarm.SleepMemory' instances"):
        alarm.SleepMemory()


@pytest.mark.hostile
def test_pin_alarm_on_a_pin_in_use(sim, context) -> None:
    import alarm
    import board
    import digitalio

    led = digitalio.DigitalInOut(board.LED)
    with pytest.raises(ValueError, match="^D13 in use$"):
        alarm.pin.PinAlarm(board.LED, value=True)
    led.deinit()
    with pytest.raises(TypeError, match="^alarm must be of type DigitalInOut, not int$"):
        alarm.exit_and_deep_sleep_until_alarms(preserve_dios=(3,))


DEEP_SLEEP = """\
import alarm, board, time
print("woken by", alarm.wake_alarm, "count", alarm.sleep_memory[0])
alarm.sleep_memory[0] += 1
if alarm.sleep_memory[0] < 3:
    alarm.exit_and_deep_sleep_until_alarms(
        alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 0.1))
print("done")
"""


def test_exec_deep_sleep_runs_the_program_again(tmp_path) -> None:
    program = tmp_path / "code.py"
    program.write_text(DEEP_SLEEP)
    done = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(program)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "woken by None count 0"
    assert lines[1] == "Pretending to deep sleep until alarm, CTRL-C or file write."
    assert lines[2] == "Woken up by alarm."
    assert lines[3].startswith("woken by <alarm.time.TimeAlarm") and lines[3].endswith("count 1")
    assert lines[-1] == "done"


@pytest.mark.hostile
def test_exec_deep_sleep_forever_stops_at_the_timeout(tmp_path) -> None:
    program = tmp_path / "code.py"
    program.write_text(
        "import alarm\nprint('sleeping')\nalarm.exit_and_deep_sleep_until_alarms()\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(program), "--timeout", "0.5"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "sleeping",
        "Pretending to deep sleep until alarm, CTRL-C or file write.",
    ]
