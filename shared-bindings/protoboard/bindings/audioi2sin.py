"""Support for recording audio from an I2S input source.

The `audioi2sin` module contains the `I2SIn` class for recording audio from an external I2S
source such as a MEMS microphone (e.g. SPH0645LM4H or INMP441). An `I2SIn` is also an audio
sample: play it through `audiobusio.I2SOut` or an `audiomixer.Mixer` to hear the microphone live.

On the simulated board an ``I2SMicrophone`` part on the data pin is what `I2SIn` hears (a tone,
noise or a WAV file you give it); two of them, left and right, make a stereo pair."""

from __future__ import annotations

import io
from array import array
from typing import Any

from protoboard.bindings import _enum, _peripheral, _validate
from protoboard.hal import audioi2sin as hal
from protoboard.hal.audiocore import SampleStream as _SampleStream

_DEPTHS = (8, 16, 24, 32)
#: the array typecode holding samples of a width, (signed, unsigned)
_TYPECODES = {8: ("b", "B"), 16: ("h", "H"), 24: ("i", "I"), 32: ("i", "I")}


def _depth(value: Any, name: str) -> int:
    depth = _validate.to_int(value, name)
    if depth not in _DEPTHS:
        raise ValueError(f"{name} must be 8, 16, 24, or 32")
    return depth


def _to_bus(samples: array[int], bus: int) -> list[int]:
    """Signed 16-bit samples as the microphone puts them on a ``bus``-bit slot."""
    if bus == 8:
        return [v >> 8 for v in samples]
    return [v << (bus - 16) for v in samples]


def _rescale(values: list[int], bus: int, out: int) -> list[int]:
    """``output_bit_depth``: narrowing shifts right keeping the sign; widening repeats the bits
    (of the offset-binary value) so full scale stays full scale, as CircuitPython does."""
    if out == bus:
        return values
    if out < bus:
        return [v >> (bus - out) for v in values]
    half_in, half_out = 1 << (bus - 1), 1 << (out - 1)
    result = []
    for v in values:
        u = v + half_in
        wide, bits = 0, 0
        while bits < out:
            wide = (wide << bus) | u
            bits += bus
        result.append((wide >> (bits - out)) - half_out)
    return result


class _LiveStream(_SampleStream):
    """The microphone as a sample: what an output player pulls, on its own clock."""

    def __init__(self, owner: I2SIn, impl: hal.I2SIn) -> None:
        self._owner = owner
        self._impl = impl
        self.sample_rate = owner._rate
        self.channel_count = owner._channels
        self.bits_per_sample = owner._out_depth
        self.samples_signed = owner._signed

    def read(self, frames: int) -> array[int]:
        if self._owner._impl is not self._impl:  # deinit while playing: the line goes quiet
            return array("h", bytes(2 * frames * self.channel_count))
        samples = self._impl.listen(frames)
        if self._owner._bit_depth == 8 or self.bits_per_sample == 8:
            return array("h", [(v >> 8) << 8 for v in samples])  # what 8 bits keep
        return samples

    def reset(self) -> None:
        if self._owner._impl is self._impl:
            self._impl.restart()

    def describe(self) -> str:
        return f"I2SIn({self.sample_rate} Hz)"


