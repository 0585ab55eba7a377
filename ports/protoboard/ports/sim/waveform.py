"""Pin levels scheduled on the board's clock: what a timed part (an echo, a DHT22's answer, an IR
frame) puts on a pin.

A :class:`Waveform` is a list of ``(level, microseconds)`` steps from a start time, played once or
repeated. Nothing runs in the background: the pin works the level out when someone looks (a pin
read, ``pulseio``, ``countio``, a test), from the clock, so the edges a program sees are exactly
where the part put them, however busy the host is.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence

#: the shortest step a part may schedule: a board's timers cannot tell anything shorter apart
MIN_STEP_US = 1
#: the longest single step (an hour); a part that wants a level for longer just leaves it there
MAX_STEP_US = 3_600_000_000
#: steps in one waveform (an IR frame is 67, a DHT22 answer 84)
MAX_STEPS = 10_000
#: how far ahead a waveform may start (a day: an RTC's alarm pin falling at the alarm time)
MAX_DELAY_US = 86_400_000_000
#: a repeating waveform's period must be at least this long, so a pin read never has more than
#: a bounded number of edges to catch up on per millisecond of program time
MIN_PERIOD_US = 10


class WaveformError(ValueError):
    """A waveform a part asked for is outside what a pin can play."""


Step = tuple[bool | None, int]


def _checked_steps(steps: Iterable[tuple[object, object]]) -> tuple[Step, ...]:
    out: list[Step] = []
    for index, step in enumerate(steps):
        if index >= MAX_STEPS:
            raise WaveformError(f"a waveform has at most {MAX_STEPS} steps; split it up")
        try:
            level, duration = step
        except (TypeError, ValueError):
            raise WaveformError(
                f"waveform step {index} is {step!r}; each step is (level, microseconds), "
                "e.g. (True, 580)"
            ) from None
        if level is not None and level not in (0, 1):  # True/False are 1/0
            raise WaveformError(
                f"waveform step {index} has level {level!r}; use True, False or None (let go)"
            )
        if isinstance(duration, bool) or not isinstance(duration, int | float):
            raise WaveformError(
                f"waveform step {index} lasts {duration!r}; give whole microseconds, e.g. 580"
            )
        if not MIN_STEP_US <= duration <= MAX_STEP_US:
            raise WaveformError(
                f"waveform step {index} lasts {duration} us; steps last {MIN_STEP_US} us to "
                f"{MAX_STEP_US // 1_000_000} s"
            )
        out.append((None if level is None else bool(level), round(duration * 1000)))
    if not out:
        raise WaveformError("a waveform needs at least one (level, microseconds) step")
    return tuple(out)


class Waveform:
    """Levels for a pin, step by step, from ``start_ns`` on the board's clock
    (``time.monotonic_ns()``).

    ``steps`` are ``(level, microseconds)`` pairs: ``True``/``False`` drive the pin high or low,
    ``None`` lets it go (the pull resistor or the program decides). With ``repeat`` the steps
    play again and again; otherwise the pin takes ``after`` (None: let go) when they end.
    """

    __slots__ = ("_offsets", "after", "end_ns", "period_ns", "repeat", "start_ns", "steps")

    def __init__(
        self,
        steps: Iterable[tuple[object, object]],
        *,
        start_ns: int | None = None,
        delay_us: float = 0,
        repeat: bool = False,
        after: bool | None = None,
    ) -> None:
        self.steps = _checked_steps(steps)
        if not 0 <= delay_us <= MAX_DELAY_US:
            raise WaveformError(
                f"a waveform starts 0 to {MAX_DELAY_US // 3_600_000_000} hours after its start "
                f"time (delay_us 0 to {MAX_DELAY_US}), not {delay_us} us"
            )
        now = time.monotonic_ns() if start_ns is None else start_ns
        self.start_ns = now + round(delay_us * 1000)
        self.repeat = bool(repeat)
        self.after = after
        offsets = [0]
        for _, duration in self.steps:
            offsets.append(offsets[-1] + duration)
        self._offsets = offsets
        self.period_ns = offsets[-1]
        if self.repeat and self.period_ns < MIN_PERIOD_US * 1000:
            raise WaveformError(
                f"a repeating waveform's steps must add up to at least {MIN_PERIOD_US} us, "
                f"not {self.period_ns / 1000:g} us"
            )
        self.end_ns: int | None = None if self.repeat else self.start_ns + self.period_ns

    def __repr__(self) -> str:
        kind = "repeating" if self.repeat else "one-shot"
        return f"<Waveform {kind}, {len(self.steps)} steps, {self.period_ns / 1000:g} us>"

    def edges(self, since_ns: int) -> Iterator[tuple[int, bool | None]]:
        """Every ``(monotonic_ns, level)`` the waveform sets at or after ``since_ns``, in order
        (endless when repeating; the caller stops)."""
        start = self.start_ns
        period = self.period_ns
        steps = self.steps
        offsets = self._offsets
        base = start
        if since_ns > start and self.repeat:
            base += ((since_ns - start) // period) * period
        while True:
            for index, (level, _) in enumerate(steps):
                when = base + offsets[index]
                if when >= since_ns:
                    yield when, level
            if not self.repeat:
                if base + period >= since_ns:
                    yield base + period, self.after
                return
            base += period

    def level_at(self, when_ns: int) -> tuple[bool, bool | None]:
        """``(started, level)`` at ``when_ns``: whether the waveform has begun, and the level
        it sets then."""
        if when_ns < self.start_ns:
            return False, None
        elapsed = when_ns - self.start_ns
        if not self.repeat and elapsed >= self.period_ns:
            return True, self.after
        elapsed %= self.period_ns
        offsets = self._offsets
        for index in range(len(self.steps) - 1, -1, -1):
            if offsets[index] <= elapsed:
                return True, self.steps[index][0]
        return True, self.steps[0][0]  # pragma: no cover - offsets[0] is 0


def pulse(
    level: bool,
    width_us: float,
    *,
    delay_us: float = 0,
    start_ns: int | None = None,
    after: bool | None = None,
) -> Waveform:
    """One pulse: ``level`` for ``width_us`` after ``delay_us``, then ``after``."""
    return Waveform([(level, width_us)], delay_us=delay_us, start_ns=start_ns, after=after)


def square(
    high_us: float, low_us: float, *, start_ns: int | None = None, delay_us: float = 0
) -> Waveform:
    """A repeating square wave: high for ``high_us``, low for ``low_us``."""
    return Waveform(
        [(True, high_us), (False, low_us)], start_ns=start_ns, delay_us=delay_us, repeat=True
    )


def from_durations(first_level: bool, durations_us: Sequence[float], **options: object) -> Waveform:
    """Alternating levels starting with ``first_level``, one per duration (how pulse trains
    such as IR frames and DHT22 answers are usually written down)."""
    steps = [
        (first_level if i % 2 == 0 else not first_level, d) for i, d in enumerate(durations_us)
    ]
    return Waveform(steps, **options)  # type: ignore[arg-type]
