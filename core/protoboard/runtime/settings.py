"""``/settings.toml``, read exactly as CircuitPython reads it.

CircuitPython does not use a TOML library: ``supervisor/shared/settings.c`` scans the file byte by
byte for one key on every lookup. This module is a faithful port of that scanner (adafruit/
circuitpython at ``cd3da4a5``, after 10.3.0-alpha.4), so a ``settings.toml`` that works here works
on a board and fails the same way when it would fail there:

* the file is re-read on every lookup; a missing or unreadable file is an empty file;
* keys are bare and case-sensitive, compared byte for byte at the start of a line (after spaces);
  the **first** line with the key wins; scanning **stops at the first line starting with ``[``**
  (only the root table exists);
* a quoted value is a TOML basic string: escapes ``\\b \\r \\n \\t \\v \\f \\uXXXX \\UXXXXXXXX``,
  any other escaped character stands for itself (``\\"``, ``\\\\``, ``\\x`` → ``x``); after the
  closing quote only spaces and a ``# comment`` may follow; no triple quotes, no literal
  (``'...'``) strings (a ``'`` starts a bare value);
* a bare value runs to ``#`` or the end of the line; trailing spaces, tabs and ``\\r`` are dropped;
* typed values (``supervisor.get_setting``): ``true``/``false`` (lower case only), integers as C's
  ``strtol(s, NULL, 0)`` reads them (``0x1F``, ``011`` is octal 9, a sign, no ``_``, ``0o``, ``0b``;
  at most 15 characters), floats as MicroPython reads them (``1.5``, ``1e3``, ``inf``, ``nan``,
  ``_`` ignored; at most 47 characters).

Quirks kept on purpose (they are what a board does):

* a UTF-8 byte order mark is not skipped: it becomes part of the first line's key, so the first
  key of a file saved "with BOM" is never found (on a board as here);
* a NUL byte ends the line scan like the end of the file does;
* integers are C ``long`` on a 32-bit microcontroller: values beyond ±2**31 saturate to
  2147483647 / -2147483648 (as ``strtol`` does), and an integer written with more than 15
  characters is read as a float if it parses as one (``1234567890123456`` →
  ``1.234567890123456e+15``);
* ``08`` and ``1_000`` are not integers (``strtol`` stops early) but are floats (8.0, 1000.0);
* a key alone on a line followed by ``= value`` on the next line matches (the scanner skips the
  newline as whitespace after a key).

Host-specific choices (no board equivalent):

* line ends: ``\\r\\n`` files work as on a board (``\\r`` is whitespace to the scanner);
* text is bytes: values are decoded as UTF-8 (lone surrogates from ``\\uD800``-style escapes are
  kept, as MicroPython keeps them); a value that is not valid UTF-8 raises ``UnicodeError`` when
  it is returned as a ``str``, as CircuitPython's ``mp_obj_new_str_from_vstr`` does;
* the file name is found case-insensitively when ``settings.toml`` itself is missing, as the FAT
  filesystem of CIRCUITPY would (``Settings.TOML`` works on a board);
* floats are Python floats (double precision); boards use single precision.
"""

from __future__ import annotations

import enum
import math
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

SETTINGS_FILE = "settings.toml"

#: bits of the C ``long`` used by strtol on CircuitPython's 32-bit microcontrollers
LONG_BITS = 32
_LONG_MAX = (1 << (LONG_BITS - 1)) - 1
_LONG_MIN = -(1 << (LONG_BITS - 1))

#: buffer sizes CircuitPython uses for typed lookups (including the trailing NUL)
_INT_BUFFER = 16
_BOOL_BUFFER = 16
_FLOAT_BUFFER = 48

#: ``supervisor.get_setting`` error for a value that is not a valid TOML value (``Invalid %q``
#: with ``MP_QSTR_value``, ``shared-bindings/supervisor/__init__.c``)
INVALID_VALUE = "Invalid value"
#: what ``print_error`` (``supervisor/shared/settings.c``) prints for a malformed key the core reads
ERROR_HEADER = "An error occurred while retrieving '{key}':"
INVALID_FORMAT = "Invalid format"
INVALID_UNICODE_ESCAPE = "Invalid unicode escape"
INTERNAL_ERROR = "Internal error"


