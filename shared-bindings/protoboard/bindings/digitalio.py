"""Basic digital pin support.

The ``digitalio`` module contains classes to provide access to basic digital IO.

All classes change hardware state and should be deinitialized when they are no longer needed if
the program continues after use. To do so, either call :py:meth:`!deinit` or use a context manager.

For example::

  import digitalio
  import board

  pin = digitalio.DigitalInOut(board.LED)
  print(pin.value)

This example will initialize the device, read :py:data:`~digitalio.DigitalInOut.value` and then
:py:meth:`~digitalio.DigitalInOut.deinit` the hardware.

Here is blinky::

  import time
  import digitalio
  import board

  led = digitalio.DigitalInOut(board.LED)
  led.direction = digitalio.Direction.OUTPUT
  while True:
      led.value = True
      time.sleep(0.1)
      led.value = False
      time.sleep(0.1)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from protoboard.bindings import _enum, _errors, _peripheral, _validate
from protoboard.hal import digitalio as hal
from protoboard.hal.errors import HalError as _HalError

if TYPE_CHECKING:
    from protoboard.bindings.microcontroller import Pin


class Direction(_enum.Constant):
    """Defines the direction of a digital pin"""

    __slots__ = ()
    INPUT: Direction
    """Read digital data in"""
    OUTPUT: Direction
    """Write digital data out"""


_enum.define(Direction, INPUT="input", OUTPUT="output")


class Pull(_enum.Constant):
    """Defines the pull of a digital input pin"""

    __slots__ = ()
    UP: Pull
    """When the input line isn't being driven the pull up can pull the state of the line high so
    it reads as true."""
    DOWN: Pull
    """When the input line isn't being driven the pull down can pull the state of the line low so
    it reads as false."""


_enum.define(Pull, UP=hal.Pull.UP, DOWN=hal.Pull.DOWN)


class DriveMode(_enum.Constant):
    """Defines the drive mode of a digital pin"""

    __slots__ = ()
    PUSH_PULL: DriveMode
    """Output both high and low digital values"""
    OPEN_DRAIN: DriveMode
    """Output low digital values but go into high z for digital high. This is useful for i2c and
    other protocols that share a digital line."""


_enum.define(DriveMode, PUSH_PULL=hal.DriveMode.PUSH_PULL, OPEN_DRAIN=hal.DriveMode.OPEN_DRAIN)

_NOT_WHEN_INPUT = "Cannot set value when direction is input."
_PULL_NOT_USED = "Pull not used when direction is output."
_DRIVE_NOT_USED = "Drive mode not used when direction is input."


def _pull(value: object) -> Pull | None:
    return _validate.of_type_or_none(value, Pull, "pull")


def _drive_mode(value: object) -> DriveMode:
    return _validate.of_type(value, DriveMode, "drive_mode")


def _supported_pull(impl: hal.DigitalInOut, pull: Pull | None) -> None:
    """``Invalid pull`` when the port's GPIO lacks that resistor (its declared capabilities)."""
    caps = impl.capabilities
    if (pull is Pull.UP and not caps.pull_up) or (pull is Pull.DOWN and not caps.pull_down):
        raise _validate.invalid("pull")


def _supported_drive_mode(impl: hal.DigitalInOut, drive_mode: DriveMode) -> None:
    if drive_mode is DriveMode.OPEN_DRAIN and not impl.capabilities.open_drain:
        raise _validate.invalid("drive_mode")


