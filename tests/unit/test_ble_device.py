"""DeviceSession: the device side of the BLE file-transfer protocol on a folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protoboard.ble import protocol as p
from protoboard.ble.device import DeviceSession, fat_truncate
from protoboard.runtime.drive import TEMP_PREFIX

T_IN = 1700000001500000000
T_STORED = 1700000000000000000


class Board:
    def __init__(self, root: Path, **kw) -> None:
        self.volume = root / "CIRCUITPY"
        self.outside = root / "outside"
        self.volume.mkdir(exist_ok=True)
        self.outside.mkdir(exist_ok=True)
        (self.outside / "secret.txt").write_bytes(b"secret")
        self.ro = False
        self.changes: list[str] = []
        self.session = DeviceSession(
            self.volume,
            read_only=lambda: self.ro,
            on_change=self.changes.append,
            now_ns=lambda: T_IN,
            **kw,
        )

    def send(self, *packets) -> list:
        out = []
        for packet in packets:
            raw = packet if isinstance(packet, bytes) else packet.encode()
            out += self.session.receive(raw)
        return [x for r in out for x in p.decode_responses(r)]

    def temps(self) -> list[Path]:
        return [x for x in self.volume.rglob("*") if x.name.startswith(TEMP_PREFIX)]


@pytest.fixture
def board(tmp_path):
    return Board(tmp_path, fat_times=True)


def snapshot(folder: Path) -> dict:
    return {
        str(x.relative_to(folder)): (x.read_bytes() if x.is_file() else None, x.stat().st_mtime_ns)
        for x in folder.rglob("*")
    }


def write(board, path, data, *, offset=0, t=T_IN):
    replies = board.send(p.Write(path, offset + len(data), offset, t))
    while replies[-1].status == p.STATUS_OK and replies[-1].free_space:
        r = replies[-1]
        start = r.offset - offset
        replies += board.send(p.WriteData(r.offset, data[start : start + r.free_space]))
    return replies


def test_worked_example_byte_for_byte(board):
    s = board.session
    step1 = bytes.fromhex("20 00 08 00 00 00 00 00 00 2f 92 8f fe 9c 97 17 e8 03 00 00")
    data = os.urandom(1000)
    assert s.receive(step1 + b"/code.py") == [
        bytes.fromhex("21 01 00 00 00 00 00 00 00 00 2a 36 fe 9c 97 17 00 02 00 00")
    ]
    t = T_STORED.to_bytes(8, "little")
    assert s.receive(bytes.fromhex("22 01 00 00 00 00 00 00 00 02 00 00") + data[:512]) == [
        bytes.fromhex("21 01 00 00 00 02 00 00") + t + bytes.fromhex("e8 01 00 00")
    ]
    assert board.changes == []
    # the data may also arrive in MTU-sized pieces after its header
    step5 = bytes.fromhex("22 01 00 00 00 02 00 00 e8 01 00 00") + data[512:]
    assert s.receive(step5[:20]) == []
    assert s.receive(step5[20:]) == [
        bytes.fromhex("21 01 00 00 e8 03 00 00") + t + bytes.fromhex("00 00 00 00")
    ]
    assert (board.volume / "code.py").read_bytes() == data
    assert (board.volume / "code.py").stat().st_mtime_ns == T_STORED
    assert board.changes == ["/code.py"]
    assert board.temps() == []


def test_read_only_write_is_05_and_ends(board):
    board.ro = True
    (r,) = board.send(p.Write("/code.py", 10, 0, T_IN))
    assert (r.COMMAND, r.status) == (0x21, 5)
    assert board.session.awaiting is None and not (board.volume / "code.py").exists()


def test_write_atomic_and_disconnect_keeps_old_file(board):
    target = board.volume / "code.py"
    target.write_bytes(b"old contents")
    board.send(p.Write("/code.py", 2000, 0, T_IN), p.WriteData(0, b"x" * 512))
    assert target.read_bytes() == b"old contents"
    assert len(board.temps()) == 1
    board.session.disconnect()
    assert target.read_bytes() == b"old contents"
    assert board.temps() == [] and board.changes == []
    # a new command also abandons the write
    board.send(p.Write("/code.py", 2000, 0, T_IN), p.Listdir("/"))
    assert board.temps() == [] and target.read_bytes() == b"old contents"


def test_write_offset_and_truncate(board):
    target = board.volume / "a.bin"
    target.write_bytes(b"0123456789")
    write(board, "/a.bin", b"AB", offset=4)
    assert target.read_bytes() == b"0123AB"  # truncated at total
    # past the end: refused, no zero-filled gap (CircuitPython fills one; issue 10)
    (r,) = board.send(p.Write("/a.bin", 9, 8, T_IN))
    assert (r.status, r.offset) == (p.STATUS_ERROR, 8)
    assert target.read_bytes() == b"0123AB"
    write(board, "/a.bin", b"Z", offset=6)
    assert target.read_bytes() == b"0123ABZ"
    # zero-length write: finishes at once, truncates at offset
    (r,) = board.send(p.Write("/a.bin", 3, 3, T_IN))
    assert (r.status, r.offset, r.free_space) == (1, 3, 0)
    assert target.read_bytes() == b"012"
    (r,) = board.send(p.Write("/empty", 0, 0, T_IN))
    assert r.free_space == 0 and (board.volume / "empty").read_bytes() == b""


def test_first_free_space_is_sector_aligned(board):
    (board.volume / "big").write_bytes(b"y" * 700)
    (r,) = board.send(p.Write("/big", 2000, 700, T_IN))
    assert (r.offset, r.free_space) == (700, 324)
    (r,) = board.send(p.WriteData(700, b"x" * 324))
    assert (r.offset, r.free_space) == (1024, 512)


def test_larger_write_window(tmp_path):
    b = Board(tmp_path, write_window=4096)
    data = os.urandom(10000)
    replies = write(b, "/f", data)
    assert [r.free_space for r in replies] == [4096, 4096, 1808, 0]
    assert (b.volume / "f").read_bytes() == data


def test_write_past_total_is_refused(board):
    board.send(p.Write("/f", 10, 0, T_IN))
    (r,) = board.send(p.WriteData(0, b"x" * 11))
    assert r.status == p.STATUS_ERROR and board.temps() == []
    (r,) = board.send(p.Write("/f", 10, 11, T_IN))
    assert r.status == p.STATUS_ERROR


def test_read_in_chunks(board):
    data = os.urandom(1500)
    (board.volume / "f").write_bytes(data)
    (r,) = board.send(p.Read("/f", 0, 490))
    got = r.data
    while r.chunk_offset + len(r.data) < r.total_length:
        assert board.session.awaiting == p.READ_PACING
        (r,) = board.send(p.ReadPacing(len(got), 490))
        got += r.data
    assert got == data and board.session.awaiting is None
    (r,) = board.send(p.Read("/missing", 0, 490))
    assert r.status == p.STATUS_ERROR
    (r,) = board.send(p.ReadPacing(0, 10))
    assert r.status == p.STATUS_ERROR  # no read in progress


def test_delete_recursive_mkdir_one_level(board):
    (r,) = board.send(p.Mkdir("/lib/", T_IN))
    assert (r.status, r.truncated_time) == (1, T_STORED)
    assert (board.volume / "lib").stat().st_mtime_ns == T_STORED
    (r,) = board.send(p.Mkdir("/lib", T_IN))
    assert r.status == p.STATUS_ERROR  # exists
    (r,) = board.send(p.Mkdir("/a/b", T_IN))
    assert r.status == p.STATUS_ERROR  # one level only (code, not README)
    write(board, "/lib/x.py", b"x")
    (r,) = board.send(p.Delete("/lib"))
    assert r.status == 1 and not (board.volume / "lib").exists()
    (r,) = board.send(p.Delete("/lib"))
    assert r.status == p.STATUS_ERROR
    assert board.changes == ["/lib", "/lib/x.py", "/lib"]


def test_read_only_statuses_follow_the_code(board):
    (board.volume / "f").write_bytes(b"x")
    board.ro = True
    assert board.send(p.Delete("/f"))[0].status == p.STATUS_ERROR  # code: never 05
    assert board.send(p.Mkdir("/d", 0))[0].status == p.STATUS_ERROR
    assert board.send(p.Move("/f", "/g"))[0].status == p.STATUS_ERROR_READONLY
    assert (board.volume / "f").exists() and board.changes == []


def test_listdir(board):
    (board.volume / "lib").mkdir()
    (board.volume / "code.py").write_bytes(b"12345")
    (board.volume / f"{TEMP_PREFIX}x.tmp").write_bytes(b"")
    os.utime(board.volume / "code.py", ns=(T_IN, T_IN))
    entries = board.send(p.Listdir("/"))
    assert [(e.entry_number, e.entry_count, e.name, e.is_dir, e.file_size) for e in entries] == [
        (0, 2, "code.py", False, 5),
        (1, 2, "lib", True, 0),
        (2, 2, "", False, 0),
    ]
    assert entries[0].mtime_ns == T_STORED and entries[-1].flags == 0
    (e,) = board.send(p.Listdir("/nope"))
    assert e.status == p.STATUS_ERROR_NO_FILE
    (e,) = board.send(p.Listdir("/code.py"))
    assert e.status == p.STATUS_ERROR_NO_FILE


def test_move(board):
    (board.volume / "a").write_bytes(b"A")
    (board.volume / "d").mkdir()
    assert board.send(p.Move("/a", "/d/b", 0))[0].status == 1
    assert (board.volume / "d" / "b").read_bytes() == b"A"
    (board.volume / "c").write_bytes(b"C")
    assert board.send(p.Move("/c", "/d/b"))[0].status == p.STATUS_ERROR  # exists
    assert board.send(p.Move("/d", "/d/e"))[0].status == p.STATUS_ERROR  # into itself
    assert board.send(p.Move("/", "/x"))[0].status == p.STATUS_ERROR
    assert (board.volume / "d" / "b").read_bytes() == b"A"


def test_protocol_error_while_awaiting(board):
    board.send(p.Write("/f", 1000, 0, T_IN))
    assert board.session.receive(p.ReadPacing(0, 10).encode()) == [b"\x22\x04"]
    assert board.session.awaiting == p.WRITE_DATA  # transaction still open
    (r,) = board.send(p.WriteData(0, b"x" * 512))
    assert (r.status, r.offset) == (1, 512)
    # an unknown command with a zero low nibble is ignored
    assert board.session.receive(b"\x70\x00\x00\x00") == []
    assert board.session.awaiting == p.WRITE_DATA


def test_partial_header_and_oversize(board):
    (board.volume / "f").write_bytes(b"old")
    board.send(p.Write("/f", 1000, 0, T_IN))
    assert board.session.receive(b"\x22\x01\x00") == [p.WritePacing(p.STATUS_ERROR).encode()]
    assert board.session.awaiting is None and board.temps() == []
    out = board.session.receive(p.Delete.HEADER.pack(p.DELETE, 2000) + b"/f")
    assert out == [p.DeleteStatus(p.STATUS_ERROR).encode()]
    assert (board.volume / "f").read_bytes() == b"old"


def test_several_commands_in_one_write(board):
    out = board.send(
        p.Mkdir("/a", T_IN).encode() + p.Mkdir("/a/b", T_IN).encode() + p.Listdir("/a").encode()
    )
    assert [type(x).__name__ for x in out] == [
        "MkdirStatus",
        "MkdirStatus",
        "ListdirEntry",
        "ListdirEntry",
    ]
    assert (board.volume / "a" / "b").is_dir()


HOSTILE = [
    "/../outside/secret.txt",
    "/../outside/new",
    "../outside/secret.txt",
    "/link/secret.txt",
    "/link/new",
    "/filelink",
    "/a\0b",
    "//../outside/x",
    "/" + "x" * 256,
    "relative",
    "",
    "/a\\..\\..\\outside",
    "/.",
    "/lib/..",
    f"/{TEMP_PREFIX}evil",
    "/\udcff",
]


@pytest.mark.parametrize("path", HOSTILE)
def test_hostile_paths_never_touch_outside(board, path):
    os.symlink(board.outside, board.volume / "link")
    os.symlink(board.outside / "secret.txt", board.volume / "filelink")
    (board.volume / "lib").mkdir()
    before = snapshot(board.outside)
    replies = board.send(
        p.Read(path, 0, 100),
        p.Write(path, 3, 0, T_IN),
        p.WriteData(0, b"pwn"),
        p.Delete(path),
        p.Mkdir(path, T_IN),
        p.Listdir(path),
        p.Move(path, "/moved"),
        p.Move("/lib", path),
    )
    statuses = [r.status for r in replies]
    assert statuses == [2, 2, 2, 2, 2, 3, 2, 2], statuses
    assert snapshot(board.outside) == before
    assert not (board.volume / "moved").exists()
    assert board.changes == []


def test_symlink_inside_the_volume_is_followed(board):
    (board.volume / "real").mkdir()
    os.symlink(board.volume / "real", board.volume / "alias")
    write(board, "/alias/f", b"hi")
    assert (board.volume / "real" / "f").read_bytes() == b"hi"
    names = [e.name for e in board.send(p.Listdir("/"))]
    assert names == ["alias", "real", ""]


def test_listdir_hides_links_out_of_the_volume(board):
    os.symlink(board.outside, board.volume / "link")
    assert [e.name for e in board.send(p.Listdir("/"))] == [""]


# --- fuzz ---------------------------------------------------------------------------------

paths = st.sampled_from(
    [
        "/",
        "/code.py",
        "/lib",
        "/lib/a.py",
        "/link/secret.txt",
        "/../x",
        "/lib/",
        "/new",
        "/link",
        "/outside",
    ]
) | st.text(max_size=12)
requests = st.one_of(
    st.builds(p.Read, paths, st.integers(0, 2000), st.integers(0, 600)),
    st.builds(p.ReadPacing, st.integers(0, 2000), st.integers(0, 600)),
    st.builds(
        p.Write, paths, st.integers(0, 1500), st.integers(0, 1500), st.integers(0, 2**64 - 1)
    ),
    st.builds(p.WriteData, st.integers(0, 1500), st.binary(max_size=600)),
    st.builds(p.Delete, paths),
    st.builds(p.Mkdir, paths, st.integers(0, 2**64 - 1)),
    st.builds(p.Listdir, paths),
    st.builds(p.Move, paths, paths, st.integers(0, 255)),
)


@st.composite
def writes(draw):
    raw = draw(requests).encode() if draw(st.booleans()) else draw(st.binary(max_size=40))
    if raw and draw(st.booleans()):  # mutate
        i = draw(st.integers(0, len(raw) - 1))
        raw = raw[:i] + bytes([draw(st.integers(0, 255))]) + raw[i + 1 :]
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(writes(), max_size=12))
def test_fuzz(tmp_path, stream):
    b = Board(tmp_path)
    if not (b.volume / "link").exists():
        os.symlink(b.outside, b.volume / "link")
    (b.volume / "lib").mkdir(exist_ok=True)
    (b.volume / "code.py").write_bytes(b"print(1)\n")
    before = snapshot(b.outside)
    for raw in stream:
        for reply in b.session.receive(raw):
            assert isinstance(reply, bytes)
    assert b.session.last_error is None, repr(b.session.last_error)
    b.session.disconnect()
    assert snapshot(b.outside) == before
    assert b.temps() == []
    assert (tmp_path / "outside").exists()
    for child in tmp_path.iterdir():
        assert child.name in ("CIRCUITPY", "outside")


def test_fat_truncate():
    assert fat_truncate(T_IN) == T_STORED
    assert fat_truncate(1_999_999_999) == 0
