"""``microcontroller`` through Blinka: Blinka has no processor object (a USB bridge has no CPU
of its own that Python could ask), so the processor says what it can for any board, and the
NVM is a file, as on the Linux port."""

from __future__ import annotations

import hashlib
import os
import platform
from pathlib import Path

from protoboard.hal import microcontroller as hal
from protoboard.hal.errors import HardwareError
from protoboard.ports.blinka.backend import BlinkaBackend
from protoboard.runtime.paths import internal


class Processor(hal.Processor):
    def __init__(self, backend: BlinkaBackend, index: int) -> None:
        super().__init__(backend, index)
        self._board_id = backend.board_id

    @property
    def frequency(self) -> int:
        return 0  # unknown: Blinka does not report a clock

    @property
    def temperature(self) -> float | None:
        return None

    @property
    def voltage(self) -> float | None:
        return None

    @property
    def uid(self) -> bytes:
        """Stable per computer and board (Blinka reports no serial number)."""
        try:
            with internal():  # the computer's file, not the drive's
                machine_id = Path("/etc/machine-id").read_text().strip()
        except OSError:
            machine_id = platform.node()
        return hashlib.sha256(f"{machine_id}/{self._board_id}".encode()).digest()[:8]


def nvm_path(board_id: str) -> Path:
    """``PROTOBOARD_NVM_FILE``, else a file per board in the user's data folder."""
    given = os.environ.get("PROTOBOARD_NVM_FILE")
    if given:
        return Path(given)
    import platformdirs

    return Path(platformdirs.user_data_dir("protoboard")) / f"nvm-blinka-{board_id}.bin"


class NVM(hal.NVM):
    """The board's NVM bytes in a file; each write replaces the file whole (never torn)."""

    def __init__(self, backend: BlinkaBackend) -> None:
        super().__init__(backend)
        self._path = nvm_path(backend.board_id)
        self._size = backend.board.nvm_size

    @property
    def size(self) -> int:
        return self._size

    def _load(self) -> bytearray:
        with internal():  # the computer's paths, not the drive's
            return self._read()

    def _read(self) -> bytearray:
        try:
            data = bytearray(self._path.read_bytes()[: self._size])
        except FileNotFoundError:
            data = bytearray()
        except OSError as exc:
            raise HardwareError(f"cannot read the NVM file {self._path}: {exc.strerror}") from None
        return data + b"\xff" * (self._size - len(data))  # erased flash reads 0xFF

    def read(self, start: int, end: int) -> bytes:
        return bytes(self._load()[start:end])

    def write(self, start: int, data: bytes) -> None:
        contents = self._load()
        contents[start : start + len(data)] = data
        temporary = self._path.with_name(self._path.name + ".tmp")
        try:
            with internal():
                self._path.parent.mkdir(parents=True, exist_ok=True)
                temporary.write_bytes(contents)
                os.replace(temporary, self._path)
        except OSError as exc:
            raise HardwareError(f"cannot write the NVM file {self._path}: {exc.strerror}") from None
