"""`protoboard devices`: discovery against a model of the USB world.

The true edge here is what the OS reports: pyserial's port list, /dev/disk/by-id and the mount
table. ``UsbWorld`` models them as state (boards plugged in and out, drives mounted where the
desktop mounts them), built from pyserial's own ``ListPortInfo`` and real files and symlinks, so
the discovery code reads what it reads on a real machine.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from serial.tools.list_ports_common import ListPortInfo

from protoboard import devicecommands, devices
from protoboard.cli import main


@dataclass
class ModelBoard:
    product: str
    serial: str
    board_id: str
    vid: int = 0x239A
    pid: int = 0x80F4
    data_port: bool = False
    label: str = "CIRCUITPY"
    interface_names: bool = True


class UsbWorld:
    """Boards plugged into a model computer: its serial ports, disks and mount table."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.by_id = root / "dev" / "disk" / "by-id"
        self.by_id.mkdir(parents=True)
        self.mounts = root / "proc-mounts"
        self.mounts.write_text("proc /proc proc rw 0 0\n/dev/nvme0n1p2 / ext4 rw 0 0\n")
        self.plugged: dict[str, tuple[ModelBoard, list[ListPortInfo]]] = {}
        self.others: list[ListPortInfo] = []
        self._tty = 0
        self._disk = 0

    def sources(self) -> devices.Sources:
        return devices.Sources(list_ports=self.comports, by_id=self.by_id, mounts=self.mounts)

    def comports(self) -> list[ListPortInfo]:
        return [port for _, ports in self.plugged.values() for port in ports] + self.others

    def _port(self, board: ModelBoard, interface: str) -> ListPortInfo:
        info = ListPortInfo(f"/dev/ttyACM{self._tty}", skip_link_detection=True)
        self._tty += 1
        info.vid, info.pid, info.serial_number = board.vid, board.pid, board.serial
        info.manufacturer, info.product = "Adafruit Industries LLC", board.product
        info.interface = interface if board.interface_names else None
        info.location = f"1-{len(self.plugged) + 1}:1.0"
        return info

    def plug(self, board: ModelBoard, mount: bool = True) -> None:
        ports = [self._port(board, "CircuitPython CDC control")]
        if board.data_port:
            ports.append(self._port(board, "CircuitPython CDC2 control"))
        self.plugged[board.serial] = (board, ports)
        disk = self.root / "dev" / f"sd{'bcdefgh'[self._disk]}"
        self._disk += 1
        disk.write_bytes(b"")  # stands for the block device node
        product = board.product.replace(" ", "_")
        (self.by_id / f"usb-Adafruit_{product}_{board.serial}-0:0").symlink_to(disk)
        if mount:
            self.mount(board, disk)

    def mount(self, board: ModelBoard, disk: Path) -> None:
        point = self.root / "media" / "user" / board.label
        point.mkdir(parents=True)
        (point / "boot_out.txt").write_text(
            f"Adafruit CircuitPython 9.2.1 on 2024-11-20; {board.product} with rp2040\r\n"
            f"Board ID:{board.board_id}\r\nUID:{board.serial}\r\n"
        )
        escaped = str(point).replace(" ", "\\040")
        with self.mounts.open("a") as table:
            table.write(f"{os.path.realpath(disk)} {escaped} vfat rw,nosuid 0 0\n")

    def unplug(self, serial: str) -> None:
        del self.plugged[serial]


FEATHER = ModelBoard("Feather RP2040", "DF6250A1C2345678", "adafruit_feather_rp2040")
QTPY = ModelBoard("QT Py RP2040", "E66038B7130A4B2C", "adafruit_qtpy_rp2040", pid=0x80F8)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> UsbWorld:
    model = UsbWorld(tmp_path)
    monkeypatch.setattr(devices, "SOURCES", model.sources())
    return model


