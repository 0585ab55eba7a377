"""settings.toml as CircuitPython reads it (supervisor/shared/settings.c): the scanner, the typed
values of supervisor.get_setting, os.getenv's raw strings, the supervisor's error lines."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protoboard.runtime import settings
from protoboard.runtime.settings import Result

MISSING = object()


@pytest.fixture
def drive(tmp_path: Path) -> Path:
    return tmp_path


def put(drive: Path, content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    (drive / "settings.toml").write_bytes(data)


def typed(drive: Path, content: str | bytes, key: str = "A") -> object:
    put(drive, content)
    return settings.get_setting(drive, key, MISSING)


def raw(drive: Path, content: str | bytes, key: str = "A") -> object:
    put(drive, content)
    return settings.getenv(drive, key, MISSING)


# --- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "value"),
    [
        # integers: strtol(s, NULL, 0) with a 32-bit long
        ("A = 42", 42),
        ("A = -7", -7),
        ("A = +7", 7),
        ("A = 0x1F", 31),
        ("A = 0X1f", 31),
        ("A = -0x10", -16),
        ("A = 011", 9),
        ("A = 0", 0),
        ("A = 2147483647", 2147483647),
        ("A = 3000000000", 2147483647),  # strtol saturates at LONG_MAX
        ("A = -3000000000", -2147483648),  # ... and LONG_MIN
        ("A = 123456789012345", 2147483647),  # 15 characters: still read as an int
        # not integers, but floats (strtol stops early; MicroPython's float parser does not)
        ("A = 08", 8.0),
        ("A = 1_000", 1000.0),
        ("A = 1234567890123456", 1234567890123456.0),  # 16 characters do not fit get_int's buffer
        # floats
        ("A = 1.5", 1.5),
        ("A = -1.5", -1.5),
        ("A = .5", 0.5),
        ("A = 5.", 5.0),
        ("A = 1e3", 1000.0),
        ("A = 1E-2", 0.01),
        ("A = inf", math.inf),
        ("A = +inf", math.inf),
        ("A = -inf", -math.inf),
        # booleans: lower case only
        ("A = true", True),
        ("A = false", False),
        # strings
        ('A = "hello"', "hello"),
        ('A = ""', ""),
        ('A = "42"', "42"),
        ('A = "true"', "true"),
        ('A = "with # hash"', "with # hash"),
        ('A = "a" # comment', "a"),
        ('A = "a"   ', "a"),
        ('A = "tab\\there"', "tab\there"),
        ('A = "\\b\\r\\n\\t\\v\\f"', "\b\r\n\t\v\f"),
        ('A = "q\\"uote"', 'q"uote'),
        ('A = "back\\\\slash"', "back\\slash"),
        ('A = "\\x41"', "x41"),  # other escapes stand for the character itself
        ('A = "\\u00e9t\\u00E9"', "été"),
        ('A = "\\U0001F600"', "\U0001f600"),
        ('A = "\\u0x41"', "A"),  # strtoul(…, 16) accepts a 0x prefix
        ('A = "\\uD800"', "\ud800"),  # a lone surrogate, as MicroPython keeps it
        ('A = "naïve ünïcode"', "naïve ünïcode"),
        # layout
        ("  A   =   42   # trailing comment", 42),
        ("A=42", 42),
        ("A\t=\t42", 42),
        ("A = 42\nA = 43", 42),  # first match wins
        ("AB = 1\nA = 2", 2),  # a longer key is another key
        ("a = 1\nA = 2", 2),  # keys are case-sensitive
        ("# A = 1\nA = 2", 2),
        ("\n\n   \nA = 3", 3),
        ("B = [1, 2]\nA = 3", 3),  # a value line starting with [ is a value, not a table
        ("A\n= 5", 5),  # the newline after a key is skipped as whitespace
    ],
)
def test_typed_values(drive, line, value):
    assert typed(drive, line) == value
    assert type(typed(drive, line)) is type(value)


def test_nan(drive):
    assert math.isnan(typed(drive, "A = nan"))
    assert math.isnan(typed(drive, "A = -nan"))


@pytest.mark.parametrize(
    "line",
    [
        "A = True",
        "A = FALSE",
        "A = yes",  # booleans are lower case only
        "A = 0o7",
        "A = 0b1",
        "A = 0x",  # no 0o/0b; 0x needs a digit
        "A = 1e",
        "A = 1e+",
        "A = infinity",
        "A = nanx",
        "A = 1.2.3",
        "A = 1 2",
        "A = 'single'",  # no literal strings: a bare value
        'A = """triple"""',  # no triple quotes
        'A = "unterminated',
        'A = "two" "strings"',
        'A = "x" y',
        "A =",
        "A =    ",
        "A = # only a comment",
        "A = " + "1" * 48,  # too long even for get_float's buffer
        'A = "bad \\u12"',  # \u needs four hex digits
        'A = "line\nbreak"',
    ],
)
def test_invalid_values_raise_circuitpythons_value_error(drive, line):
    with pytest.raises(ValueError) as info:
        typed(drive, line)
    assert str(info.value) == "Invalid value"


def test_unicode_escape_beyond_unicode(drive):
    put(drive, 'A = "\\U00110000"')
    with pytest.raises(ValueError, match="^Invalid value$"):
        settings.get_setting(drive, "A")
    assert settings.lookup((drive / "settings.toml").read_bytes(), "A")[0] is Result.UNICODE


def test_tables_stop_the_scan(drive):
    assert typed(drive, "[section]\nA = 1") is MISSING
    assert typed(drive, "A = 1\n[section]\nB = 2", "B") is MISSING
    assert typed(drive, "  [t]\nA = 1") is MISSING  # even indented
    assert typed(drive, "A = 1\n[t]\nA = 2") == 1


def test_missing_key_file_and_drive_give_the_default(drive):
    assert settings.get_setting(drive, "A", 7) == 7  # no settings.toml
    assert settings.getenv(drive, "A", "d") == "d"
    assert settings.get_setting(None, "A") is None
    put(drive, "B = 1")
    assert settings.get_setting(drive, "A") is None
    assert settings.get_setting(drive, "A", default=5) == 5


def test_unreadable_settings_is_an_empty_file(drive):
    (drive / "settings.toml").mkdir()
    assert settings.get_setting(drive, "A", 1) == 1
    assert settings.getenv(drive, "A") is None
    assert settings.check_supervisor_keys(drive) == []


def test_file_name_is_case_insensitive_as_on_fat(drive):
    (drive / "Settings.TOML").write_text("A = 1\n")
    assert settings.get_setting(drive, "A") == 1


def test_re_read_on_every_lookup(drive):
    put(drive, "A = 1")
    assert settings.get_setting(drive, "A") == 1
    put(drive, "A = 2")
    assert settings.get_setting(drive, "A") == 2


def test_crlf_line_ends(drive):
    content = 'A = 1\r\nB = "two"\r\nC = bare value  \r\nD = true\r\n# c\r\nE = 1.5\r\n'
    assert typed(drive, content, "A") == 1
    assert typed(drive, content, "B") == "two"
    assert raw(drive, content, "C") == "bare value"
    assert typed(drive, content, "D") is True
    assert typed(drive, content, "E") == 1.5


def test_byte_order_mark_hides_the_first_key_as_on_a_board(drive):
    content = b"\xef\xbb\xbfA = 1\nB = 2\n"
    assert typed(drive, content, "A") is MISSING
    assert typed(drive, content, "B") == 2


def test_non_utf8_bytes(drive):
    content = b'A = "caf\xe9"\nB = caf\xe9\n# \xff comment\nC = "ok"\n'
    with pytest.raises(UnicodeError):
        typed(drive, content, "A")  # a quoted value must be UTF-8, as on a board
    with pytest.raises(ValueError, match="^Invalid value$"):
        typed(drive, content, "B")  # a bare value that is no number, no boolean
    with pytest.raises(UnicodeError):
        raw(drive, content, "A")
    assert typed(drive, content, "C") == "ok"  # the rest of the file is unaffected


def test_nul_byte_ends_the_scan_at_a_line_start(drive):
    assert typed(drive, b"\0A = 1\nA = 2") is MISSING
    assert typed(drive, b"A = 12\0junk\nB = 3", "A") == 12
    assert typed(drive, b"A = 12\0junk\nB = 3", "B") == 3


def test_key_type(drive):
    put(drive, "A = 1")
    assert settings.get_setting(drive, b"A") == 1
    with pytest.raises(TypeError, match="^can't convert 'int' object to str implicitly$"):
        settings.get_setting(drive, 1)


# --- getenv: raw strings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("A = 42", "42"),
        ("A = 0x1F", "0x1F"),
        ("A = true", "true"),
        ("A = 1.5", "1.5"),
        ('A = "42"', "42"),
        ('A = "x\\ty"', "x\ty"),  # escapes applied in quoted values
        ("A = not a number  # c", "not a number"),
        ("A = 'single'", "'single'"),
        ("A = True", "True"),
        ("A = # nothing", ""),  # a bare value may be empty
    ],
)
def test_getenv_returns_the_text(drive, line, text):
    assert raw(drive, line) == text


@pytest.mark.parametrize("line", ['A = "unterminated', "A =", 'A = "x" y', 'A = "\\U00110000"'])
def test_getenv_malformed_gives_the_default(drive, line):
    assert raw(drive, line) is MISSING


def test_getenv_versus_get_setting(drive):
    put(drive, 'N = 42\nS = "42"\nB = true\nF = 1.25\nX = something\n')
    assert settings.getenv(drive, "N") == "42" and settings.get_setting(drive, "N") == 42
    assert settings.getenv(drive, "S") == "42" and settings.get_setting(drive, "S") == "42"
    assert settings.getenv(drive, "B") == "true" and settings.get_setting(drive, "B") is True
    assert settings.getenv(drive, "F") == "1.25" and settings.get_setting(drive, "F") == 1.25
    assert settings.getenv(drive, "X") == "something"
    with pytest.raises(ValueError, match="^Invalid value$"):
        settings.get_setting(drive, "X")


@given(
    st.text(
        alphabet=st.characters(blacklist_characters='"\\\n\r\0', blacklist_categories=("Cs",)),
        max_size=40,
    )
)
def test_quoted_strings_round_trip(tmp_path_factory, text):
    drive = tmp_path_factory.mktemp("drive")
    put(drive, f'A = "{text}"\n')
    assert settings.getenv(drive, "A") == text
    assert settings.get_setting(drive, "A") == text


@given(st.integers(min_value=-(2**31), max_value=2**31 - 1))
def test_integers_round_trip(tmp_path_factory, number):
    drive = tmp_path_factory.mktemp("drive")
    put(drive, f"A = {number}\nB = {hex(number)}\n")
    assert settings.get_setting(drive, "A") == number
    assert settings.get_setting(drive, "B") == number


# --- os.getenv in the VM --------------------------------------------------------------------------


@pytest.fixture
def vm_getenv(drive):
    settings.install_os_getenv(drive)
    yield drive
    settings.uninstall_os_getenv()


def test_install_os_getenv(vm_getenv, monkeypatch):
    drive = vm_getenv
    monkeypatch.setenv("PROTOBOARD_TEST_ONLY_IN_ENV", "from-env")
    monkeypatch.setenv("SHADOWED", "from-env")
    put(drive, 'SHADOWED = "from-settings"\nNUMBER = 42\nBROKEN = "oops\n')
    assert os.getenv("SHADOWED") == "from-settings"
    assert os.getenv("NUMBER") == "42"
    assert os.getenv("BROKEN", "dflt") == "dflt"  # present but malformed: CircuitPython's
    assert os.getenv("PROTOBOARD_TEST_ONLY_IN_ENV") == "from-env"
    assert os.getenv("PROTOBOARD_TEST_NOWHERE") is None
    assert os.getenv("PROTOBOARD_TEST_NOWHERE", "d") == "d"
    put(drive, "NUMBER = 43\n")  # re-read on every call
    assert os.getenv("NUMBER") == "43"
    assert os.getenv("SHADOWED") == "from-env"
    with pytest.raises(TypeError):
        os.getenv(42)  # CPython's own error for a bad key


def test_uninstall_restores_cpython(vm_getenv, monkeypatch):
    put(vm_getenv, 'HOME = "/settings/home"\n')
    assert os.getenv("HOME") == "/settings/home"
    settings.uninstall_os_getenv()
    monkeypatch.setenv("HOME", "/real/home")
    assert os.getenv("HOME") == "/real/home"


# --- the supervisor's own keys ------------------------------------------------------------------


def test_check_supervisor_keys(drive):
    put(
        drive,
        "\n".join(
            [
                'CIRCUITPY_WEB_API_PORT = "80"',  # quoted, but the core reads an int
                "CIRCUITPY_BLE_WORKFLOW = yes",  # not true/false
                "CIRCUITPY_WIFI_SSID = myssid",  # bare, but the core reads a string
                'CIRCUITPY_WIFI_PASSWORD = "secret"',  # fine
                f'CIRCUITPY_BLE_NAME = "{"n" * 40}"',  # longer than the core's 32-byte buffer
                'CIRCUITPY_WEB_INSTANCE_NAME = "\\U00110000"',
                "CIRCUITPY_HEAP_START_SIZE = 0x8000",  # fine
                "CIRCUITPY_SAFE_MODE_DELAY = 2",  # fine: the float parser takes "2"
                'OTHER_KEY = broken "',  # not a supervisor key
            ]
        ),
    )
    assert settings.check_supervisor_keys(drive) == [
        "An error occurred while retrieving 'CIRCUITPY_BLE_WORKFLOW':",
        "Invalid format",
        "An error occurred while retrieving 'CIRCUITPY_BLE_NAME':",
        "Internal error",
        "An error occurred while retrieving 'CIRCUITPY_WIFI_SSID':",
        "Invalid format",
        "An error occurred while retrieving 'CIRCUITPY_WEB_INSTANCE_NAME':",
        "Invalid unicode escape",
        "An error occurred while retrieving 'CIRCUITPY_WEB_API_PORT':",
        "Invalid format",
    ]
    assert settings.supervisor_setting(drive, "CIRCUITPY_HEAP_START_SIZE") == (Result.OK, 0x8000)
    assert settings.supervisor_setting(drive, "CIRCUITPY_SAFE_MODE_DELAY") == (Result.OK, 2.0)
    assert settings.supervisor_setting(drive, "CIRCUITPY_WIFI_PASSWORD") == (Result.OK, "secret")


def test_check_supervisor_keys_quiet_when_fine_or_missing(drive):
    assert settings.check_supervisor_keys(drive) == []
    put(drive, 'CIRCUITPY_WIFI_SSID = "net"\nCIRCUITPY_BLE_WORKFLOW = false\n')
    assert settings.check_supervisor_keys(drive) == []
    assert settings.check_supervisor_keys(drive, ["CIRCUITPY_WIFI_SSID"]) == []
