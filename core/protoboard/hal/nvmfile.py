"""``microcontroller.nvm`` kept in a file, for ports whose boards lend no flash of their own
(a Linux computer, a board behind Blinka's bridge): one file per board, written whole through a
temporary file and a rename, so a crash never leaves it torn."""

from __future__ import annotations

import os
from pathlib import Path

from protoboard.hal.backend import Backend
from protoboard.hal.errors import HardwareError
from protoboard.hal.microcontroller import NVM


def nvm_file(name: str) -> Path:
    """``PROTOBOARD_NVM_FILE``, else ``<name>.bin`` in the user's data folder."""
    given = os.environ.get("PROTOBOARD_NVM_FILE")
    if given:
        return Path(given)
    import platformdirs

    return Path(platformdirs.user_data_dir("protoboard")) / f"{name}.bin"


class FileNVM(NVM):
    """``size`` bytes in ``path``; a missing file or its missing tail reads as erased flash."""

    def __init__(self, backend: Backend, path: Path, size: int) -> None:
        super().__init__(backend)
        self._path = path
        self._size = size

    @property
    def size(self) -> int:
        return self._size

    def _load(self) -> bytearray:
        from protoboard.runtime.paths import internal

        with internal():  # the computer's paths, not a run's drive
            try:
                data = bytearray(self._path.read_bytes()[: self._size])
            except FileNotFoundError:
                data = bytearray()
            except OSError as exc:
                raise HardwareError(
                    f"cannot read the NVM file {self._path}: {exc.strerror}"
                ) from None
        return data + b"\xff" * (self._size - len(data))  # erased flash reads 0xFF

    def read(self, start: int, end: int) -> bytes:
        return bytes(self._load()[start:end])

    def write(self, start: int, data: bytes) -> None:
        from protoboard.runtime.paths import internal

        contents = self._load()
        contents[start : start + len(data)] = data
        temporary = self._path.with_name(self._path.name + ".tmp")
        with internal():
            try:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                temporary.write_bytes(contents)
                os.replace(temporary, self._path)
            except OSError as exc:
                raise HardwareError(
                    f"cannot write the NVM file {self._path}: {exc.strerror}"
                ) from None
