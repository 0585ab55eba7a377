"""Parts that hear the board (a speaker, an I2S amplifier) and a microphone it hears.

A ``Speaker`` on a DAC or PWM pin (``audioio``, ``audiopwmio``) and an ``I2SAmplifier`` on an
I2S data pin (``audiobusio.I2SOut``) record what plays as one mono stream of signed 16-bit
samples on the board's clock, silence included, up to ``max_seconds`` (older sound is dropped),
and keep a record of each play (what, when, its level and frequency). Save the stream with
:meth:`save_wav` to listen to it. A ``Microphone`` on PDM pins is what ``audiobusio.PDMIn``
records: a tone, noise, a WAV file or silence.
"""

from __future__ import annotations

import collections
import math
import random
import wave
import weakref
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protoboard.hal.audiocore import to_s16
from protoboard.ports.sim.parts import sound
from protoboard.ports.sim.parts.base import Part

if TYPE_CHECKING:
    from protoboard.ports.sim.audio import Player

#: the stretch of sound ``level`` measures: what you hear "now"
LEVEL_WINDOW_SECONDS = 0.1
#: sound kept with each play for its level and frequency
PLAY_KEEP_SECONDS = 5.0
#: plays remembered
PLAYS_KEPT = 64


def _now() -> int:
    from protoboard.ports.sim.audio import now_ns

    return now_ns()


@dataclass
class Played:
    """One play heard by a speaker: ``source`` (``WaveFile('/boing.wav')``, ``RawSample(18
    frames)``, ``Mixer(2 voices)``), its ``sample_rate``, ``loop``, ``start_ns`` and ``end_ns``
    (None while it plays) on the board's clock, and its first seconds of ``samples``."""

    source: str
    sample_rate: int
    loop: bool
    start_ns: int
    end_ns: int | None = None
    samples: array[int] = field(default_factory=lambda: array("h"), repr=False)

    @property
    def playing(self) -> bool:
        return self.end_ns is None

    @property
    def duration(self) -> float:
        """Seconds it played (so far, while it plays)."""
        end = self.end_ns if self.end_ns is not None else _now()
        return (end - self.start_ns) / 1e9

    @property
    def level(self) -> float:
        """RMS level of what was kept, 0.0-1.0."""
        return sound.rms(self.samples)

    @property
    def frequency(self) -> float | None:
        """Dominant frequency in Hz (None for silence)."""
        return sound.dominant_frequency(self.samples, self.sample_rate)