class Result(enum.Enum):
    """``settings_err_t`` (``supervisor/shared/settings.h``)."""

    OK = "ok"
    OPEN = "open"  # no /settings.toml (or unreadable)
    NOT_FOUND = "not_found"  # the key is not in the root table
    BAD_VALUE = "bad_value"  # malformed value, or not of the type asked for
    UNICODE = "unicode"  # \\u or \\U escape beyond U+10FFFF
    LENGTH = "length"  # the value does not fit the caller's buffer


# C's isspace / MicroPython's unichar_isspace: space, \t, \n, \v, \f, \r
_SPACE = frozenset(b" \t\n\v\f\r")
_NL = 0x0A
_HASH = 0x23
_QUOTE = 0x22
_BACKSLASH = 0x5C
_EQUALS = 0x3D
_LBRACKET = 0x5B
_ESCAPES = {
    ord("b"): 0x08,
    ord("r"): 0x0D,
    ord("n"): 0x0A,
    ord("t"): 0x09,
    ord("v"): 0x0B,
    ord("f"): 0x0C,
}


# --- the file -------------------------------------------------------------------------------------


def settings_path(drive: Path | str | os.PathLike[str] | None) -> Path | None:
    """The drive's settings file: ``settings.toml``, or a case variant of it (FAT ignores case)."""
    if drive is None:
        return None
    folder = Path(drive)
    exact = folder / SETTINGS_FILE
    if exact.is_file():
        return exact
    try:
        for entry in os.scandir(folder):
            if entry.name.lower() == SETTINGS_FILE and entry.is_file():
                return Path(entry.path)
    except OSError:
        pass
    return None


def read_settings(drive: Path | str | os.PathLike[str] | None) -> bytes | None:
    """The bytes of the drive's ``settings.toml``, or None when there is none (or it cannot be
    read): CircuitPython's ``SETTINGS_ERR_OPEN``, which every caller treats as "no such key"."""
    path = settings_path(drive)
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


# --- the scanner (a port of supervisor/shared/settings.c) ----------------------------------------


class _Value:
    """A C ``vstr_t``: the bytes collected (fixed-size buffers are checked afterwards)."""

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data = bytearray()


class _Scanner:
    """The FatFS file as ``get_next_byte`` sees it: 0 at the end (and for NUL bytes)."""

    __slots__ = ("data", "pos", "size")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.size = len(data)

    def next(self) -> int:
        if self.pos >= self.size:
            return 0
        character = self.data[self.pos]
        self.pos += 1
        return character

    def eof(self) -> bool:
        return self.pos >= self.size

    def seek_eof(self) -> None:
        self.pos = self.size

    def next_line(self) -> None:
        character = self.next()
        while character != 0 and character != _NL:
            character = self.next()

    def consume_whitespace(self) -> int:
        """Skip whitespace except newlines; return the next character (0 at the end)."""
        character = self.next()
        while character != _NL and character != 0 and character in _SPACE:
            character = self.next()
        return character

    def key_matches(self, key: bytes) -> bool:
        """At the start of a line: is this the key? True leaves the scanner just after ``=``."""
        character = self.consume_whitespace()
        if character == _LBRACKET or character == 0:
            # [section] isn't implemented, so skip to end of file.
            self.seek_eof()
            return False
        for expected in key:
            if character != expected:
                if character != _NL:
                    self.next_line()
                return False
            character = self.next()
        if character in _SPACE:
            character = self.consume_whitespace()
        if character != _EQUALS:
            if character != _NL:
                self.next_line()
            return False
        return True

    def read_unicode_escape(self, size: int, value: _Value) -> Result:
        digits = bytes(self.next() for _ in range(size))
        code, end = _strtoul16(digits.split(b"\0", 1)[0])
        if end != size:
            return Result.BAD_VALUE
        if code >= 0x110000:
            return Result.UNICODE
        value.data += chr(code).encode("utf-8", "surrogatepass")
        return Result.OK

    def read_string(self, value: _Value) -> Result:
        while True:
            character = self.next()
            if character == 0 or character == _NL:
                return Result.BAD_VALUE
            if character == _QUOTE:
                character = self.consume_whitespace()
                if character == _HASH:
                    self.next_line()
                    return Result.OK
                if character == 0 or character == _NL:
                    return Result.OK
                return Result.BAD_VALUE
            if character == _BACKSLASH:
                character = self.next()
                if character == 0 or character == _NL:
                    return Result.BAD_VALUE
                if character in (ord("u"), ord("U")):
                    result = self.read_unicode_escape(4 if character == ord("u") else 8, value)
                    if result is not Result.OK:
                        return result
                    continue
                character = _ESCAPES.get(character, character)
            value.data.append(character)

    def read_bare(self, value: _Value, character: int) -> Result:
        trailing = 0
        while True:
            if character == 0 or character == _NL:
                break
            if character == _HASH:
                self.next_line()
                break
            value.data.append(character)
            trailing = trailing + 1 if character in (0x20, 0x09, 0x0D) else 0
            character = self.next()
        if trailing:
            del value.data[-trailing:]
        return Result.OK

    def read_value(self, value: _Value) -> tuple[Result, bool]:
        character = self.consume_whitespace()
        if character == _QUOTE:
            return self.read_string(value), True
        if character == _NL or character == 0:
            return Result.BAD_VALUE, False  # an empty value is an error
        return self.read_bare(value, character), False


