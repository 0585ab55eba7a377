"""Adafruit's own BLE file-transfer client (``adafruit_ble_file_transfer``, unmodified, on the
unmodified ``adafruit_ble``) drives our :class:`~protoboard.ble.device.DeviceSession` through the
fake ``_bleio`` of :mod:`ble_adapter` over the in-memory link; and the same scenario runs through
our own client for parity. Results are checked against the files in the served folder.

Our client's decoding of the worked example of workflows.md §2.4 is tested byte for byte in
``tests/unit/test_ble_protocol.py::test_worked_example_bytes``.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ble_adapter import AdafruitSession, fake_bleio

from protoboard.ble.client import FileTransferClient
from protoboard.ble.device import DeviceSession
from protoboard.ble.link import Link

T = 1700000001500000000
T_FAT = 1700000000000000000  # T truncated to FAT's 2 s


def _forget(folder: Path) -> None:
    root = str(folder.resolve())
    for name, module in list(sys.modules.items()):
        paths = [
            getattr(module, "__file__", None) or "",
            *(getattr(module, "__path__", None) or []),
        ]
        if any(str(path).startswith(root) for path in paths):
            del sys.modules[name]


@pytest.fixture
def ble_libs(adafruit_libs: Path) -> Iterator[Path]:
    """``adafruit_ble`` and ``adafruit_ble_file_transfer`` importable on a fake ``_bleio``."""
    _forget(adafruit_libs)
    saved = list(sys.path)
    sys.path.insert(0, str(adafruit_libs))
    try:
        with fake_bleio():
            yield adafruit_libs
    finally:
        sys.path[:] = saved
        _forget(adafruit_libs)


@pytest.fixture
def volume(tmp_path: Path) -> Path:
    folder = tmp_path / "CIRCUITPY"
    folder.mkdir()
    return folder


def _device(volume: Path, **kwargs: Any) -> DeviceSession:
    return DeviceSession(
        volume, read_only=lambda: False, on_change=lambda _: None, fat_times=True, **kwargs
    )


class Ours:
    """Our sans-IO client over :meth:`Link.run`, with the Adafruit client's method names."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.client = FileTransferClient(now_ns=lambda: T)

    def write(self, path: str, data: bytes) -> int:
        return self.link.run(self.client.write_file(path, data))

    def read(self, path: str) -> bytes:
        return self.link.run(self.client.read_file(path))

    def mkdir(self, path: str) -> int:
        return self.link.run(self.client.mkdir(path))

    def listdir(self, path: str) -> list[tuple[str, bool, int]]:
        return [(e.name, e.is_dir, e.size) for e in self.link.run(self.client.listdir(path))]

    def delete(self, path: str) -> None:
        self.link.run(self.client.delete(path))

    def move(self, old: str, new: str) -> None:
        self.link.run(self.client.move(old, new))


class Theirs:
    """Adafruit's client through the adapter; listdir tuples normalised like ours."""

    def __init__(self, link: Link) -> None:
        self.session = AdafruitSession(link)

    def write(self, path: str, data: bytes) -> int:
        return self.session.call("write", path, data, modification_time=T)

    def read(self, path: str) -> bytes:
        return bytes(self.session.call("read", path))

    def mkdir(self, path: str) -> int:
        return self.session.call("mkdir", path, modification_time=T)

    def listdir(self, path: str) -> list[tuple[str, bool, int]]:
        return [
            (name, bool(flags & 1), size)
            for name, size, flags, _ in self.session.call("listdir", path)
        ]

    def delete(self, path: str) -> None:
        self.session.call("delete", path)

    def move(self, old: str, new: str) -> None:
        self.session.call("move", old, new)


def _tree(volume: Path) -> dict[str, bytes | None]:
    """Every path under the volume: file contents, or None for a folder."""
    return {
        "/" + path.relative_to(volume).as_posix(): None if path.is_dir() else path.read_bytes()
        for path in sorted(volume.rglob("*"))
    }


