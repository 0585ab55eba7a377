"""Timed parts: waveforms on a pin, worked out when the program looks (no threads)."""

from __future__ import annotations

import time

import pytest

from protoboard.ports.sim.parts.base import Part, SPIPart
from protoboard.ports.sim.waveform import Waveform, WaveformError


class Blinker(Part):
    """A test part that plays what it is told on its ``pin``."""

    kind = "Blinker"
    roles = ("pin",)
    optional_roles = ("irq",)


def test_one_shot_pulse_has_exact_edges(sim):
    part = sim.attach(Blinker(), pin="D5")
    start = time.monotonic_ns()
    part.play("pin", [(True, 580)], at_ns=start, delay_us=100, after=False)
    time.sleep(0.002)
    history = list(sim.pin("D5").history)
    rise, fall = history[-2], history[-1]
    assert rise == (start + 100_000, True)
    assert fall == (start + 680_000, False)
    assert sim.pin("D5").waveform is None  # played out


def bracketed_read(read, wave):
    """``read()`` and what ``wave`` sets at that moment: the read is bracketed by two clock
    readings and retried until both fall in the same step, so no timing is assumed."""
    while True:
        before = time.monotonic_ns()
        value = read()
        after = time.monotonic_ns()
        if wave.level_at(before) == wave.level_at(after):
            return value, wave.level_at(before)


def test_program_reads_the_level_at_the_moment_it_looks(sim):
    import board
    import digitalio

    part = sim.attach(Blinker(), pin="D5")
    pin = digitalio.DigitalInOut(board.D5)
    wave = part.play("pin", [(True, 40_000), (False, 30_000), (True, 20_000)], delay_us=10_000)
    seen = set()
    while time.monotonic_ns() < wave.start_ns + wave.period_ns + 10_000_000:
        value, (started, level) = bracketed_read(lambda: pin.value, wave)
        # before it starts and after it lets go, nothing drives the pin: it reads low
        assert value is (bool(level) if started else False)
        seen.add((started, level))
    assert len(seen) >= 2 and any(started for started, _ in seen)


def test_repeating_square_wave_counts_exactly(sim):
    import board
    import countio

    part = sim.attach(Blinker(), pin="D7")
    counter = countio.Counter(board.D7, edge=countio.Edge.RISE)
    start = time.monotonic_ns()
    part.play("pin", [(True, 500), (False, 500)], at_ns=start, repeat=True)
    time.sleep(0.05)

    def rises(at: int) -> int:  # one rise per 1 ms period, the first at start
        return (at - start) // 1_000_000 + 1

    before = time.monotonic_ns()
    count = counter.count
    after = time.monotonic_ns()
    assert rises(before) <= count <= rises(after)
    part.stop("pin")
    frozen = counter.count
    time.sleep(0.005)
    assert counter.count == frozen


def test_rotaryio_sees_quadrature_waveforms_in_order(sim):
    import board
    import rotaryio

    a = sim.attach(Blinker(name="A"), pin="D9")
    b = sim.attach(Blinker(name="B"), pin="D10")
    encoder = rotaryio.IncrementalEncoder(board.D9, board.D10)
    start = time.monotonic_ns() + 1_000_000
    # one detent clockwise as the encoder's two contacts make it: A leads B by a quarter
    a.play("pin", [(False, 100), (False, 200), (True, 100)], at_ns=start, after=True)
    b.play("pin", [(True, 100), (False, 200), (True, 100)], at_ns=start, after=True)
    time.sleep(0.003)
    assert encoder.position in (1, -1)
    assert len(sim.pin("D9").history) >= 2


def test_a_listener_can_answer_on_its_own_pin(sim):
    """A part that reacts to an edge of its own waveform (an echo of an echo) is worked out in
    order, at the waveform's times."""

    class Echo(Blinker):
        kind = "Echo"

        def on_attach(self) -> None:
            self.answered = 0
            self.listen("pin", self._heard)

        def _heard(self, pin, level, when):
            if level and self.answered < 3:
                self.answered += 1
                self.play("pin", [(False, 50), (True, 50)], at_ns=when, after=False)

    part = sim.attach(Echo(), pin="D6")
    part.play("pin", [(True, 10)], after=False)
    time.sleep(0.002)
    sim.pin("D6").sync()
    assert part.answered == 3


