""".mpy headers (protoboard.updater.mpy): every CircuitPython format, and junk."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protoboard.updater.mpy import (
    NEWEST_KNOWN_MAJOR,
    MpyError,
    compatible_major_versions,
    is_compatible,
    mpy_header,
    read_mpy_header,
)

BODY = b"\x02\x00\x10\x00"  # anything after the header is ignored


@pytest.mark.parametrize(
    ("header", "fmt", "majors"),
    [
        (b"M\x03\x02\x1f", "M3", {3, 4, 5, 6}),  # CircuitPython <= 6
        (b"C\x05\x02\x1f\x20", "C5", {7, 8}),  # 7.x / 8.x, qstr window 32
        (b"C\x06\x00\x1f", "C6", {9, 10}),  # 9.x and 10.x bytecode: identical
        (b"C\x06\x19\x1f", "C6.1", {9}),  # 9.0/9.1 native armv7em (6<<2|1)
        (b"C\x06\x1b\x1f", "C6.3", {9, 10}),  # 9.2+/10.x native
        (b"M\x06\x03\x1f", "M6", set()),  # MicroPython 1.2x
        (b"M\x05\x00\x1f", "M5", set()),  # MicroPython 1.12-1.19
        (b"C\x05\x00\x1f\x20", "C5", set()),  # CP7/8 loader needs the unicode flag
        (b"C\x07\x00\x1f", "C7", set()),  # a future version
    ],
)
def test_known_headers(header, fmt, majors):
    info = read_mpy_header(header + BODY)
    assert info.format_name == fmt
    assert compatible_major_versions(info) == majors
    for major in range(3, NEWEST_KNOWN_MAJOR + 1):
        assert is_compatible(info, major) is (major in majors)


def test_fields():
    info = read_mpy_header(b"C\x05\x06\x1f\x20")
    assert (info.magic, info.version, info.flags, info.arch, info.small_int_bits) == (
        "C",
        5,
        2,
        1,
        31,
    )
    assert info.arch_name == "x86" and info.has_native and info.qstr_window == 32
    assert info.sub_version is None and info.dialect == "circuitpython"
    v6 = read_mpy_header(b"C\x06\x1b\x1f")
    assert (v6.sub_version, v6.arch_name, v6.flags) == (3, "armv7em", None)
    assert read_mpy_header(b"M\x06\x03\x1f").dialect == "micropython"
    assert read_mpy_header(b"C\x06\xfc\x1f").arch_name == "unknown(63)"
    # a multi-byte qstr window vuint
    assert read_mpy_header(b"C\x05\x02\x1f\x81\x00").qstr_window == 128


def test_9x_and_10x_bytecode_are_indistinguishable():
    """The issue's case: the header cannot tell a 9.x bundle file from a 10.x one."""
    nine, ten = read_mpy_header(mpy_header(9)), read_mpy_header(mpy_header(10))
    assert nine == ten and nine.ambiguous
    assert is_compatible(nine, 10) and is_compatible(nine, 9)
    assert not is_compatible(read_mpy_header(mpy_header(8)), 10)
    assert not is_compatible(read_mpy_header(mpy_header(10)), 8)
    assert "9.x, 10.x" in str(nine)


def test_unknown_future_major():
    assert is_compatible(read_mpy_header(mpy_header(10)), NEWEST_KNOWN_MAJOR + 1) is None


def test_mpy_header_helper():
    assert mpy_header(8) == b"C\x05\x02\x1f\x20"
    assert mpy_header(10) == b"C\x06\x00\x1f"
    assert mpy_header(5) == b"M\x03\x02\x1f"
    with pytest.raises(ValueError):
        mpy_header(2)


def test_path(tmp_path):
    f = tmp_path / "x.mpy"
    f.write_bytes(mpy_header(9) + BODY)
    assert read_mpy_header(f).version == 6
    assert read_mpy_header(str(f)).version == 6
    with pytest.raises(MpyError, match="cannot read"):
        read_mpy_header(tmp_path / "missing.mpy")
    with pytest.raises(MpyError, match="cannot read"):
        read_mpy_header(tmp_path)  # a directory
    (tmp_path / "t.mpy").write_bytes(b"C\x06")
    with pytest.raises(MpyError, match=r"t\.mpy: truncated"):
        read_mpy_header(tmp_path / "t.mpy")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"C", "truncated"),
        (b"C\x06\x00", "truncated"),
        (b"C\x05\x02\x1f", "qstr window size missing"),
        (b"C\x05\x02\x1f\x80\x80", "qstr window size missing"),
        (b"C\x05\x02\x1f\x80\x80\x80\x80\x80\x80", "too long"),
        (b"print('hi')\n", "not an .mpy file"),
        (b"\x7fELF\x02\x01", "not an .mpy file"),
        (b"M\x00\x00\x1f", "version byte 0"),
        (b"C\xff\x00\x1f", "version byte 255"),
    ],
)
def test_junk(data, message):
    with pytest.raises(MpyError, match=message):
        read_mpy_header(data)


def test_wrong_type():
    with pytest.raises(MpyError, match="path or bytes"):
        read_mpy_header(42)


@given(st.binary(max_size=24))
def test_never_another_exception(data):
    try:
        info = read_mpy_header(data)
    except MpyError:
        return
    compatible_major_versions(info)
    str(info)
    assert info.magic in "CM"


@given(st.sampled_from([b"C\x05", b"C\x06", b"M\x03"]), st.binary(max_size=12))
def test_prefix_fuzz(prefix, rest):
    try:
        info = read_mpy_header(prefix + rest)
    except MpyError:
        return
    assert is_compatible(info, 9) in (True, False)


# mpy-cross 1.29 (MicroPython, mpy v6 = CircuitPython 9/10's layout) output for:
#   __version__ = "1.2.3" / __repo__ = "https://..." / from adafruit_ticks import ticks_add /
#   VER2 = "2.0.0-beta.1" / class A: def f(self): return "9.9.9 long string with spaces"
V6_MPY = bytes.fromhex(
    "4d06001f0e03142f746d702f76742e7079000f0a312e322e3300127469636b735f616464001c616461667275"
    "69745f7469636b7300024100026600165f5f76657273696f6e5f5f00105f5f7265706f5f5f00085645523200"
    "2f2d358213051a68747470733a2f2f6769746875622e636f6d2f782f792e67697400050c322e302e302d6265"
    "74612e3100051d392e392e39206c6f6e6720737472696e67207769746820737061636573008254100a012424"
    "2c2410021607230016088010032a011b041c0316035923011609543200100534021605516301811c00060568"
    "40110a160b1005160c32001606516301480908060d6060230263"
)


def test_strings_and_version_of_a_version_6_mpy():
    from protoboard.updater.installed import version_from_bytes
    from protoboard.updater.mpy import mpy_strings

    data = b"C" + V6_MPY[1:]
    strings = mpy_strings(data)
    assert strings[:3] == ["/tmp/vt.py", "1.2.3", "ticks_add"]
    assert "__version__" in strings and "2.0.0-beta.1" in strings
    assert version_from_bytes(data, True) == "1.2.3"
    assert mpy_strings(data[:40]) is None  # cut short: no guess
    assert version_from_bytes(data.replace(b"__version__", b"__verzion__"), True) is None
