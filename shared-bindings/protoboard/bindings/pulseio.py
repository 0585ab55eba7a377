"""Support for individual pulse based protocols

The `pulseio` module contains classes to provide access to basic pulse IO.
Individual pulses are commonly used in infrared remotes and in DHT
temperature sensors.

All classes change hardware state and should be deinitialized when they
are no longer needed if the program continues after use. To do so, either
call :py:meth:`!deinit` or use a context manager.

On the simulated board, timed parts put pulses on a pin (an ``HCSR04``'s echo, a ``DHT22``'s
answer, an ``IRRemote``'s frames): `PulseIn` measures them exactly, from the times the part set
the edges, however busy the computer is. What `PulseOut` sends is in the pin's history.
"""

from __future__ import annotations

import array
from typing import Any

from protoboard.bindings import _enum, _errors, _peripheral, _validate
from protoboard.hal import pulseio as hal


class PulseIn(_peripheral.Peripheral[hal.PulseIn]):
    """Measure a series of active and idle pulses. This is commonly used in infrared receivers
    and low cost temperature sensors (DHT). The pulsed signal consists of timed active and
    idle periods. Unlike PWM, there is no set duration for active and idle pairs."""

    __slots__ = ("_maxlen",)

    def __init__(self, pin: Any, maxlen: int = 2, *, idle_state: bool = False) -> None:
        """Create a PulseIn object associated with the given pin. The object acts as
        a read-only sequence of pulse lengths with a given max length. When it is
        active, new pulse lengths are added to the end of the list. When there is
        no more room (len() == `maxlen`) the oldest pulse length is removed to
        make room.

        :param ~microcontroller.Pin pin: Pin to read pulses from.
        :param int maxlen: Maximum number of pulse durations to store at once
        :param bool idle_state: Idle state of the pin. At start and after `resume`
          the first recorded pulse will the opposite state from idle.

        Read a short series of pulses::

          import pulseio
          import board

          pulses = pulseio.PulseIn(board.D7)

          # Wait for an active pulse
          while len(pulses) == 0:
              pass
          # Pause while we do something with the pulses
          pulses.pause()

          # Print the pulses. pulses[0] is an active pulse unless the length
          # reached max length and idle pulses are recorded.
          print(pulses)

          # Clear the rest
          pulses.clear()

          # Resume with an 80 microsecond active pulse
          pulses.resume(80)"""
        _validate.free_pin(pin, "pin")
        self._maxlen = _validate.int_range(maxlen, 1, 0xFFFF, "maxlen")
        self._claim(pin)
        self._build(hal.PulseIn, pin._id, self._maxlen, bool(idle_state))

    def deinit(self) -> None:
        """Deinitialises the PulseIn and releases any hardware resources for reuse."""
        super().deinit()

    def __enter__(self) -> PulseIn:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    def pause(self) -> None:
        """Pause pulse capture"""
        self._checked().pause()

    def resume(self, trigger_duration: int = 0) -> None:
        """Resumes pulse capture after an optional trigger pulse.

        .. warning:: Using trigger pulse with a device that drives both high and
          low signals risks a short. Make sure your device is open drain (only
          drives low) when using a trigger pulse. You most likely added a
          "pull-up" resistor to your circuit to do this.

        :param int trigger_duration: trigger pulse duration in microseconds"""
        impl = self._checked()
        duration = _validate.int_range(trigger_duration, 0, 0xFFFF, "trigger_duration")
        with _errors.translate():
            impl.resume(duration)

    def clear(self) -> None:
        """Clears all captured pulses"""
        self._checked().clear()

    def popleft(self) -> int:
        """Removes and returns the oldest read pulse duration in microseconds."""
        impl = self._checked()
        with _errors.translate():
            if not impl.pulses():
                raise IndexError("pop from empty PulseIn")
            return impl.popleft()

    @property
    def maxlen(self) -> int:
        """The maximum length of the PulseIn. When len() is equal to maxlen,
        it is unclear which pulses are active and which are idle."""
        self._checked()
        return self._maxlen

    @property
    def paused(self) -> bool:
        """True when pulse capture is paused as a result of :py:func:`pause` or an error during
        capture such as a signal that is too fast."""
        return self._checked().paused

    def __bool__(self) -> bool:
        return len(self) > 0

    def __len__(self) -> int:
        """Returns the number of pulse durations currently stored.

        This allows you to::

          pulses = pulseio.PulseIn(pin)
          print(len(pulses))"""
        impl = self._checked()
        with _errors.translate():
            return len(impl.pulses())

    def __getitem__(self, index: int) -> int | None:
        """Returns the value at the given index or values in slice.

        This allows you to::

          pulses = pulseio.PulseIn(pin)
          print(pulses[0])"""
        impl = self._checked()
        if isinstance(index, slice):
            raise NotImplementedError("Slices not supported")
        position = _validate.to_int(index, "index")
        with _errors.translate():
            stored = impl.pulses()
        if position < 0:
            position += len(stored)
        if not 0 <= position < len(stored):
            raise IndexError("PulseIn index out of range")
        return stored[position]

    def __repr__(self) -> str:
        return "<PulseIn>"


