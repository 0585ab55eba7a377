"""The Blinka bridge's board world: Blinka's pin objects for our pin ids, Blinka's modules
(loaded privately), and the one place Blinka's exceptions become HAL errors."""

from __future__ import annotations

import errno
from types import ModuleType
from typing import Any

from protoboard.boards import BoardDef
from protoboard.hal.backend import Backend
from protoboard.hal.errors import BusError, HalError, HardwareError, InvalidPin
from protoboard.ports.blinka.boarddata import blinka_board_module, blinka_pins, chip_module
from protoboard.ports.blinka.loader import blinka_module
from protoboard.runtime.paths import set_internal

#: how Blinka's I2C code reports a device that does not answer: i2c-dev's ENXIO/EREMOTEIO
#: (generic Linux), ENODEV; CircuitPython says ENODEV for all
_NACK = (errno.ENXIO, errno.EREMOTEIO, errno.ENODEV)


class _Calling:
    """The context of :meth:`BlinkaBackend.calling`: a plain class, as it wraps every PWM duty
    set and bus transfer (a generator-based one cost several microseconds each)."""

    __slots__ = ("_backend", "_bus", "_previous", "_what")

    def __init__(self, backend: BlinkaBackend, what: str, bus: bool) -> None:
        self._backend, self._what, self._bus = backend, what, bus
        self._previous = False

    def __enter__(self) -> None:
        self._previous = set_internal(True)

    def __exit__(self, kind: object, exc: BaseException | None, traceback: object) -> None:
        set_internal(self._previous)
        if isinstance(exc, Exception) and not isinstance(exc, HalError):
            raise self._backend.error(self._what, exc, bus=self._bus) from None


class BlinkaBackend(Backend):
    def __init__(self, board: BoardDef) -> None:
        super().__init__(board)
        self._pins = blinka_pins(blinka_board_module(), chip_module())

    @property
    def board_id(self) -> str:
        return self.board.board_id

    def blinka_pin(self, pin: str) -> Any:
        """Blinka's pin object behind our pin id."""
        try:
            return self._pins[pin]
        except KeyError:
            raise InvalidPin(pin) from None

    def module(self, name: str) -> ModuleType:
        """Blinka's module ``name`` (``busio``, ``pwmio``...), loaded privately."""
        with self.calling(f"Blinka's {name}"):
            return blinka_module(name)

    def calling(self, what: str, *, bus: bool = False) -> _Calling:
        """``with backend.calling("busio.I2C write", bus=True):`` runs Blinka's code for
        ``what`` with the computer's paths (in a run's VM a program's ``/`` is its drive; Blinka
        opens ``/dev`` and ``/sys``). Its exceptions (of any type: Blinka's chip code raises
        ``OSError``, ``RuntimeError``, ``ValueError``...) leave as HAL errors."""
        return _Calling(self, what, bus)

    def error(self, what: str, exc: BaseException, *, bus: bool = False) -> HalError:
        """The HAL error for an exception from Blinka's code doing ``what``.

        ``bus``: an ``OSError`` is a bus transfer failing (a NACK is ENODEV, as CircuitPython
        reports it; one without an errno is EIO). Anything else keeps Blinka's words,
        prefixed with what was being done."""
        if bus and isinstance(exc, OSError):
            # (drivers catch OSError: a bus failure stays one, however Blinka's chip code
            # words it; pyftdi's NACK on an FT232H is an I2cNackError with no errno)
            if exc.errno in _NACK or "Nack" in type(exc).__name__:
                return BusError(errno.ENODEV)
            return BusError(exc.errno or errno.EIO, exc.strerror or str(exc))
        if isinstance(exc, AttributeError):
            # Blinka's chip class lacks the method: this board's Blinka code cannot do it
            return HardwareError(
                f"{what} is not available on {self.board_id}: Blinka's code for this board "
                f"has no {exc.name or 'such operation'}"
            )
        if isinstance(exc, ModuleNotFoundError) and exc.name == "machine":
            # Blinka's last resort for a board it has no code for is MicroPython's machine
            return HardwareError(
                f"{what} is not available on {self.board_id}: Blinka has no code for it on "
                "this board"
            )
        if isinstance(exc, ModuleNotFoundError):
            return HardwareError(
                f"{what} is not available on {self.board_id}: Blinka's code for it needs "
                f"the module '{exc.name}', which is not installed"
            )
        text = " ".join(str(arg) for arg in exc.args) or type(exc).__name__
        return HardwareError(f"{what} failed on {self.board_id}: {text}")

    def capable(self, pin: str, capability: str) -> Any:
        """Blinka's pin for ``pin`` if the chip's data allows ``capability`` on it (``pwm``,
        ``analog_in``, ``analog_out``); where Blinka lists no such pins, Blinka's code decides."""
        found = self.blinka_pin(pin)
        if capability not in self.board.assumed and not self.board.has(capability, pin):
            raise InvalidPin(pin)
        return found