def _key_bytes(key: str | bytes) -> bytes:
    """The key as the C code sees it: its UTF-8 bytes up to the first NUL."""
    raw = key if isinstance(key, bytes) else key.encode("utf-8", "surrogatepass")
    return raw.split(b"\0", 1)[0]


def lookup(data: bytes | None, key: str | bytes) -> tuple[Result, bytes, bool]:
    """``settings_get_vstr``: (result, the value's bytes, was it quoted) for ``key`` in the file
    contents ``data`` (None: no file)."""
    if data is None:
        return Result.OPEN, b"", False
    scanner = _Scanner(data)
    wanted = _key_bytes(key)
    while not scanner.eof():
        if scanner.key_matches(wanted):
            value = _Value()
            result, quoted = scanner.read_value(value)
            return result, bytes(value.data), quoted
    return Result.NOT_FOUND, b"", False


def _fixed(result: Result, raw: bytes, size: int) -> Result:
    """``settings_get_buf_terminated``: LENGTH when the value and its NUL overflow ``size``."""
    if result is Result.OK and len(raw) + 1 > size:
        return Result.LENGTH
    return result


# --- C number parsing ---------------------------------------------------------------------------


def _digit(character: int, base: int) -> int | None:
    if 0x30 <= character <= 0x39:
        value = character - 0x30
    elif 0x61 <= character <= 0x7A:
        value = character - 0x61 + 10
    elif 0x41 <= character <= 0x5A:
        value = character - 0x41 + 10
    else:
        return None
    return value if value < base else None


def _strto(text: bytes, base: int) -> tuple[int, int, bool]:
    """C ``strtol``/``strtoul`` core: (magnitude with sign, end index, negative); base 0 or 16."""
    index = 0
    while index < len(text) and text[index] in _SPACE:
        index += 1
    negative = False
    if index < len(text) and text[index] in (0x2B, 0x2D):
        negative = text[index] == 0x2D
        index += 1
    # "0x" counts as a prefix only when a hex digit follows (else "0" is the number)
    has_prefix = (
        index + 2 < len(text)
        and text[index] == 0x30
        and text[index + 1] in (0x78, 0x58)
        and _digit(text[index + 2], 16) is not None
    )
    if base in (0, 16) and has_prefix:
        base = 16
        index += 2
    elif base == 0:
        base = 8 if index < len(text) and text[index] == 0x30 else 10
    start = index
    number = 0
    while index < len(text):
        digit = _digit(text[index], base)
        if digit is None:
            break
        number = number * base + digit
        index += 1
    if index == start:
        return 0, 0, False  # no conversion: end points at the start of the string
    return (-number if negative else number), index, negative


def strtol(text: bytes) -> tuple[int, int]:
    """C ``strtol(text, &end, 0)`` with a 32-bit ``long``: (value, end index)."""
    number, end, _negative = _strto(text, 0)
    return max(_LONG_MIN, min(_LONG_MAX, number)), end


def _strtoul16(text: bytes) -> tuple[int, int]:
    """C ``strtoul(text, &end, 16)`` with a 32-bit ``unsigned long``: (value, end index)."""
    number, end, negative = _strto(text, 16)
    limit = (1 << LONG_BITS) - 1
    magnitude = -number if negative else number
    if magnitude > limit:
        return limit, end
    return (-magnitude) % (1 << LONG_BITS) if negative else magnitude, end


