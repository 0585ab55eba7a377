"""The Linux port's software PWM (pins with no hardware PWM channel), against a model of the
GPIO line request at gpiod's boundary and a model clock: the thread's schedule is checked
exactly, in model time, with no real timing. The VM suite measures it on a real kernel line."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any

import pytest

gpiod = pytest.importorskip("gpiod", reason="the 'linux' extra is not installed")

from gpiod.line import Direction, Value  # noqa: E402

from protoboard import machine, testing  # noqa: E402
from protoboard.ports.linux import softpwm  # noqa: E402
from protoboard.ports.linux.backend import LinuxBackend  # noqa: E402

NS = 1_000_000_000
#: a bound on waiting for the PWM thread to use up its model time (a hang guard, not a timing
#: measurement: in model time the thread never waits for real)
HANG_GUARD = 30.0


class ModelClock:
    """Time that advances only when the PWM thread sleeps, by exactly what it asked for. After
    ``budget`` sleeps, time stands still (the thread blocks until the program changes a
    setting), so a test sees a finite, exact record of the line."""

    def __init__(self) -> None:
        self.t = 0
        self.budget = 0
        self.paused = threading.Event()

    def now_ns(self) -> int:
        return self.t

    def wait(self, wake: threading.Event, seconds: float | None) -> bool:
        if seconds is None or self.budget <= 0:
            self.paused.set()
            wake.wait()
            return True
        self.budget -= 1
        if wake.is_set():
            return True
        self.t += max(0, round(seconds * NS))
        return False

    def allow(self, sleeps: int) -> None:
        self.paused.clear()
        self.budget = sleeps

    def settle(self) -> None:
        assert self.paused.wait(HANG_GUARD), "the PWM thread did not use its model time"


class LineRequestModel:
    """What gpiod.request_lines returns: records each level written, with the model time."""

    def __init__(self, clock: ModelClock, config: dict[Any, Any]) -> None:
        self.clock = clock
        ((self.offset, self.settings),) = config.items()
        self.levels: list[tuple[int, bool]] = []
        self.released = False
        self.fd = -1

    def set_value(self, offset: int, value: Value) -> None:
        assert offset == self.offset and not self.released
        self.levels.append((self.clock.t, value is Value.ACTIVE))

    def release(self) -> None:
        self.released = True


@pytest.fixture
def lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[ModelClock, list[LineRequestModel]]:
    monkeypatch.setenv("PROTOBOARD_LINUX_ROOT", str(tmp_path))
    clock = ModelClock()
    made: list[LineRequestModel] = []

    def request_lines(path: str, config: dict[Any, Any], consumer: str) -> LineRequestModel:
        assert path == str(tmp_path / "dev/gpiochip0") and consumer == "protoboard"
        made.append(LineRequestModel(clock, config))
        return made[-1]

    monkeypatch.setattr(softpwm, "CLOCK", clock)
    monkeypatch.setattr(gpiod, "request_lines", request_lines)
    monkeypatch.setattr(LinuxBackend, "gpiochip", lambda self: str(tmp_path / "dev/gpiochip0"))
    return clock, made


def on_board(board: str = "linux_gpio_sim"):  # type: ignore[no-untyped-def]
    return testing.activated(machine.create("linux", board))


def periods(levels: list[tuple[int, bool]]) -> list[tuple[int, int]]:
    """(high time, period) of each whole period in a record of (time, level) writes."""
    rises = [i for i, (_, level) in enumerate(levels) if level]
    found = []
    for first, second in itertools.pairwise(rises):
        start = levels[first][0]
        fall = next(t for t, level in levels[first:second] if not level)
        found.append((fall - start, levels[second][0] - start))
    return found


def test_a_pin_without_hardware_pwm_gets_software_pwm_with_the_16_bit_duty(
    lines: tuple[ModelClock, list[LineRequestModel]],
) -> None:
    clock, made = lines
    clock.allow(40)
    with on_board():
        import board
        import pwmio

        pwm = pwmio.PWMOut(board.D4, frequency=500, duty_cycle=0x4000)
        clock.settle()
        (line,) = made
        assert line.offset == 4 and line.settings.direction is Direction.OUTPUT
        assert line.settings.output_value is Value.INACTIVE  # low until the thread starts
        seen = periods(line.levels)
        assert len(seen) == 20  # 40 sleeps: 20 whole periods (and the next one begun)
        assert set(seen) == {(2_000_000 * 0x4000 // 0xFFFF, 2_000_000)}
        assert pwm.duty_cycle == 0x4000 and pwm.frequency == 500

        line.levels.clear()
        clock.allow(20)
        pwm.duty_cycle = 0xC000  # taken at once: the next period has the new duty
        clock.settle()
        assert set(periods(line.levels)) == {(2_000_000 * 0xC000 // 0xFFFF, 2_000_000)}
        assert pwm.duty_cycle == 0xC000
        # a duty change moves the fall, never the rises: they stay on the 2 ms grid, so a fast
        # fade (thousands of changes a second) still dims instead of restarting periods
        assert {t % 2_000_000 for t, level in line.levels if level} == {0}
        pwm.deinit()
        assert line.released and line.levels[-1][1] is False  # left low, then given back


def test_duty_0_and_full_hold_the_line_still(
    lines: tuple[ModelClock, list[LineRequestModel]],
) -> None:
    clock, made = lines
    with on_board():
        import board
        import pwmio

        pwm = pwmio.PWMOut(board.D5, duty_cycle=0)
        clock.settle()
        (line,) = made
        assert [level for _, level in line.levels] == [False]
        clock.allow(0)
        pwm.duty_cycle = 0xFFFF
        clock.settle()
        assert [level for _, level in line.levels] == [False, True]
        assert clock.t == 0  # it never slept a timed sleep: nothing toggles
        pwm.deinit()
        assert line.released and line.levels[-1] == (0, False)


def test_software_frequency_needs_variable_frequency_like_hardware(
    lines: tuple[ModelClock, list[LineRequestModel]],
) -> None:
    clock, made = lines
    with on_board():
        import board
        import pwmio

        fixed = pwmio.PWMOut(board.D6, frequency=200, duty_cycle=0x8000)
        with pytest.raises(AttributeError, match="^Invalid variable_frequency$"):
            fixed.frequency = 100
        assert fixed.frequency == 200
        fixed.deinit()

        clock.allow(10)
        servo = pwmio.PWMOut(board.D7, frequency=1000, duty_cycle=0x8000, variable_frequency=True)
        clock.settle()
        made[-1].levels.clear()
        clock.allow(10)
        servo.frequency = 50  # keeps the duty fraction, as the hardware path does
        clock.settle()
        assert set(periods(made[-1].levels)) == {(20_000_000 * 0x8000 // 0xFFFF, 20_000_000)}
        assert servo.frequency == 50 and servo.duty_cycle == 0x8000
        servo.deinit()


@pytest.mark.hostile
def test_frequencies_beyond_what_a_thread_can_do_are_refused(
    lines: tuple[ModelClock, list[LineRequestModel]],
) -> None:
    _, made = lines
    with on_board():
        import board
        import pwmio

        with pytest.raises(ValueError, match="^Invalid frequency$"):
            pwmio.PWMOut(board.D8, frequency=softpwm.MAX_FREQUENCY + 1)
        assert made == []  # refused before the line was claimed ...
        pwm = pwmio.PWMOut(board.D8, frequency=softpwm.MAX_FREQUENCY, variable_frequency=True)
        with pytest.raises(ValueError, match="^Invalid frequency$"):
            pwm.frequency = 25_000  # a motor driver's frequency wants hardware PWM
        assert pwm.frequency == softpwm.MAX_FREQUENCY  # ... and a refused change keeps the old
        pwm.deinit()
        pwmio.PWMOut(board.D8).deinit()  # the pin is free again


def test_the_thread_stops_when_the_program_ends_without_deinit(
    lines: tuple[ModelClock, list[LineRequestModel]],
) -> None:
    clock, made = lines
    clock.allow(7)
    with on_board():
        import board
        import pwmio

        pwm = pwmio.PWMOut(board.D9, frequency=100, duty_cycle=0x1000)
        clock.settle()
        names = {t.name for t in threading.enumerate()}
        assert "protoboard-pwm-D9" in names
    assert "protoboard-pwm-D9" not in {t.name for t in threading.enumerate()}
    assert made[0].released and made[0].levels[-1][1] is False
    pwm.deinit()  # the program's own deinit afterwards is harmless


def test_a_hardware_pwm_pin_without_its_overlay_warns_and_uses_software(
    lines: tuple[ModelClock, list[LineRequestModel]],
) -> None:
    _, made = lines
    with on_board():
        import board
        import pwmio

        with pytest.warns(RuntimeWarning, match="dtoverlay=pwm-2chan.*software PWM"):
            pwm = pwmio.PWMOut(board.D12, duty_cycle=0xFFFF)
        assert made[0].offset == 12
        pwm.deinit()


@pytest.mark.hardware
def test_on_a_real_pi_software_pwm_reaches_another_pin() -> None:
    """On a Raspberry Pi with a jumper wire from D20 to D21: software PWM on D20 (no hardware
    channel there) makes edges that countio on D21 counts, and deinit() stops them."""
    import time

    with testing.activated(machine.create("linux")):
        import board
        import countio
        import pwmio

        counter = countio.Counter(board.D21, edge=countio.Edge.RISE)
        pwm = pwmio.PWMOut(board.D20, frequency=100, duty_cycle=0x4000)
        time.sleep(1)
        pwm.deinit()
        time.sleep(0.1)  # edges already in the kernel's queue reach the counter
        counted = counter.count
        assert counted > 0, "no edges on D21: is the jumper from D20 to D21 in place?"
        time.sleep(0.2)
        assert counter.count == counted  # nothing after deinit
        counter.deinit()
