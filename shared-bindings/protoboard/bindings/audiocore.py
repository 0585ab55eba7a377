"""Support for audio samples

Audio samples a board plays: `RawSample` (samples in memory) and `WaveFile` (a ``.wav`` file
read a little at a time while it plays). Play them with `audioio.AudioOut`,
`audiopwmio.PWMAudioOut`, `audiobusio.I2SOut` or mix them with `audiomixer.Mixer`.

On the simulated board, a ``Speaker`` part on the output pin (or an ``I2SAmplifier`` on an I2S
bus) records what plays: see "Sound on the simulator" in the docs.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import struct
from array import array
from typing import Any, BinaryIO, cast

from protoboard.bindings import _audio, _enum, _validate
from protoboard.hal.audiocore import SampleStream as _SampleStream

#: a bytearray's or bytes' buffer format
_BYTE_FORMATS = {"B": (8, False), "b": (8, True), "h": (16, True), "H": (16, False)}
#: frames read from a file at a time (a board reads 256-byte halves; we read more for speed)
_FILE_CHUNK_FRAMES = 2048


def _eio() -> OSError:
    return OSError(errno.EIO, os.strerror(errno.EIO))


class _Deinitable:
    __slots__ = ("_stream_obj",)

    _stream_obj: _SampleStream | None

    def _live(self) -> _SampleStream:
        stream = self._stream_obj
        if stream is None:
            _validate.raise_deinited()
        return stream

    def _audio_stream(self) -> _SampleStream:
        return self._live()

    def deinit(self) -> None:
        """Deinitialises the sample and releases any hardware resources for reuse."""
        self._stream_obj = None

    def __enter__(self) -> Any:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    @property
    def sample_rate(self) -> int:
        """32 bit value that dictates how quickly samples are played in Hertz (cycles per
        second). When the sample is looped, this can change the pitch output without changing
        the underlying sample. This will not change the sample rate of any active playback.
        Call ``play`` again to change it."""
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


class _RawStream(_SampleStream):
    def __init__(self, view: memoryview, bits: int, signed: bool, channels: int, rate: int):
        self.view = view
        self.bits_per_sample = bits
        self.samples_signed = signed
        self.channel_count = channels
        self.sample_rate = rate
        self.frame_bytes: int = bits // 8 * channels
        self.position = 0  # in bytes

    def read(self, frames: int) -> array[int]:
        end = min(self.position + frames * self.frame_bytes, len(self.view))
        end -= (end - self.position) % self.frame_bytes
        chunk = self.view[self.position : end]
        self.position = end
        return array("h", _audio.to_s16(chunk, self.bits_per_sample, self.samples_signed))

    def skip(self, frames: int) -> int:
        left = (len(self.view) - self.position) // self.frame_bytes
        moved = min(frames, left)
        self.position += moved * self.frame_bytes
        return moved

    def reset(self) -> None:
        self.position = 0

    def describe(self) -> str:
        return f"RawSample({len(self.view) // self.frame_bytes} frames)"


class RawSample(_Deinitable):
    """A raw audio sample buffer in memory"""

    __slots__ = ()

    def __init__(
        self,
        buffer: Any,
        *,
        channel_count: int = 1,
        sample_rate: int = 8000,
        single_buffer: bool = True,
    ) -> None:
        """Create a RawSample based on the given buffer of values. If channel_count is more
        than 1 then each channel's samples should alternate. In other words, for a two channel
        buffer, the first sample will be for channel 1, the second sample will be for channel
        two, the third for channel 1 and so on.

        :param ~circuitpython_typing.ReadableBuffer buffer: A buffer with samples
        :param int channel_count: The number of channels in the buffer
        :param int sample_rate: The desired playback sample rate
        :param bool single_buffer: Selects single buffered or double buffered transfer mode.
            Double buffered (``False``) lets the buffer be changed while it plays."""
        self._stream_obj = None
        try:
            view = memoryview(buffer)
        except TypeError:
            raise TypeError(
                f"object with buffer protocol required, not {_validate.type_name(buffer)}"
            ) from None
        if view.format not in _BYTE_FORMATS:
            raise ValueError("buffer must be a bytearray or array of type 'h', 'H', 'b', or 'B'")
        bits, signed = _BYTE_FORMATS[view.format]
        channels = _validate.to_int(channel_count, "channel_count")
        rate = _validate.to_int(sample_rate, "sample_rate")
        raw = view.cast("B") if view.ndim == 1 else view.tobytes()
        if not single_buffer and len(raw) % (bits // 8 * channels * 2) != 0:
            raise ValueError(
                "Length of buffer must be an even multiple of channel_count * type_size"
            )
        if channels < 1:  # Protoboard's own check: CircuitPython divides by it
            raise ValueError("channel_count must be >= 1")
        self._stream_obj = _RawStream(memoryview(raw), bits, signed, channels, rate)


class _WaveStream(_SampleStream):
    """A WAV file's data chunk, read ``_FILE_CHUNK_FRAMES`` frames at a time (never whole)."""

    def __init__(self, file: BinaryIO, name: str) -> None:
        self.file = file
        self.name = name
        header = file.read(16)
        if len(header) != 16 or header[:4] != b"RIFF" or header[8:16] != b"WAVEfmt ":
            raise _validate.invalid("file")
        size_bytes = file.read(4)
        if len(size_bytes) != 4 or (format_size := struct.unpack("<I", size_bytes)[0]) > 40:
            raise ValueError("Invalid format chunk size")
        fmt = file.read(format_size).ljust(40, b"\0")
        audio_format, channels, rate, _, _, bits, extra, valid_bits = struct.unpack_from(
            "<HHIIHHHH", fmt
        )
        extended_format = struct.unpack_from("<H", fmt, 24)[0]
        if (
            (format_size != 40 and audio_format != 1)
            or channels > 2
            or bits > 16
            or (format_size == 18 and extra != 0)
            or (
                format_size == 40
                and (audio_format != 0xFFFE or extended_format != 1 or valid_bits != bits)
            )
            # A board would play these as noise or divide by zero; refuse them as unsupported.
            or bits not in (8, 16)
            or channels == 0
        ):
            raise ValueError("Format not supported")
        self.sample_rate = rate
        self.channel_count = channels
        self.bits_per_sample = bits
        self.samples_signed = bits > 8
        self.frame_bytes: int = bits // 8 * channels
        while True:  # skip chunks up to "data"
            tag = file.read(4)
            length = file.read(4)
            if len(tag) != 4 or len(length) != 4:
                raise _eio()
            chunk_length = struct.unpack("<I", length)[0]
            if tag == b"data":
                break
            file.seek(chunk_length, io.SEEK_CUR)
        self.data_start = file.tell()
        self.data_length: int = chunk_length - chunk_length % self.frame_bytes
        self.position = 0

    def read(self, frames: int) -> array[int]:
        want = min(frames * self.frame_bytes, self.data_length - self.position)
        data = self.file.read(want) if want > 0 else b""
        data = data[: len(data) - len(data) % self.frame_bytes]
        # A truncated file ends where its bytes end, as a board's f_read does.
        self.position = self.data_length if len(data) < want else self.position + len(data)
        return array("h", _audio.to_s16(data, self.bits_per_sample, self.samples_signed))

    def skip(self, frames: int) -> int:
        moved = min(frames, (self.data_length - self.position) // self.frame_bytes)
        self.position += moved * self.frame_bytes
        self.file.seek(self.data_start + self.position)
        return moved

    def reset(self) -> None:
        self.position = 0
        self.file.seek(self.data_start)

    def describe(self) -> str:
        return f"WaveFile({self.name!r})"


def _open_binary(file: Any) -> tuple[BinaryIO, str]:
    """A path opened ``rb`` (a drive path, as the program's ``open`` sees it) or a file the
    program opened in byte mode; CircuitPython's TypeError for anything else."""
    if isinstance(file, str):
        opened: BinaryIO = builtins.open(file, "rb")
        return opened, file
    if isinstance(file, io.TextIOBase) or not (
        isinstance(file, io.BufferedIOBase | io.RawIOBase) and file.readable()
    ):
        raise TypeError("file must be a file opened in byte mode")
    return cast(BinaryIO, file), str(getattr(file, "name", "<file>"))


def _check_buffer(buffer: Any) -> None:
    """The optional decode buffer: writable, 8-1024 bytes (we do not need it to decode)."""
    view = _validate.buffer_slice(buffer, 0, _validate.MAXSIZE, "buffer", writable=True)
    if not 8 <= len(view) <= 1024:
        raise ValueError("buffer length must be 8-1024")


class WaveFile(_Deinitable):
    """Load a wave file for audio playback

    A .wav file prepped for audio playback. Only mono and stereo files are supported. Samples
    must be 8 bit unsigned or 16 bit signed. If a buffer is provided, it will be used instead
    of allocating an internal buffer, which can prevent memory fragmentation."""

    __slots__ = ()

    def __init__(self, file: str | BinaryIO, buffer: Any = None) -> None:
        """Load a .wav file for playback with `audioio.AudioOut` or `audiobusio.I2SOut`.

        :param Union[str, typing.BinaryIO] file: The name of a wave file (preferred) or an
            already opened wave file
        :param ~circuitpython_typing.WriteableBuffer buffer: Optional pre-allocated buffer,
            that will be split in half and used for double-buffering of the data. The buffer
            must be 8 to 1024 bytes long.

        Playing a wave file from flash::

          import board
          import audiocore
          import audioio
          import digitalio

          # Required for CircuitPlayground Express
          speaker_enable = digitalio.DigitalInOut(board.SPEAKER_ENABLE)
          speaker_enable.switch_to_output(value=True)

          wav = audiocore.WaveFile("cplay-5.1-16bit-16khz.wav")
          a = audioio.AudioOut(board.A0)

          print("playing")
          a.play(wav)
          while a.playing:
            pass
          print("stopped")"""
        self._stream_obj = None
        if buffer is not None:
            _check_buffer(buffer)
        handle, name = _open_binary(file)
        try:
            handle.seek(0)
            self._stream_obj = _WaveStream(handle, name)
        except BaseException:
            if isinstance(file, str):
                handle.close()
            raise


_enum.publish("audiocore", RawSample, WaveFile)
