"""Turn the ports' error types into CircuitPython's exceptions, in one place."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from protoboard.bindings import _validate
from protoboard.hal import errors


def convert(exc: errors.HalError) -> Exception:
    """The CircuitPython exception for a port error."""
    if isinstance(exc, errors.PinInUse):
        return _validate.pin_in_use(exc.pin_name)
    if isinstance(exc, errors.BusError):
        return _validate.bus_error(exc.errno)
    if isinstance(exc, errors.InvalidPin):
        return _validate.invalid("pin")
    if isinstance(exc, errors.InvalidPins):
        return _validate.invalid("pins")
    if isinstance(exc, errors.UnsupportedFrequency):
        return _validate.invalid("frequency")
    if isinstance(exc, errors.ResourceConflict):
        return RuntimeError("Conflicting settings for shared resource")
    return RuntimeError(str(exc))


@contextlib.contextmanager
def translate() -> Iterator[None]:
    """Run a port call, re-raising its error as CircuitPython's (for cold paths)."""
    try:
        yield
    except errors.HalError as exc:
        raise convert(exc) from None