class I2SIn(_peripheral.Peripheral[hal.I2SIn]):
    """Record an input I2S audio stream from an external I2S source such as a MEMS microphone."""

    __slots__ = ("_bit_depth", "_channels", "_out_depth", "_rate", "_signed")

    def __init__(
        self,
        bit_clock: Any,
        word_select: Any,
        data: Any,
        *,
        main_clock: Any = None,
        sample_rate: int = 16000,
        bit_depth: int = 16,
        output_bit_depth: int | None = None,
        mono: bool = True,
        left_justified: bool = False,
        samples_signed: bool = True,
        external_clock: bool = False,
    ) -> None:
        """Create an I2SIn object associated with the given pins. This allows you to
        record audio signals from an external I2S source (e.g. an I2S MEMS microphone
        like the SPH0645LM4H or INMP441).

        :param ~microcontroller.Pin bit_clock: The bit clock (or serial clock) pin
        :param ~microcontroller.Pin word_select: The word select (or left/right clock) pin
        :param ~microcontroller.Pin data: The data input pin
        :param ~microcontroller.Pin main_clock: The main clock pin. Not all ports support this.
        :param int sample_rate: Target sample rate of the resulting samples.
        :param int bit_depth: Number of bits per sample on the I2S bus: 8, 16, 24, or 32.
          The destination buffer of `record` has typecode ``'b'``/``'B'`` (or is a bytearray)
          for 8 bits, ``'h'``/``'H'`` for 16 and ``'i'``/``'I'`` for 24 or 32 (signed/unsigned,
          see ``samples_signed``), at ``output_bit_depth`` when that is given.
        :param int output_bit_depth: If set, recorded samples are rescaled from ``bit_depth``
          to this width (8, 16, 24, or 32): widening repeats the bits so full scale stays full
          scale, narrowing shifts right keeping the sign.
        :param bool mono: True when capturing a single channel of audio (the left slot),
          captures two channels otherwise.
        :param bool left_justified: True when data bits are aligned with the word select clock.
          False when they are shifted by one to match classic I2S protocol.
        :param bool samples_signed: Samples are signed (True) or unsigned (False, the top bit
          flipped, as WAV files keep unsigned samples).
        :param bool external_clock: True when ``bit_clock`` and ``word_select`` are driven by
          something else (an `audiobusio.I2SOut`, a codec): they are then only read, and may
          be shared.

        Record 16-bit mono samples from an INMP441::

          import array
          import audioi2sin
          import board

          buf = array.array("h", [0] * 16000)
          with audioi2sin.I2SIn(board.D9, board.D10, board.D11,
                                 sample_rate=16000, bit_depth=16) as mic:
              mic.record(buf, len(buf))"""
        if external_clock:
            clock = _validate.pin(bit_clock, "bit_clock")
            select = _validate.pin(word_select, "word_select")
        else:
            clock = _validate.free_pin(bit_clock, "bit_clock")
            select = _validate.free_pin(word_select, "word_select")
        pin_in = _validate.free_pin(data, "data")
        main = None if main_clock is None else _validate.free_pin(main_clock, "main_clock")
        rate = _validate.to_int(sample_rate, "sample_rate")
        depth = _depth(bit_depth, "bit_depth")
        out = depth if output_bit_depth is None else _depth(output_bit_depth, "output_bit_depth")
        if rate < 1:
            raise ValueError("sample_rate must be >= 1")
        _validate.unique_pins([p for p in (clock, select, pin_in, main) if p is not None], "pins")
        self._rate = rate
        self._bit_depth = depth
        self._out_depth = out
        self._channels = 1 if mono else 2
        self._signed = bool(samples_signed)
        del left_justified  # the slot alignment: the simulated microphone follows either
        owned = (pin_in, main) if external_clock else (clock, select, pin_in, main)
        self._claim(*owned)
        self._build(
            hal.I2SIn,
            None if external_clock else clock._id,
            None if external_clock else select._id,
            pin_in._id,
            main._id if main is not None else None,
            rate,
            self._channels,
        )

    def deinit(self) -> None:
        """Deinitialises the I2SIn and releases any hardware resources for reuse."""
        super().deinit()

    def __enter__(self) -> I2SIn:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    def record(self, destination: Any, destination_length: int) -> int:
        """Records destination_length samples to destination. This is blocking.

        :return: The number of samples recorded. If this is less than ``destination_length``,
          some samples were missed due to processing time."""
        impl = self._checked()
        length = _validate.to_int(destination_length, "length")
        if length < 0:
            raise ValueError("length length must be >= 0")
        if isinstance(destination, io.IOBase):
            raise NotImplementedError("Cannot record to a file")
        view = _validate.buffer_slice(
            destination, 0, _validate.MAXSIZE, "destination", writable=True
        )
        fmt = _validate.memoryview_of(destination).format
        item = array(fmt).itemsize if fmt in "bBhHiIlLqQfd" and len(fmt) == 1 else 1
        if len(view) // item < length:
            raise ValueError("Destination capacity is smaller than destination_length.")
        wanted = _TYPECODES[self._out_depth][0 if self._signed else 1]
        accepted = fmt == wanted or (self._out_depth == 8 and isinstance(destination, bytearray))
        if not accepted:
            raise TypeError(f"invalid destination buffer, must be an array of type: {wanted}")
        frames = -(-length // self._channels)  # a stereo frame is two samples
        out = self._out_depth
        bus = _to_bus(impl.record(frames), self._bit_depth)
        values = _rescale(bus, self._bit_depth, out)[:length]
        if not self._signed:
            half = 1 << (out - 1)
            values = [v + half for v in values]
        packed = array(wanted, values)
        view[: len(packed) * packed.itemsize] = memoryview(packed).cast("B")
        return len(values)

    @property
    def sample_rate(self) -> int:
        """The configured (nominal) sample rate, in Hz. This is the rate reported to the audio
        pipeline so it matches the output/consumer it is played into."""
        self._checked()
        return self._rate

    @property
    def bits_per_sample(self) -> int:
        """The number of bits per sample as it is streamed through the audio pipeline.
        (read-only)"""
        self._checked()
        return self._out_depth

    @property
    def channel_count(self) -> int:
        """The number of channels (1 for mono, 2 for stereo). (read-only)"""
        self._checked()
        return self._channels

    @property
    def bit_depth(self) -> int:
        """The actual bit depth of the recording. (read-only)"""
        self._checked()
        return self._bit_depth

    @property
    def samples_signed(self) -> bool:
        """True if recorded samples are signed PCM, False for unsigned. (read-only)"""
        self._checked()
        return self._signed

    @property
    def overflow(self) -> bool:
        """True if samples were dropped because they were not read fast enough, since the last
        time this was checked. (read-only) The simulated microphone is read on demand, so it
        never drops samples: False."""
        self._checked()
        return False

    def _audio_stream(self) -> _SampleStream:
        impl = self._checked()
        # The audio pipeline carries 8- or 16-bit samples only.
        if self._out_depth not in (8, 16):
            raise ValueError("output_bit_depth must be 8 or 16")
        stream = _LiveStream(self, impl)
        impl.restart()
        return stream


_enum.publish("audioi2sin", I2SIn)
