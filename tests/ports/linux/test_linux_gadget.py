"""``protoboard gadget``'s configfs work on a model of configfs in a temporary folder.

The model keeps configfs's rules that the code depends on: mkdir of a gadget or a function makes
its attribute files and default groups, only existing attributes can be written, ``ro`` cannot
change while a file is attached (EBUSY), ``forced_eject`` detaches it, a controller takes one
gadget, and a group cannot be removed while it holds links or groups the user made, or while a
configuration links it. The real cycle runs in the QEMU VM (tests/vm).
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from protoboard.ports.linux import gadget as gadget_module
from protoboard.ports.linux.gadget import (
    NO_UDC,
    ConfigfsOps,
    Gadget,
    GadgetConfig,
    GadgetError,
    inquiry_string,
)

GADGET_ATTRS = ("idVendor", "idProduct", "bcdUSB", "bcdDevice", "bDeviceClass",
                "bDeviceSubClass", "bDeviceProtocol", "UDC")  # fmt: skip
GADGET_GROUPS = ("functions", "configs", "strings", "os_desc")
LUN_ATTRS = ("file", "ro", "removable", "cdrom", "nofua", "inquiry_string", "forced_eject")


class ConfigfsModel(ConfigfsOps):
    """configfs's rules over a plain folder (see the module docstring)."""

    def __init__(self, root: Path, udc_class: Path) -> None:
        self.root = root
        self.udc_class = udc_class
        self.user_made: set[Path] = set()
        self.bound: dict[str, Path] = {}  # controller -> gadget
        self.fail_on: str | None = None  # an attribute whose write fails (EINVAL)
        self.mounted = True
        (root / "usb_gadget").mkdir(parents=True)

    def is_configfs(self, path: Path) -> bool:
        return self.mounted and path == self.root

    def _kind(self, path: Path) -> str:
        rel = path.relative_to(self.root / "usb_gadget").parts
        if len(rel) == 1:
            return "gadget"
        if len(rel) == 3 and rel[1] in ("strings",):
            return "strings"
        if len(rel) == 3 and rel[1] == "configs":
            return "config"
        if len(rel) == 5 and rel[1] == "configs" and rel[3] == "strings":
            return "config-strings"
        if len(rel) == 3 and rel[1] == "functions":
            return "function"
        return "?"

    def mkdir(self, path: Path) -> None:
        if path.exists():
            return  # a default group: the real ConfigfsOps ignores EEXIST too
        if not path.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(path))
        kind = self._kind(path)
        if kind == "?" or (kind == "function" and "." not in path.name):
            raise PermissionError(errno.EPERM, "Operation not permitted", str(path))
        path.mkdir()
        self.user_made.add(path)
        files: tuple[str, ...] = ()
        if kind == "gadget":
            files = GADGET_ATTRS
            for group in GADGET_GROUPS:
                (path / group).mkdir()
        elif kind == "strings":
            files = ("manufacturer", "product", "serialnumber")
        elif kind == "config":
            files = ("MaxPower", "bmAttributes")
            (path / "strings").mkdir()
        elif kind == "config-strings":
            files = ("configuration",)
        elif kind == "function" and path.name.startswith("mass_storage."):
            files = ("stall",)
            (path / "lun.0").mkdir()
            for name in LUN_ATTRS:
                (path / "lun.0" / name).write_text("0\n" if name != "file" else "\n")
        elif kind == "function" and path.name.startswith("acm."):
            files = ("port_num",)
        for name in files:
            (path / name).write_text("0\n" if name != "UDC" else "\n")

    def write(self, path: Path, value: str) -> None:
        if not path.is_file():
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(path))
        value = value.strip("\n")
        if path.name == self.fail_on:
            raise OSError(errno.EINVAL, "Invalid argument", str(path))
        if path.name == "ro" and (path.parent / "file").read_text().strip():
            raise OSError(errno.EBUSY, "Device or resource busy", str(path))
        if path.name == "forced_eject":
            (path.parent / "file").write_text("\n")
            return
        if path.name == "file" and value and not Path(value).is_file():
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", value)
        if path.name == "inquiry_string" and len(value) > 28:
            raise OSError(errno.EINVAL, "Invalid argument", str(path))
        if path.name == "UDC":
            gadget = path.parent
            for controller, owner in list(self.bound.items()):
                if owner == gadget:
                    del self.bound[controller]
            if value:
                if not (self.udc_class / value).exists():
                    raise OSError(errno.ENODEV, "No such device", str(path))
                if value in self.bound:
                    raise OSError(errno.EBUSY, "Device or resource busy", str(path))
                self.bound[value] = gadget
        path.write_text(value + "\n")

    def symlink(self, target: Path, link: Path) -> None:
        if self._kind(link.parent) != "config" or self._kind(target) != "function":
            raise PermissionError(errno.EPERM, "Operation not permitted", str(link))
        os.symlink(target, link)

    def rmdir(self, path: Path) -> None:
        if path not in self.user_made:
            raise PermissionError(errno.EPERM, "Operation not permitted", str(path))
        inside = [p for p in path.rglob("*") if p.is_symlink() or p in self.user_made]
        if inside:
            raise OSError(errno.ENOTEMPTY, "Directory not empty", str(path))
        links = [p for p in self.root.rglob("*") if p.is_symlink() and p.resolve() == path]
        if links:
            raise OSError(errno.EBUSY, "Device or resource busy", str(path))
        if path.name in self.bound.values() or path in self.bound.values():
            raise OSError(errno.EBUSY, "Device or resource busy", str(path))
        shutil.rmtree(path)
        self.user_made.discard(path)


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path, ConfigfsModel]:
    configfs = tmp_path / "config"
    udc_class = tmp_path / "udc"
    udc_class.mkdir()
    (udc_class / "dummy_udc.0").mkdir()
    return configfs, udc_class, ConfigfsModel(configfs, udc_class)


