"""The Pi as a CIRCUITPY board: a USB composite gadget built through configfs.

A Linux board with a USB device port (Pi Zero 2 W, 4, 5 with ``dtoverlay=dwc2``) can be what a
CircuitPython board is to a PC: a CIRCUITPY drive and a serial console. The kernel's composite
framework (``libcomposite``) builds such a device from functions described in configfs
(``Documentation/usb/gadget_configfs.rst``); this module makes one with two functions:

* ``mass_storage.usb0``, one LUN backed by the drive's FAT image file, ``removable`` (so it can
  be ejected and re-inserted, as CircuitPython does on ``storage.remount``) and with a
  fixed-width ``inquiry_string`` (8 + 16 + 4 characters: an unpadded string is split in the
  wrong places);
* ``acm.usb0``, a CDC ACM serial port: ``/dev/ttyGS0`` here, ``/dev/ttyACM0`` (or ``COMn``) on
  the PC.

The drive is attached and detached through the LUN's ``file`` and ``forced_eject``; ``ro`` can
only change while no file is attached, so a change of owner is eject, ``ro``, attach
(:meth:`Gadget.attach`). Teardown undoes the steps in reverse order (configfs refuses to remove
a group that still holds links or groups made by the user): unbind, links, the configuration,
the functions, the strings, the gadget.

Every file operation goes through a :class:`ConfigfsOps` so the unit tests can run this code on
a model of configfs's rules in a temporary folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from protoboard.devices import GADGET_PRODUCT
from protoboard.errors import UserError

#: where configfs is mounted, and where the kernel lists USB device controllers
CONFIGFS = Path("/sys/kernel/config")
UDC_CLASS = Path("/sys/class/udc")
#: the gadget's folder name under usb_gadget/
NAME = "protoboard"
#: Adafruit's USB vendor id (CircuitPython boards use it); the product id is configurable
ADAFRUIT_VID = 0x239A
DEFAULT_PID = 0x8000
LANGUAGE = "0x409"  # US English, the strings every host asks for
CONFIG = "c.1"
MASS_STORAGE = "mass_storage.usb0"
ACM = "acm.usb0"
#: the function folders in the order they are linked into the configuration: ACM first, so its
#: interfaces are 0 and 1 (the IAD that groups them must come first on some hosts)
FUNCTIONS = (ACM, MASS_STORAGE)

NO_UDC = (
    "this computer has no USB device port: gadget mode needs a Pi Zero 2 W, 4 or 5 with "
    "dtoverlay=dwc2"
)
NO_UDC_HINT = (
    "add 'dtoverlay=dwc2' to /boot/firmware/config.txt and 'modules-load=dwc2' to "
    "cmdline.txt, reboot, and plug the Pi's USB data port (not the power-only one) into the PC"
)


class GadgetError(UserError):
    """Gadget mode cannot start (or stop) here; the message says why."""


def inquiry_string(vendor: str, product: str, revision: str) -> str:
    """SCSI INQUIRY's fixed-width fields as the kernel takes them: vendor 8, product 16,
    revision 4 characters, each padded with spaces (longer values are cut)."""
    fields = ((vendor, 8), (product, 16), (revision, 4))
    text = "".join(value[:width].ljust(width) for value, width in fields)
    if not text.isascii() or not text.isprintable():
        raise GadgetError(f"the inquiry string must be printable ASCII, not {text!r}")
    return text


@dataclass(frozen=True)
class GadgetConfig:
    """What the PC sees: USB ids and strings, and the drive's SCSI identity."""

    vid: int = ADAFRUIT_VID
    pid: int = DEFAULT_PID
    manufacturer: str = "Adafruit"
    product: str = GADGET_PRODUCT  # how `protoboard devices` on the PC tells it
    serial_number: str = "0"
    #: vendor, product, revision of the SCSI INQUIRY answer (what ``lsblk -o VENDOR,MODEL``
    #: shows); CircuitPython's boards say Adafruit / CircuitPython / 1.0
    inquiry: tuple[str, str, str] = ("Adafruit", "CircuitPython", "1.0")
    max_power_ma: int = 100


class ConfigfsOps:
    """The file operations the gadget needs (the real ones); tests pass a model."""

    def mkdir(self, path: Path) -> None:
        try:
            os.mkdir(path)
        except FileExistsError:
            pass  # a default group the kernel made with its parent (lun.0, strings...)

    def write(self, path: Path, value: str) -> None:
        # one write() call: configfs takes an attribute's value from a single write
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, (value + "\n").encode())
        finally:
            os.close(fd)

    def read(self, path: Path) -> str:
        return path.read_text().strip()

    def symlink(self, target: Path, link: Path) -> None:
        os.symlink(target, link)

    def unlink(self, path: Path) -> None:
        os.unlink(path)

    def rmdir(self, path: Path) -> None:
        os.rmdir(path)

    def exists(self, path: Path) -> bool:
        return os.path.lexists(path)

    def is_configfs(self, path: Path) -> bool:
        """Is configfs mounted at ``path``? (The folder exists either way.)"""
        try:
            lines = Path("/proc/self/mounts").read_text().splitlines()
        except OSError:
            return os.path.ismount(path)
        return any(
            fields[1:3] == [str(path), "configfs"]
            for fields in (line.split() for line in lines)
            if len(fields) >= 3
        )

    def listdir(self, path: Path) -> list[str]:
        try:
            return sorted(os.listdir(path))
        except FileNotFoundError:
            return []


