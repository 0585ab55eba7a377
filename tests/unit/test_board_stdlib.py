"""CircuitPython's versions of standard modules: msgpack, hashlib, json, sys, os; and a program's
filesystem in ``protoboard exec`` (its folder is the drive)."""

from __future__ import annotations

import hashlib as host_hashlib
import io
import math
import subprocess
import sys
from pathlib import Path

import msgpack as reference  # msgpack-python, the library CircuitPython's module is a subset of
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protoboard.bindings.stdlib import hashlib, json, msgpack

# -- msgpack ----------------------------------------------------------------------------------


def packed(obj, **kwargs) -> bytes:
    stream = io.BytesIO()
    msgpack.pack(obj, stream, **kwargs)
    return stream.getvalue()


def unpacked(data: bytes, **kwargs):
    return msgpack.unpack(io.BytesIO(data), **kwargs)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "00"),
        (127, "7f"),
        (-1, "ff"),
        (-31, "e1"),
        (-32, "d0e0"),  # a board writes -32 as int8 (its fixint test is x > -32)
        (128, "d10080"),  # no uint8: 128 does not fit an int8, so int16
        (-129, "d1ff7f"),
        (40000, "d200009c40"),
        (2**30 - 1, "d23fffffff"),
        (None, "c0"),
        (False, "c2"),
        (True, "c3"),
        (1.5, "ca3fc00000"),  # every float as a 32-bit float
        ("", "a0"),
        ("a" * 31, "bf" + "61" * 31),
        ("a" * 32, "d920" + "61" * 32),
        (b"\x01\x02", "c4020102"),
        ([1, [2]], "920191" + "02"),
        ((1, 2), "920102"),
        ({"a": 1}, "81a16101"),
    ],
)
def test_pack_writes_the_bytes_a_board_writes(value, expected):
    assert packed(value).hex() == expected


def test_pack_ext_types_and_default():
    assert packed(msgpack.ExtType(5, b"\x01")).hex() == "d40501"
    assert packed(msgpack.ExtType(5, b"abc")).hex() == "c7030561" + "6263"
    assert packed(msgpack.ExtType(1, bytes(16)))[:2].hex() == "d801"
    calls = []

    def default(obj):
        calls.append(obj)
        return str(obj)

    big = 2**40
    assert unpacked(packed(big, default=default)) == str(big)
    assert calls == [big]
    with pytest.raises(ValueError, match="^no default packer$"):
        packed(big)
    with pytest.raises(ValueError, match="^no default packer$"):
        packed({1, 2})
    with pytest.raises(ValueError, match="^default is not a function$"):
        packed(1, default=3)


def test_unpack_reads_every_form_and_says_what_is_wrong():
    assert unpacked(bytes.fromhex("cf0000000100000000")) == 2**32
    assert unpacked(bytes.fromhex("d3ffffffffffffffff")) == -1
    assert unpacked(bytes.fromhex("cb3ff8000000000000")) == 1.5
    assert unpacked(bytes.fromhex("920102"), use_list=False) == (1, 2)
    assert unpacked(bytes.fromhex("d40501"), ext_hook=lambda code, data: (code, data)) == (
        5,
        b"\x01",
    )
    ext = unpacked(bytes.fromhex("d40501"))
    assert isinstance(ext, msgpack.ExtType) and (ext.code, ext.data) == (5, b"\x01")
    with pytest.raises(EOFError):
        unpacked(b"")
    with pytest.raises(ValueError, match="^short read$"):
        unpacked(bytes.fromhex("d9ff6161"))
    with pytest.raises(ValueError, match="^Invalid format$"):
        unpacked(b"\xc1")
    with pytest.raises(ValueError, match="^ext_hook is not a function$"):
        unpacked(b"\x00", ext_hook=1)
    with pytest.raises(OSError, match="stream operation not supported"):
        msgpack.unpack(b"\x00")


