"""Support for audio mixing

`Mixer` plays several samples at once (its voices) as one sample: play the mixer on an output,
then play samples on its voices whenever you like, each with its own `MixerVoice.level`."""

from __future__ import annotations

from array import array
from itertools import repeat
from operator import add, mul, rshift
from typing import Any

from protoboard.bindings import _audio, _enum, _validate
from protoboard.hal.audiocore import AudioPlayer as _AudioPlayer
from protoboard.hal.audiocore import SampleStream as _SampleStream

_ONE = 1 << 15  # a level of 1.0 in the mixer's fixed point


class _VoiceState:
    __slots__ = ("level", "loop", "panning", "stream")

    def __init__(self) -> None:
        self.stream: _SampleStream | None = None
        self.loop = False
        self.level = 1.0
        self.panning = 0.0


def _gain(samples: array[int], q15: int) -> Any:
    """``samples`` scaled by ``q15 / 32768`` (an iterator; C loops through ``map``)."""
    if q15 == _ONE:
        return samples
    return map(rshift, map(mul, samples, repeat(q15)), repeat(15))


def _mix(voices: list[tuple[array[int], int]], length: int) -> array[int]:
    """Sum ``(samples, level_q15)`` voices into ``length`` signed 16-bit values, clipped.

    Whole-buffer ``map`` calls (C loops) instead of a Python loop per sample; products are
    summed at full precision and shifted once, and the clip loop only runs when the sum
    really overflows."""
    total: Any = None
    for samples, q15 in voices:
        scaled: Any = map(mul, samples, repeat(q15))
        if len(samples) < length:
            scaled = [*scaled, *repeat(0, length - len(samples))]
        total = list(scaled) if total is None else list(map(add, total, scaled))
    if total is None:
        return array("h", bytes(2 * length))
    total = list(map(rshift, total, repeat(15)))
    if max(total) > 32767 or min(total) < -32768:
        total = [32767 if v > 32767 else -32768 if v < -32768 else v for v in total]
    return array("h", total)


