"""Audio output via digital PWM

The `audiopwmio` module plays audio samples as a fast PWM signal on a pin, in the background,
for boards without a DAC. A low-pass filter (or the speaker itself) turns the pulses into sound.

On the simulated board any PWM pin can play; a ``Speaker`` part on it records what plays
(``sim.add("Speaker", pin="D5")``)."""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _audio, _enum
from protoboard.hal import audiopwmio as hal


class PWMAudioOut(_audio.Player):
    """Output an analog audio signal by varying the PWM duty cycle."""

    __slots__ = ()

    def __init__(
        self, left_channel: Any, *, right_channel: Any = None, quiescent_value: int = 0x8000
    ) -> None:
        """Create a PWMAudioOut object associated with the given pin(s). This allows you to play
        audio signals out on the given pin(s). In contrast to :mod:`audioio`, the pin(s)
        specified are digital pins, and are driven with a device-dependent PWM signal.

        :param ~microcontroller.Pin left_channel: The pin to output the left channel to
        :param ~microcontroller.Pin right_channel: The pin to output the right channel to
        :param int quiescent_value: The output value when no signal is present. Samples should
            start and end with this value to prevent audible popping.

        Simple 8ksps 440 Hz sin wave::

          import audiocore
          import audiopwmio
          import board
          import array
          import time
          import math

          # Generate one period of sine wav.
          length = 8000 // 440
          sine_wave = array.array("H", [0] * length)
          for i in range(length):
              sine_wave[i] = int(math.sin(math.pi * 2 * i / length) * (2 ** 15) + 2 ** 15)

          dac = audiopwmio.PWMAudioOut(board.D5)
          sine_wave = audiocore.RawSample(sine_wave, sample_rate=8000)
          dac.play(sine_wave, loop=True)
          time.sleep(1)
          dac.stop()"""
        left, right = _audio.channel_pins(left_channel, right_channel)
        quiet = _audio.quiescent(quiescent_value)
        self._claim(left, right)
        self._build(hal.PWMAudioOut, left._id, right._id if right else None, quiet)

    def deinit(self) -> None:
        """Deinitialises the PWMAudioOut and releases any hardware resources for reuse."""
        super().deinit()

    def __enter__(self) -> PWMAudioOut:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()


_enum.publish("audiopwmio", PWMAudioOut)
