"""Finding the CircuitPython boards plugged into this computer.

A board shows up as one or two USB serial ports (the REPL, and the ``usb_cdc`` data port when
``boot.py`` enables it) and a CIRCUITPY drive. The REPL port is recognised by its USB interface
name ("CircuitPython CDC control"), as Mu and Thonny do, because vendor ids are shared with other
firmware; where the system does not report interface names (macOS, Windows), a known
CircuitPython vendor id is the fallback. The drive is matched to the port through the USB serial
number, which CircuitPython sets to the chip's UID: it appears in ``/dev/disk/by-id`` names and
on the ``UID:`` line of ``boot_out.txt``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

#: USB vendor ids that CircuitPython boards use (the fallback when interface names are unknown)
CIRCUITPYTHON_VIDS = {
    0x239A: "Adafruit",
    0x2E8A: "Raspberry Pi",
    0x303A: "Espressif",
    0x1209: "pid.codes",
    0x1B4F: "SparkFun",
    0x2886: "Seeed",
    0x04D8: "Microchip",
    0x2341: "Arduino",
    0x16D0: "MCS",
}
#: the USB product name of a Raspberry Pi running ``protoboard gadget``: the kernel names that
#: gadget's serial interface itself (configfs cannot set it), so the product name tells it
GADGET_PRODUCT = "Protoboard CircuitPython board"
REPL_INTERFACE = "CircuitPython CDC control"
DATA_INTERFACE = "CircuitPython CDC2 control"
#: boot_out.txt is at most 512 bytes on a board; anything past this is not ours to read
BOOT_OUT_LIMIT = 4096
#: a mount table longer than this is cut (every line we need is near the top in practice)
MOUNTS_LIMIT = 1 << 20


class PortInfo(Protocol):
    """What pyserial's ``ListPortInfo`` tells about one serial port (the part used here)."""

    device: str
    vid: int | None
    pid: int | None
    serial_number: str | None
    manufacturer: str | None
    product: str | None
    interface: str | None
    location: str | None


@dataclass(frozen=True)
class Sources:
    """Where the facts come from; tests pass models of them."""

    list_ports: Callable[[], Iterable[PortInfo]]
    by_id: Path = Path("/dev/disk/by-id")
    mounts: Path = Path("/proc/self/mounts")


@dataclass
class Board:
    name: str
    manufacturer: str
    vid: int
    pid: int
    serial_number: str
    #: the REPL's serial port
    port: str | None = None
    #: the usb_cdc data port, when boot.py turned it on
    data_port: str | None = None
    drive: str | None = None
    board_id: str | None = None
    version: str | None = None
    names: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["names"]
        data["vid"] = f"0x{self.vid:04x}"
        data["pid"] = f"0x{self.pid:04x}"
        return data

    def matches(self, target: str) -> bool:
        """Whether ``target`` names this board: its port, drive, serial number, board id or
        product name (case-insensitive)."""
        wanted = target.casefold()
        known = [
            self.port,
            self.data_port,
            self.drive,
            self.serial_number,
            self.board_id,
            self.name,
        ]
        return any(value is not None and value.casefold() == wanted for value in known)


def _pyserial_ports() -> Iterable[PortInfo]:
    from serial.tools import list_ports

    return list_ports.comports()


def default_sources() -> Sources:
    return Sources(list_ports=_pyserial_ports)


#: what the commands read; tests put models of the USB world here
SOURCES: Sources | None = None


def _is_circuitpython(info: PortInfo) -> bool:
    if info.vid is None or info.pid is None:
        return False
    if info.product == GADGET_PRODUCT:
        return True
    if info.interface:
        return info.interface.startswith("CircuitPython CDC")
    return info.vid in CIRCUITPYTHON_VIDS