def test_a_board_with_its_port_drive_and_boot_out(world: UsbWorld) -> None:
    world.plug(FEATHER)
    (board,) = devices.find_boards(world.sources())
    assert board.port == "/dev/ttyACM0"
    assert board.drive == str(world.root / "media" / "user" / "CIRCUITPY")
    assert (board.board_id, board.version) == ("adafruit_feather_rp2040", "9.2.1")
    assert (board.vid, board.pid, board.serial_number) == (0x239A, 0x80F4, FEATHER.serial)


def test_two_boards_each_get_their_own_drive_and_data_port(world: UsbWorld) -> None:
    world.plug(FEATHER)
    world.plug(
        ModelBoard(QTPY.product, QTPY.serial, QTPY.board_id, data_port=True, label="CIRCUITPY1")
    )
    feather, qtpy = devices.find_boards(world.sources())
    assert feather.drive is not None and feather.drive.endswith("/CIRCUITPY")
    assert qtpy.drive is not None and qtpy.drive.endswith("/CIRCUITPY1")
    assert (qtpy.port, qtpy.data_port) == ("/dev/ttyACM1", "/dev/ttyACM2")
    assert feather.data_port is None


def test_a_drive_label_with_a_space_is_read_from_the_escaped_mount_table(world: UsbWorld) -> None:
    world.plug(ModelBoard("Feather RP2040", "AB12", "adafruit_feather_rp2040", label="MY BOARD"))
    (board,) = devices.find_boards(world.sources())
    assert board.drive is not None and board.drive.endswith("/MY BOARD")
    assert board.board_id == "adafruit_feather_rp2040"


def test_without_by_id_the_drive_is_found_through_boot_out_uid(world: UsbWorld) -> None:
    world.plug(FEATHER)
    for link in world.by_id.iterdir():
        link.unlink()
    (board,) = devices.find_boards(world.sources())
    assert board.board_id == "adafruit_feather_rp2040"


def test_unmounted_drive_and_unplugged_board(world: UsbWorld) -> None:
    world.plug(FEATHER, mount=False)
    (board,) = devices.find_boards(world.sources())
    assert (board.port, board.drive, board.board_id) == ("/dev/ttyACM0", None, None)
    world.unplug(FEATHER.serial)
    assert devices.find_boards(world.sources()) == []


def test_other_serial_devices_are_left_out(world: UsbWorld) -> None:
    usb_serial = ListPortInfo("/dev/ttyUSB0", skip_link_detection=True)
    usb_serial.vid, usb_serial.pid, usb_serial.interface = 0x0403, 0x6001, "FT232R USB UART"
    # MicroPython on a Pico shares the Raspberry Pi vendor id but not the interface name
    micropython = ListPortInfo("/dev/ttyACM9", skip_link_detection=True)
    micropython.vid, micropython.pid, micropython.interface = 0x2E8A, 0x0005, "Board CDC"
    world.others += [usb_serial, micropython, ListPortInfo("/dev/ttyS0", True)]
    world.plug(FEATHER)
    assert [board.port for board in devices.find_boards(world.sources())] == ["/dev/ttyACM0"]


def test_without_interface_names_a_circuitpython_vendor_id_counts(world: UsbWorld) -> None:
    world.plug(ModelBoard("Feather RP2040", "AB12", "x", interface_names=False))
    assert [board.name for board in devices.find_boards(world.sources())] == ["Feather RP2040"]


def test_a_pi_running_protoboard_gadget_is_found_by_its_product_name(world: UsbWorld) -> None:
    # the kernel names the gadget's serial interface itself; the product name says what it is
    pi = ModelBoard(devices.GADGET_PRODUCT, "10000000AB12CD34", "raspberrypi_pi4b", pid=0x8000)
    world.plug(pi)
    for port in world.plugged[pi.serial][1]:
        port.interface = "CDC Abstract Control Model (ACM)"
    found = devices.find_boards(world.sources())
    assert [(b.port, b.name) for b in found] == [("/dev/ttyACM0", devices.GADGET_PRODUCT)]


