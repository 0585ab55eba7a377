"""Contract for ``audiopwmio``: audio as a fast PWM signal on a pin (filtered into sound by a
speaker or an RC filter)."""

from __future__ import annotations

from protoboard.hal.audiocore import AudioPlayer
from protoboard.hal.backend import Backend


class PWMAudioOut(AudioPlayer):
    """Raises :class:`~protoboard.hal.errors.InvalidPin` for a pin without PWM."""

    def __init__(
        self, backend: Backend, left: str, right: str | None, quiescent_value: int
    ) -> None:
        super().__init__(backend)