def make(tree: tuple[Path, Path, ConfigfsModel], root: bool = True, name: str = "pb") -> Gadget:
    configfs, udc_class, model = tree
    return Gadget(configfs, name=name, udc_class=udc_class, ops=model, is_root=lambda: root)


def test_inquiry_string_fields_are_padded_to_fixed_widths() -> None:
    text = inquiry_string("Adafruit", "CircuitPython", "1.0")
    assert text == "Adafruit" + "CircuitPython   " + "1.0 "
    assert len(text) == 28
    assert inquiry_string("A very long vendor", "x" * 20, "12345") == (
        "A very l" + "x" * 16 + "1234"
    )
    with pytest.raises(GadgetError, match="printable ASCII"):
        inquiry_string("Adafrüit", "CircuitPython", "1.0")


def test_setup_builds_the_composite_gadget(tree: tuple[Path, Path, ConfigfsModel]) -> None:
    usb = make(tree)
    assert usb.check() == "dummy_udc.0"
    usb.setup(GadgetConfig(serial_number="E6614103E7", product="Pi (Protoboard)"))
    g = usb.path
    assert (g / "idVendor").read_text() == "0x239a\n"
    assert (g / "bDeviceClass").read_text() == "0xEF\n"
    assert (g / "strings/0x409/serialnumber").read_text() == "E6614103E7\n"
    assert (g / "strings/0x409/product").read_text() == "Pi (Protoboard)\n"
    lun = g / "functions/mass_storage.usb0/lun.0"
    assert (lun / "removable").read_text() == "1\n"
    assert (lun / "ro").read_text() == "0\n"
    assert (lun / "inquiry_string").read_text() == "AdafruitCircuitPython   1.0 \n"
    assert (lun / "file").read_text() == "\n"  # no drive until boot.py has run
    links = sorted(p.name for p in (g / "configs/c.1").iterdir() if p.is_symlink())
    assert links == ["acm.usb0", "mass_storage.usb0"]
    assert (g / "UDC").read_text() == "\n"
    usb.bind("dummy_udc.0")
    assert (g / "UDC").read_text() == "dummy_udc.0\n"


def test_attach_ejects_before_changing_ro(
    tree: tuple[Path, Path, ConfigfsModel], tmp_path: Path
) -> None:
    image = tmp_path / "CIRCUITPY.img"
    image.write_bytes(bytes(4096))
    usb = make(tree)
    usb.setup(GadgetConfig())
    usb.attach(image, read_only=False)
    assert usb.attached() == (str(image), False)
    usb.attach(image, read_only=True)  # the model refuses ro while a file is attached
    assert usb.attached() == (str(image), True)
    usb.attach(None, read_only=False)
    assert usb.attached() == ("", True)
    usb.attach(image, read_only=False)
    assert usb.attached() == (str(image), False)


def test_teardown_undoes_everything_in_order(tree: tuple[Path, Path, ConfigfsModel]) -> None:
    configfs, _udc, model = tree
    usb = make(tree)
    usb.setup(GadgetConfig())
    usb.bind("dummy_udc.0")
    assert usb.teardown() is True
    assert list((configfs / "usb_gadget").iterdir()) == []
    assert model.bound == {}
    assert usb.teardown() is False  # nothing left: says so, no error