def test_devices_command_text_and_json(world: UsbWorld) -> None:
    runner = CliRunner()
    empty = runner.invoke(main, ["devices"])
    assert empty.exit_code == 0 and "No CircuitPython board found" in empty.output
    world.plug(FEATHER)
    text = runner.invoke(main, ["devices"])
    assert text.exit_code == 0, text.output
    assert "Feather RP2040 (CircuitPython 9.2.1)" in text.output
    assert "serial port: /dev/ttyACM0" in text.output
    listed = json.loads(runner.invoke(main, ["devices", "--json"]).output)
    assert listed == [
        {
            "name": "Feather RP2040",
            "manufacturer": "Adafruit Industries LLC",
            "vid": "0x239a",
            "pid": "0x80f4",
            "serial_number": FEATHER.serial,
            "port": "/dev/ttyACM0",
            "data_port": None,
            "drive": str(world.root / "media" / "user" / "CIRCUITPY"),
            "board_id": "adafruit_feather_rp2040",
            "version": "9.2.1",
        }
    ]


def test_console_with_no_board_says_how_to_connect_one(world: UsbWorld) -> None:
    result = CliRunner().invoke(main, ["console"])
    assert result.exit_code == 2
    assert "no CircuitPython board is connected" in result.output
    assert "data USB cable" in result.output


def test_console_with_several_boards_asks_to_name_one(world: UsbWorld) -> None:
    world.plug(FEATHER)
    world.plug(ModelBoard(QTPY.product, QTPY.serial, QTPY.board_id, label="CIRCUITPY1"))
    result = CliRunner().invoke(main, ["console"])
    assert result.exit_code == 2
    assert "2 boards are connected; name one" in result.output
    assert "Feather RP2040 on /dev/ttyACM0, QT Py RP2040 on /dev/ttyACM1" in result.output


@pytest.mark.hostile
def test_console_with_an_unknown_name_lists_the_boards(world: UsbWorld) -> None:
    world.plug(FEATHER)
    result = CliRunner().invoke(main, ["console", "metro_m4"])
    assert result.exit_code == 2
    assert "no connected board is called 'metro_m4'" in result.output
    assert "Feather RP2040 on /dev/ttyACM0" in result.output


def test_boards_are_named_by_board_id_product_or_serial(world: UsbWorld) -> None:
    world.plug(FEATHER)
    world.plug(ModelBoard(QTPY.product, QTPY.serial, QTPY.board_id, label="CIRCUITPY1"))
    boards = devices.find_boards(world.sources())
    for name in ("adafruit_qtpy_rp2040", "qt py rp2040", QTPY.serial, "/dev/ttyACM1"):
        assert devices.choose(boards, name).port == "/dev/ttyACM1"


@pytest.mark.hostile
def test_a_hostile_boot_out_and_mount_table_are_read_within_bounds(world: UsbWorld) -> None:
    world.plug(FEATHER)
    drive = world.root / "media" / "user" / "CIRCUITPY"
    (drive / "boot_out.txt").write_bytes(b"\xff\xfe garbage" + b"x" * 100_000)
    with world.mounts.open("a") as table:
        table.write("half-a-line\n\n" + "y" * 10_000 + "\n")
    (board,) = devices.find_boards(world.sources())
    assert board.drive == str(drive)
    assert (board.version, board.board_id) == (None, None)


def test_missing_pyserial_gets_an_install_hint(
    world: UsbWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_serial() -> list[ListPortInfo]:
        raise ModuleNotFoundError("No module named 'serial'", name="serial")

    monkeypatch.setattr(devices, "SOURCES", devices.Sources(list_ports=no_serial))
    result = CliRunner().invoke(main, ["devices"])
    assert result.exit_code == 2
    assert "pip install 'protoboard[devices]'" in result.output
    assert devicecommands.NO_PYSERIAL[0] in result.output
