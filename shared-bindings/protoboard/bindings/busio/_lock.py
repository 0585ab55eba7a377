"""The bus lock shared by I2C and SPI: non-blocking, not owned, checked by every transfer."""

from __future__ import annotations

import threading
from typing import Any, Self, TypeVar

from protoboard.bindings import _peripheral, _validate
from protoboard.hal.base import Implementation

BusT = TypeVar("BusT", bound=Implementation)


class LockableBus(_peripheral.Peripheral[BusT]):
    __slots__ = ("_bus_lock",)
    _bus_lock: threading.Lock

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        obj = super().__new__(cls, *args, **kwargs)
        obj._bus_lock = threading.Lock()
        return obj

    def try_lock(self) -> bool:
        """Attempts to grab the bus lock. Returns True on success.

        :return: True when lock has been grabbed
        :rtype: bool"""
        if self._impl is None:  # inline: drivers call this on every transaction
            _validate.raise_deinited()
        return self._bus_lock.acquire(False)

    def unlock(self) -> None:
        """Releases the bus lock so others may use it."""
        if self._impl is None:
            _validate.raise_deinited()
        lock = self._bus_lock
        if lock.locked():
            lock.release()

    def _locked_impl(self) -> BusT:
        """The implementation, after the deinit and lock checks every transfer makes."""
        impl = self._impl
        if impl is None:
            _validate.raise_deinited()
        if not self._bus_lock.locked():
            _validate.raise_requires_lock()
        return impl

    def deinit(self) -> None:
        super().deinit()
        lock = self._bus_lock
        if lock.locked():
            lock.release()
