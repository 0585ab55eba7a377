"""Hostile BLE peers against the device side of the file-transfer protocol (issue 10, case 4):
every length a peer sends is bounded (the drive's free space, what was written, the read
window), no handler reads more than one chunk of a file into memory, deep trees are deleted
without recursion, and random or mutated packets always get a status or a valid reply."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protoboard.ble import protocol as p
from protoboard.ble.device import DeviceSession
from protoboard.deltree import remove_tree
from protoboard.runtime.drive import TEMP_PREFIX

pytestmark = pytest.mark.hostile

MIB = 1 << 20
#: the most a single packet may make the session allocate (generous: a few windows)
PACKET_MEMORY = 1 * MIB


def session(root: Path, **kw) -> DeviceSession:
    return DeviceSession(root, read_only=lambda: False, on_change=lambda _: None, **kw)


def replies(s: DeviceSession, *packets: p.Packet | bytes) -> list:
    out: list = []
    for packet in packets:
        raw = packet if isinstance(packet, bytes) else packet.encode()
        out += [x for r in s.receive(raw) for x in p.decode_responses(r)]
    return out


def peak(action: Callable[[], object]) -> tuple[object, int]:
    """``action()`` and the most Python memory it held at once (tracemalloc)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = action()
        return result, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def sparse(path: Path, size: int) -> None:
    with open(path, "wb") as f:
        f.truncate(size)


# --- WRITE ------------------------------------------------------------------------------------


def test_write_at_an_offset_past_the_file_makes_no_sparse_file(tmp_path):
    s = session(tmp_path)
    (reply,) = replies(s, p.Write("/big.bin", total_length=0xFFFFFFFF, offset=0xFFFFFFFF))
    assert reply == p.WritePacing(p.STATUS_ERROR, 0xFFFFFFFF)
    assert not (tmp_path / "big.bin").exists()
    assert not [x for x in tmp_path.iterdir() if x.name.startswith(TEMP_PREFIX)]


def test_write_offset_into_a_big_file_reads_no_more_than_a_window(tmp_path):
    sparse(tmp_path / "big.bin", 16 * MIB)
    s = session(tmp_path)
    request = p.Write("/big.bin", total_length=16 * MIB, offset=16 * MIB)
    got, used = peak(lambda: replies(s, request))
    assert got == [p.WritePacing(p.STATUS_OK, 16 * MIB, got[0].truncated_time, 0)]
    assert used < PACKET_MEMORY, f"one WRITE held {used} bytes"


def test_write_longer_than_the_free_space_gets_an_error(tmp_path):
    (tmp_path / "old.py").write_bytes(b"x" * 1000)
    s = session(tmp_path, free_space=lambda: 5000)
    # what fits: the free space plus the file being replaced
    (ok,) = replies(s, p.Write("/old.py", total_length=6000))
    assert ok.status == p.STATUS_OK
    (refused,) = replies(s, p.Write("/old.py", total_length=6001))
    assert refused == p.WritePacing(p.STATUS_ERROR, 0)
    (refused,) = replies(s, p.Write("/new.py", total_length=0xFFFFFFFF))
    assert refused.status == p.STATUS_ERROR
    assert (tmp_path / "old.py").read_bytes() == b"x" * 1000


def test_write_of_the_real_free_space_plus_one_gets_an_error(tmp_path):
    st_ = os.statvfs(tmp_path)
    free = st_.f_bavail * st_.f_frsize
    if free >= 0xFFFFFFFF:
        total = 0xFFFFFFFF  # the largest a peer can ask; a huge disk still bounds the rest
        s = session(tmp_path, free_space=lambda: 1 * MIB)
    else:
        total = free + 1
        s = session(tmp_path)
    (refused,) = replies(s, p.Write("/huge.bin", total_length=total))
    assert refused.status == p.STATUS_ERROR


def test_write_data_past_what_was_written_is_refused(tmp_path):
    s = session(tmp_path)
    (start,) = replies(s, p.Write("/f.bin", total_length=16 * MIB))
    assert start.status == p.STATUS_OK
    (hole,) = replies(s, p.WriteData(16 * MIB - 10, b"0123456789"))
    assert hole.status == p.STATUS_ERROR
    assert not (tmp_path / "f.bin").exists()
    assert not [x for x in tmp_path.iterdir() if x.name.startswith(TEMP_PREFIX)]


def test_rewriting_a_window_already_sent_still_works(tmp_path):
    s = session(tmp_path)
    replies(s, p.Write("/f.bin", total_length=1000))
    replies(s, p.WriteData(0, b"a" * 512))
    (again,) = replies(s, p.WriteData(0, b"b" * 512))  # a retried window
    assert again == p.WritePacing(p.STATUS_OK, 512, again.truncated_time, 488)
    (done,) = replies(s, p.WriteData(512, b"c" * 488))
    assert done.free_space == 0 and done.status == p.STATUS_OK
    assert (tmp_path / "f.bin").read_bytes() == b"b" * 512 + b"c" * 488


# --- READ -------------------------------------------------------------------------------------


def test_read_of_a_huge_chunk_gets_at_most_one_window(tmp_path):
    sparse(tmp_path / "big.bin", 16 * MIB)
    s = session(tmp_path)
    got, used = peak(lambda: s.receive(p.Read("/big.bin", 0, 0xFFFFFFFF).encode()))
    (reply,) = got
    assert len(reply) <= p.ReadData.HEADER.size + p.SECTOR_SIZE
    assert used < PACKET_MEMORY, f"one READ held {used} bytes"
    (pacing,) = replies(s, p.ReadPacing(4096, 0xFFFFFFFF))
    assert pacing.chunk_offset == 4096 and len(pacing.data) == p.SECTOR_SIZE


