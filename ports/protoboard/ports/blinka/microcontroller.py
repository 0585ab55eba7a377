"""``microcontroller`` through Blinka: Blinka has no processor object (a USB bridge has no CPU
of its own that Python could ask), so the processor says what it can for any board, and the
NVM is a file, as on the Linux port."""

from __future__ import annotations

import hashlib
import platform
from pathlib import Path

from protoboard.hal import microcontroller as hal
from protoboard.hal.nvmfile import FileNVM, nvm_file
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


class NVM(FileNVM):
    """The board's NVM bytes in a file of the computer's (one per board)."""

    def __init__(self, backend: BlinkaBackend) -> None:
        super().__init__(
            backend, nvm_file(f"nvm-blinka-{backend.board_id}"), backend.board.nvm_size
        )