class DigitalInOut(_peripheral.Peripheral[hal.DigitalInOut]):
    """Digital input and output

    A DigitalInOut is used to digitally control I/O pins. For analog control of a pin, see the
    :py:class:`analogio.AnalogIn` and :py:class:`analogio.AnalogOut` classes."""

    __slots__ = ("_drive", "_output", "_pull_value")

    def __init__(self, pin: Any) -> None:
        """Create a new DigitalInOut object associated with the pin. Defaults to input with no
        pull. Use :py:meth:`switch_to_input` and :py:meth:`switch_to_output` to change the
        direction.

        :param ~microcontroller.Pin pin: The pin to control"""
        pin = _validate.pin(pin)
        self._output = False
        self._pull_value: Pull | None = None
        self._drive = DriveMode.PUSH_PULL
        self._claim(pin)
        self._build(hal.DigitalInOut, pin._id)

    @property
    def _pin(self) -> Pin:
        return self._pins[0]

    def __repr__(self) -> str:
        return f"<DigitalInOut {self._pins[0]!r}>" if self._pins else "<DigitalInOut>"

    def switch_to_output(
        self, value: bool = False, drive_mode: DriveMode = DriveMode.PUSH_PULL
    ) -> None:
        """Set the drive mode and value and then switch to writing out digital values.

        :param bool value: default value to set upon switching
        :param ~digitalio.DriveMode drive_mode: drive mode for the output
        """
        impl = self._checked()
        drive_mode = _drive_mode(drive_mode)
        _supported_drive_mode(impl, drive_mode)
        with _errors.translate():
            impl.switch_to_output(bool(value), drive_mode._hal)
        self._output = True
        self._drive = drive_mode

    def switch_to_input(self, pull: Pull | None = None) -> None:
        """Set the pull and then switch to read in digital values.

        :param Pull pull: pull configuration for the input

        Example usage::

          import digitalio
          import board

          switch = digitalio.DigitalInOut(board.SLIDE_SWITCH)
          switch.switch_to_input(pull=digitalio.Pull.UP)
          # Or, after switch_to_input
          switch.pull = digitalio.Pull.UP
          print(switch.value)"""
        impl = self._checked()
        pull = _pull(pull)
        _supported_pull(impl, pull)
        with _errors.translate():
            impl.switch_to_input(pull._hal if pull is not None else None)
        self._output = False
        self._pull_value = pull

    @property
    def direction(self) -> Direction:
        """The direction of the pin.

        Setting this will use the defaults from the corresponding
        :py:meth:`switch_to_input` or :py:meth:`switch_to_output` method. If
        you want to set pull, value or drive mode prior to switching, then use
        those methods instead."""
        self._checked()
        return Direction.OUTPUT if self._output else Direction.INPUT

    @direction.setter
    def direction(self, value: Direction) -> None:
        self._checked()
        if value is Direction.INPUT:
            self.switch_to_input()
        elif value is Direction.OUTPUT:
            self.switch_to_output()
        else:
            raise _validate.invalid("direction")

    @property
    def value(self) -> bool:
        """The digital logic level of the pin."""
        impl = self._impl
        if impl is None:
            _validate.raise_deinited()
        try:
            return impl.get_value()
        except _HalError as exc:  # a timed part failing as its level is worked out
            raise _errors.convert(exc) from None

    @value.setter
    def value(self, value: bool) -> None:
        impl = self._impl
        if impl is None:
            _validate.raise_deinited()
        if not self._output:
            raise AttributeError(_NOT_WHEN_INPUT)
        try:
            impl.set_value(True if value else False)
        except _HalError as exc:
            raise _errors.convert(exc) from None

    @property
    def drive_mode(self) -> DriveMode:
        """The pin drive mode. One of:

        - `digitalio.DriveMode.PUSH_PULL`
        - `digitalio.DriveMode.OPEN_DRAIN`"""
        self._checked()
        if not self._output:
            raise AttributeError(_DRIVE_NOT_USED)
        return self._drive

    @drive_mode.setter
    def drive_mode(self, value: DriveMode) -> None:
        impl = self._checked()
        if not self._output:
            raise AttributeError(_DRIVE_NOT_USED)
        value = _drive_mode(value)
        _supported_drive_mode(impl, value)
        with _errors.translate():
            impl.set_drive_mode(value._hal)
        self._drive = value

    @property
    def pull(self) -> Pull | None:
        """The pin pull direction. One of:

        - `digitalio.Pull.UP`
        - `digitalio.Pull.DOWN`
        - `None`

        :raises AttributeError: if `direction` is :py:data:`~digitalio.Direction.OUTPUT`."""
        self._checked()
        if self._output:
            raise AttributeError(_PULL_NOT_USED)
        return self._pull_value

    @pull.setter
    def pull(self, value: Pull | None) -> None:
        impl = self._checked()
        if self._output:
            raise AttributeError(_PULL_NOT_USED)
        value = _pull(value)
        _supported_pull(impl, value)
        with _errors.translate():
            impl.set_pull(value._hal if value is not None else None)
        self._pull_value = value

    def deinit(self) -> None:
        """Turn off the DigitalInOut and release the pin for other use."""
        super().deinit()

    def __enter__(self) -> DigitalInOut:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()


@runtime_checkable
class DigitalInOutProtocol(Protocol):
    """Protocol for objects that behave like a `DigitalInOut` (IO-expander pins, for example),
    accepted wherever CircuitPython accepts a DigitalInOut-like object."""

    def switch_to_output(
        self, value: bool = False, drive_mode: DriveMode = DriveMode.PUSH_PULL
    ) -> None:
        """Switch the pin to output mode"""

    def switch_to_input(self, pull: Pull | None = None) -> None:
        """Switch the pin to input mode"""

    @property
    def direction(self) -> Direction:
        """Get or set the pin direction"""
        ...

    @direction.setter
    def direction(self, value: Direction) -> None: ...

    @property
    def value(self) -> bool:
        """Get or set the pin value"""
        ...

    @value.setter
    def value(self, value: bool) -> None: ...

    @property
    def pull(self) -> Pull | None:
        """Get or set the pin pull"""
        ...

    @pull.setter
    def pull(self, value: Pull | None) -> None: ...

    @property
    def drive_mode(self) -> DriveMode:
        """Get or set the pin drive mode"""
        ...

    @drive_mode.setter
    def drive_mode(self, value: DriveMode) -> None: ...

    def deinit(self) -> None:
        """Deinitialize the pin"""

    def deinited(self) -> bool:
        """Check whether the pin is deinitialized"""
        ...


_enum.publish("digitalio", Direction, Pull, DriveMode, DigitalInOut, DigitalInOutProtocol)
