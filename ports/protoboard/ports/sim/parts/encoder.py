"""A mechanical rotary encoder: two switch contacts that open and close in Gray code."""

from __future__ import annotations

from protoboard.ports.sim.parts.base import Part

#: contact states (A closed, B closed) through one clockwise cycle; A leads B clockwise
_CYCLE = ((False, False), (True, False), (True, True), (False, True))


class RotaryEncoder(Part):
    """A quadrature rotary encoder with its contacts on ``pin_a`` and ``pin_b``.

    The contacts go to ground (``active_low=True``, the usual wiring: the program needs pull-ups,
    which ``rotaryio.IncrementalEncoder`` enables) or to 3.3 V (``active_low=False``). At a detent
    both contacts are open. Turning clockwise closes A first, then B, then opens A, then B: four
    quarter steps (``pulses_per_detent``) per detent, each changing exactly one pin, so the
    program sees the real Gray-code sequence on its pins::

        enc = sim.attach(RotaryEncoder(), pin_a="D5", pin_b="D6")
        enc.clockwise(3)          # three detents clockwise
        enc.counterclockwise()    # one detent back
        enc.step(1)               # a single quarter step (half way between detents)
    """

    kind = "RotaryEncoder"
    roles = ("pin_a", "pin_b")

    def __init__(
        self, *, name: str | None = None, pulses_per_detent: int = 4, active_low: bool = True
    ) -> None:
        super().__init__(name=name)
        if not isinstance(pulses_per_detent, int) or pulses_per_detent < 1:
            raise ValueError(f"pulses_per_detent must be an int >= 1, not {pulses_per_detent!r}")
        self.pulses_per_detent = pulses_per_detent
        self.active_low = active_low
        self._phase = 0
        self._quarter_steps = 0

    def on_attach(self) -> None:
        self._apply()

    def on_detach(self) -> None:
        if self.sim is not None:
            self.pin("pin_a").set_external(None)
            self.pin("pin_b").set_external(None)

    def _contact(self, closed: bool) -> bool | None:
        """The level a contact forces on its pin: the common rail when closed, none when open."""
        return (not self.active_low) if closed else None

    def _apply(self) -> None:
        a_closed, b_closed = _CYCLE[self._phase]
        self.pin("pin_a").set_external(self._contact(a_closed))
        self.pin("pin_b").set_external(self._contact(b_closed))

    def step(self, quarter_steps: int = 1) -> None:
        """Move ``quarter_steps`` Gray-code states (positive: clockwise), one pin change at a
        time."""
        if self.sim is None:
            raise RuntimeError(f"part '{self.name}' is not attached to a board")
        direction = 1 if quarter_steps > 0 else -1
        for _ in range(abs(int(quarter_steps))):
            self._phase = (self._phase + direction) % len(_CYCLE)
            self._quarter_steps += direction
            self._apply()

    def turn(self, detents: int) -> None:
        """Turn by ``detents`` clicks: positive is clockwise, negative counter-clockwise."""
        self.step(int(detents) * self.pulses_per_detent)

    def clockwise(self, detents: int = 1) -> None:
        """Turn clockwise by ``detents`` clicks (the program's position goes up)."""
        self.turn(abs(int(detents)))

    def counterclockwise(self, detents: int = 1) -> None:
        """Turn counter-clockwise by ``detents`` clicks (the program's position goes down)."""
        self.turn(-abs(int(detents)))

    @property
    def quarter_steps(self) -> int:
        """Net Gray-code transitions made since the part was created (clockwise positive)."""
        return self._quarter_steps

    @property
    def detents(self) -> float:
        """Net rotation in detents (fractional between detents)."""
        return self._quarter_steps / self.pulses_per_detent

    @property
    def phase(self) -> tuple[bool, bool]:
        """Which contacts are closed now, as ``(a_closed, b_closed)``."""
        return _CYCLE[self._phase]