def serial_number(board_id: str) -> str:
    """The USB serial number: the board's UID as ``boot_out.txt`` shows it (hex, upper case),
    from the same sources as ``microcontroller.cpu.uid`` on this port (a Pi's serial number,
    else a hash of the machine id), so the PC can match the drive and the serial port to it."""
    import hashlib

    for path in ("/proc/device-tree/serial-number", "/proc/cpuinfo"):
        with contextlib.suppress(OSError):
            text = Path(path).read_text(errors="replace").strip("\x00\n ")
            if path.endswith("cpuinfo"):
                lines = [line for line in text.splitlines() if line.startswith("Serial")]
                text = lines[0].partition(":")[2].strip() if lines else ""
            if text:
                with contextlib.suppress(ValueError):
                    return bytes.fromhex(text[-16:].rjust(16, "0")).hex().upper()
    machine_id = ""
    with contextlib.suppress(OSError):
        machine_id = Path("/etc/machine-id").read_text().strip()
    return hashlib.sha256((machine_id or board_id).encode()).digest()[:8].hex().upper()


def load_modules(names: tuple[str, ...] = ("libcomposite",)) -> None:
    """``modprobe`` what the gadget needs, if the tool is there (errors show up later, as a
    missing configfs folder, with a better message)."""
    modprobe = shutil.which("modprobe") or "/sbin/modprobe"
    for name in names:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run([modprobe, "-q", name], check=False, capture_output=True, timeout=30)