def test_read_window_follows_a_larger_link(tmp_path):
    (tmp_path / "f.bin").write_bytes(bytes(range(256)) * 40)
    s = session(tmp_path)
    s.max_read_chunk = 2000
    (reply,) = replies(s, p.Read("/f.bin", 0, 0xFFFFFFFF))
    assert reply.data == (bytes(range(256)) * 40)[:2000]


# --- DELETE, MKDIR, MOVE, LISTDIR -------------------------------------------------------------


def deep_tree(root: Path, depth: int) -> Path:
    """``root/d/d/.../d`` with a file at the bottom, made through directory handles (no path
    is longer than one name)."""
    (root / "d").mkdir()
    fd = os.open(root / "d", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth - 1):
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        os.close(os.open("leaf.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    finally:
        os.close(fd)
    return root / "d"


@pytest.fixture
def deep_root(tmp_path):
    """tmp_path, emptied of deep trees afterwards (pytest's own clean-up recurses)."""
    yield tmp_path
    for x in tmp_path.iterdir():
        if x.is_dir() and not x.is_symlink():
            remove_tree(x.parent, x.name)


def test_delete_of_a_tree_deeper_than_the_recursion_limit(deep_root):
    tmp_path = deep_root
    top = deep_tree(tmp_path, 3000)
    s = session(tmp_path)
    (reply,) = replies(s, p.Delete("/d"))
    assert reply == p.DeleteStatus(p.STATUS_OK)
    assert not top.exists()


def test_move_of_a_deep_tree_and_listdir_inside_it(deep_root):
    tmp_path = deep_root
    deep_tree(tmp_path, 600)
    s = session(tmp_path)
    (moved,) = replies(s, p.Move("/d", "/e"))
    assert moved == p.MoveStatus(p.STATUS_OK)
    path = "/e" + "/d" * 400  # about the longest path a command carries
    listing = replies(s, p.Listdir(path))
    assert listing[-1].status == p.STATUS_OK and listing[0].name == "d"
    (made,) = replies(s, p.Mkdir(path + "/new"))
    assert made.status == p.STATUS_OK


# --- fuzzing ----------------------------------------------------------------------------------

COMMANDS = sorted(p.REQUESTS)
BIG = st.sampled_from([0, 1, 511, 512, 513, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF])
OFFSETS = st.one_of(st.integers(0, 0xFFFFFFFF), BIG)
PATHS = st.sampled_from(
    ["/", "/code.py", "/lib", "/lib/", "/lib/a.py", "/../x", "/big.bin", "/new", "code.py", ""]
)


def _requests() -> st.SearchStrategy[bytes]:
    packets = st.one_of(
        st.builds(p.Read, PATHS, OFFSETS, OFFSETS),
        st.builds(p.ReadPacing, OFFSETS, OFFSETS),
        st.builds(p.Write, PATHS, OFFSETS, OFFSETS, st.integers(0, 2**64 - 1)),
        st.builds(p.WriteData, OFFSETS, st.binary(max_size=600)),
        st.builds(p.Delete, PATHS),
        st.builds(p.Mkdir, PATHS, st.integers(0, 2**64 - 1)),
        st.builds(p.Listdir, PATHS),
        st.builds(p.Move, PATHS, PATHS),
    )
    return packets.map(lambda x: x.encode())


def _mutated(raw: bytes, data: st.DataObject) -> bytes:
    """Flip, cut or extend a valid packet."""
    how = data.draw(st.sampled_from(["keep", "flip", "cut", "extend", "length"]))
    if how == "flip" and raw:
        i = data.draw(st.integers(0, len(raw) - 1))
        return raw[:i] + bytes([data.draw(st.integers(0, 255))]) + raw[i + 1 :]
    if how == "cut":
        return raw[: data.draw(st.integers(0, len(raw)))]
    if how == "extend":
        return raw + data.draw(st.binary(max_size=64))
    if how == "length" and len(raw) >= 4:
        return raw[:2] + data.draw(st.binary(min_size=2, max_size=2)) + raw[4:]
    return raw


def _valid_reply(raw: bytes) -> None:
    """Every notification is whole responses (a status or data) or ``[command, 04]``."""
    packets = p.decode_responses(raw)
    assert packets
    for packet in packets:
        status = packet.status
        assert status in p.STATUS_NAMES, packet


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "lib").mkdir()
    (root / "lib" / "a.py").write_bytes(b"a = 1\n" * 100)
    (root / "code.py").write_bytes(b"print(1)\n")
    sparse(root / "big.bin", 64 * MIB)
    return root


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.data())
def test_random_and_mutated_packets_get_a_status_and_bounded_memory(fuzz_root, data):
    s = session(fuzz_root, free_space=lambda: 8 * MIB)
    writes = data.draw(st.lists(_requests(), min_size=1, max_size=6))
    try:
        for raw in writes:
            raw = _mutated(raw, data)
            if data.draw(st.booleans()):
                raw = data.draw(st.binary(max_size=40)) if not raw else raw
            out, used = peak(lambda raw=raw: s.receive(raw))
            assert used < PACKET_MEMORY + 2 * len(raw), f"{raw[:40]!r} held {used} bytes"
            for notification in out:
                _valid_reply(notification)
                assert len(notification) <= p.ListdirEntry.HEADER.size + 4 * p.SECTOR_SIZE
    finally:
        s.disconnect()
    # whatever happened, the drive keeps no temporary files and no file grew past the bound
    leftovers = [x for x in fuzz_root.rglob("*") if x.name.startswith(TEMP_PREFIX)]
    assert not leftovers
    for x in fuzz_root.rglob("*"):  # files move around; none grew past the largest there was
        if x.is_file():
            assert x.stat().st_size <= 64 * MIB
