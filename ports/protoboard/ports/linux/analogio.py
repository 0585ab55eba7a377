"""``analogio`` on IIO (``/sys/bus/iio/devices``): readings scaled to 0-65535 from the
channel's resolution, the reference voltage from its ``scale`` (millivolts per count)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from protoboard.hal import analogio as hal
from protoboard.hal.errors import HardwareError
from protoboard.ports.linux import sysfs
from protoboard.ports.linux.backend import LinuxBackend, on_host


@on_host
def _channel(backend: LinuxBackend, pin: str, kind: str, prefix: str) -> tuple[Path, Path, int]:
    device, channel, entry = backend.iio_channel(pin, kind)
    if not device.is_dir():
        raise HardwareError(f"no IIO device {device}: is the ADC's driver loaded?")
    raw = device / f"{prefix}{channel}_raw"
    return device, raw, _full_scale(device, prefix, channel, entry)


def _full_scale(device: Path, prefix: str, channel: int, entry: Mapping[str, Any]) -> int:
    """The largest raw count: from the board file, else the channel's scan type (``le:u12/16``)."""
    if "bits" in entry:
        return (1 << int(entry["bits"])) - 1
    kind = device / "scan_elements" / f"{prefix}{channel}_type"
    if kind.is_file():
        bits = sysfs.read(kind).split(":")[1].split("/")[0].lstrip("su")
        return (1 << int(bits)) - 1
    return 0xFFF


def _scale(device: Path, prefix: str, channel: int) -> float | None:
    for name in (f"{prefix}{channel}_scale", f"{prefix}_scale"):
        if (device / name).is_file():
            return float(sysfs.read(device / name))
    return None


class AnalogIn(hal.AnalogIn):
    def __init__(self, backend: LinuxBackend, pin: str) -> None:
        super().__init__(backend, pin)
        self._device, self._raw, self._max = _channel(backend, pin, "analog_in", "in_voltage")
        self._index = int(self._raw.name[len("in_voltage") :].split("_")[0])

    def read(self) -> int:
        raw = int(sysfs.read(self._raw))
        return min(max(raw, 0), self._max) * 0xFFFF // self._max

    @property
    @on_host
    def reference_voltage(self) -> float | None:
        scale = _scale(self._device, "in_voltage", self._index)
        return None if scale is None else self._max * scale / 1000

    def deinit(self) -> None:
        """Nothing is held: IIO channels are read through sysfs."""


class AnalogOut(hal.AnalogOut):
    def __init__(self, backend: LinuxBackend, pin: str) -> None:
        super().__init__(backend, pin)
        _, self._raw, self._max = _channel(backend, pin, "analog_out", "out_voltage")

    def write(self, value: int) -> None:
        sysfs.write(self._raw, value * self._max // 0xFFFF, "iio")

    def deinit(self) -> None:
        """Nothing is held."""