def _halfwords(pulses: Any) -> list[int]:
    """``send``'s argument: an ``array.array('H')`` on a board (other buffers are refused)."""
    if isinstance(pulses, array.array):
        if pulses.typecode != "H":
            raise TypeError("Array must contain halfwords (type 'H')")
        return list(pulses)
    try:
        view = memoryview(pulses)
    except TypeError:
        raise TypeError(
            f"object with buffer protocol required, not {_validate.type_name(pulses)}"
        ) from None
    if view.format != "H":
        raise TypeError("Array must contain halfwords (type 'H')")
    return list(view.cast("B").cast("H"))


class PulseOut(_peripheral.Peripheral[hal.PulseOut]):
    """Pulse PWM-modulated "carrier" output on and off. This is commonly used in infrared
    remotes. The pulsed signal consists of timed on and off periods. Unlike `pwmio.PWMOut`,
    there is no set duration for on and off pairs."""

    __slots__ = ()

    def __init__(self, pin: Any, *, frequency: int = 38000, duty_cycle: int = 1 << 15) -> None:
        """Create a PulseOut object associated with the given pin.

        :param ~microcontroller.Pin pin: Signal output pin
        :param int frequency: Carrier signal frequency in Hertz
        :param int duty_cycle: 16-bit duty cycle of carrier frequency (0 - 65536)

        Send a short series of pulses::

          import array
          import pulseio
          import board

          # 50% duty cycle at 38kHz.
          pulse = pulseio.PulseOut(board.LED, frequency=38000, duty_cycle=32768)
          #                             on   off     on    off    on
          pulses = array.array('H', [65000, 1000, 65000, 65000, 1000])
          pulse.send(pulses)

          # Modify the array of pulses.
          pulses[0] = 200
          pulse.send(pulses)"""
        _validate.free_pin(pin, "pin")
        # the carrier is a PWMOut on the pin: the same checks as pwmio.PWMOut
        duty = _validate.to_int(duty_cycle, "duty_cycle") & 0xFFFF
        hertz = _validate.to_int(frequency, "frequency")
        if hertz <= 0:
            raise _validate.invalid("frequency")
        self._claim(pin)
        self._build(hal.PulseOut, pin._id, hertz, duty)

    def deinit(self) -> None:
        """Deinitialises the PulseOut and releases any hardware resources for reuse."""
        super().deinit()

    def __enter__(self) -> PulseOut:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    def send(self, pulses: Any) -> None:
        """Pulse alternating on and off durations in microseconds starting with on.
        ``pulses`` must be an `array.array` with data type 'H' for unsigned
        halfword (two bytes).

        This method waits until the whole array of pulses has been sent and
        ensures the signal is off afterwards.

        :param array.array pulses: pulse durations in microseconds"""
        impl = self._checked()
        durations = _halfwords(pulses)
        with _errors.translate():
            impl.send(durations)


_enum.publish("pulseio", PulseIn, PulseOut)