class _MixerStream(_SampleStream):
    """The mixer as a sample: it never ends (silence when no voice plays), as on a board."""

    def __init__(self, voices: int, channels: int, bits: int, signed: bool, rate: int) -> None:
        self.sample_rate = rate
        self.channel_count = channels
        self.bits_per_sample = bits
        self.samples_signed = signed
        self.voices = [_VoiceState() for _ in range(voices)]
        self.player: _AudioPlayer | None = None

    def played_by(self, player: _AudioPlayer | None) -> None:
        self.player = player
        for voice in self.voices:  # a synthesizer on a voice catches up through this player
            if voice.stream is not None:
                voice.stream.played_by(player)

    def catch_up(self) -> None:
        if self.player is not None:
            self.player.catch_up()

    def reset(self) -> None:
        """A mixer restarts nothing: its voices go on where they are."""

    def _voice_frames(self, voice: _VoiceState, frames: int) -> array[int]:
        stream = voice.stream
        assert stream is not None
        data = stream.read(frames)
        while len(data) < frames * stream.channel_count and voice.loop:
            stream.reset()
            more = stream.read(frames - len(data) // stream.channel_count)
            if not more:
                break
            data.extend(more)
        if len(data) < frames * stream.channel_count:
            voice.stream = None  # ended: the voice stops playing
        if stream.channel_count == 1 and self.channel_count == 2:
            stereo = array("h", bytes(4 * len(data)))
            stereo[0::2] = data
            stereo[1::2] = data
            return stereo
        return data

    def read(self, frames: int) -> array[int]:
        parts = []
        for voice in self.voices:
            if voice.stream is None:
                continue
            data = self._voice_frames(voice, frames)
            level = int(voice.level * _ONE)
            if self.channel_count == 2 and voice.panning:
                left = array("h", _gain(data[0::2], int(level * min(1.0, 1 - voice.panning))))
                right = array("h", _gain(data[1::2], int(level * min(1.0, 1 + voice.panning))))
                data = array("h", bytes(2 * len(data)))
                data[0::2] = left
                data[1::2] = right
                level = _ONE
            parts.append((data, level))
        return _mix(parts, frames * self.channel_count)

    def describe(self) -> str:
        return f"Mixer({len(self.voices)} voices)"


class MixerVoice:
    """Voice objects used with Mixer

    Used to access and control samples with `audiomixer.Mixer`."""

    __slots__ = ("_index", "_mixer")

    def __init__(self) -> None:
        """MixerVoice instance object(s) created by `audiomixer.Mixer`."""
        self._mixer: _MixerStream | None = None
        self._index = 0

    def _state(self) -> _VoiceState:
        if self._mixer is None:
            return _DETACHED
        return self._mixer.voices[self._index]

    def play(self, sample: Any, *, loop: bool = False) -> None:
        """Plays the sample once when ``loop=False``, and continuously when ``loop=True``.
        Does not block. Use `playing` to block.

        Sample must be an `audiocore.WaveFile`, `audiocore.RawSample`, `audiomixer.Mixer` or
        `audiomp3.MP3Decoder`.

        The sample must match the `audiomixer.Mixer`'s encoding settings given in the
        constructor."""
        stream = _audio.stream_of(sample)
        mixer = self._mixer
        if mixer is None:
            return
        mixer.catch_up()
        _audio.must_match(mixer, stream)
        stream.reset()
        state = self._state()
        state.stream = stream
        state.loop = bool(loop)
        stream.played_by(mixer.player)

    def stop(self) -> None:
        """Stops playback of the sample on this voice."""
        if self._mixer is not None:
            self._mixer.catch_up()
        self._state().stream = None

    def end(self) -> None:
        """Sets looping to False if sample is playing. This allows the previous looped sample
        to finish playing then stop."""
        self._state().loop = False

    @property
    def level(self) -> float:
        """The volume level of a voice, as a floating point number between 0 and 1."""
        return self._state().level

    @level.setter
    def level(self, value: float) -> None:
        level = _validate.float_range(value, 0.0, 1.0, "level")
        if self._mixer is not None:
            self._mixer.catch_up()
        self._state().level = level

    @property
    def panning(self) -> float:
        """Defines the channel(s) in which the voice appears, as a floating point number
        between -1 and 1. If your board does not support synthio, this property will only
        accept a float value. -1 is left channel only, 0 is both channels, and 1 is right
        channel only."""
        return self._state().panning

    @panning.setter
    def panning(self, value: float) -> None:
        self._state().panning = _validate.float_range(value, -1.0, 1.0, "panning")

    @property
    def loop(self) -> bool:
        """Get or set the loop status of the currently playing sample."""
        return self._state().loop

    @loop.setter
    def loop(self, value: bool) -> None:
        self._state().loop = bool(value)

    @property
    def playing(self) -> bool:
        """True when this voice is being output. (read-only)"""
        if self._mixer is not None:
            self._mixer.catch_up()
        return self._state().stream is not None


_DETACHED = _VoiceState()


class Mixer:
    """Mixes one or more audio samples together into one sample."""

    __slots__ = ("_stream_obj", "_voices")

    def __init__(
        self,
        voice_count: int = 2,
        buffer_size: int = 1024,
        channel_count: int = 2,
        bits_per_sample: int = 16,
        samples_signed: bool = True,
        sample_rate: int = 8000,
    ) -> None:
        """Create a Mixer object that can mix multiple channels with the same sample rate.
        Samples are accessed and controlled with the mixer's `audiomixer.MixerVoice` objects.

        :param int voice_count: The maximum number of voices to mix
        :param int buffer_size: The total size in bytes of the buffers to mix into
        :param int channel_count: The number of channels the source samples contain. 1 = mono;
            2 = stereo.
        :param int bits_per_sample: The bits per sample of the samples being played
        :param bool samples_signed: Samples are signed (True) or unsigned (False)
        :param int sample_rate: The sample rate to be used for all samples

        Playing a wave file from flash::

          import board
          import audioio
          import audiocore
          import audiomixer
          import digitalio

          a = audioio.AudioOut(board.A0)
          music = audiocore.WaveFile(open("cplay-5.1-16bit-16khz.wav", "rb"))
          drum = audiocore.WaveFile(open("drum.wav", "rb"))
          mixer = audiomixer.Mixer(voice_count=2, sample_rate=16000, channel_count=1,
                                   bits_per_sample=16, samples_signed=True)

          print("playing")
          # Have AudioOut play our Mixer source
          a.play(mixer)
          # Play the first sample voice
          mixer.voice[0].play(music)
          while mixer.playing:
            # Play the second sample voice
            mixer.voice[1].play(drum)
            time.sleep(1)
          print("stopped")"""
        voices = _validate.int_range(voice_count, 1, 255, "voice_count")
        _validate.to_int(buffer_size, "buffer_size")
        channels = _validate.int_range(channel_count, 1, 2, "channel_count")
        rate = _validate.int_at_least(sample_rate, 1, "sample_rate")
        bits = _validate.to_int(bits_per_sample, "bits_per_sample")
        if bits not in (8, 16):
            raise ValueError("bits_per_sample must be 8 or 16")
        self._stream_obj: _MixerStream | None = _MixerStream(
            voices, channels, bits, bool(samples_signed), rate
        )
        made = []
        for index in range(voices):
            voice = MixerVoice()
            voice._mixer = self._stream_obj
            voice._index = index
            made.append(voice)
        self._voices = tuple(made)

    def _live(self) -> _MixerStream:
        stream = self._stream_obj
        if stream is None:
            _validate.raise_deinited()
        return stream

    def _audio_stream(self) -> _SampleStream:
        return self._live()

    def deinit(self) -> None:
        """Deinitialises the Mixer and releases any hardware resources for reuse."""
        self._stream_obj = None

    def __enter__(self) -> Mixer:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    @property
    def playing(self) -> bool:
        """True when any voice is being output. (read-only)"""
        stream = self._live()
        stream.catch_up()
        return any(voice.stream is not None for voice in stream.voices)

    @property
    def sample_rate(self) -> int:
        """32 bit value that dictates how quickly samples are played in Hertz (cycles per
        second)."""
        return self._live().sample_rate

    @property
    def voice(self) -> tuple[MixerVoice, ...]:
        """A tuple of the mixer's `audiomixer.MixerVoice` object(s).

        .. code-block:: python

           >>> mixer.voice
           (<MixerVoice>,)"""
        self._live()
        return self._voices

    def play(self, sample: Any, *, voice: int = 0, loop: bool = False) -> Mixer:
        """Plays the sample once when loop=False and continuously when loop=True.
        Does not block. Use `playing` to block.

        Sample must be an `audiocore.WaveFile`, `audiocore.RawSample`, `audiomixer.Mixer` or
        `audiomp3.MP3Decoder`.

        The sample must match the Mixer's encoding settings given in the constructor.

        :return: The mixer object itself. Can be used for chaining, ie:
          ``audio.play(mixer.play(sample))``."""
        self._live()
        index = _validate.to_int(voice, "voice")
        if not 0 <= index % 256 < len(self._voices):
            raise _validate.invalid("voice")
        self._voices[index % 256].play(sample, loop=loop)
        return self

    def stop_voice(self, voice: int = 0) -> None:
        """Stops playback of the sample on the given voice."""
        self._live()
        index = _validate.to_int(voice, "voice")
        if not 0 <= index % 256 < len(self._voices):
            raise _validate.invalid("voice")
        self._voices[index % 256].stop()


_enum.publish("audiomixer", Mixer, MixerVoice)
