"""
The `ipaddress` module provides types for IP addresses. It is a subset of CPython's ipaddress
module.

A program's ``import ipaddress`` gets this module (CircuitPython's, IPv4 only); Protoboard's own
code and the host's libraries keep CPython's.
"""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum

_NOT_VALID = "Not a valid IP string"
_ONLY_INT_OR_STRING = "Only int or string supported for ip"


def _parse_octet(text: str) -> int | None:
    """``mp_parse_num_integer(..., 10)``: spaces around, a sign, digits (``_`` between)."""
    body = text.strip()
    if body.startswith(("+", "-")):
        sign, body = body[0], body[1:]
    else:
        sign = ""
    if not body or not (body[0].isdigit() and body.replace("_", "").isdigit()):
        return None
    if "__" in body or body.endswith("_") or not body.isascii():
        return None
    return int(sign + body.replace("_", ""))


def _parse_ipv4(text: str) -> int | None:
    """``ipaddress_parse_ipv4address``: the address as CircuitPython stores it (the first octet
    in the low byte, as a little-endian chip lays out the four bytes), or None.

    Like the C code, an octet is any decimal integer (``1.2.3.300`` is taken, its bits spill
    over): only the form is checked. A string with fewer than three dots is refused here (the C
    code reads past the text's parts then; nothing sensible comes of it)."""
    parts = text.split(".")
    if len(parts) != 4:
        return None
    value = 0
    for index, part in enumerate(parts):
        octet = _parse_octet(part)
        if octet is None:
            return None
        value |= octet << (index * 8)
    return value & 0xFFFFFFFF


def _packed_from_int(value: int) -> bytes:
    return (value & 0xFFFFFFFF).to_bytes(4, "little")


class IPv4Address:
    """Encapsulates an IPv4 address."""

    __slots__ = ("_packed",)

    def __init__(self, address: int | str | bytes) -> None:
        """Create a new IPv4Address object encapsulating the address value.

        The value itself can either be bytes or a string formatted address.

        As on a board, an ``int`` is laid out little-endian: ``IPv4Address(1)`` is
        ``1.0.0.0``."""
        if isinstance(address, int):
            self._packed = _packed_from_int(address)
        elif isinstance(address, str):
            value = _parse_ipv4(address)
            if value is None:
                raise ValueError(_NOT_VALID)
            self._packed = _packed_from_int(value)
        else:
            try:
                data = bytes(memoryview(address))
            except TypeError:
                raise TypeError(
                    f"object with buffer protocol required, not {type(address).__name__}"
                ) from None
            if len(data) != 4:
                raise ValueError("Address must be 4 bytes long")
            self._packed = data

    @property
    def packed(self) -> bytes:
        """The bytes that make up the address (read-only)."""
        return self._packed

    @property
    def version(self) -> int:
        """4 for IPv4, 6 for IPv6"""
        return 4

    def __eq__(self, other: object) -> bool:
        """Two Address objects are equal if their addresses and address types are equal."""
        return isinstance(other, IPv4Address) and other._packed == self._packed

    def __hash__(self) -> int:
        """Returns a hash for the IPv4Address data."""
        return hash(self._packed)

    def __str__(self) -> str:
        return ".".join(str(byte) for byte in self._packed)

    __repr__ = __str__

    def __setattr__(self, name: str, value: Any) -> None:
        if name != "_packed":
            raise AttributeError(f"can't set attribute '{name}'")
        object.__setattr__(self, name, value)


def ip_address(obj: int | str) -> IPv4Address:
    """Return a corresponding IP address object or raise ValueError if not possible."""
    if isinstance(obj, int):
        return IPv4Address(obj)
    if isinstance(obj, str):
        value = _parse_ipv4(obj)
        if value is None:
            raise ValueError(_NOT_VALID)
        return IPv4Address(value)
    raise ValueError(_ONLY_INT_OR_STRING)


def _from_host(text: str) -> IPv4Address:
    """An address written the usual way (``"192.168.4.2"``), for ports and bindings."""
    return IPv4Address(bytes(int(part) for part in text.split(".")))


_enum.publish("ipaddress", IPv4Address, ip_address)