class _Listener(Part):
    """What a speaker and an amplifier share: they record what the board plays to them."""

    def __init__(
        self, *, name: str | None = None, sample_rate: int | None = None, max_seconds: float = 60.0
    ) -> None:
        super().__init__(name=name)
        if sample_rate is not None and (not isinstance(sample_rate, int) or sample_rate < 1):
            raise ValueError(f"sample_rate must be a whole number of Hz >= 1, not {sample_rate!r}")
        if not isinstance(max_seconds, int | float) or not 0 < max_seconds <= 3600:
            raise ValueError(f"max_seconds must be between 0 and 3600, not {max_seconds!r}")
        self._fixed_rate = sample_rate
        self.max_seconds = float(max_seconds)
        self.clear()

    def clear(self) -> None:
        """Forget everything heard so far."""
        self._rate: int | None = self._fixed_rate
        self._stream = array("h")
        self._t0: int | None = None
        self._dropped = 0
        self.plays: collections.deque[Played] = collections.deque(maxlen=PLAYS_KEPT)
        self._current: dict[int, Played] = {}
        self._players: weakref.WeakSet[Player] = weakref.WeakSet()

    # -- what a player tells -------------------------------------------------------------------

    def audio_started(
        self, player: Player, description: str, rate: int, loop: bool, start_ns: int
    ) -> None:
        now = start_ns
        if self._rate is None:
            self._rate = rate
        if self._t0 is None:
            self._t0 = now
        self._players.add(player)
        played = Played(description, rate, loop, now)
        self._current[id(player)] = played
        self.plays.append(played)

    def audio_frames(self, player: Player, start_ns: int, rate: int, mono: array[int]) -> None:
        played = self._current.get(id(player))
        if played is not None:
            room = int(PLAY_KEEP_SECONDS * played.sample_rate) - len(played.samples)
            if room > 0:
                played.samples.extend(mono[:room])
        assert self._rate is not None and self._t0 is not None
        self._pad_to((start_ns - self._t0) * self._rate // 1_000_000_000)
        self._stream.extend(sound.resample(mono, rate, self._rate))
        self._trim()

    def audio_stopped(self, player: Player, end_ns: int) -> None:
        played = self._current.pop(id(player), None)
        if played is not None:
            played.end_ns = end_ns

    # -- the stream ----------------------------------------------------------------------------

    def _limit(self) -> int:
        return int(self.max_seconds * (self._rate or 1))

    def _pad_to(self, position: int) -> None:
        """Silence up to ``position`` (frames since the first sound)."""
        gap = position - self._dropped - len(self._stream)
        if gap > 0:
            gap = min(gap, self._limit())
            self._stream.extend(array("h", bytes(2 * gap)))

    def _trim(self) -> None:
        limit = self._limit()
        if len(self._stream) > limit + limit // 4:
            cut = len(self._stream) - limit
            del self._stream[:cut]
            self._dropped += cut

    def _sync(self) -> None:
        """Bring the players up to now, and the silence since the last sound."""
        for player in list(self._players):
            player.catch_up()
        if self._t0 is not None and self._rate is not None:
            self._pad_to((_now() - self._t0) * self._rate // 1_000_000_000)
            self._trim()

    @property
    def sample_rate(self) -> int | None:
        """The stream's rate: the first play's (or the one given); None before any sound."""
        return self._rate

    @property
    def samples(self) -> array[int]:
        """Everything heard (up to ``max_seconds``), mono signed 16-bit, up to now."""
        self._sync()
        return array("h", self._stream)

    @property
    def duration(self) -> float:
        """Seconds of sound the stream holds."""
        self._sync()
        return len(self._stream) / self._rate if self._rate else 0.0

    @property
    def playing(self) -> bool:
        """Whether something plays to it now."""
        self._sync()
        return bool(self._current)

    @property
    def level(self) -> float:
        """How loud it is now: the RMS level (0.0-1.0) of the last 0.1 s."""
        self._sync()
        if not self._rate:
            return 0.0
        return sound.rms(self._stream[-max(1, int(LEVEL_WINDOW_SECONDS * self._rate)) :])

    @property
    def frequency(self) -> float | None:
        """The dominant frequency (Hz) of the latest play; None if nothing played."""
        self._sync()
        return self.plays[-1].frequency if self.plays else None

    @property
    def last_played(self) -> Played | None:
        self._sync()
        return self.plays[-1] if self.plays else None

    def save_wav(self, path: str | Path) -> Path:
        """Write what it heard as a mono 16-bit WAV file (at :attr:`sample_rate`)."""
        samples = self.samples
        return sound.write_wav(path, samples, self._rate or 8000)

    def snapshot(self) -> dict[str, Any]:
        """What ``protoboard sim parts`` shows."""
        last = self.plays[-1] if self.plays else None
        return {
            "playing": self.playing,
            "level": round(self.level, 4),
            "last_played": last.source if last else None,
        }


class Speaker(_Listener):
    """A speaker (or piezo, or headphones) on a DAC or PWM pin: records what
    ``audioio.AudioOut`` or ``audiopwmio.PWMAudioOut`` plays on it.

    ``speaker.level`` (RMS now), ``speaker.frequency`` (Hz, latest play), ``speaker.plays``
    (what played and when), ``speaker.samples`` and ``speaker.save_wav("heard.wav")``."""

    kind = "Speaker"
    roles = ("pin",)


class I2SAmplifier(_Listener):
    """An I2S amplifier (such as a MAX98357A) on the I2S data pin: records what
    ``audiobusio.I2SOut`` plays, left and right summed to mono as the chip does by default.
    ``bit_clock`` and ``word_select`` may be wired too; only ``data`` is needed."""

    kind = "I2SAmplifier"
    roles = ("data",)
    optional_roles = ("bit_clock", "word_select")


_SIGNALS = ("silence", "tone", "noise", "wav")


def _check(key: str, value: Any) -> None:
    """A microphone setting's value, checked (plain words, the fix in them)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if key == "signal" and value not in _SIGNALS:
        raise ValueError(f"signal must be one of {', '.join(_SIGNALS)}, not {value!r}")
    if key == "frequency" and not (number and value > 0):
        raise ValueError(f"frequency must be a number of Hz above 0, not {value!r}")
    if key == "amplitude" and not (number and 0 <= value <= 1):
        raise ValueError(f"amplitude must be between 0.0 and 1.0, not {value!r}")


class Microphone(Part):
    """A PDM microphone: what ``audiobusio.PDMIn`` on its data pin records.

    It hears ``signal``: ``"silence"``, ``"tone"`` (a sine at ``frequency`` Hz), ``"noise"``
    (white noise) or ``"wav"`` (the file at ``wav``, looping), at ``amplitude`` (0.0-1.0).
    Set them, or call :meth:`tone`, :meth:`noise`, :meth:`play_wav`, :meth:`silence`."""

    kind = "Microphone"
    roles = ("data",)
    optional_roles: tuple[str, ...] = ("clock",)

    def __init__(
        self,
        *,
        name: str | None = None,
        signal: str = "silence",
        frequency: float = 440.0,
        amplitude: float = 0.5,
        wav: str | None = None,
        seed: int = 1,
    ) -> None:
        super().__init__(name=name)
        self._random = random.Random(seed)
        self._wav_path: Path | None = None
        self._wav_start = 0
        self.signal = signal
        self.frequency = frequency
        self.amplitude = amplitude
        if wav is not None:
            self.wav = wav

    def __setattr__(self, key: str, value: Any) -> None:
        _check(key, value)
        super().__setattr__(key, value)

    @property
    def wav(self) -> str | None:
        return str(self._wav_path) if self._wav_path else None

    @wav.setter
    def wav(self, path: str | Path) -> None:
        target = Path(path)
        with wave.open(str(target), "rb") as f:  # check it now: a bad file fails here
            if f.getsampwidth() not in (1, 2) or f.getnframes() == 0:
                raise ValueError(f"{target}: the microphone plays 8- or 16-bit WAV files")
        self._wav_path = target
        self._wav_start = _now()
        self.signal = "wav"

    def tone(self, frequency: float, amplitude: float = 0.5) -> None:
        _check("frequency", frequency)
        _check("amplitude", amplitude)  # both checked first: a bad call changes nothing
        self.frequency, self.amplitude, self.signal = frequency, amplitude, "tone"

    def noise(self, amplitude: float = 0.5) -> None:
        self.amplitude, self.signal = amplitude, "noise"

    def play_wav(self, path: str | Path, amplitude: float = 1.0) -> None:
        _check("amplitude", amplitude)
        self.wav = path
        self.amplitude = amplitude

    def silence(self) -> None:
        self.signal = "silence"

    def sound_at(self, start_ns: int, rate: int, count: int) -> array[int]:
        """``count`` samples at ``rate`` from ``start_ns`` on the board's clock."""
        scale = self.amplitude * 32767
        if self.signal == "tone":
            t0 = start_ns / 1e9
            w = 2 * math.pi * self.frequency
            return array("h", [int(scale * math.sin(w * (t0 + i / rate))) for i in range(count)])
        if self.signal == "noise":
            r = self._random.uniform
            return array("h", [int(r(-scale, scale)) for _ in range(count)])
        if self.signal == "wav" and self._wav_path is not None:
            return self._wav_samples(start_ns, rate, count)
        return array("h", bytes(2 * count))

    def _wav_samples(self, start_ns: int, rate: int, count: int) -> array[int]:
        assert self._wav_path is not None
        with wave.open(str(self._wav_path), "rb") as f:
            width, channels, frames = f.getsampwidth(), f.getnchannels(), f.getnframes()
            source_rate = f.getframerate()
            first = (start_ns - self._wav_start) * source_rate // 1_000_000_000
            needed = count * source_rate // rate + 1
            raw = bytearray()
            position = first % frames
            while len(raw) < needed * width * channels:  # the file loops
                f.setpos(position)
                raw += f.readframes(needed - len(raw) // (width * channels))
                position = 0
        data = array("h", to_s16(raw, 8 * width, width == 2))[::channels]
        gain = self.amplitude
        picked = sound.resample(data, source_rate, rate)[:count]
        return array("h", [int(v * gain) for v in picked])

    def snapshot(self) -> dict[str, Any]:
        return {"signal": self.signal, "frequency": self.frequency, "amplitude": self.amplitude}


class I2SMicrophone(Microphone):
    """An I2S MEMS microphone (INMP441, SPH0645LM4H): what ``audioi2sin.I2SIn`` on its data pin
    records. It hears what a :class:`Microphone` hears (``signal``, ``frequency``,
    ``amplitude``, ``wav``) and talks in the ``channel`` slot its L/R pin selects: ``"left"``
    (the default, what a mono recording reads) or ``"right"``. Two on one data line make a
    stereo pair."""

    kind = "I2SMicrophone"
    roles = ("data",)
    optional_roles = ("bit_clock", "word_select")

    def __init__(self, *, channel: str = "left", **settings: Any) -> None:
        self.channel = channel  # checked first: a bad channel makes no part
        super().__init__(**settings)

    def __setattr__(self, key: str, value: Any) -> None:
        if key == "channel" and value not in ("left", "right"):
            raise ValueError(f"channel must be 'left' or 'right' (the L/R pin), not {value!r}")
        super().__setattr__(key, value)
