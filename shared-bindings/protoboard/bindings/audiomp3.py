"""Support for MP3-compressed audio files

`MP3Decoder` plays an MPEG-1/2 layer 3 file, decoded a frame at a time while it plays (the
file is never loaded whole).

Protoboard decodes with the ``miniaudio`` package (its dr_mp3 decoder), installed by
``pip install 'protoboard[audio]'``: no maintained pure-Python MP3 decoder exists. The file's
header is read without it, so ``sample_rate`` and a bad file's error do not need it."""

from __future__ import annotations

import io
import math
from array import array
from collections.abc import Generator
from typing import Any, BinaryIO

from protoboard.bindings import _enum, _validate
from protoboard.bindings.audiocore import _check_buffer, _open_binary
from protoboard.hal.audiocore import AudioPlayer as _AudioPlayer
from protoboard.hal.audiocore import SampleStream as _SampleStream

#: how far into a file we look for the first frame (after any ID3v2 tag)
_SYNC_SEARCH = 64 * 1024
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_FAILED = "Failed to parse MP3 file"
#: frames asked of the decoder at a time: miniaudio drops the frames of its last, partial read,
#: so a small read loses at most this much of a file's very end
_READ_FRAMES = 256
_NEEDS_MINIAUDIO = (
    "playing MP3 files on Protoboard needs the miniaudio package: pip install 'protoboard[audio]'"
)


def _id3_size(head: bytes) -> int:
    """Bytes an ID3v2 tag at the start takes (0 without one)."""
    if len(head) >= 10 and head[:3] == b"ID3":
        size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        return 10 + size + (10 if head[5] & 0x10 else 0)
    return 0


def _frame_header(data: bytes) -> tuple[int, int] | None:
    """(sample_rate, channels) of the first layer 3 frame header in ``data``, or None."""
    start = 0
    while (at := data.find(b"\xff", start)) != -1 and at + 4 <= len(data):
        b1, b2, b3 = data[at + 1], data[at + 2], data[at + 3]
        version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
        bitrate, rate = b2 >> 4, (b2 >> 2) & 3
        if (b1 & 0xE0) == 0xE0 and version != 1 and layer == 1 and rate != 3 and 0 < bitrate < 15:
            return _RATES[version][rate], 1 if (b3 >> 6) == 3 else 2
        start = at + 1
    return None


class _Source:
    """miniaudio reads the file through this (a bounded read at a time)."""

    def __init__(self, file: BinaryIO, start: int) -> None:
        self.file = file
        self.start = start

    def rewind(self) -> None:
        self.file.seek(self.start)

    def read(self, num_bytes: int) -> bytes:
        return self.file.read(num_bytes)


class _MP3Stream(_SampleStream):
    def __init__(self, file: BinaryIO, name: str) -> None:
        self.name = name
        self.bits_per_sample = 16
        self.samples_signed = True
        self.samples_decoded = 0
        self.rms_level = 0.0
        self.player: _AudioPlayer | None = None
        self._open(file)

    def played_by(self, player: _AudioPlayer | None) -> None:
        self.player = player

    def catch_up(self) -> None:
        """Decode up to now on the player, so the levels and counts are current."""
        if self.player is not None:
            self.player.catch_up()

    def _open(self, file: BinaryIO) -> None:
        file.seek(0)
        head = file.read(10)
        skip = _id3_size(head)
        file.seek(skip)
        found = _frame_header(file.read(_SYNC_SEARCH))
        if found is None:
            raise RuntimeError(_FAILED)
        self.sample_rate, self.channel_count = found
        self.file = file
        self.source = _Source(file, skip)
        self._frames: Generator[array[int], int, None] | None = None
        self._pending = array("h")
        self.samples_decoded = 0

    def _decoder(self) -> Generator[array[int], int, None]:
        try:
            import miniaudio
        except ImportError:
            raise RuntimeError(_NEEDS_MINIAUDIO) from None

        class Source(miniaudio.StreamableSource):  # type: ignore[misc]
            def read(inner, num_bytes: int) -> bytes:  # noqa: N805
                return self.source.read(num_bytes)

        self.source.rewind()
        frames: Generator[array[int], int, None] = miniaudio.stream_any(
            Source(),
            source_format=miniaudio.FileFormat.MP3,
            output_format=miniaudio.SampleFormat.SIGNED16,
            nchannels=self.channel_count,
            sample_rate=self.sample_rate,
            frames_to_read=_READ_FRAMES,
        )
        return frames

    def read(self, frames: int) -> array[int]:
        want = frames * self.channel_count
        if self._frames is None:
            self._frames = self._decoder()
            self._pending = array("h")
        while len(self._pending) < want:
            try:
                self._pending.extend(self._frames.send(_READ_FRAMES))
            except StopIteration:
                break
            except Exception as exc:
                raise RuntimeError(_FAILED) from exc
        out, self._pending = self._pending[:want], self._pending[want:]
        self.samples_decoded += len(out) // self.channel_count
        if out:
            self.rms_level = math.sqrt(sum(v * v for v in out[::8]) / len(out[::8])) / 32768
        return out

    def reset(self) -> None:
        self._frames = None
        self._pending = array("h")
        self.samples_decoded = 0

    def describe(self) -> str:
        return f"MP3Decoder({self.name!r})"


