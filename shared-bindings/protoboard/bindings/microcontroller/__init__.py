"""Pin references and cpu functionality.

The ``microcontroller`` module defines the pins and other bare-metal hardware from the perspective
of the microcontroller. See :py:mod:`board` for board-specific pin mappings.
"""

from __future__ import annotations

import sys
import time
import weakref
from typing import TYPE_CHECKING, Any

from protoboard.bindings import _enum, _validate
from protoboard.hal import microcontroller as hal

if TYPE_CHECKING:
    from protoboard.bindings.nvm import ByteArray
    from protoboard.machine import Machine
from protoboard.bindings.microcontroller import pin  # noqa: F401  (the microcontroller.pin module)


class Pin:
    """Identifies an IO pin on the microcontroller.

    Pins are fixed by the hardware, so they cannot be constructed on demand. Use :py:mod:`board`
    or :py:mod:`microcontroller.pin` to reference the desired pin.
    """

    __slots__ = ("__weakref__", "_board_name", "_id")
    _id: str
    _board_name: str | None

    def __new__(cls, *args: Any, **kwargs: Any) -> Pin:
        raise _validate.cannot_create("microcontroller.Pin")

    @classmethod
    def _create(cls, pin_id: str, board_name: str | None) -> Pin:
        obj = object.__new__(cls)
        obj._id = pin_id
        obj._board_name = board_name
        return obj

    def __hash__(self) -> int:
        """Returns a hash for the Pin."""
        return object.__hash__(self)

    def __repr__(self) -> str:
        if self._board_name is not None:
            return f"board.{self._board_name}"
        return f"microcontroller.pin.{self._id}"

    @property
    def _display_name(self) -> str:
        """The name CircuitPython uses in messages: the board name if it has one."""
        return self._board_name or self._id


class ResetReason(_enum.Constant):
    """The reason the microcontroller was last reset."""

    __slots__ = ()
    POWER_ON: ResetReason
    """The microcontroller was started from power off."""
    BROWNOUT: ResetReason
    """The microcontroller was reset due to too low a voltage."""
    SOFTWARE: ResetReason
    """The microcontroller was reset from software."""
    DEEP_SLEEP_ALARM: ResetReason
    """The microcontroller was reset for deep sleep and restarted by an alarm."""
    RESET_PIN: ResetReason
    """The microcontroller was reset by a signal on its reset pin."""
    WATCHDOG: ResetReason
    """The microcontroller was reset by its watchdog timer."""
    UNKNOWN: ResetReason
    """The microcontroller restarted for an unknown reason."""
    RESCUE_DEBUG: ResetReason
    """The microcontroller was reset by the rescue debug port."""


_enum.define(
    ResetReason,
    **{
        n: n
        for n in (
            "POWER_ON",
            "BROWNOUT",
            "SOFTWARE",
            "DEEP_SLEEP_ALARM",
            "RESET_PIN",
            "WATCHDOG",
            "UNKNOWN",
            "RESCUE_DEBUG",
        )
    },
)


class RunMode(_enum.Constant):
    """Run state of the microcontroller."""

    __slots__ = ()
    NORMAL: RunMode
    """Run CircuitPython as normal."""
    SAFE_MODE: RunMode
    """Run CircuitPython in safe mode. User code will not run and the file system will be
    writeable over USB."""
    UF2: RunMode
    """Run the uf2 bootloader (not available on Protoboard's ports)."""
    BOOTLOADER: RunMode
    """Run the default bootloader (not available on Protoboard's ports)."""


_enum.define(RunMode, NORMAL="normal", SAFE_MODE="safe_mode", UF2="uf2", BOOTLOADER="bootloader")


class Processor:
    """Microcontroller CPU information and control.

    Usually accessed through ``microcontroller.cpu`` or ``microcontroller.cpus``. Cannot be
    constructed from Python.
    """

    __slots__ = ("_impl", "_reset_reason")
    _impl: hal.Processor
    _reset_reason: ResetReason

    def __new__(cls, *args: Any, **kwargs: Any) -> Processor:
        raise _validate.cannot_create("microcontroller.Processor")

    @classmethod
    def _create(cls, impl: hal.Processor, reset_reason: ResetReason) -> Processor:
        obj = object.__new__(cls)
        obj._impl = impl
        obj._reset_reason = reset_reason
        return obj

    @property
    def frequency(self) -> int:
        """The CPU operating frequency in Hertz. (read-only)"""
        return self._impl.frequency

    @property
    def reset_reason(self) -> ResetReason:
        """The reason the microcontroller started up from reset state."""
        return self._reset_reason

    @property
    def temperature(self) -> float | None:
        """The on-chip temperature, in Celsius, as a float. (read-only)

        Is ``None`` if the temperature is not available."""
        return self._impl.temperature

    @property
    def uid(self) -> bytearray:
        """The unique id (aka serial number) of the chip as a ``bytearray``. (read-only)"""
        return bytearray(self._impl.uid)

    @property
    def voltage(self) -> float | None:
        """The input voltage to the microcontroller, as a float. (read-only)

        Is ``None`` if the voltage is not available."""
        return self._impl.voltage