def test_is_wired_tells_optional_pins(sim):
    part = sim.attach(Blinker(), pin="D5")
    assert part.is_wired("pin") and not part.is_wired("irq")
    with pytest.raises(RuntimeError, match="no pin wired to 'irq'"):
        part.pin("irq")


def test_spi_part_without_chip_select_hears_every_transfer_with_settings(sim):
    import board
    import busio

    class ShiftRegister(SPIPart):
        kind = "ShiftRegister"
        roles = ("clock",)
        chip_select = False

        def __init__(self) -> None:
            super().__init__()
            self.seen: list[tuple[bytes, int, int]] = []

        def spi_transfer(self, data: bytes) -> bytes:
            self.seen.append((data, self.spi_settings.mode, self.spi_settings.baudrate))
            return b"\x00" * len(data)

    part = sim.attach(ShiftRegister(), clock="SCK", mosi="MOSI")
    spi = busio.SPI(board.SCK, MOSI=board.MOSI, MISO=board.MISO)
    while not spi.try_lock():
        pass
    spi.configure(baudrate=1_000_000, polarity=1, phase=1)
    spi.write(b"\xa5")
    result = bytearray(1)
    spi.readinto(result)
    assert part.seen[0][:2] == (b"\xa5", 3)
    assert part.seen[0][2] <= 1_000_000
    assert result == b"\xff"  # a shift register does not drive MISO


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("steps", "options", "message"),
    [
        ([(True, 0.5)], {}, "steps last 1 us"),
        ([(True, 10**10)], {}, "steps last 1 us"),
        ([], {}, "at least one"),
        ([(2, 10)], {}, "use True, False or None"),
        ([(True, "10")], {}, "whole microseconds"),
        ([True], {}, "each step is \\(level, microseconds\\)"),
        ([(True, 1), (False, 1)], {"repeat": True}, "at least 10 us"),
        ([(True, 10)], {"delay_us": -1}, "starts 0 to 24 hours"),
        ([(True, 1)] * 10_001, {}, "at most 10000 steps"),
    ],
)
def test_a_waveform_past_bounds_is_refused_clearly(sim, steps, options, message):
    part = sim.attach(Blinker(), pin="D5")
    with pytest.raises(WaveformError, match=message):
        part.play("pin", steps, **options)
    assert sim.pin("D5").waveform is None


@pytest.mark.hostile
def test_a_part_that_raises_is_named(sim):
    import board
    import digitalio

    class Broken(Blinker):
        kind = "Broken"

        def on_attach(self) -> None:
            self.listen("pin", self._boom)

        def _boom(self, pin, level, when):
            raise ZeroDivisionError("oops")

    sim.attach(Broken(name="Gadget"), pin="D5")
    pin = digitalio.DigitalInOut(board.D5)
    pin.switch_to_output(False)
    with pytest.raises(RuntimeError, match="simulated part 'Gadget' failed.*ZeroDivisionError"):
        pin.value = True


def test_long_unheard_repeating_wave_is_skipped_not_replayed(sim):
    pin = sim.pin("D5")
    wave = Waveform([(True, 5), (False, 5)], start_ns=time.monotonic_ns() - 10**9, repeat=True)
    pin.schedule(wave)  # a second ago: 200,000 edges nobody listened to
    assert len(pin.history) <= 10_000
    assert pin.history[-1][0] <= time.monotonic_ns()


@pytest.mark.hostile
def test_a_part_failing_on_a_timed_edge_is_named_on_read(sim):
    import board
    import countio
    import digitalio

    class Fragile(Blinker):
        kind = "Fragile"

        def on_attach(self) -> None:
            self.listen("pin", self._boom)

        def _boom(self, pin, level, when):
            raise KeyError("no such register")

    part = sim.attach(Fragile(name="Clock chip"), pin="D5")
    pin = digitalio.DigitalInOut(board.D5)
    counter = countio.Counter(board.D6)
    part.play("pin", [(True, 10)], delay_us=500, after=False)  # its edges come later
    time.sleep(0.002)
    with pytest.raises(RuntimeError, match="simulated part 'Clock chip' failed.*KeyError"):
        pin.value  # noqa: B018
    other = sim.attach(Fragile(name="Ticker"), pin="D6")
    other.play("pin", [(True, 10)], delay_us=500, after=False)
    time.sleep(0.002)
    with pytest.raises(RuntimeError, match="simulated part 'Ticker' failed"):
        counter.count  # noqa: B018