@pytest.mark.parametrize("mtu", [247, 515])
@pytest.mark.parametrize("side", ["ours", "adafruit"])
def test_same_scenario_through_both_clients(ble_libs, volume, side, mtu):
    client = (Ours if side == "ours" else Theirs)(Link(_device(volume), mtu=mtu))
    big = os.urandom(5000)  # > one 490-byte read chunk and > one 512-byte write window
    small = b"print('hello')\n"

    assert client.mkdir("/lib") == T_FAT
    assert client.mkdir("/lib/sub") == T_FAT
    assert client.write("/lib/sub/big.bin", big) == T_FAT
    assert client.write("/code.py", small) == T_FAT
    assert client.write("/empty.txt", b"") == T_FAT
    assert _tree(volume) == {
        "/code.py": small,
        "/empty.txt": b"",
        "/lib": None,
        "/lib/sub": None,
        "/lib/sub/big.bin": big,
    }
    assert os.stat(volume / "lib/sub/big.bin").st_mtime_ns == T_FAT

    assert client.read("/lib/sub/big.bin") == big
    assert client.read("/code.py") == small
    assert client.read("/empty.txt") == b""
    assert client.listdir("/") == [
        ("code.py", False, len(small)),
        ("empty.txt", False, 0),
        ("lib", True, 0),
    ]
    assert client.listdir("/lib/sub") == [("big.bin", False, 5000)]
    assert client.listdir("/lib/sub/") == [("big.bin", False, 5000)]

    client.move("/lib/sub/big.bin", "/lib/moved.bin")
    client.move("/code.py", "/lib/sub/code.py")
    assert _tree(volume) == {
        "/empty.txt": b"",
        "/lib": None,
        "/lib/moved.bin": big,
        "/lib/sub": None,
        "/lib/sub/code.py": small,
    }
    assert client.listdir("/lib") == [("moved.bin", False, 5000), ("sub", True, 0)]

    client.write("/lib/moved.bin", small)  # overwrite a larger file: truncated
    assert (volume / "lib/moved.bin").read_bytes() == small
    client.delete("/empty.txt")
    client.delete("/lib")  # recursive
    assert _tree(volume) == {}
    assert client.listdir("/") == []


def test_adafruit_client_reads_version_4_from_the_service(ble_libs, volume):
    session = AdafruitSession(Link(_device(volume), mtu=247))
    assert session.service.version == 4
    assert str(session.service.raw._characteristic.uuid) == "adaf0200-4669-6c65-5472-616e73666572"
    assert session.client._service.raw.outgoing_packet_length == 244


def test_adafruit_client_errors(ble_libs, volume):
    read_only = {"on": False}
    device = DeviceSession(volume, read_only=lambda: read_only["on"], on_change=lambda _: None)
    session = AdafruitSession(Link(device, mtu=247))
    (volume / "a.txt").write_bytes(b"a")
    with pytest.raises(ValueError, match="Missing file"):
        session.call("read", "/nope.txt")
    with pytest.raises(ValueError, match="Missing file"):
        session.call("delete", "/nope.txt")
    with pytest.raises(ValueError, match="Invalid path"):
        session.call("mkdir", "/no/such/parent")
    with pytest.raises(ValueError, match="Missing file"):
        session.call("move", "/a.txt", "/no/such/b.txt")
    assert session.call("listdir", "/nope") == []  # the library ignores status 03
    read_only["on"] = True
    with pytest.raises(RuntimeError):  # status 05
        session.call("write", "/a.txt", b"new")
    read_only["on"] = False
    assert (volume / "a.txt").read_bytes() == b"a"
    # the session is still in step after the errors
    session.call("write", "/a.txt", b"new")
    assert session.call("read", "/a.txt") == b"new"


def test_adafruit_listdir_needs_an_mtu_of_at_least_31(ble_libs, volume):
    """A known limitation of the library, not of the device: at MTU 23 its listdir buffer
    (``incoming_packet_length`` = 20) cannot hold the 28-byte entry header, which CircuitPython
    (and our device) send as 16 + 12 bytes. Our client reassembles it (see
    tests/unit/test_ble_client.py::test_listdir_on_tiny_mtu_and_stream_splits); reads and
    writes through the library work at MTU 23."""
    (volume / "a.txt").write_bytes(b"abc")
    session = AdafruitSession(Link(_device(volume), mtu=23))
    data = os.urandom(1500)
    session.call("write", "/b.bin", data, modification_time=T)
    assert session.call("read", "/b.bin") == data
    with pytest.raises(struct.error):
        session.call("listdir", "/")
    assert Ours(Link(_device(volume), mtu=23)).listdir("/") == [
        ("a.txt", False, 3),
        ("b.bin", False, 1500),
    ]


@pytest.mark.parametrize("window", [512, 4096])
def test_link_accounting_matches_between_clients(ble_libs, volume, window):
    """The same write costs the same on the clock for both clients, apart from the Adafruit
    client's separate write of each WRITE_DATA header (one extra packet per window)."""
    data = os.urandom(64 * 1024)
    ours = Link(_device(volume, write_window=window), mtu=247, interval=0.015)
    Ours(ours).write("/a.bin", data)
    theirs = Link(_device(volume, write_window=window), mtu=247, interval=0.015)
    session = Theirs(theirs).session
    start = theirs.stats.elapsed
    session.call("write", "/b.bin", data)
    rounds = len(data) // window
    assert (volume / "a.bin").read_bytes() == (volume / "b.bin").read_bytes() == data
    assert theirs.stats.elapsed - start == pytest.approx(ours.stats.elapsed + rounds * 0.015)
    assert theirs.stats.packets_down == ours.stats.packets_down + 1  # + the version read