def parse_float_internal(text: bytes) -> tuple[float, int] | None:
    """MicroPython's ``mp_parse_float_internal``: (value, characters used), or None when an
    exponent marker has nothing after it."""
    index = 0
    integer = bytearray()
    fraction = bytearray()
    exponent = bytearray()
    exponent_negative = False
    part = "int"
    while index < len(text):
        character = text[index]
        index += 1
        if 0x30 <= character <= 0x39:
            (integer if part == "int" else fraction if part == "frac" else exponent).append(
                character
            )
        elif part == "int" and character == 0x2E:
            part = "frac"
        elif part != "exp" and character | 0x20 == 0x65:
            part = "exp"
            if index < len(text) and text[index] in (0x2B, 0x2D):
                exponent_negative = text[index] == 0x2D
                index += 1
            if index == len(text):
                return None
        elif character == 0x5F:
            continue
        else:
            index -= 1
            break
    mantissa = f"{(integer or b'0').decode()}.{(fraction or b'0').decode()}"
    power = int(exponent or b"0")
    if power > 100_000:
        power = 100_000  # MicroPython stops growing the exponent; the result is inf or 0 anyway
    literal = f"{mantissa}e{'-' if exponent_negative else ''}{power}"
    return float(literal), index


# --- typed getters (get_str / get_int / get_bool / get_float / settings_get_obj) ------------------


def _get_int(result: Result, raw: bytes, quoted: bool) -> tuple[Result, int]:
    result = _fixed(result, raw, _INT_BUFFER)
    if result is not Result.OK:
        return result, 0
    if quoted:
        return Result.BAD_VALUE, 0
    number, end = strtol(raw)
    while end < len(raw) and raw[end] in _SPACE:
        end += 1
    if end == 0 or end != len(raw):
        return Result.BAD_VALUE, 0
    return Result.OK, number


def _get_bool(result: Result, raw: bytes, quoted: bool) -> tuple[Result, bool]:
    result = _fixed(result, raw, _BOOL_BUFFER)
    if result is not Result.OK:
        return result, False
    if quoted:
        return Result.BAD_VALUE, False
    if raw == b"true":
        return Result.OK, True
    if raw == b"false":
        return Result.OK, False
    return Result.BAD_VALUE, False


def _get_float(result: Result, raw: bytes, quoted: bool) -> tuple[Result, float]:
    result = _fixed(result, raw, _FLOAT_BUFFER)
    if result is not Result.OK:
        return result, 0.0
    if quoted:
        return Result.BAD_VALUE, 0.0
    text = raw.split(b"\0", 1)[0]  # the C code works on the NUL-terminated buffer
    negative = False
    start = 0
    if text[:1] in (b"+", b"-"):
        negative = text[:1] == b"-"
        start = 1
    body = text[start:]
    if body[:3] == b"inf":
        value, used = math.inf, 3
    elif body[:3] == b"nan":
        value, used = math.nan, 3
    else:
        parsed = parse_float_internal(body)
        if parsed is None or parsed[1] == 0:
            return Result.BAD_VALUE, 0.0
        value, used = parsed
    if used != len(body):
        return Result.BAD_VALUE, 0.0
    return Result.OK, -value if negative else value


def _get_str(result: Result, raw: bytes, quoted: bool, size: int | None) -> Result:
    if size is not None:
        result = _fixed(result, raw, size)
    if result is Result.OK and not quoted:
        return Result.BAD_VALUE
    return result


def _text(raw: bytes) -> str:
    """A value as a ``str``: CircuitPython raises a bare ``UnicodeError`` for bytes that are not
    UTF-8 (``mp_obj_new_str_from_vstr`` with ``MICROPY_PY_BUILTINS_STR_UNICODE_CHECK``)."""
    try:
        return raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        raise UnicodeError() from None


_MISSING = (Result.OPEN, Result.NOT_FOUND)