def delay_us(delay: int) -> None:
    """Dedicated delay method used for very short delays. **Do not** do long delays because this
    stops all other functions from completing. Think of this as an empty ``while`` loop that runs
    for the specified ``(delay)`` time. If you have other code or peripherals (e.g audio
    recording) that require specific timing or processing while you are waiting, explore a
    different avenue such as using `time.sleep()`."""
    microseconds = _validate.to_int(delay, "delay")
    end = time.perf_counter_ns() + microseconds * 1000
    while time.perf_counter_ns() < end:
        pass


def disable_interrupts() -> None:
    """Disable all interrupts. Be very careful, this can stall everything.

    On Protoboard there are no user-visible interrupts; the call is accepted so code written for
    boards runs unchanged."""


def enable_interrupts() -> None:
    """Enable the interrupts that were enabled at the last disable."""


def on_next_reset(run_mode: RunMode) -> None:
    """Configure the run mode used the next time the microcontroller is reset but not powered
    down.

    :param ~microcontroller.RunMode run_mode: The next run mode"""
    from protoboard.machine import current
    from protoboard.runtime import state

    current().next_run_mode = _validate.of_type(run_mode, RunMode, "run_mode")
    state.current.remember(next_run_mode=run_mode._name)  # the supervisor applies it at reset


def reset() -> None:
    """Reset the microcontroller. After reset, the microcontroller will enter the run mode last
    set by `on_next_reset`.

    .. warning:: This may result in file system corruption when connected to a host computer.
       Be very careful when calling this! Make sure the device "Safely removed" on Windows or
       "ejected" on Mac OSX and Linux."""
    from protoboard.machine import ResetRequested

    raise ResetRequested()


# Each machine's processors and NVM, made on first use (never released, so not singletons).
_cpus: weakref.WeakKeyDictionary[Machine, tuple[Processor, ...]] = weakref.WeakKeyDictionary()
_nvms: weakref.WeakKeyDictionary[Machine, ByteArray | None] = weakref.WeakKeyDictionary()


def _machine_cpus() -> tuple[Processor, ...]:
    from protoboard.machine import current

    machine = current()
    cpus = _cpus.get(machine)
    if cpus is None:
        reason: ResetReason = getattr(ResetReason, machine.reset_reason)
        cpus = tuple(
            Processor._create(machine.create(hal.Processor, index), reason)
            for index in range(machine.backend.cpu_count)
        )
        _cpus[machine] = cpus
    return cpus


def _machine_nvm() -> ByteArray | None:
    from protoboard.bindings.nvm import ByteArray
    from protoboard.machine import current

    machine = current()
    if machine not in _nvms:
        has_nvm = machine.board.nvm_size > 0
        _nvms[machine] = ByteArray._create(machine.create(hal.NVM)) if has_nvm else None
    return _nvms[machine]


def __getattr__(name: str) -> Any:
    if name == "cpus":
        return _machine_cpus()
    if name == "cpu":
        return _machine_cpus()[0]
    if name == "nvm":
        return _machine_nvm()
    if name == "watchdog":
        return None
    raise AttributeError(f"module 'microcontroller' has no attribute '{name}'")


def __dir__() -> list[str]:
    from protoboard.importer import public_names

    return public_names(sys.modules[__name__], ("cpu", "cpus", "nvm", "pin", "watchdog"))


cpu: Processor
"""CPU information and control, such as ``cpu.temperature`` and ``cpu.frequency``
(clock frequency). This object is an instance of `microcontroller.Processor`."""

cpus: tuple[Processor, ...]
"""CPU information and control, such as ``cpus[0].temperature`` and ``cpus[1].frequency``
(clock frequency) on chips with more than 1 cpu. The index selects which cpu.
This object is a tuple of instances of `microcontroller.Processor`."""

nvm: Any
"""Available non-volatile memory. This object is the sole instance of `nvm.ByteArray` when
available or ``None`` otherwise.

:type: nvm.ByteArray or None"""

watchdog: None
"""Available watchdog timer. Protoboard's ports have none yet, so this is ``None``."""

_enum.publish(
    "microcontroller",
    Pin,
    ResetReason,
    RunMode,
    Processor,
    delay_us,
    disable_interrupts,
    enable_interrupts,
    on_next_reset,
    reset,
)
