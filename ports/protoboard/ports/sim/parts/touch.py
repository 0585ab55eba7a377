"""A capacitive touch pad."""

from __future__ import annotations

from protoboard.ports.sim.parts.base import Part

_RESISTORS = ("down", "up", None)


class TouchPad(Part):
    """A capacitive touch pad on a pin: set ``touched`` (or a ``raw_value`` of your own) and
    ``touchio.TouchIn`` reads it.

    ``raw_value`` is ``touched_raw`` while touched and ``untouched_raw`` otherwise, unless you
    set it yourself (setting ``touched`` again goes back to those two). ``resistor`` is the
    1 MΩ resistor the pad has, ``"down"`` (to ground, the default), ``"up"`` (to 3.3 V) or None:
    it matters only on pins without touch hardware, where CircuitPython times the pin's
    discharge through it.
    """

    kind = "TouchPad"
    roles = ("pin",)

    def __init__(
        self,
        *,
        name: str | None = None,
        touched: bool = False,
        untouched_raw: int = 500,
        touched_raw: int = 2000,
        resistor: str | None = "down",
    ) -> None:
        super().__init__(name=name)
        if resistor not in _RESISTORS:
            raise ValueError(f"resistor must be 'down', 'up' or None, not {resistor!r}")
        self.untouched_raw = _raw(untouched_raw, "untouched_raw")
        self.touched_raw = _raw(touched_raw, "touched_raw")
        self.resistor = resistor
        self._touched = bool(touched)
        self._raw: int | None = None

    def touch(self) -> None:
        self.touched = True

    def release(self) -> None:
        self.touched = False

    @property
    def touched(self) -> bool:
        return self._touched

    @touched.setter
    def touched(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"touched must be True or False, not {value!r}")
        self._touched = value
        self._raw = None

    @property
    def raw_value(self) -> int:
        """What the touch hardware measures now, 0-65535."""
        if self._raw is not None:
            return self._raw
        return self.touched_raw if self._touched else self.untouched_raw

    @raw_value.setter
    def raw_value(self, value: int) -> None:
        self._raw = _raw(value, "raw_value")


def _raw(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number, not {value!r}")
    if not 0 <= value <= 0xFFFF:
        raise ValueError(f"{name} must be between 0 and 65535, not {value}")
    return value
