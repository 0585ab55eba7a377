"""One Linux board's world: which kernel devices back its pins and buses.

A board file's ``[linux]`` table says where the hardware is (``gpiochip`` labels, I2C/SPI bus
numbers, UART device, PWM channels, IIO channels); the backend resolves those to device paths
when a peripheral is made, so a renumbered ``/dev/gpiochipN`` (as kernel 6.6.44 did on the Pi 5)
changes nothing. ``PROTOBOARD_LINUX_ROOT`` moves ``/dev`` and ``/sys`` under another folder
(the unit tests' fake sysfs); ``PROTOBOARD_UART`` names the default UART's device.
"""

from __future__ import annotations

import errno
import functools
import os
import threading
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from protoboard.boards import BoardDef, BoardError
from protoboard.hal.backend import Backend
from protoboard.hal.errors import HardwareError, InvalidPin, InvalidPins

P = ParamSpec("P")
R = TypeVar("R")


def on_host(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` with the computer's paths. In a run's VM a program's ``/`` is its drive
    (:mod:`protoboard.runtime.paths`); the port's ``/dev`` and ``/sys`` are the computer's."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from protoboard.runtime.paths import internal

        with internal():
            return function(*args, **kwargs)

    return wrapper


#: the group that grants each kind of device on Raspberry Pi OS and Debian
GROUPS = {"gpio": "gpio", "i2c": "i2c", "spi": "spi", "uart": "dialout", "pwm": "gpio"}


def access_error(kind: str, path: str, exc: OSError) -> HardwareError:
    """A plain-words error for a device that could not be opened, naming the fix."""
    if exc.errno in (errno.EACCES, errno.EPERM) and kind == "iio":
        return HardwareError(
            f"permission denied writing {path}: only root may, unless a udev rule gives your "
            "user access to the ADC/DAC device"
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        group = GROUPS[kind]
        return HardwareError(
            f"permission denied opening {path}: your user is not in the '{group}' group. "
            f"Run: sudo usermod -aG {group} $USER, then log out and back in"
        )
    if exc.errno == errno.ENOENT:
        return HardwareError(f"{path} does not exist: {_enable_hint(kind)}")
    return HardwareError(f"cannot open {path}: {exc.strerror or exc}")


def _enable_hint(kind: str) -> str:
    return {
        "gpio": "this kernel has no such GPIO chip",
        "i2c": "enable I2C (sudo raspi-config nonint do_i2c 0, or dtparam=i2c_arm=on in "
        "config.txt) and load i2c-dev",
        "spi": "enable SPI (sudo raspi-config nonint do_spi 0, or dtparam=spi=on in config.txt)",
        "uart": "enable the serial port (sudo raspi-config nonint do_serial_hw 0)",
        "pwm": "enable hardware PWM with a device-tree overlay (dtoverlay=pwm-2chan in "
        "config.txt) and reboot",
        "iio": "is the ADC's driver loaded?",
    }[kind]


@on_host
def linux_table(board: BoardDef) -> Mapping[str, Any]:
    """The board file's ``[linux]`` table (where its pins and buses are in the kernel)."""
    if not board.source:
        return {}
    try:
        data = tomllib.loads(Path(board.source).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BoardError(f"{board.source}: cannot read the board file: {exc}") from None
    table = data.get("linux", {})
    if not isinstance(table, dict):
        raise BoardError(f"{board.source}: [linux] must be a table")
    return table


class LinuxBackend(Backend):
    """A Linux board: its kernel devices, found from the board file's ``[linux]`` table."""

    def __init__(self, board: BoardDef) -> None:
        super().__init__(board)
        self.cpu_count = os.cpu_count() or 1
        self.root = Path(os.environ.get("PROTOBOARD_LINUX_ROOT", "/"))
        self.linux = linux_table(board)
        self._chip_path: str | None = None
        self._lock = threading.Lock()
        #: how to stop what runs on its own (software PWM threads) when the machine closes, as
        #: CircuitPython resets its pins when a program ends
        self._running: dict[int, Callable[[], None]] = {}

    def keep_running(self, key: object, stop: Callable[[], None]) -> None:
        with self._lock:
            self._running[id(key)] = stop

    def stopped(self, key: object) -> None:
        with self._lock:
            self._running.pop(id(key), None)

    def close(self) -> None:
        with self._lock:
            running = list(self._running.values())
        for stop in running:
            stop()

    def path(self, absolute: str) -> Path:
        """``/sys/...`` or ``/dev/...`` under the configured root."""
        return self.root / absolute.lstrip("/")

    def pin_name(self, pin: str) -> str:
        names = self.board.pins.get(pin)
        return names[0] if names else pin

    # -- GPIO ------------------------------------------------------------------------------

    def line_offset(self, pin: str) -> int:
        """The line of ``pin`` on the board's GPIO chip (port pin ids are ``GPIO<line>``)."""
        if not pin.startswith("GPIO") or not pin[4:].isdigit():
            raise InvalidPin(pin)
        return int(pin[4:])

    def gpiochip(self) -> str:
        """The path of the board's GPIO chip, found by its label (numbers change between
        kernels), else the ``gpiochip`` path the board file gives."""
        with self._lock:
            if self._chip_path is None:
                self._chip_path = self._find_chip()
            return self._chip_path

    @on_host
    def _find_chip(self) -> str:
        labels = self.linux.get("gpiochip_labels", [])
        fixed = self.linux.get("gpiochip")
        found, refused = _chip_labels(self.path("/dev"))
        for label in labels:
            if label in found:
                return str(self.path(f"/dev/{found[label]}"))
        if fixed:
            return str(self.path(f"/dev/{fixed}"))
        if refused:
            raise access_error("gpio", refused[0], OSError(errno.EACCES, "denied"))
        wanted = ", ".join(labels) or "(none given)"
        have = ", ".join(f"{chip} '{label}'" for label, chip in sorted(found.items())) or "none"
        raise HardwareError(
            f"no GPIO chip labelled {wanted} on this computer (chips found: {have}): "
            f"is this really a {self.board.name}? Pick the board with --board"
        )

    @on_host
    def kernel_owned(self, pin: str) -> bool:
        """Whether a kernel bus driver owns ``pin``: it belongs to a bus entry marked
        ``kernel_owns_pins`` whose device exists (I2C, SPI or the UART is enabled). Taking such
        a pin as a GPIO would silently switch it away from the bus, so it is "in use"."""
        names = self.board.board_names
        for kind, roles in _BUS_ROLES.items():
            for entry in self.linux.get(kind, []):
                if not entry.get("kernel_owns_pins"):
                    continue
                if pin in {names.get(entry[r]) for r in roles if entry.get(r)}:
                    if self.path(self._bus_device(kind, entry)).exists():
                        return True
        return False

    def _bus_device(self, kind: str, entry: Mapping[str, Any]) -> str:
        if kind == "i2c":
            return f"/dev/i2c-{entry['bus']}"
        if kind == "spi":
            return f"/dev/spidev{entry['bus']}.{entry.get('device', 0)}"
        return str(entry["device"])

    # -- buses -------------------------------------------------------------------------------

    def bus_entry(self, kind: str, pins: Mapping[str, str | None]) -> Mapping[str, Any]:
        """The ``[[linux.<kind>]]`` entry whose pins are ``pins`` (port pin ids)."""
        names = self.board.board_names
        for entry in self.linux.get(kind, []):
            wanted = {
                role: names.get(entry[role]) if entry.get(role) else None
                for role in pins
                if role in entry
            }
            if all(wanted.get(role) == pin for role, pin in pins.items() if pin is not None):
                return dict(entry)
        raise InvalidPins(", ".join(p for p in pins.values() if p))

    @on_host
    def i2c_bus_number(self, entry: Mapping[str, Any]) -> int:
        """The ``/dev/i2c-N`` number: given, or found by the adapter's name."""
        if "bus" in entry:
            return int(entry["bus"])
        adapter = str(entry.get("adapter", ""))
        folder = self.path("/sys/class/i2c-dev")
        if folder.is_dir():
            for dev in sorted(folder.iterdir()):
                if adapter and adapter in (_read(dev / "name") or ""):
                    return int(dev.name.rpartition("-")[2])
        raise HardwareError(f"no I2C adapter named '{adapter}' ({_enable_hint('i2c')})")

    def uart_device(self, entry: Mapping[str, Any]) -> str:
        return os.environ.get("PROTOBOARD_UART") or str(entry["device"])

    def pwm_channel(self, pin: str) -> tuple[Path, int]:
        """The sysfs PWM chip folder and channel of ``pin``."""
        for entry in self.linux.get("pwm", []):
            if self.board.board_names.get(entry["pin"]) == pin:
                return self.path(f"/sys/class/pwm/{entry['chip']}"), int(entry["channel"])
        raise InvalidPin(pin)

    def neopixel_spi(self) -> tuple[str, Mapping[str, Any]] | None:
        """The port pin id and ``[linux.neopixel_write]`` entry (SPI bus, device) of the pin
        that sends NeoPixel data, or None on a board without one."""
        entry = self.linux.get("neopixel_write")
        if not entry:
            return None
        return self.board.board_names[entry["pin"]], entry

    def held_for_neopixels(self, pin: str) -> bool:
        """Whether ``pin`` is the NeoPixel pin while the kernel's SPI driver owns it: a
        DigitalInOut there is only a handle for neopixel_write (taking the line as a GPIO
        would switch it away from SPI)."""
        found = self.neopixel_spi()
        return found is not None and found[0] == pin and self.kernel_owned(pin)

    def iio_channel(self, pin: str, kind: str) -> tuple[Path, int, Mapping[str, Any]]:
        """The IIO device folder, channel and entry of ``pin`` (kind ``analog_in``/``_out``)."""
        for entry in self.linux.get(kind, []):
            if self.board.board_names.get(entry["pin"]) == pin:
                device = self.path(f"/sys/bus/iio/devices/{entry['device']}")
                return device, int(entry["channel"]), entry
        raise InvalidPin(pin)


#: the pins of each kind of bus entry that its kernel driver takes over (chip selects are left
#: to the program, as CircuitPython does)
_BUS_ROLES = {"i2c": ("scl", "sda"), "spi": ("clock", "MOSI", "MISO"), "uart": ("tx", "rx")}


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _chip_labels(dev: Path) -> tuple[dict[str, str], list[str]]:
    """Each GPIO chip's label -> its device name, asked of the chips themselves; and the chips
    this user may not open."""
    import gpiod

    found: dict[str, str] = {}
    refused: list[str] = []
    for path in sorted(dev.glob("gpiochip*"), key=lambda p: (len(p.name), p.name)):
        try:
            with gpiod.Chip(str(path)) as chip:
                found.setdefault(chip.get_info().label, path.name)
        except PermissionError:
            refused.append(str(path))
        except OSError:
            continue
    return found, refused
