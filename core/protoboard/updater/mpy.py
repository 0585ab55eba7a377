"""The header of a ``.mpy`` file, and which CircuitPython majors can load it.

Layout (``py/persistentcode.c`` of adafruit/circuitpython, ``mp_raw_code_save``/``_load``)::

    byte 0  magic: 'C' (CircuitPython 7+) or 'M' (MicroPython, and CircuitPython <= 6)
    byte 1  .mpy version
    byte 2  feature byte: bits 2..7 native arch (0 = bytecode only);
            bits 0..1 = feature flags (version <= 5: bit 1 = unicode strings)
                     or sub-version (version 6; CircuitPython writes it only for native code)
    byte 3  number of bits in a small int
    vuint   qstr window size (version 5 only)

Which header each CircuitPython release writes (``MPY_VERSION``/``MPY_SUB_VERSION`` in
``py/persistentcode.h`` at each tag):

=============  ==========================  ===============================
header         CircuitPython               notes
=============  ==========================  ===============================
``M`` 3        3.x - 6.x                   MicroPython's magic
``C`` 5        7.x - 8.x (and 9.0 alpha.0) flags must be 2 (unicode)
``C`` 6 sub 1  9.0 - 9.1                   sub-version written only for native code
``C`` 6 sub 3  9.2 - 10.x                  sub 2 only in a 9.2 alpha
=============  ==========================  ===============================

**A bytecode-only .mpy from a 9.x bundle and one from a 10.x bundle have identical headers**
(``C 06 00 1f``): byte 2 is 0 whenever the file has no native code, so not even 9.0's
sub-version 1 shows. Their static qstr table and opcodes did not change either, and the 10.x
loader accepts the 9.x file. The header therefore cannot say which bundle a file came from;
:attr:`MpyInfo.ambiguous` says so, and an updater must remember what it installed (a manifest)
instead of guessing from bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = [
    "ARCH_NAMES",
    "NEWEST_KNOWN_MAJOR",
    "MpyError",
    "MpyInfo",
    "compatible_major_versions",
    "is_compatible",
    "mpy_header",
    "mpy_strings",
    "read_mpy_header",
]

#: the newest CircuitPython major this module's table was checked against (10.3.0-alpha.4)
NEWEST_KNOWN_MAJOR = 10

#: ``MP_NATIVE_ARCH_*`` in ``py/persistentcode.h``
ARCH_NAMES = (
    "none",
    "x86",
    "x64",
    "armv6",
    "armv6m",
    "armv7m",
    "armv7em",
    "armv7emsp",
    "armv7emdp",
    "xtensa",
    "xtensawin",
    "rv32imc",
    "wasm32",
    "debug",
)

#: enough bytes for any header this module reads (4 + a vuint of at most 5 bytes)
HEADER_READ_SIZE = 16


class MpyError(ValueError):
    """Not an .mpy file, a truncated one, or one this module cannot read."""


@dataclass(frozen=True)
class MpyInfo:
    magic: str  # "C" or "M"
    version: int  # byte 1
    feature_byte: int  # byte 2, raw
    small_int_bits: int  # byte 3
    qstr_window: int | None = None  # version 5 only

    @property
    def arch(self) -> int:
        """Native architecture number (0: bytecode only)."""
        return self.feature_byte >> 2

    @property
    def arch_name(self) -> str:
        return ARCH_NAMES[self.arch] if self.arch < len(ARCH_NAMES) else f"unknown({self.arch})"

    @property
    def has_native(self) -> bool:
        return self.arch != 0

    @property
    def flags(self) -> int | None:
        """Feature flags of versions <= 5 (bit 1: unicode strings); None for version 6+."""
        return self.feature_byte & 3 if self.version <= 5 else None

    @property
    def sub_version(self) -> int | None:
        """Sub-version of version 6+ (CircuitPython writes it only for native code, else 0)."""
        return self.feature_byte & 3 if self.version >= 6 else None

    @property
    def dialect(self) -> str:
        """ "circuitpython" or "micropython" (an ``M`` file is MicroPython's unless it is the
        version 3 CircuitPython <= 6 also wrote)."""
        if self.magic == "C" or self.version <= 3:
            return "circuitpython"
        return "micropython"

    @property
    def format_name(self) -> str:
        """e.g. ``C6``, ``C6.3`` (with a sub-version), ``M3``."""
        name = f"{self.magic}{self.version}"
        if self.version >= 6 and self.has_native:
            name += f".{self.sub_version}"
        return name

    @property
    def ambiguous(self) -> bool:
        """True if more than one CircuitPython major's bundle writes exactly this header (9.x and
        10.x bytecode files): the header cannot tell which bundle the file came from."""
        return len(compatible_major_versions(self)) > 1

    def __str__(self) -> str:
        majors = sorted(compatible_major_versions(self))
        where = ", ".join(f"{m}.x" for m in majors) or "no known CircuitPython"
        return f".mpy {self.format_name} ({self.arch_name}, {where})"


def _read_vuint(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for _ in range(5):
        if pos >= len(data):
            raise MpyError("truncated .mpy header (qstr window size missing)")
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, pos
    raise MpyError("invalid .mpy header (qstr window size too long)")


def read_mpy_header(source: str | os.PathLike | bytes | bytearray | memoryview) -> MpyInfo:
    """Read the header of an .mpy file (a path) or of its bytes. Raises :class:`MpyError` for
    anything that is not a readable .mpy header (the OSError of an unreadable path included)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source[:HEADER_READ_SIZE])
        label = "data"
    elif isinstance(source, (str, os.PathLike)):
        label = os.fspath(source)
        try:
            with open(source, "rb") as f:
                data = f.read(HEADER_READ_SIZE)
        except OSError as e:
            raise MpyError(f"{label}: cannot read: {e.strerror or e}") from e
    else:
        raise MpyError(f"expected a path or bytes, not {type(source).__name__}")
    try:
        return _parse(data)
    except MpyError as e:
        if label == "data":
            raise
        raise MpyError(f"{label}: {e}") from None


