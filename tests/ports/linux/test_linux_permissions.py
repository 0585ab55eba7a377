"""A device node the user may not open gives a message that names the group that grants it and
the command that joins it (Raspberry Pi OS's groups: gpio, i2c, spi, dialout), for every kind of
device. The kernel's refusal is modelled at the open() of a node under a fake /dev and /sys (the
tests run as root, whom the kernel never refuses); the gpio case runs as a real unprivileged user
in the VM suite (tests/vm), spidev's in test_linux_sysfs_fakes.py."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("gpiod", reason="the 'linux' extra is not installed")

from protoboard import machine, testing

pytestmark = pytest.mark.hostile


@pytest.fixture
def refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """``refused("/dev/i2c-1")``: that node exists under the fake root, and opening it (or
    writing it, for a sysfs attribute) fails with EACCES as for a user outside its group."""
    monkeypatch.setenv("PROTOBOARD_LINUX_ROOT", str(tmp_path))
    denied: set[str] = set()
    real_open, real_write_text = os.open, Path.write_text

    def os_open(path: str, flags: int, mode: int = 0o777, **kwargs: object) -> int:
        if os.fspath(path) in denied:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, flags, mode, **kwargs)  # type: ignore[arg-type]

    def write_text(self: Path, data: str, *args: object, **kwargs: object) -> int:
        if str(self) in denied:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_write_text(self, data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(Path, "write_text", write_text)

    def refuse(absolute: str) -> Path:
        node = tmp_path / absolute.lstrip("/")
        node.parent.mkdir(parents=True, exist_ok=True)
        real_write_text(node, "")
        denied.add(str(node))
        return node

    return refuse


def test_i2c_names_the_i2c_group(refused: Callable[[str], Path]) -> None:
    refused("/dev/i2c-1")
    with testing.activated(machine.create("linux", "raspberrypi_pi4b")):
        import board
        import busio

        with pytest.raises(RuntimeError, match=r"i2c-1: your user is not in the 'i2c' group\. "
                           r"Run: sudo usermod -aG i2c \$USER"):  # fmt: skip
            busio.I2C(board.SCL, board.SDA)


def test_uart_names_the_dialout_group(
    refused: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROTOBOARD_UART", str(refused("/dev/ttyAMA0")))
    with testing.activated(machine.create("linux", "raspberrypi_pi4b")):
        import board
        import busio

        with pytest.raises(RuntimeError, match="'dialout' group.*usermod -aG dialout"):
            busio.UART(board.TX, board.RX)


def test_hardware_pwm_names_the_gpio_group(refused: Callable[[str], Path]) -> None:
    refused("/sys/class/pwm/pwmchip0/export")
    with testing.activated(machine.create("linux", "raspberrypi_pi4b")):
        import board
        import pwmio

        with pytest.raises(RuntimeError, match="export: your user is not in the 'gpio' group"):
            pwmio.PWMOut(board.D18)
