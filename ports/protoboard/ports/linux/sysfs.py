"""Reading and writing sysfs attributes, with errors in plain words."""

from __future__ import annotations

import time
from pathlib import Path

from protoboard.hal.errors import HardwareError
from protoboard.ports.linux.backend import access_error, on_host

#: udev sets permissions on a freshly exported PWM channel a moment after the export; wait this
#: long at most for its files to become writable
EXPORT_WAIT = 2.0


@on_host
def read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise HardwareError(f"cannot read {path}: {exc.strerror}") from None


@on_host
def write(path: Path, value: object, kind: str = "pwm") -> None:

    try:
        path.write_text(str(value))
    except OSError as exc:
        raise access_error(kind, str(path), exc) from None


@on_host
def wait_writable(path: Path, timeout: float = EXPORT_WAIT) -> None:
    """Wait (bounded) until ``path`` exists and can be opened for writing."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with path.open("r+"):
                return
        except OSError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.02)