def _parse(data: bytes) -> MpyInfo:
    if not data:
        raise MpyError("empty file, not an .mpy")
    magic = data[0]
    if magic not in (ord("C"), ord("M")):
        raise MpyError(f"not an .mpy file (first byte {magic:#04x}, expected 'C' or 'M')")
    if len(data) < 4:
        raise MpyError(f"truncated .mpy header ({len(data)} of 4 bytes)")
    version, feature, small_int_bits = data[1], data[2], data[3]
    if not 1 <= version <= 15:
        raise MpyError(f"not an .mpy file (version byte {version})")
    qstr_window = None
    if magic == ord("C") and version == 5:
        qstr_window, _ = _read_vuint(data, 4)
    return MpyInfo(chr(magic), version, feature, small_int_bits, qstr_window)


def compatible_major_versions(info: MpyInfo) -> set[int]:
    """CircuitPython majors whose loader accepts this header (as far as the header shows: a
    native file also needs the board's own architecture). Majors newer than
    :data:`NEWEST_KNOWN_MAJOR` are not included: see :func:`is_compatible`."""
    if info.magic == "M":
        return {3, 4, 5, 6} if info.version == 3 else set()
    if info.version == 5:
        return {7, 8} if info.flags == 2 else set()
    if info.version == 6:
        if not info.has_native:
            return {9, 10}
        return {1: {9}, 2: {9}, 3: {9, 10}}.get(info.sub_version or 0, set())
    return set()


def is_compatible(info: MpyInfo, cp_major: int) -> bool | None:
    """Can CircuitPython ``cp_major`` load this file? None means "unknown": the major is newer
    than this module's table (falsy, so a caller that ignores the distinction treats it as
    incompatible; an updater should rather ask or consult its manifest)."""
    if cp_major > NEWEST_KNOWN_MAJOR:
        return None
    return cp_major in compatible_major_versions(info)


def mpy_header(cp_major: int, *, arch: int = 0, small_int_bits: int = 31) -> bytes:
    """The header the mpy-cross of CircuitPython ``cp_major`` writes (for tests and fakes)."""
    if cp_major in (7, 8):
        return bytes([ord("C"), 5, 2 | arch << 2, small_int_bits, 32])
    if cp_major == 9:
        return bytes([ord("C"), 6, (3 | arch << 2) if arch else 0, small_int_bits])
    if cp_major == 10:
        return bytes([ord("C"), 6, (3 | arch << 2) if arch else 0, small_int_bits])
    if 3 <= cp_major <= 6:
        return bytes([ord("M"), 3, 2, small_int_bits])
    raise ValueError(f"no known .mpy header for CircuitPython {cp_major}")


def mpy_strings(data: bytes) -> list[str] | None:
    """The strings a version-6 ``.mpy`` (CircuitPython 9 and 10, MicroPython 1.19+) lists
    before its code: the qstr table, then the string constants, in file order. None for other
    versions or a table that does not parse (the caller then falls back to a byte search).

    Layout (``save_qstr``/``save_obj`` in ``py/persistentcode.c``): after the 4-byte header,
    vuint qstr count and object count; each qstr is a vuint ``len << 1`` then the bytes and a
    NUL, or an odd vuint (an index into the firmware's static qstrs, no text); each object is
    a type byte, and for a str (5) or bytes (6) a vuint length, the bytes and a NUL."""
    if len(data) < 4 or data[0] not in (ord("C"), ord("M")) or data[1] != 6:
        return None
    try:
        n_qstr, pos = _read_vuint(data, 4)
        n_obj, pos = _read_vuint(data, pos)
        strings: list[str] = []
        for _ in range(n_qstr):
            value, pos = _read_vuint(data, pos)
            if value & 1:
                continue  # a static qstr: no text in the file
            size = value >> 1
            strings.append(data[pos : pos + size].decode("utf-8"))
            pos += size + 1
        for _ in range(n_obj):
            kind = data[pos]
            pos += 1
            if kind not in (5, 6):
                break  # ints, floats, tuples: no more strings needed
            size, pos = _read_vuint(data, pos)
            if kind == 5:
                strings.append(data[pos : pos + size].decode("utf-8"))
            pos += size + 1
        if pos > len(data):
            return None
        return strings
    except (MpyError, IndexError, UnicodeDecodeError):
        return None
