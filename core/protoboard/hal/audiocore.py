"""Contract for audio: the sample stream every player reads, and the player every audio output
(``audioio``, ``audiopwmio``, ``audiobusio.I2SOut``) implements.

A board plays in the background: DMA pulls buffers from the sample while the program runs. The
stream is that pull, made portable: a port's player asks :meth:`SampleStream.read` for frames when
its hardware (or its model of time) needs them. Frames are always signed 16-bit here, interleaved
by channel, whatever the source's format, so a port never converts formats.
"""

from __future__ import annotations

import abc
import sys
from array import array

from protoboard.hal.base import Implementation

_FLIP_TOP_BIT = bytes(b ^ 0x80 for b in range(256))


def to_s16(data: bytes | bytearray | memoryview, bits: int, signed: bool) -> bytearray:
    """Little-endian samples of ``bits`` (8 or 16) bits as signed 16-bit native-order bytes.

    Done with byte slices and ``translate`` (C loops), not per sample in Python."""
    if bits == 8:
        out = bytearray(2 * len(data))
        out[1::2] = data if signed else bytes(data).translate(_FLIP_TOP_BIT)
        if sys.byteorder == "big":
            out[0::2], out[1::2] = out[1::2], out[0::2]
        return out
    out = bytearray(data)
    if len(out) % 2:
        del out[-1]
    if not signed:
        out[1::2] = out[1::2].translate(_FLIP_TOP_BIT)
    if sys.byteorder == "big":
        out[0::2], out[1::2] = out[1::2], out[0::2]
    return out


class SampleStream(abc.ABC):
    """The audio a sample gives, from its start. ``read(n)`` returns up to ``n`` frames; fewer
    means the sample ended (a looping player then calls :meth:`reset`)."""

    sample_rate: int
    channel_count: int
    #: what the sample holds (8 or 16): checked by a mixer, not needed to play
    bits_per_sample: int = 16
    samples_signed: bool = True

    @abc.abstractmethod
    def read(self, frames: int) -> array[int]:
        """Up to ``frames`` frames as ``array('h')`` (``frames * channel_count`` values)."""

    @abc.abstractmethod
    def reset(self) -> None:
        """Back to the first frame."""

    def skip(self, frames: int) -> int:
        """Move ``frames`` frames on without delivering them; returns how many it moved (fewer
        at the end). Streams that can seek override this."""
        done = 0
        while done < frames:
            got = len(self.read(min(frames - done, 4096))) // self.channel_count
            if not got:
                break
            done += got
        return done

    def describe(self) -> str:
        """What is playing, for the simulator's records (``WaveFile('/boing.wav')``)."""
        return type(self).__name__

    def played_by(self, player: AudioPlayer | None) -> None:
        """Told which player reads it (or None when it stops): a mixer asks that player to
        catch up before it answers ``playing``."""
        return None


class AudioPlayer(Implementation):
    """An audio output: plays one stream at a time in the background."""

    @abc.abstractmethod
    def play(self, stream: SampleStream, loop: bool) -> None:
        """Start ``stream`` from its first frame, stopping what was playing."""

    @abc.abstractmethod
    def stop(self) -> None: ...

    @abc.abstractmethod
    def pause(self) -> None: ...

    @abc.abstractmethod
    def resume(self) -> None: ...

    @property
    @abc.abstractmethod
    def playing(self) -> bool:
        """True from ``play`` until the stream ends (never, when looping) or ``stop``."""

    @property
    @abc.abstractmethod
    def paused(self) -> bool: ...

    def catch_up(self) -> None:
        """Bring playback up to now (a port whose hardware plays by itself has nothing to do)."""
