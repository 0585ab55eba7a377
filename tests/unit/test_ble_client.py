"""The sans-IO client over the in-memory link to a DeviceSession."""

from __future__ import annotations

import os

import pytest

from protoboard.ble import protocol as p
from protoboard.ble.client import (
    ClientProtocolError,
    FileTransferClient,
    FileTransferError,
    NotFoundError,
    ReadOnlyError,
)
from protoboard.ble.device import DeviceSession
from protoboard.ble.link import Link, LinkLost, LinkStalled
from protoboard.runtime.drive import TEMP_PREFIX

T = 1700000001500000000


@pytest.fixture
def setup(tmp_path):
    volume = tmp_path / "CIRCUITPY"
    volume.mkdir()
    state = {"ro": False, "changes": []}
    device = DeviceSession(
        volume, read_only=lambda: state["ro"], on_change=state["changes"].append, fat_times=True
    )
    return volume, device, state, FileTransferClient(now_ns=lambda: T)


@pytest.mark.parametrize("mtu", [23, 247, 515])
def test_round_trips(setup, mtu):
    volume, device, state, client = setup
    link = Link(device, mtu=mtu)
    data = os.urandom(5000)
    progress = []
    assert link.run(client.mkdir("/lib/sub", parents=True)) == 1700000000000000000
    assert link.run(
        client.write_file("/lib/sub/big.bin", data, progress=lambda a, b: progress.append((a, b)))
    )
    assert progress[-1] == (5000, 5000) and progress[0] == (512, 5000)
    assert (volume / "lib" / "sub" / "big.bin").read_bytes() == data
    assert link.run(client.read_file("/lib/sub/big.bin")) == data
    assert link.run(client.read_file("/lib/sub/big.bin", offset=4000)) == data[4000:]
    [sub] = link.run(client.listdir("/lib/"))  # (the host updates a folder's time on change)
    assert (sub.name, sub.is_dir, sub.size, sub.mtime_ns % 2_000_000_000) == ("sub", True, 0, 0)
    [entry] = link.run(client.listdir("/lib/sub"))
    assert (entry.name, entry.size, entry.is_dir) == ("big.bin", 5000, False)
    link.run(client.move("/lib/sub/big.bin", "/moved.bin"))
    assert (volume / "moved.bin").read_bytes() == data
    link.run(client.delete("/lib"))
    assert sorted(os.listdir(volume)) == ["moved.bin"]
    assert link.run(client.write_file("/empty", b"")) and (volume / "empty").read_bytes() == b""
    assert link.run(client.read_file("/empty")) == b""
    assert state["changes"][-1] == "/empty"


def test_errors_say_what_and_why(setup):
    _, device, state, client = setup
    link = Link(device)
    with pytest.raises(NotFoundError, match=r"listdir /nope: .*status 03"):
        link.run(client.listdir("/nope"))
    with pytest.raises(FileTransferError, match=r"read /nope: .*status 02"):
        link.run(client.read_file("/nope"))
    state["ro"] = True
    with pytest.raises(ReadOnlyError, match=r"write /code.py: .*05.*eject"):
        link.run(client.write_file("/code.py", b"x"))
    with pytest.raises(ReadOnlyError):
        link.run(client.move("/a", "/b"))
    with pytest.raises(FileTransferError):
        link.run(client.mkdir("/d"))


def test_disconnect_mid_write_keeps_old_file(setup):
    volume, device, state, client = setup
    (volume / "code.py").write_bytes(b"old")
    link = Link(device, mtu=247, drop_after=3000)
    with pytest.raises(LinkLost):
        link.run(client.write_file("/code.py", os.urandom(10000)))
    assert not link.connected
    assert (volume / "code.py").read_bytes() == b"old"
    assert not any(x.startswith(TEMP_PREFIX) for x in os.listdir(volume))
    assert state["changes"] == []


def test_listdir_on_tiny_mtu_and_stream_splits(setup):
    volume, device, _, client = setup
    for name in ("a" * 40, "b.py", "c"):
        (volume / name).write_bytes(b"1")
    link = Link(device, mtu=23)
    assert link.split(p.ListdirEntry(1, 0, 1, 0, 0, 0, "b.py").encode()) != []
    assert [len(x) for x in link.split(p.ListdirEntry(1, 0, 1, 0, 0, 0, "b.py").encode())] == [
        16,
        12,
        4,
    ]
    assert [e.name for e in link.run(client.listdir("/"))] == ["a" * 40, "b.py", "c"]


def test_virtual_clock_and_throughput(setup):
    _, device, _, client = setup
    data = os.urandom(20000)
    slow = Link(device, mtu=23, interval=0.030)
    fast = Link(device, mtu=247, interval=0.0075, packets_per_event=4)
    assert slow.capacity == pytest.approx(20 / 0.030)
    t_slow = slow.measure(client.write_file("/a", data), len(data))
    t_fast = fast.measure(client.write_file("/b", data), len(data))
    assert 0 < t_slow.throughput < slow.capacity
    assert t_fast.throughput > 10 * t_slow.throughput
    assert fast.measure(client.read_file("/b"), len(data)).result == data


def test_larger_write_window_means_fewer_round_trips(tmp_path):
    vol = tmp_path / "v"
    vol.mkdir()
    client = FileTransferClient(now_ns=lambda: T)
    data = os.urandom(64 * 1024)
    times = []
    for window in (512, 8192):
        device = DeviceSession(
            vol, read_only=lambda: False, on_change=lambda _: None, write_window=window
        )
        link = Link(device, mtu=247, packets_per_event=6)
        times.append(link.measure(client.write_file("/f", data), len(data)).elapsed)
        assert (vol / "f").read_bytes() == data
    assert times[1] < times[0]


def test_operation_state_machine_by_hand(setup):
    volume, device, _, client = setup
    (volume / "f").write_bytes(b"hello")
    op = client.read_file("/f")
    [request] = op.start()
    [reply] = device.receive(request)
    for byte in reply:  # notifications may be split anywhere
        assert op.feed(bytes([byte])) == []
    assert op.done and op.result == b"hello"
    with pytest.raises(ClientProtocolError):
        op.feed(p.DeleteStatus(1).encode())


def test_protocol_error_reply_is_reported(setup):
    _, _, _, client = setup
    op = client.write_file("/f", b"abc")
    op.start()
    with pytest.raises(ClientProtocolError, match="0x22"):
        op.feed(b"\x22\x04")


def test_stalled_link(tmp_path, setup):
    _, device, _, client = setup
    link = Link(device)
    op = client.read_file("/x")
    op.start = lambda: []  # a client that never sends
    with pytest.raises(LinkStalled):
        link.run(op)
