"""``microcontroller`` on Linux: the CPU's clock and temperature from sysfs, a uid from the
board's serial number, and the NVM as a file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from protoboard.hal import microcontroller as hal
from protoboard.hal.errors import HardwareError
from protoboard.ports.linux.backend import LinuxBackend, on_host


class Processor(hal.Processor):
    def __init__(self, backend: LinuxBackend, index: int) -> None:
        super().__init__(backend, index)
        self._linux = backend
        self._index = index

    @on_host
    def _read(self, path: str | Path) -> str | None:
        """A text file (a ``str`` path is absolute, under the backend's root), or None."""
        try:
            full = self._linux.path(path) if isinstance(path, str) else path
            return full.read_text().strip().strip("\0")
        except OSError:
            return None

    @property
    def frequency(self) -> int:
        khz = self._read(f"/sys/devices/system/cpu/cpu{self._index}/cpufreq/scaling_cur_freq")
        if khz and khz.isdigit():
            return int(khz) * 1000
        for line in (self._read("/proc/cpuinfo") or "").splitlines():
            if line.startswith("cpu MHz"):
                return round(float(line.partition(":")[2]) * 1_000_000)
        return 0

    @property
    @on_host
    def temperature(self) -> float | None:
        """The CPU's thermal zone (``cpu-thermal`` on a Pi), else the first zone."""
        zones = sorted(self._linux.path("/sys/class/thermal").glob("thermal_zone*"))
        chosen = next((z for z in zones if "cpu" in (self._read(z / "type") or "")), None)
        for zone in [chosen] if chosen else zones[:1]:
            milli = self._read(zone / "temp")
            if milli and milli.lstrip("-").isdigit():
                return int(milli) / 1000
        return None

    @property
    def voltage(self) -> float | None:
        return None

    @property
    def uid(self) -> bytes:
        """The board's serial number (a Pi's 64-bit serial), else a hash of the machine id."""
        serial = self._read("/proc/device-tree/serial-number")
        if not serial:
            for line in (self._read("/proc/cpuinfo") or "").splitlines():
                if line.startswith("Serial"):
                    serial = line.partition(":")[2].strip()
        if serial:
            try:
                return bytes.fromhex(serial[-16:].rjust(16, "0"))
            except ValueError:
                pass
        machine_id = self._read("/etc/machine-id") or self._linux.board.board_id
        return hashlib.sha256(machine_id.encode()).digest()[:8]


def nvm_path(backend: LinuxBackend) -> Path:
    """``PROTOBOARD_NVM_FILE``, else a file per board in the user's data folder."""
    given = os.environ.get("PROTOBOARD_NVM_FILE")
    if given:
        return Path(given)
    import platformdirs

    return Path(platformdirs.user_data_dir("protoboard")) / f"nvm-{backend.board.board_id}.bin"


class NVM(hal.NVM):
    """The board's NVM bytes in a file; each write replaces the file whole (never torn)."""

    def __init__(self, backend: LinuxBackend) -> None:
        super().__init__(backend)
        self._path = nvm_path(backend)
        self._size = backend.board.nvm_size

    @property
    def size(self) -> int:
        return self._size

    @on_host
    def _load(self) -> bytearray:
        try:
            data = bytearray(self._path.read_bytes()[: self._size])
        except FileNotFoundError:
            data = bytearray()
        except OSError as exc:
            raise HardwareError(f"cannot read the NVM file {self._path}: {exc.strerror}") from None
        return data + b"\xff" * (self._size - len(data))  # erased flash reads 0xFF

    def read(self, start: int, end: int) -> bytes:
        return bytes(self._load()[start:end])

    @on_host
    def write(self, start: int, data: bytes) -> None:
        contents = self._load()
        contents[start : start + len(data)] = data
        temporary = self._path.with_name(self._path.name + ".tmp")
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(contents)
            os.replace(temporary, self._path)
        except OSError as exc:
            raise HardwareError(f"cannot write the NVM file {self._path}: {exc.strerror}") from None
