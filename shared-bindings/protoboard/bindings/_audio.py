"""What the audio modules share: the sample protocol, format conversion to signed 16-bit, and
the player binding that ``audioio``, ``audiopwmio`` and ``audiobusio.I2SOut`` are.

A *sample* is any object with a ``_audio_stream()`` method returning its
:class:`~protoboard.hal.audiocore.SampleStream` (``RawSample``, ``WaveFile``, ``MP3Decoder``,
``Mixer``); CircuitPython calls this the ``protocol_audiosample``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from protoboard.bindings import _peripheral, _validate
from protoboard.hal.audiocore import AudioPlayer, SampleStream, to_s16

if TYPE_CHECKING:
    from protoboard.bindings.microcontroller import Pin

__all__ = ["Player", "must_match", "quiescent", "stream_of", "to_s16"]


def stream_of(sample: Any) -> SampleStream:
    """The stream of an audio sample, or CircuitPython's TypeError for anything else."""
    get = getattr(type(sample), "_audio_stream", None)
    if get is None:
        raise TypeError(
            f"'{_validate.type_name(sample)}' object does not support 'protocol_audiosample'"
        )
    stream: SampleStream = get(sample)
    return stream


def must_match(
    mixer: SampleStream, other: SampleStream, *, allow_mono_to_stereo: bool = True
) -> None:
    """``audiosample_must_match``: a mixer's voices must share its format."""
    if other.sample_rate != mixer.sample_rate:
        raise ValueError("The sample's sample_rate does not match")
    if other.channel_count != mixer.channel_count and not (
        allow_mono_to_stereo and mixer.channel_count == 2 and other.channel_count == 1
    ):
        raise ValueError("The sample's channel_count does not match")
    if other.bits_per_sample != mixer.bits_per_sample:
        raise ValueError("The sample's bits_per_sample does not match")
    if other.samples_signed != mixer.samples_signed:
        raise ValueError("The sample's signedness does not match")


class Player(_peripheral.Peripheral[AudioPlayer]):
    """Base of the output classes: play, stop, pause and resume a sample in the background."""

    __slots__ = ()

    def play(self, sample: Any, *, loop: bool = False) -> None:
        """Plays the sample once when loop=False and continuously when loop=True.
        Does not block. Use `playing` to block.

        The sample must be a `audiocore.WaveFile`, `audiocore.RawSample`, `audiomixer.Mixer`
        or `audiomp3.MP3Decoder`."""
        impl = self._checked()
        stream = stream_of(sample)
        impl.play(stream, bool(loop))

    def stop(self) -> None:
        """Stops playback."""
        self._checked().stop()

    @property
    def playing(self) -> bool:
        """True when an audio sample is being output even if `paused`. (read-only)"""
        return self._checked().playing

    def pause(self) -> None:
        """Stops playback temporarily while remembering the position. Use `resume` to resume
        playback."""
        impl = self._checked()
        if not impl.playing:
            raise RuntimeError("Not playing")
        impl.pause()

    def resume(self) -> None:
        """Resumes sample playback after :py:func:`pause`."""
        impl = self._checked()
        if impl.paused:
            impl.resume()

    @property
    def paused(self) -> bool:
        """True when playback is paused. (read-only)"""
        return self._checked().paused


def quiescent(value: Any) -> int:
    """``quiescent_value``: any int, as CircuitPython takes it (the DAC uses its low 16 bits)."""
    return _validate.to_int(value, "quiescent_value") & 0xFFFF


def channel_pins(left_channel: Any, right_channel: Any) -> tuple[Pin, Pin | None]:
    """The free pins of an audio output's left and (optional) right channel, checked as
    CircuitPython checks them (audioio and audiopwmio alike)."""
    left = _validate.free_pin(left_channel, "left_channel")
    right = None
    if right_channel is not None:
        right = _validate.free_pin(right_channel, "right_channel")
    if left is right:
        raise ValueError("left_channel and right_channel must be different")
    return left, right
