"""Support for audio input and output over digital buses

The `audiobusio` module contains classes to provide access to audio IO over digital buses:
`I2SOut` sends audio to an I2S amplifier or DAC chip, `PDMIn` records from a PDM microphone.

On the simulated board an ``I2SAmplifier`` part on the I2S pins records what plays, and a
``Microphone`` part on the PDM pins is what `PDMIn` hears (a tone, noise or a WAV file you give
it)."""

from __future__ import annotations

import io
from array import array
from typing import Any

from protoboard.bindings import _audio, _enum, _peripheral, _validate
from protoboard.hal import audiobusio as hal


class I2SOut(_audio.Player):
    """Output an I2S audio signal"""

    __slots__ = ()

    def __init__(
        self,
        bit_clock: Any,
        word_select: Any,
        data: Any,
        *,
        main_clock: Any = None,
        left_justified: bool = False,
        external_clock: bool = False,
    ) -> None:
        """Create a I2SOut object associated with the given pins.

        :param ~microcontroller.Pin bit_clock: The bit clock (or serial clock) pin
        :param ~microcontroller.Pin word_select: The word select (or left/right clock) pin
        :param ~microcontroller.Pin data: The data pin
        :param ~microcontroller.Pin main_clock: The main clock pin
        :param bool left_justified: True when data bits are aligned with the word select clock.
            False when they are shifted by one to match classic I2S protocol.
        :param bool external_clock: True when the bit clock and word select come from outside
            (the pins are then only read, and may be shared).

        Simple 8ksps 440 Hz sine wave on `Metro M0 Express <https://www.adafruit.com/product/3505>`_
        using `UDA1334 Breakout <https://www.adafruit.com/product/3678>`_::

          import audiobusio
          import audiocore
          import board
          import array
          import time
          import math

          # Generate one period of sine wave.
          length = 8000 // 440
          sine_wave = array.array("H", [0] * length)
          for i in range(length):
              sine_wave[i] = int(math.sin(math.pi * 2 * i / length) * (2 ** 15) + 2 ** 15)

          sine_wave = audiocore.RawSample(sine_wave, sample_rate=8000)
          i2s = audiobusio.I2SOut(board.D1, board.D0, board.D9)
          i2s.play(sine_wave, loop=True)
          time.sleep(1)
          i2s.stop()"""
        if external_clock:
            clock = _validate.pin(bit_clock, "bit_clock")
            select = _validate.pin(word_select, "word_select")
        else:
            clock = _validate.free_pin(bit_clock, "bit_clock")
            select = _validate.free_pin(word_select, "word_select")
        out = _validate.free_pin(data, "data")
        main = None if main_clock is None else _validate.free_pin(main_clock, "main_clock")
        _validate.unique_pins([p for p in (clock, select, out, main) if p is not None], "pins")
        owned = (out, main) if external_clock else (clock, select, out, main)
        self._claim(*owned)
        self._build(
            hal.I2SOut,
            clock._id,
            select._id,
            out._id,
            main._id if main is not None else None,
            bool(left_justified),
        )

    def deinit(self) -> None:
        """Deinitialises the I2SOut and releases any hardware resources for reuse."""
        super().deinit()

    def __enter__(self) -> I2SOut:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()


class PDMIn(_peripheral.Peripheral[hal.PDMIn]):
    """Record an input PDM audio stream"""

    __slots__ = ("_bit_depth",)

    def __init__(
        self,
        clock_pin: Any,
        data_pin: Any,
        *,
        sample_rate: int = 16000,
        bit_depth: int = 8,
        mono: bool = True,
        oversample: int = 64,
        startup_delay: float = 0.11,
    ) -> None:
        """Create a PDMIn object associated with the given pins. This allows you to record
        audio signals from the given pins. Individual ports may put further restrictions on
        the recording parameters. The overall sample rate is determined by `sample_rate` x
        ``oversample``, and the total must be 1MHz or higher, so `sample_rate` must be a
        minimum of 16000.

        :param ~microcontroller.Pin clock_pin: The pin to output the clock to
        :param ~microcontroller.Pin data_pin: The pin to read the data from
        :param int sample_rate: Target sample_rate of the resulting samples. Check `sample_rate`
            for actual value. Minimum sample_rate is about 16000 Hz.
        :param int bit_depth: Final number of bits per sample. Must be divisible by 8
        :param bool mono: True when capturing a single channel of audio, captures two channels
            otherwise
        :param int oversample: Number of single bit samples to decimate into a final sample.
            Must be divisible by 8
        :param float startup_delay: seconds to wait after starting the clock for the
            microphone to warm up (0.0 to 1.0)

        Record 8-bit unsigned samples to buffer::

          import audiobusio
          import board

          # Prep a buffer to record into
          b = bytearray(200)
          with audiobusio.PDMIn(
              board.MICROPHONE_CLOCK, board.MICROPHONE_DATA, sample_rate=16000
          ) as mic:
              mic.record(b, len(b))"""
        clock = _validate.free_pin(clock_pin, "clock_pin")
        data = _validate.free_pin(data_pin, "data_pin")
        rate = _validate.to_int(sample_rate, "sample_rate")
        depth = _validate.to_int(bit_depth, "bit_depth")
        if depth % 8 != 0:
            raise ValueError("bit_depth must be multiple of 8.")
        over = _validate.to_int(oversample, "oversample")
        if over % 8 != 0:
            raise ValueError("oversample must be multiple of 8.")
        _validate.float_range(startup_delay, 0.0, 1.0, "startup_delay")
        if depth not in (8, 16):  # the bit depths CircuitPython's ports implement
            raise ValueError("bit_depth must be 8 or 16")
        if rate < 1:
            raise ValueError("sample_rate must be >= 1")
        self._bit_depth = depth
        self._claim(clock, data)
        self._build(hal.PDMIn, clock._id, data._id, rate, over)

    def deinit(self) -> None:
        """Deinitialises the PDMIn and releases any hardware resources for reuse."""
        super().deinit()

    def __enter__(self) -> PDMIn:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    def record(self, destination: Any, destination_length: int) -> int:
        """Records destination_length bytes of samples to destination. This is blocking.

        An IOError may be raised when the destination is too slow to record the audio at the
        given rate. For internal flash, writing all 1s to the file before recording is
        recommended to speed up writes.

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
        fmt = memoryview(destination).format
        item = 2 if fmt in ("H", "h") else 1
        if len(view) // item < length:
            raise ValueError("Destination capacity is smaller than destination_length.")
        if self._bit_depth == 16 and fmt != "H":
            raise ValueError("destination buffer must be an array of type 'H' for bit_depth = 16")
        if self._bit_depth == 8 and fmt != "B":
            raise ValueError(
                "destination buffer must be a bytearray or array of type 'B' for bit_depth = 8"
            )
        samples = impl.record(length)
        # Signed 16-bit to the unsigned samples a board gives (silence in the middle).
        if self._bit_depth == 16:
            out = array("H", bytes(len(samples) * 2))
            for index, value in enumerate(samples):
                out[index] = value + 0x8000
            memoryview(destination).cast("B")[: 2 * len(out)] = memoryview(out).cast("B")
        else:
            view[: len(samples)] = bytes((value + 0x8000) >> 8 for value in samples)
        return len(samples)

    @property
    def sample_rate(self) -> int:
        """The actual sample_rate of the recording. This may not match the constructed
        sample rate due to internal clock limitations."""
        return self._checked().sample_rate


_enum.publish("audiobusio", I2SOut, PDMIn)
