"""An infrared remote and the receiver module (a TSOP38238 or similar) wired to the board.

The receiver's output idles high and goes low while it hears the remote's 38 kHz carrier.
:meth:`IRRemote.press` sends an NEC frame: a 9 ms mark, a 4.5 ms space, then each bit as a
562 us mark and a 562 us (0) or 1687 us (1) space, and a final mark. The frame is a waveform on
the board's clock, so ``pulseio.PulseIn`` (and ``adafruit_irremote``) decode it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

from protoboard.ports.sim.parts.base import Part

LEADER_MARK_US = 9000
LEADER_SPACE_US = 4500
REPEAT_SPACE_US = 2250
BIT_MARK_US = 562
ZERO_SPACE_US = 562
ONE_SPACE_US = 1687
#: an NEC code is 4 bytes; other remotes send more or fewer, so up to this many are accepted
MAX_CODE_BYTES = 16


def _code_bytes(code: object) -> bytes:
    if isinstance(code, int) and not isinstance(code, bool):
        if not 0 <= code <= 0xFFFFFFFF:
            raise ValueError(f"an NEC code as a number is 32 bits (0 to 0xFFFFFFFF), not {code}")
        return code.to_bytes(4, "big")
    try:
        data = bytes(code)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValueError(
            f"press() takes the code's bytes, e.g. press([0x20, 0xDF, 0x10, 0xEF]) or "
            f"press(0x20DF10EF), not {code!r}"
        ) from None
    if not 1 <= len(data) <= MAX_CODE_BYTES:
        raise ValueError(f"a code is 1 to {MAX_CODE_BYTES} bytes, not {len(data)}")
    return data


class IRRemote(Part):
    """An IR remote control and the receiver module whose output is wired to ``pin``.

    ``press(code)`` sends an NEC frame now: ``code`` is its bytes as ``adafruit_irremote``
    decodes them (``[0x20, 0xDF, 0x10, 0xEF]``, each byte sent most significant bit first) or
    the same as one 32-bit number (``0x20DF10EF``). ``repeat()`` sends NEC's repeat frame (a
    held button). ``presses`` lists the codes sent.

    For a board with no test driving it (a parts file), ``code`` and ``interval_ms`` make the
    remote press ``code`` every ``interval_ms`` milliseconds from when it is wired.
    """

    kind = "IRRemote"
    roles = ("pin",)

    def __init__(
        self,
        *,
        code: int | None = None,
        interval_ms: float = 500.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.presses: list[bytes] = []
        self.code = None if code is None else _code_bytes(code)
        if isinstance(interval_ms, bool) or not isinstance(interval_ms, int | float):
            raise TypeError(f"interval_ms is a number of milliseconds, not {interval_ms!r}")
        if not 100 <= interval_ms <= 60_000:
            raise ValueError(
                f"interval_ms is 100 to 60000 (a frame lasts about 70 ms), not {interval_ms:g}"
            )
        self.interval_ms = float(interval_ms)

    def on_attach(self) -> None:
        self.pin("pin").set_external(True)  # the receiver's output idles high
        if self.code is not None:
            frame = self._frame(self.code)
            gap = self.interval_ms * 1000 - sum(d for _, d in frame)
            self.play("pin", [*frame, (True, gap)], repeat=True)

    def on_detach(self) -> None:
        if self.sim is not None:
            self.pin("pin").schedule(None)

    def press(self, code: object, *, delay_ms: float = 0) -> None:
        """Send ``code`` as an NEC frame, starting ``delay_ms`` from now."""
        data = _code_bytes(code)
        self.play("pin", self._frame(data), delay_us=delay_ms * 1000, after=True)
        if len(self.presses) >= 1000:
            del self.presses[0]
        self.presses.append(data)

    @staticmethod
    def _frame(data: bytes) -> list[tuple[bool, int]]:
        steps: list[tuple[bool, int]] = [(False, LEADER_MARK_US), (True, LEADER_SPACE_US)]
        for byte in data:
            for bit in range(7, -1, -1):
                space = ONE_SPACE_US if byte >> bit & 1 else ZERO_SPACE_US
                steps += [(False, BIT_MARK_US), (True, space)]
        steps.append((False, BIT_MARK_US))
        return steps

    def repeat(self, *, delay_ms: float = 0) -> None:
        """Send NEC's repeat frame (what a remote sends while a button is held)."""
        steps: Sequence[tuple[object, object]] = [
            (False, LEADER_MARK_US),
            (True, REPEAT_SPACE_US),
            (False, BIT_MARK_US),
        ]
        self.play("pin", steps, delay_us=delay_ms * 1000, after=True)