class MP3Decoder:
    """Load a mp3 file for audio playback

    .. note::

        When the ``file`` is a path, the decoder opens and closes it itself; ``open()`` it
        again with another path to change songs without a new decoder (less memory
        fragmentation on a board)."""

    __slots__ = ("_owned", "_stream_obj")

    def __init__(self, file: str | BinaryIO, buffer: Any = None) -> None:
        """Load a .mp3 file for playback with `audioio.AudioOut` or `audiobusio.I2SOut`.

        :param Union[str, typing.BinaryIO] file: The name of a mp3 file (preferred) or an
            already opened mp3 file
        :param ~circuitpython_typing.WriteableBuffer buffer: Optional pre-allocated buffer,
            that will be split in half and used for double-buffering of the data. If not
            provided, two buffers are allocated internally. The specific buffer size required
            depends on the mp3 file.

        Playing a mp3 file from flash::

          import board
          import audiomp3
          import audioio
          import digitalio

          # Required for CircuitPlayground Express
          speaker_enable = digitalio.DigitalInOut(board.SPEAKER_ENABLE)
          speaker_enable.switch_to_output(value=True)

          data = open("cplay-16bit-16khz-64kbps.mp3", "rb")
          mp3 = audiomp3.MP3Decoder(data)
          a = audioio.AudioOut(board.A0)

          print("playing")
          a.play(mp3)
          while a.playing:
            pass
          print("stopped")"""
        self._stream_obj: _MP3Stream | None = None
        self._owned: BinaryIO | None = None
        if buffer is not None:
            _check_buffer(buffer)
        self._load(file)

    def _load(self, file: Any) -> None:
        handle, name = _open_binary(file)
        try:
            stream = _MP3Stream(handle, name)
        except BaseException:
            if isinstance(file, str):
                handle.close()
            raise
        if self._owned is not None and self._owned is not handle:
            self._owned.close()
        self._owned = handle if isinstance(file, str) else None
        self._stream_obj = stream

    def _live(self) -> _MP3Stream:
        stream = self._stream_obj
        if stream is None:
            _validate.raise_deinited()
        return stream

    def _audio_stream(self) -> _SampleStream:
        return self._live()

    def deinit(self) -> None:
        """Deinitialises the MP3 and releases all memory resources for reuse."""
        self._stream_obj = None
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def __enter__(self) -> MP3Decoder:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    @property
    def file(self) -> BinaryIO:
        """File to play back."""
        return self._live().file

    @file.setter
    def file(self, value: BinaryIO) -> None:
        self._live()
        if isinstance(value, str) or not isinstance(value, io.IOBase):
            raise TypeError("file must be a file opened in byte mode")
        self._load(value)

    def open(self, filepath: str) -> None:
        """Takes in the name of a mp3 file, opens it, and replaces the old playback file."""
        self._live()
        self._load(_validate.of_type(filepath, str, "filepath"))

    @property
    def sample_rate(self) -> int:
        """32 bit value that dictates how quickly samples are loaded into the DAC in Hertz
        (cycles per second). When the sample is looped, this can change the pitch output
        without changing the underlying sample."""
        return self._live().sample_rate

    @sample_rate.setter
    def sample_rate(self, value: int) -> None:
        self._live().sample_rate = _validate.to_int(value, "sample_rate")

    @property
    def bits_per_sample(self) -> int:
        """Bits per sample. (read only)"""
        return self._live().bits_per_sample

    @property
    def channel_count(self) -> int:
        """Number of audio channels. (read only)"""
        return self._live().channel_count

    @property
    def rms_level(self) -> float:
        """Float value of the RMS level of the most recently decoded audio, 0.0 to 1.0.
        (read only)"""
        stream = self._live()
        stream.catch_up()
        return stream.rms_level

    @property
    def samples_decoded(self) -> int:
        """The number of audio samples decoded from the current file. (read only)"""
        stream = self._live()
        stream.catch_up()
        return stream.samples_decoded


_enum.publish("audiomp3", MP3Decoder)
