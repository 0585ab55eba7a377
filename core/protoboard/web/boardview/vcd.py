"""The logic analyzer's export: pin histories and I2C and SPI transactions as a VCD file (IEEE
1364 Value Change Dump), which GTKWave and PulseView open.

Pins are 1-bit wires with their recorded edges. An I2C bus has no edges of its own in the
simulation (a transfer is one call), so each transaction the board saw is drawn as the SCL/SDA
waveform a 100 kHz bus would carry at that moment (start, address and R/W bit, data bytes with
the device's ACK/NACK, repeated start, stop): PulseView's I2C decoder reads it back as the same
bytes. A transaction that would overlap the one before starts when that one ends. An SPI
transfer is drawn the same way, at 1 MHz, in its SPI mode (clock polarity and phase), MSB first,
with its chip select low around it: SCK, MOSI, MISO and CS for PulseView's SPI decoder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

#: one I2C bit in nanoseconds (100 kHz)
I2C_BIT_NS = 10_000
#: one SPI bit in nanoseconds (1 MHz)
SPI_BIT_NS = 1_000
#: the most pins and buses in one file (identifiers stay printable and short)
MAX_SIGNALS = 64
_NAME = re.compile(r"[^A-Za-z0-9_]")


def _ident(index: int) -> str:
    chars = "".join(chr(c) for c in range(33, 127))
    out = ""
    while True:
        out += chars[index % len(chars)]
        index //= len(chars)
        if not index:
            return out


def i2c_edges(start: int, transaction: dict[str, Any]) -> tuple[list[tuple[int, int, int]], int]:
    """``[(time_ns, scl, sda)]`` for one transaction starting at ``start``, and its end."""
    half = I2C_BIT_NS // 2
    t = start
    edges: list[tuple[int, int, int]] = [(t, 1, 1)]

    def at(scl: int, sda: int) -> None:
        nonlocal t
        t += half // 2
        edges.append((t, scl, sda))

    def start_condition() -> None:
        if edges[-1][1] == 0:  # a repeated start: SDA up while SCL is low, then SCL up
            at(0, 1)
        at(1, 1)
        at(1, 0)  # SDA falls while SCL is high
        at(0, 0)

    def byte(value: int, ack: bool) -> None:
        for bit in [(value >> (7 - i)) & 1 for i in range(8)] + [0 if ack else 1]:
            at(0, bit)
            at(1, bit)
            at(1, bit)
            at(0, bit)

    address = int(transaction["address"])
    written = bytes.fromhex(transaction.get("written", ""))
    read = bytes.fromhex(transaction.get("read", ""))
    answered = bool(transaction.get("answered", True))
    if written or not read:
        start_condition()
        byte(address << 1, answered)
        for value in written if answered else b"":
            byte(value, True)
    if read and answered:
        start_condition()
        byte(address << 1 | 1, True)
        for i, value in enumerate(read):
            byte(value, i < len(read) - 1)  # the controller NACKs the last byte
    at(0, 0)
    at(1, 0)
    at(1, 1)  # stop: SDA rises while SCL is high
    return edges, t + half


def spi_edges(
    start: int, transaction: dict[str, Any]
) -> tuple[list[tuple[int, int, int, int, int]], int]:
    """``[(time_ns, sck, mosi, miso, cs)]`` for one SPI transfer starting at ``start``, and its
    end. With CPHA 0 a bit is set while the clock idles and sampled on the leading edge; with
    CPHA 1 it is set on the leading edge and sampled on the trailing one (MSB first)."""
    half = SPI_BIT_NS // 2
    mode = int(transaction.get("mode", 0))
    idle, cpha = mode >> 1, mode & 1
    mosi = bytes.fromhex(transaction.get("mosi", ""))
    miso = bytes.fromhex(transaction.get("miso", ""))
    bits = [
        ((out >> (7 - i)) & 1, (inp >> (7 - i)) & 1)
        for out, inp in zip(mosi, miso, strict=False)
        for i in range(8)
    ]
    t = start
    edges = [(t, idle, 1, 1, 1)]
    t += half
    edges.append((t, idle, 1, 1, 0))  # chip select falls
    for out_bit, in_bit in bits:
        if cpha:
            edges.append((t, 1 - idle, out_bit, in_bit, 0))  # leading edge: set
            t += half
            edges.append((t, idle, out_bit, in_bit, 0))  # trailing edge: sample
        else:
            edges.append((t, idle, out_bit, in_bit, 0))  # set while idle
            t += half
            edges.append((t, 1 - idle, out_bit, in_bit, 0))  # leading edge: sample
            t += half
            edges.append((t, idle, out_bit, in_bit, 0))
        t += half
    edges.append((t, idle, 1, 1, 1))  # chip select rises
    return edges, t + half


def _scope(name: str) -> str:
    return _NAME.sub("_", name) or "bus"


def write(
    pins: dict[str, list[list[int]]],
    bus: Iterable[dict[str, Any]] = (),
    *,
    chosen: Iterable[str] | None = None,
    date: str = "",
) -> str:
    """The VCD text of ``pins`` (name -> ``[[t_ns, level], ...]``) and the I2C transactions in
    ``bus``; ``chosen`` limits the pins (None: all). Times start at the first event."""
    names = [name for name in (pins if chosen is None else chosen) if name in pins]
    names = names[:MAX_SIGNALS]
    buses: dict[str, list[dict[str, Any]]] = {}
    spi_buses: dict[str, list[dict[str, Any]]] = {}
    for transaction in bus:
        if transaction.get("kind") == "i2c":
            buses.setdefault(str(transaction["where"]), []).append(transaction)
        elif transaction.get("kind") == "spi":
            spi_buses.setdefault(str(transaction["where"]), []).append(transaction)
    changes: list[tuple[int, str, int]] = []
    ids: dict[str, str] = {}
    for index, name in enumerate(names):
        ids[name] = _ident(index)
        changes += [(int(t), ids[name], int(v)) for t, v in pins[name]]
    bus_vars: list[tuple[str, str, str]] = []
    for where, transactions in list(buses.items())[: MAX_SIGNALS - len(names)]:
        scl, sda = _ident(len(ids) + 2 * len(bus_vars)), _ident(len(ids) + 2 * len(bus_vars) + 1)
        bus_vars.append((where, scl, sda))
        free = 0
        for transaction in sorted(transactions, key=lambda item: int(item["when"])):
            edges, free = i2c_edges(max(int(transaction["when"]), free), transaction)
            for t, c, d in edges:
                changes += [(t, scl, c), (t, sda, d)]
    spi_vars: list[tuple[str, tuple[str, str, str, str]]] = []
    taken = len(ids) + 2 * len(bus_vars)
    for where, transactions in list(spi_buses.items())[: max(0, MAX_SIGNALS - taken) // 4]:
        wires = tuple(_ident(taken + 4 * len(spi_vars) + i) for i in range(4))
        spi_vars.append((where, wires))  # type: ignore[arg-type]
        free = 0
        for transaction in sorted(transactions, key=lambda item: int(item["when"])):
            edges5, free = spi_edges(max(int(transaction["when"]), free), transaction)
            for t, *levels in edges5:
                changes += [(t, wire, level) for wire, level in zip(wires, levels, strict=True)]
    return "".join(_text(names, ids, bus_vars, changes, date, spi_vars))


def _text(
    names: list[str],
    ids: dict[str, str],
    bus_vars: list[tuple[str, str, str]],
    changes: list[tuple[int, str, int]],
    date: str,
    spi_vars: list[tuple[str, tuple[str, str, str, str]]] = (),  # type: ignore[assignment]
) -> Iterator[str]:
    yield f"$date {date or 'unknown'} $end\n$version Protoboard board view $end\n"
    yield "$timescale 1ns $end\n$scope module board $end\n"
    for name in names:
        yield f"$var wire 1 {ids[name]} {_scope(name)} $end\n"
    yield "$upscope $end\n"
    for where, scl, sda in bus_vars:
        yield f"$scope module i2c_{_scope(where)} $end\n"
        yield f"$var wire 1 {scl} SCL $end\n$var wire 1 {sda} SDA $end\n$upscope $end\n"
    for where, wires in spi_vars:
        yield f"$scope module spi_{_scope(where)} $end\n"
        for wire, label in zip(wires, ("SCK", "MOSI", "MISO", "CS"), strict=True):
            yield f"$var wire 1 {wire} {label} $end\n"
        yield "$upscope $end\n"
    yield "$enddefinitions $end\n"
    if not changes:
        return
    changes.sort(key=lambda change: change[0])
    origin = changes[0][0]
    last: dict[str, int] = {}
    now = None
    for t, ident, value in changes:
        if last.get(ident) == value:
            continue
        last[ident] = value
        if t != now:
            now = t
            yield f"#{t - origin}\n"
        yield f"{value}{ident}\n"


def read(text: str) -> dict[str, list[tuple[int, int]]]:
    """Parse a VCD of 1-bit wires back: ``{"scope.name": [(time, value), ...]}`` (for tests
    and for people checking an export)."""
    names: dict[str, str] = {}
    scopes: list[str] = []
    result: dict[str, list[tuple[int, int]]] = {}
    tokens = iter(text.split())
    now = 0
    for token in tokens:
        if token == "$scope":
            next(tokens)
            scopes.append(next(tokens))
        elif token == "$upscope":
            scopes.pop()
        elif token == "$var":
            _kind, _size, ident, name = (next(tokens) for _ in range(4))
            names[ident] = ".".join([*scopes, name])
            result[names[ident]] = []
        elif token.startswith("#"):
            now = int(token[1:])
        elif token[:1] in "01xz" and token[1:] in names:
            value = int(token[0]) if token[0] in "01" else -1
            result[names[token[1:]]].append((now, value))
    return result


def decode_i2c(scl: list[tuple[int, int]], sda: list[tuple[int, int]]) -> list[list[int]]:
    """The bytes of each I2C transfer (address byte first) read back from SCL/SDA edges, as a
    logic analyzer's decoder would: bits sampled on SCL's rising edge, framed by start/stop."""
    events = sorted([(t, "c", v) for t, v in scl] + [(t, "d", v) for t, v in sda])
    level = {"c": 1, "d": 1}
    frames: list[list[int]] = []
    bits: list[int] = []
    for _t, line, value in events:
        before = dict(level)
        level[line] = value
        if line == "d" and before["c"] == 1 and level["c"] == 1:
            if value == 0:  # start (or repeated start)
                frames.append([])
                bits = []
            continue  # a stop ends the frame
        if line == "c" and value == 1 and before["c"] == 0 and frames:
            bits.append(level["d"])
            if len(bits) == 9:  # 8 data bits and the ACK bit
                frames[-1].append(int("".join(map(str, bits[:8])), 2))
                bits = []
    return frames


def decode_spi(
    sck: list[tuple[int, int]],
    mosi: list[tuple[int, int]],
    miso: list[tuple[int, int]],
    cs: list[tuple[int, int]],
    mode: int = 0,
) -> list[tuple[bytes, bytes]]:
    """(MOSI bytes, MISO bytes) of each transfer read back from the four wires, as a logic
    analyzer's SPI decoder would: framed by CS low, each bit sampled on the mode's sampling
    edge (leading with CPHA 0, trailing with CPHA 1), MSB first."""
    idle, cpha = mode >> 1, mode & 1
    sample_level = idle if cpha else 1 - idle  # the clock's level just after a sampling edge
    times = sorted({t for wire in (sck, mosi, miso, cs) for t, _ in wire})
    changes: dict[int, dict[str, int]] = {t: {} for t in times}
    for name, wire in (("c", sck), ("o", mosi), ("i", miso), ("s", cs)):
        for t, value in wire:
            changes[t][name] = value
    level = {"c": idle, "o": 1, "i": 1, "s": 1}
    frames: list[tuple[bytearray, bytearray]] = []
    bits: list[tuple[int, int]] = []
    for t in times:
        before = dict(level)
        level.update(changes[t])
        if before["s"] == 1 and level["s"] == 0:
            frames.append((bytearray(), bytearray()))
            bits = []
        edge = before["c"] != level["c"] and level["c"] == sample_level
        if edge and frames and level["s"] == 0:
            bits.append((level["o"], level["i"]))
            if len(bits) == 8:
                out, inp = frames[-1]
                out.append(int("".join(str(b[0]) for b in bits), 2))
                inp.append(int("".join(str(b[1]) for b in bits), 2))
                bits = []
    return [(bytes(o), bytes(i)) for o, i in frames]
