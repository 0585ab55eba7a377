"""Contract for ``audioio``: audio out of a DAC pin (one or two channels)."""

from __future__ import annotations

from protoboard.hal.audiocore import AudioPlayer
from protoboard.hal.backend import Backend


class AudioOut(AudioPlayer):
    """Raises :class:`~protoboard.hal.errors.InvalidPin` for a pin without a DAC.

    ``quiescent_value`` (0..65535) is what the pin holds when nothing plays; the output ramps to
    it and from it so a speaker does not pop."""

    def __init__(
        self, backend: Backend, left: str, right: str | None, quiescent_value: int
    ) -> None:
        super().__init__(backend)