def test_exttype_code_is_checked_as_on_a_board():
    with pytest.raises(ValueError, match="^code must be 0-127$"):
        msgpack.ExtType(128, b"")
    ext = msgpack.ExtType(1, b"")
    with pytest.raises(AttributeError, match="^code outside range 0~127$"):
        ext.code = -1
    ext.code = 127
    assert ext.code == 127


_f32 = st.floats(width=32, allow_nan=False)
_small = st.integers(-(2**30), 2**30 - 1)
_leaf = st.none() | st.booleans() | _small | _f32 | st.text(max_size=40) | st.binary(max_size=300)
_values = st.recursive(
    _leaf,
    lambda inner: (
        st.lists(inner, max_size=20) | st.dictionaries(st.text(max_size=8), inner, max_size=20)
    ),
    max_leaves=40,
)


@settings(max_examples=200, deadline=None)
@given(_values)
def test_msgpack_python_reads_what_we_write_and_we_read_what_it_writes(value):
    ours = packed(value)
    assert reference.unpackb(ours, raw=False, strict_map_key=False) == value
    theirs = reference.packb(value, use_single_float=True)
    assert unpacked(theirs) == value


# -- hashlib, json --------------------------------------------------------------------------


def test_hashlib_has_new_with_sha1_and_sha256_only():
    h = hashlib.new("sha256", b"abc")
    assert h.digest_size == 32
    assert h.digest() == host_hashlib.sha256(b"abc").digest()
    h = hashlib.new("sha1")
    h.update(memoryview(b"ab"))
    h.update(bytearray(b"c"))
    assert h.digest() == host_hashlib.sha1(b"abc").digest()
    for name in ("md5", "SHA256", "sha512"):
        with pytest.raises(ValueError, match="^Unsupported hash algorithm$"):
            hashlib.new(name)
    with pytest.raises(TypeError):
        hashlib.Hash()
    assert not hasattr(hashlib, "sha256")


def test_json_syntax_errors_are_a_boards_value_error():
    assert json.loads('{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    assert json.load(io.StringIO("[true]")) == [True]
    for text in ("{bad", "", "[1,]"):
        with pytest.raises(ValueError) as caught:
            json.loads(text)
        assert type(caught.value) is ValueError
        assert str(caught.value) == "syntax error in JSON"


# -- in a real program ----------------------------------------------------------------------

PROGRAM = """\
import sys, os, json, hashlib, msgpack
impl = sys.implementation
print("impl", impl.name, impl.version[0], impl.version[3] == "")
print("machine", sys.implementation._machine)
print("uname", os.uname().machine == sys.implementation._machine, os.uname().release)
sys.path.append("/extra")
import sys as again
print("shared path", "/extra" in again.path)
print("version_info", sys.version_info[0])
with open("/temperature.txt", "w") as f:
    f.write("21.5")
print("listing", sorted(os.listdir("/")))
print("cwd", os.getcwd())
try:
    open("/etc/hostname")
except OSError as e:
    print("outside", e.errno)
print("getenv", os.getenv("GREETING"))
"""


def test_a_program_sees_a_board_and_its_drive(tmp_path: Path):
    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    (drive / "code.py").write_text(PROGRAM)
    (drive / "settings.toml").write_text('GREETING = "hello"\n')
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "protoboard.cli",
            "exec",
            str(drive / "code.py"),
            "--board",
            "adafruit_feather_rp2040",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert "impl circuitpython 10 True" in out
    # (the chip's name comes from the board data: its port's, "raspberrypi", not "rp2040")
    assert any(line.startswith("machine Adafruit Feather RP2040 with ") for line in out)
    assert "uname True 10.3.0" in out
    assert "shared path True" in out
    assert "version_info 3" in out
    assert "listing ['code.py', 'settings.toml', 'temperature.txt']" in out
    assert "cwd /" in out
    assert "outside 2" in out
    assert "getenv hello" in out
    assert (drive / "temperature.txt").read_text() == "21.5"
    assert not (tmp_path / "temperature.txt").exists()


def test_float32_round_trip_is_a_boards_precision():
    value = unpacked(packed(3.14))
    assert value != 3.14 and math.isclose(value, 3.14, rel_tol=1e-7)