def find_boards(sources: Sources | None = None) -> list[Board]:
    """Every CircuitPython board connected now, sorted by REPL port."""
    sources = sources or default_sources()
    boards: dict[str, Board] = {}
    for info in sources.list_ports():
        if not _is_circuitpython(info):
            continue
        assert info.vid is not None and info.pid is not None
        # boards without a serial number are told apart by their USB location
        key = info.serial_number or info.location or info.device
        board = boards.setdefault(
            key,
            Board(
                name=info.product or "CircuitPython board",
                manufacturer=info.manufacturer or CIRCUITPYTHON_VIDS.get(info.vid, ""),
                vid=info.vid,
                pid=info.pid,
                serial_number=info.serial_number or "",
            ),
        )
        if info.interface and info.interface.startswith(DATA_INTERFACE):
            board.data_port = info.device
        elif board.port is None:
            board.port = info.device
    mounts = read_mounts(sources.mounts)
    for board in boards.values():
        _find_drive(board, sources.by_id, mounts)
    return sorted(boards.values(), key=lambda board: board.port or "")


def read_mounts(table: Path) -> dict[str, str]:
    """Mounted device -> mount point, from a ``/proc/self/mounts``-style table."""
    try:
        with table.open(encoding="utf-8", errors="replace") as file:
            text = file.read(MOUNTS_LIMIT)
    except OSError:
        return {}
    mounts: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2:
            mounts[_unescape(fields[0])] = _unescape(fields[1])
    return mounts


def _unescape(field_text: str) -> str:
    # the kernel writes spaces, tabs, newlines and backslashes in octal (\040)
    return field_text.encode().decode("unicode_escape") if "\\" in field_text else field_text


def _find_drive(board: Board, by_id: Path, mounts: dict[str, str]) -> None:
    drive = _drive_by_id(board, by_id, mounts) or _drive_by_boot_out(board, mounts)
    if drive is None:
        return
    board.drive = drive
    boot_out = read_boot_out(Path(drive))
    board.version = boot_out.get("version")
    board.board_id = boot_out.get("board_id")


def _drive_by_id(board: Board, by_id: Path, mounts: dict[str, str]) -> str | None:
    if not board.serial_number:
        return None
    try:
        entries = sorted(os.listdir(by_id))
    except OSError:
        return None
    for entry in entries:
        if entry.startswith("usb-") and f"_{board.serial_number}-" in entry:
            node = os.path.realpath(by_id / entry)
            if node in mounts:
                return mounts[node]
    return None


def _drive_by_boot_out(board: Board, mounts: dict[str, str]) -> str | None:
    """A mounted drive whose boot_out.txt names this board's UID (no /dev/disk/by-id here)."""
    if not board.serial_number:
        return None
    for mount_point in mounts.values():
        if read_boot_out(Path(mount_point)).get("uid", "").casefold() == (
            board.serial_number.casefold()
        ):
            return mount_point
    return None


def read_boot_out(drive: Path) -> dict[str, str]:
    """Version, board id and UID from a drive's boot_out.txt ({} when it has none)."""
    try:
        with (drive / "boot_out.txt").open(encoding="utf-8", errors="replace") as file:
            lines = file.read(BOOT_OUT_LIMIT).splitlines()
    except OSError:
        return {}
    facts: dict[str, str] = {}
    if lines and lines[0].startswith("Adafruit CircuitPython "):
        # "Adafruit CircuitPython 9.2.1 on 2024-11-20; Board Name with chip"
        facts["version"] = lines[0].split(";")[0].split()[2]
    for line in lines[1:4]:
        key, _, value = line.partition(":")
        if key == "Board ID":
            facts["board_id"] = value.strip()
        elif key == "UID":
            facts["uid"] = value.strip()
    return facts


class ChoiceError(LookupError):
    """No board, or several, or none matching the name given (the message says what to do)."""


def choose(boards: list[Board], target: str | None) -> Board:
    """The board ``target`` names, or the only one connected."""
    if target is not None:
        named = [board for board in boards if board.matches(target)]
        if len(named) == 1:
            return named[0]
        if not named:
            raise ChoiceError(
                f"no connected board is called '{target}'; "
                + (_listing(boards) if boards else "no CircuitPython board is connected")
            )
        boards = named
    if not boards:
        raise ChoiceError(
            "no CircuitPython board is connected: plug it in with a data USB cable "
            "(some cables only charge), then run 'protoboard devices'"
        )
    if len(boards) > 1:
        raise ChoiceError(
            f"{len(boards)} boards are connected; name one, "
            f"e.g. 'protoboard console {boards[0].port}'. {_listing(boards)}"
        )
    return boards[0]


def _listing(boards: list[Board]) -> str:
    return "connected: " + ", ".join(f"{board.name} on {board.port}" for board in boards)
