"""``microcontroller`` on Linux: the CPU's clock and temperature from sysfs, a uid from the
board's serial number, and the NVM as a file."""

from __future__ import annotations

import hashlib
from pathlib import Path

from protoboard.hal import microcontroller as hal
from protoboard.hal.nvmfile import FileNVM, nvm_file
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


class NVM(FileNVM):
    """The board's NVM bytes in a file of the computer's (one per board)."""

    def __init__(self, backend: LinuxBackend) -> None:
        super().__init__(backend, nvm_file(f"nvm-{backend.board.board_id}"), backend.board.nvm_size)