def typed_value(data: bytes | None, key: str | bytes) -> tuple[Result, Any]:
    """``settings_get_obj``: (result, value) with the value a str, bool, int or float."""
    result, raw, quoted = lookup(data, key)
    if result is not Result.OK:
        return result, None
    if quoted:
        return Result.OK, _text(raw)
    for getter in (_get_bool, _get_int, _get_float):
        sub_result, value = getter(result, raw, quoted)
        if sub_result is Result.OK:
            return Result.OK, value
    return Result.BAD_VALUE, None


def _check_key(key: Any) -> str | bytes:
    """``mp_obj_str_get_str``: str or bytes, else CircuitPython's TypeError."""
    if isinstance(key, str | bytes):
        return key
    name = type(key).__name__
    raise TypeError(f"can't convert '{name}' object to str implicitly")


# --- public API ---------------------------------------------------------------------------------


def get_setting(drive: Path | str | os.PathLike[str] | None, key: Any, default: Any = None) -> Any:
    """``supervisor.get_setting(key, default)``: the typed value of ``key`` in the drive's
    ``settings.toml`` (``str``, ``bool``, ``int`` or ``float``), ``default`` when the key or the
    file is missing, ``ValueError("Invalid value")`` when the value is malformed."""
    result, value = typed_value(read_settings(drive), _check_key(key))
    if result is Result.OK:
        return value
    if result in _MISSING:
        return default
    raise ValueError(INVALID_VALUE)


def getenv(drive: Path | str | os.PathLike[str] | None, key: Any, default: Any = None) -> Any:
    """``os.getenv(key, default)`` as CircuitPython 10.2+ has it: the value's text as a ``str``
    (a quoted value with its escapes applied, a bare value as written, never converted to a
    number). ``default`` when the key or the file is missing **or the value is malformed**
    (``common_hal_os_getenv`` returns ``default`` for every result other than OK; its docstring
    says "If key is not present or the value is ill-formed, return the default value")."""
    result, raw, _quoted = lookup(read_settings(drive), _check_key(key))
    if result is Result.OK:
        return _text(raw)
    return default


def has_key(drive: Path | str | os.PathLike[str] | None, key: str | bytes) -> bool:
    """Is ``key`` in the root table of the drive's ``settings.toml`` (well-formed or not)?"""
    result, _raw, _quoted = lookup(read_settings(drive), key)
    return result not in _MISSING


_original_getenv: Callable[..., Any] | None = None


def install_os_getenv(drive: Path | str | os.PathLike[str] | None) -> None:
    """Replace ``os.getenv`` in this (VM) process with CircuitPython's, reading ``drive``.

    A key present in ``/settings.toml`` gets CircuitPython's answer (:func:`getenv`: its text, or
    ``default`` when the value is malformed). **Deliberate deviation:** a key the file does not
    have falls back to the process environment, as CPython's ``os.getenv`` would. On a board there
    is no process environment, but here CPython's own standard library reads environment
    variables through ``os.getenv`` (``HOME``, ``TMPDIR``, ``TERM``, ``PYTHON*``...) and must keep
    working. CircuitPython's own Unix port does the same (``ports/unix/modos.c``). ``os.environ``
    is left alone. Calling it again replaces the drive; the original ``os.getenv`` stays the
    fallback.
    """
    global _original_getenv
    if _original_getenv is None:
        _original_getenv = os.getenv
    original: Callable[..., Any] = _original_getenv

    def getenv_from_settings(key: Any, default: Any = None) -> Any:
        if not isinstance(key, str | bytes):
            return original(key, default)  # CPython's own TypeError
        result, raw, _quoted = lookup(read_settings(drive), key)
        if result is Result.OK:
            return _text(raw)
        if result is Result.NOT_FOUND or result is Result.OPEN:
            return original(key, default)
        return default

    getenv_from_settings.__doc__ = (
        "Get the environment variable value for the given ``key`` from the ``/settings.toml``\n"
        "file (Protoboard: keys the file lacks come from the process environment)."
    )
    getenv_from_settings.__name__ = "getenv"
    getenv_from_settings.__qualname__ = "getenv"
    os.getenv = getenv_from_settings


def uninstall_os_getenv() -> None:
    """Put CPython's ``os.getenv`` back (for tests)."""
    global _original_getenv
    if _original_getenv is not None:
        os.getenv = _original_getenv
        _original_getenv = None


# --- keys the supervisor reads ------------------------------------------------------------------