def test_a_leftover_gadget_is_refused_then_removed(tree: tuple[Path, Path, ConfigfsModel]) -> None:
    first = make(tree)
    first.setup(GadgetConfig())
    first.bind("dummy_udc.0")
    second = make(tree)  # a new process: knows nothing of the first
    with pytest.raises(GadgetError, match="already set up") as caught:
        second.check()
    assert "protoboard gadget --stop" in (caught.value.hint or "")
    assert second.teardown() is True
    assert second.check() == "dummy_udc.0"


def test_a_failed_setup_leaves_nothing(tree: tuple[Path, Path, ConfigfsModel]) -> None:
    configfs, _udc, model = tree
    model.fail_on = "inquiry_string"
    usb = make(tree)
    with pytest.raises(GadgetError, match="could not set up the USB gadget.*Invalid argument"):
        usb.setup(GadgetConfig())
    assert list((configfs / "usb_gadget").iterdir()) == []


def test_a_controller_used_by_another_gadget(tree: tuple[Path, Path, ConfigfsModel]) -> None:
    other = make(tree, name="g1")
    other.setup(GadgetConfig())
    other.bind("dummy_udc.0")
    usb = make(tree)
    usb.setup(GadgetConfig())
    with pytest.raises(GadgetError, match="dummy_udc.0 is in use by another gadget") as caught:
        usb.bind("dummy_udc.0")
    assert "g_serial" in (caught.value.hint or "")
    assert usb.teardown() and other.teardown()


def test_errors_say_what_is_missing(tree: tuple[Path, Path, ConfigfsModel], tmp_path: Path) -> None:
    configfs, udc_class, model = tree
    with pytest.raises(GadgetError, match="needs root") as caught:
        make(tree, root=False).check()
    assert "sudo" in (caught.value.hint or "")
    with pytest.raises(GadgetError, match="no USB device controller named 'fe980000.usb'"):
        make(tree).check("fe980000.usb")
    shutil.rmtree(udc_class / "dummy_udc.0")
    with pytest.raises(GadgetError) as caught:
        make(tree).check()
    assert str(caught.value) == NO_UDC
    assert "dtoverlay=dwc2" in (caught.value.hint or "")
    shutil.rmtree(configfs / "usb_gadget")  # mounted, but libcomposite is not loaded
    with pytest.raises(GadgetError, match="USB gadget support is not loaded") as caught:
        make(tree).check()
    assert "modprobe libcomposite" in (caught.value.hint or "")
    model.mounted = False  # /sys/kernel/config is there, empty: nothing mounted on it
    with pytest.raises(GadgetError, match="configfs is not mounted") as caught:
        make(tree).check()
    assert "mount -t configfs" in (caught.value.hint or "")


def test_teardown_reports_what_it_could_not_undo(tree: tuple[Path, Path, ConfigfsModel]) -> None:
    _configfs, _udc, model = tree
    usb = make(tree)
    usb.setup(GadgetConfig())
    stray = usb.path / "functions" / "acm.usb0" / "held"  # something the model will not rmdir
    stray.mkdir()
    model.user_made.add(stray)
    with pytest.raises(GadgetError, match="not fully removed: function acm.usb0"):
        usb.teardown()
    with pytest.raises(GadgetError, match="needs root"):
        make(tree, root=False).teardown()


def test_cli_stop_and_errors(
    tree: tuple[Path, Path, ConfigfsModel], monkeypatch: pytest.MonkeyPatch
) -> None:
    from protoboard.cli import main

    configfs, udc_class, model = tree
    monkeypatch.setattr(gadget_module, "ConfigfsOps", lambda: model)
    monkeypatch.setattr(gadget_module, "UDC_CLASS", udc_class)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    runner = CliRunner()
    done = runner.invoke(main, ["gadget", "--stop", "--configfs", str(configfs)])
    assert done.exit_code == 0 and "no Protoboard USB gadget is set up" in done.output
    leftover = Gadget(configfs, udc_class=udc_class, ops=model)
    leftover.setup(GadgetConfig())
    leftover.bind("dummy_udc.0")
    done = runner.invoke(main, ["gadget", "--stop", "--configfs", str(configfs)])
    assert done.exit_code == 0 and "USB gadget removed" in done.output
    assert not leftover.exists()
    shutil.rmtree(udc_class / "dummy_udc.0")
    done = runner.invoke(main, ["gadget", "--configfs", str(configfs), "--port", "sim"])
    assert done.exit_code == 2
    assert NO_UDC in done.output and "dtoverlay=dwc2" in done.output
    done = runner.invoke(main, ["gadget", "--pid", "0x1ffff", "--configfs", str(configfs)])
    assert done.exit_code == 2 and "not a 16-bit USB id" in done.output