class Gadget:
    """One composite gadget under ``configfs/usb_gadget/<name>``."""

    def __init__(
        self,
        configfs: Path = CONFIGFS,
        *,
        name: str = NAME,
        udc_class: Path | None = None,
        ops: ConfigfsOps | None = None,
        is_root: Callable[[], bool] = lambda: os.geteuid() == 0,
    ) -> None:
        self.configfs = Path(configfs)
        self.udc_class = Path(udc_class or UDC_CLASS)
        self.path = self.configfs / "usb_gadget" / name
        self.ops = ops or ConfigfsOps()
        self._is_root = is_root
        self.udc: str | None = None

    # -- paths ------------------------------------------------------------------------------

    @property
    def lun(self) -> Path:
        return self.path / "functions" / MASS_STORAGE / "lun.0"

    @property
    def config(self) -> Path:
        return self.path / "configs" / CONFIG

    def exists(self) -> bool:
        return self.ops.exists(self.path)

    # -- checks -----------------------------------------------------------------------------

    def controllers(self) -> list[str]:
        """The USB device controllers this computer has (``dummy_udc.0``, ``fe980000.usb``)."""
        return self.ops.listdir(self.udc_class)

    def require_root(self) -> None:
        if not self._is_root():
            raise GadgetError(
                "gadget mode changes the kernel's USB device setup, which needs root",
                "run it with sudo: sudo $(which protoboard) gadget ...",
            )

    def check(self, udc: str | None = None) -> str:
        """Can a gadget be made here? Returns the controller to bind to, else GadgetError."""
        self.require_root()
        if not self.ops.exists(self.configfs / "usb_gadget"):
            if not self.ops.is_configfs(self.configfs):
                raise GadgetError(
                    f"configfs is not mounted at {self.configfs}",
                    f"mount it with: sudo mount -t configfs none {self.configfs}",
                )
            raise GadgetError(
                f"the kernel's USB gadget support is not loaded ({self.configfs}/usb_gadget "
                "is missing)",
                "load it with: sudo modprobe libcomposite (Raspberry Pi OS has it as a module)",
            )
        controllers = self.controllers()
        if not controllers:
            raise GadgetError(NO_UDC, NO_UDC_HINT)
        if udc is not None and udc not in controllers:
            raise GadgetError(
                f"there is no USB device controller named '{udc}'",
                f"this computer has: {', '.join(controllers)}",
            )
        if self.exists():
            raise GadgetError(
                f"a Protoboard gadget is already set up ({self.path}): another 'protoboard "
                "gadget' is running, or one was left behind",
                "stop a leftover one with: sudo protoboard gadget --stop",
            )
        return udc or controllers[0]

    # -- setup ------------------------------------------------------------------------------

    def setup(self, config: GadgetConfig) -> None:
        """Create the gadget (not yet bound to a controller, no drive attached). On failure,
        whatever was made is removed again."""
        try:
            self._make(config)
        except OSError as exc:
            with contextlib.suppress(GadgetError):
                self.teardown()
            raise GadgetError(
                f"could not set up the USB gadget in {self.path}: {exc.strerror or exc}"
                + (f" ({exc.filename})" if exc.filename else "")
            ) from exc

    def _make(self, config: GadgetConfig) -> None:
        ops, g = self.ops, self.path
        ops.mkdir(g)
        ops.write(g / "idVendor", f"0x{config.vid:04x}")
        ops.write(g / "idProduct", f"0x{config.pid:04x}")
        ops.write(g / "bcdUSB", "0x0200")
        ops.write(g / "bcdDevice", "0x0100")
        # Miscellaneous / common class / IAD: a composite device with CDC in it
        ops.write(g / "bDeviceClass", "0xEF")
        ops.write(g / "bDeviceSubClass", "0x02")
        ops.write(g / "bDeviceProtocol", "0x01")
        strings = g / "strings" / LANGUAGE
        ops.mkdir(g / "strings")
        ops.mkdir(strings)
        ops.write(strings / "manufacturer", config.manufacturer)
        ops.write(strings / "product", config.product)
        ops.write(strings / "serialnumber", config.serial_number)
        ops.mkdir(g / "configs")
        ops.mkdir(self.config)
        ops.write(self.config / "MaxPower", str(config.max_power_ma))
        ops.mkdir(self.config / "strings")
        ops.mkdir(self.config / "strings" / LANGUAGE)
        ops.write(self.config / "strings" / LANGUAGE / "configuration", "CircuitPython")
        ops.mkdir(g / "functions")
        for function in FUNCTIONS:
            ops.mkdir(g / "functions" / function)
        ops.mkdir(self.lun)
        ops.write(self.lun / "removable", "1")
        ops.write(self.lun / "ro", "0")
        ops.write(self.lun / "inquiry_string", inquiry_string(*config.inquiry))
        for function in FUNCTIONS:
            ops.symlink(g / "functions" / function, self.config / function)

    def bind(self, udc: str) -> None:
        """Connect the gadget to the controller: the PC enumerates it now."""
        try:
            self.ops.write(self.path / "UDC", udc)
        except OSError as exc:
            if exc.errno == errno.EBUSY:
                raise GadgetError(
                    f"the USB device port {udc} is in use by another gadget",
                    "unload g_serial, g_ether or g_mass_storage (sudo modprobe -r ...) or "
                    "unbind the other configfs gadget, then try again",
                ) from exc
            raise GadgetError(f"could not bind the gadget to {udc}: {exc.strerror}") from exc
        self.udc = udc

    def attach(self, image: Path | None, *, read_only: bool) -> None:
        """Give the PC the drive (``image``), read-only or not; None takes it away. A drive
        already attached is ejected first, as ``ro`` can only change with no file attached:
        the PC sees "medium not present", then the drive again."""
        lun = self.lun
        if self.ops.read(lun / "file"):
            self.ops.write(lun / "forced_eject", "1")
        if image is None:
            return
        self.ops.write(lun / "ro", "1" if read_only else "0")
        self.ops.write(lun / "file", str(Path(image).absolute()))

    def attached(self) -> tuple[str, bool]:
        """The LUN's backing file ("" when none) and whether it is read-only."""
        return self.ops.read(self.lun / "file"), self.ops.read(self.lun / "ro") == "1"

    # -- teardown ---------------------------------------------------------------------------

    def teardown(self) -> bool:
        """Remove the gadget (unbinding it first). Returns False if there was none. Each step
        is tried even if an earlier one failed; GadgetError lists what could not be undone."""
        if not self.exists():
            return False
        self.require_root()
        ops, g = self.ops, self.path
        problems: list[str] = []

        def step(what: str, action: Callable[[], None]) -> None:
            try:
                action()
            except FileNotFoundError:
                pass
            except OSError as exc:
                problems.append(f"{what}: {exc.strerror or exc}")

        if ops.exists(g / "UDC") and ops.read(g / "UDC"):
            step("unbind", lambda: ops.write(g / "UDC", ""))
        for config in ops.listdir(g / "configs"):
            folder = g / "configs" / config
            for entry in ops.listdir(folder):
                if os.path.islink(folder / entry):
                    step(f"unlink {entry}", partial(ops.unlink, folder / entry))
            for language in ops.listdir(folder / "strings"):
                step(f"strings of {config}", partial(ops.rmdir, folder / "strings" / language))
            step(f"configuration {config}", partial(ops.rmdir, folder))
        for function in ops.listdir(g / "functions"):
            step(f"function {function}", partial(ops.rmdir, g / "functions" / function))
        for language in ops.listdir(g / "strings"):
            step("strings", partial(ops.rmdir, g / "strings" / language))
        step("the gadget", lambda: ops.rmdir(g))
        self.udc = None
        if problems:
            raise GadgetError(
                f"the USB gadget {g} was not fully removed: " + "; ".join(problems),
                "a process may still have /dev/ttyGS0 open; close it and run "
                "'sudo protoboard gadget --stop' again",
            )
        return True