#: ``CIRCUITPY_*`` keys CircuitPython's core reads, with the type it asks for and, for strings,
#: the size of the C buffer it reads them into (value + NUL; longer values are an error).
#: Roughly in the order a board reads them while starting. Board-specific display keys
#: (``CIRCUITPY_DISPLAY_*``, ``CIRCUITPY_PICODVI_ENABLE``) are left out: no board of ours has one.
SUPERVISOR_KEYS: dict[str, tuple[str, int | None]] = {
    "CIRCUITPY_SAFE_MODE_DELAY": ("float", None),  # supervisor/shared/safe_mode.c
    "CIRCUITPY_PYSTACK_SIZE": ("int", None),  # main.c _allocate_memory
    "CIRCUITPY_HEAP_START_SIZE": ("int", None),  # main.c _allocate_memory
    "CIRCUITPY_TERMINAL_FONT": ("str", 128),  # supervisor/shared/display.c
    "CIRCUITPY_TERMINAL_SCALE": ("int", None),  # supervisor/shared/display.c
    "CIRCUITPY_BLE_WORKFLOW": ("bool", None),  # supervisor/shared/bluetooth/bluetooth.c
    "CIRCUITPY_BLE_NAME": ("str", 32),  # ports/*/common-hal/_bleio/Adapter.c
    "CIRCUITPY_WIFI_SSID": ("str", 33),  # supervisor/shared/web_workflow
    "CIRCUITPY_WIFI_PASSWORD": ("str", 64),
    "CIRCUITPY_WIFI_HOSTNAME": ("str", 254),  # ports/*/common-hal/wifi
    "CIRCUITPY_WEB_INSTANCE_NAME": ("str", 50),
    "CIRCUITPY_WEB_API_PORT": ("int", None),
    "CIRCUITPY_WEB_API_PASSWORD": ("str", 63),
    "CIRCUITPY_SDCARD_USB": ("bool", None),  # shared-module/sdcardio, usb_msc_flash.c
}


def supervisor_setting(
    drive: Path | str | os.PathLike[str] | None, key: str, data: bytes | None = None
) -> tuple[Result, Any]:
    """A ``CIRCUITPY_*`` key read the way the core reads it (``settings_get_str/int/bool/float``):
    (result, value). Keys not in :data:`SUPERVISOR_KEYS` are read as strings."""
    kind, size = SUPERVISOR_KEYS.get(key, ("str", None))
    if data is None:
        data = read_settings(drive)
    result, raw, quoted = lookup(data, key)
    if kind == "str":
        result = _get_str(result, raw, quoted, size)
        return result, raw.decode("utf-8", "replace") if result is Result.OK else None
    getter = {"int": _get_int, "bool": _get_bool, "float": _get_float}[kind]
    if result is not Result.OK:
        return result, None
    sub_result, value = getter(result, raw, quoted)
    return sub_result, value if sub_result is Result.OK else None


def error_lines(key: str, result: Result) -> list[str]:
    """``print_error``: the lines a board prints when reading ``key`` gave ``result`` (none for
    OK, a missing file or a missing key)."""
    if result in (Result.OK, Result.OPEN, Result.NOT_FOUND):
        return []
    detail = {
        Result.UNICODE: INVALID_UNICODE_ESCAPE,
        Result.BAD_VALUE: INVALID_FORMAT,
    }.get(result, INTERNAL_ERROR)
    return [ERROR_HEADER.format(key=key), detail]


def check_supervisor_keys(
    drive: Path | str | os.PathLike[str] | None, keys: Iterable[str] | None = None
) -> list[str]:
    """The lines CircuitPython prints for malformed supervisor keys in ``settings.toml``.

    For each ``CIRCUITPY_*`` key the core reads (:data:`SUPERVISOR_KEYS`, or ``keys``) that is
    present but malformed for the type the core wants: ``An error occurred while retrieving
    '<KEY>':`` then ``Invalid format`` (``Invalid unicode escape`` for an escape beyond U+10FFFF,
    ``Internal error`` for a value too long for the core's buffer). Missing keys print nothing.
    """
    data = read_settings(drive)
    if data is None:
        return []
    lines: list[str] = []
    for key in SUPERVISOR_KEYS if keys is None else keys:
        result, _value = supervisor_setting(drive, key, data)
        lines += error_lines(key, result)
    return lines
