"""Packets of CircuitPython's BLE file-transfer protocol, version 4: constants, one dataclass per
packet, and decoders. Pure data: no I/O.

Layouts follow ``supervisor/shared/bluetooth/file_transfer_protocol.h`` (all integers unsigned
little-endian, reserved fields sent as 0 and ignored when decoding). Paths are UTF-8 on the wire;
the dataclasses hold them as ``str`` decoded with ``surrogateescape``, so any byte string (also
invalid UTF-8 from a hostile client) survives a decode/encode round trip unchanged.

Framing rules (``decode_requests`` / :func:`parse_one`):

* several commands may share one write; they are parsed one after another;
* a command's *payload* (path or data) may continue in later writes, as CircuitPython's
  ``THIS_COMMAND`` state allows: :class:`Incomplete` says how many bytes are still needed;
* a whole *header* must arrive in one write. CircuitPython does not check this: it reads the
  missing header fields from whatever its 1024-byte command buffer held before (stale bytes), so
  the outcome there is undefined. Here it is deterministic: bytes that stop inside a header raise
  :class:`PartialHeader` (the device engine drops them and answers the command's response with
  status ``02``, see :mod:`protoboard.ble.device`);
* a byte that is not a command raises :class:`UnknownCommand` (CircuitPython's ``switch`` has no
  default: the packet is ignored);
* a length field larger than CircuitPython's 1024-byte command buffer allows raises
  :class:`OversizeCommand` (CircuitPython answers ``02``).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

# --- GATT -----------------------------------------------------------------------------------

#: 16-bit file-transfer service UUID
SERVICE_UUID16 = 0xFEBB
SERVICE_UUID = "0000febb-0000-1000-8000-00805f9b34fb"
#: base of the characteristic UUIDs: ADAFxxxx-4669-6C65-5472-616E73666572 ("FileTransfer")
CHARACTERISTIC_BASE = "adaf{:04x}-4669-6c65-5472-616e73666572"
VERSION_UUID = CHARACTERISTIC_BASE.format(0x0100)
TRANSFER_UUID = CHARACTERISTIC_BASE.format(0x0200)
#: value of the version characteristic (uint32 LE) in current firmware
PROTOCOL_VERSION = 4
#: maximum length of the transfer characteristic
TRANSFER_MAX_LENGTH = 512
#: CircuitPython's command buffer: one command (header + path or data) is at most this long
COMMAND_SIZE = 1024
#: chunk size the Adafruit Python client asks for when reading
CLIENT_READ_CHUNK = 490
#: write window (free_space) CircuitPython offers: one FAT sector
SECTOR_SIZE = 512

# --- status codes ---------------------------------------------------------------------------

STATUS_OK = 0x01
STATUS_ERROR = 0x02
STATUS_ERROR_NO_FILE = 0x03  # LISTDIR only
STATUS_ERROR_PROTOCOL = 0x04
STATUS_ERROR_READONLY = 0x05  # v4

STATUS_NAMES = {
    STATUS_OK: "OK",
    STATUS_ERROR: "error",
    STATUS_ERROR_NO_FILE: "no such file or directory",
    STATUS_ERROR_PROTOCOL: "protocol error",
    STATUS_ERROR_READONLY: "read-only",
}

# --- command bytes --------------------------------------------------------------------------

READ = 0x10
READ_DATA = 0x11
READ_PACING = 0x12
WRITE = 0x20
WRITE_PACING = 0x21
WRITE_DATA = 0x22
DELETE = 0x30
DELETE_STATUS = 0x31
MKDIR = 0x40
MKDIR_STATUS = 0x41
LISTDIR = 0x50
LISTDIR_ENTRY = 0x51
MOVE = 0x60
MOVE_STATUS = 0x61

#: listdir flag bit 0
FLAG_DIRECTORY = 0x01


class Direction(Enum):
    REQUEST = "client to server"
    RESPONSE = "server to client"


# --- errors ---------------------------------------------------------------------------------


class ProtocolError(ValueError):
    """Bytes that do not form a valid packet."""


class UnknownCommand(ProtocolError):
    def __init__(self, command: int) -> None:
        super().__init__(f"0x{command:02x} is not a command of the BLE file-transfer protocol")
        self.command = command


class PartialHeader(ProtocolError):
    """A write ended inside a header (a whole header must arrive in one write)."""

    def __init__(self, command: int, received: int, needed: int) -> None:
        super().__init__(
            f"command 0x{command:02x}: only {received} of its {needed} header bytes "
            "arrived in this write (a whole header must arrive in one write)"
        )
        self.command, self.received, self.needed = command, received, needed


class Incomplete(ProtocolError):
    """The header is complete but the payload continues in a later write."""

    def __init__(self, command: int, received: int, needed: int) -> None:
        super().__init__(f"command 0x{command:02x}: {received} of {needed} bytes so far")
        self.command, self.received, self.needed = command, received, needed


class OversizeCommand(ProtocolError):
    """A length field larger than the command buffer allows."""

    def __init__(self, command: int, length: int, limit: int) -> None:
        super().__init__(f"command 0x{command:02x}: length {length} is over the limit {limit}")
        self.command, self.length, self.limit = command, length, limit


# --- packets --------------------------------------------------------------------------------


def _enc(path: str) -> bytes:
    return path.encode("utf-8", "surrogateescape")


def _dec(raw: bytes) -> str:
    return bytes(raw).decode("utf-8", "surrogateescape")


class Packet:
    """Base of all packets: ``COMMAND`` byte, ``HEADER`` struct, ``DIRECTION``."""

    COMMAND: ClassVar[int]
    HEADER: ClassVar[struct.Struct]
    DIRECTION: ClassVar[Direction]

    def encode(self) -> bytes:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    @classmethod
    def payload_length(cls, header: tuple) -> int:
        """Bytes after the header, from the unpacked header fields."""
        return 0

    @classmethod
    def limit(cls) -> int | None:
        """Largest payload length CircuitPython accepts (None: no check)."""
        return None

    @classmethod
    def from_parts(cls, header: tuple, payload: bytes) -> Packet:  # pragma: no cover
        raise NotImplementedError


class _WithPath(Packet):
    """A request carrying a path whose length is header field 1 (READ, WRITE, MKDIR, MOVE,
    DELETE, LISTDIR), bounded by CircuitPython's command buffer."""

    @classmethod
    def payload_length(cls, header: tuple) -> int:
        return header[1]

    @classmethod
    def limit(cls) -> int:
        return COMMAND_SIZE - cls.HEADER.size - 1


@dataclass(frozen=True)
class Read(_WithPath):
    path: str
    chunk_offset: int = 0
    chunk_size: int = CLIENT_READ_CHUNK
    COMMAND = READ
    HEADER = struct.Struct("<BxHII")
    DIRECTION = Direction.REQUEST

    def encode(self) -> bytes:
        p = _enc(self.path)
        return self.HEADER.pack(READ, len(p), self.chunk_offset, self.chunk_size) + p

    @classmethod
    def limit(cls) -> int:
        # CircuitPython checks against the READ_DATA size (16), not the READ header (12)
        return COMMAND_SIZE - ReadData.HEADER.size - 1

    @classmethod
    def from_parts(cls, header: tuple, payload: bytes) -> Read:
        return cls(_dec(payload), header[2], header[3])


@dataclass(frozen=True)
class ReadData(Packet):
    status: int
    chunk_offset: int = 0
    total_length: int = 0
    data: bytes = b""
    COMMAND = READ_DATA
    HEADER = struct.Struct("<BBxxIII")
    DIRECTION = Direction.RESPONSE

    def encode(self) -> bytes:
        return self.HEADER.pack(
            READ_DATA, self.status, self.chunk_offset, self.total_length, len(self.data)
        ) + bytes(self.data)

    @classmethod
    def payload_length(cls, header: tuple) -> int:
        return header[4]

    @classmethod
    def from_parts(cls, header: tuple, payload: bytes) -> ReadData:
        return cls(header[1], header[2], header[3], bytes(payload))


@dataclass(frozen=True)
class ReadPacing(Packet):
    chunk_offset: int
    chunk_size: int
    status: int = STATUS_OK
    COMMAND = READ_PACING
    HEADER = struct.Struct("<BBxxII")
    DIRECTION = Direction.REQUEST

    def encode(self) -> bytes:
        return self.HEADER.pack(READ_PACING, self.status, self.chunk_offset, self.chunk_size)

    @classmethod
    def from_parts(cls, header: tuple, payload: bytes) -> ReadPacing:
        return cls(header[2], header[3], header[1])


@dataclass(frozen=True)
class Write(_WithPath):
    path: str
    total_length: int
    offset: int = 0
    mtime_ns: int = 0
    COMMAND = WRITE
    HEADER = struct.Struct("<BxHIQI")
    DIRECTION = Direction.REQUEST

    def encode(self) -> bytes:
        p = _enc(self.path)
        return self.HEADER.pack(WRITE, len(p), self.offset, self.mtime_ns, self.total_length) + p

    @classmethod
    def from_parts(cls, header: tuple, payload: bytes) -> Write:
        return cls(_dec(payload), header[4], header[2], header[3])


@dataclass(frozen=True)
class WritePacing(Packet):
    status: int
    offset: int = 0
    truncated_time: int = 0
    free_space: int = 0
    COMMAND = WRITE_PACING
    HEADER = struct.Struct("<BBxxIQI")
    DIRECTION = Direction.RESPONSE

    def encode(self) -> bytes:
        return self.HEADER.pack(
            WRITE_PACING, self.status, self.offset, self.truncated_time, self.free_space
        )

    @classmethod
    def from_parts(cls, header: tuple, payload: bytes) -> WritePacing:
        return cls(header[1], header[2], header[3], header[4])


@dataclass(frozen=True)
class WriteData(Packet):
    offset: int
    data: bytes
    status: int = STATUS_OK
    COMMAND = WRITE_DATA
    HEADER = struct.Struct("<BBxxII")
    DIRECTION = Direction.REQUEST

    def encode(self) -> bytes:
        return self.HEADER.pack(WRITE_DATA, self.status, self.offset, len(self.data)) + bytes(
            self.data
        )

    @classmethod
    def payload_length(cls, header: tuple) -> int:
        return header[3]

    @classmethod
    def limit(cls) -> int:
        return COMMAND_SIZE - cls.HEADER.size - 1

    @classmethod
    def from_parts(cls, header: tuple, payload: bytes) -> WriteData:
        return cls(header[2], bytes(payload), header[1])


@dataclass(frozen=True)
class _PathRequest(_WithPath):
    """A request that is a command byte and a path (DELETE, LISTDIR)."""

    path: str
    HEADER = struct.Struct("<BxH")
    DIRECTION = Direction.REQUEST

    def encode(self) -> bytes:
        p = _enc(self.path)
        return self.HEADER.pack(self.COMMAND, len(p)) + p

    @classmethod
    def from_parts(cls, header: tuple, payload: bytes) -> _PathRequest:
        return cls(_dec(payload))


@dataclass(frozen=True)
class Delete(_PathRequest):
    COMMAND = DELETE


@dataclass(frozen=True)
class _StatusReply(Packet):
    """A response that is a command byte and a status (DELETE_STATUS, MOVE_STATUS)."""

    status: int
    HEADER = struct.Struct("<BB")
    DIRECTION = Direction.RESPONSE

    def encode(self) -> bytes:
        return self.HEADER.pack(self.COMMAND, self.status)

    @classmethod
    def from_parts(cls, header: tuple, payload: bytes) -> _StatusReply:
        return cls(header[1])


@dataclass(frozen=True)
class DeleteStatus(_StatusReply):
    COMMAND = DELETE_STATUS


@dataclass(frozen=True)
class Mkdir(_WithPath):
    path: str
    mtime_ns: int = 0
    COMMAND = MKDIR
    HEADER = struct.Struct("<BxHxxxxQ")
    DIRECTION = Direction.REQUEST

    def encode(self) -> bytes:
        p = _enc(self.path)
        return self.HEADER.pack(MKDIR, len(p), self.mtime_ns) + p

    @classmethod
    def from_parts(cls, header: tuple, payload: bytes) -> Mkdir:
        return cls(_dec(payload), header[2])


@dataclass(frozen=True)
class MkdirStatus(Packet):
    status: int
    truncated_time: int = 0
    COMMAND = MKDIR_STATUS
    HEADER = struct.Struct("<BBxxxxxxQ")
    DIRECTION = Direction.RESPONSE

    def encode(self) -> bytes:
        return self.HEADER.pack(MKDIR_STATUS, self.status, self.truncated_time)

    @classmethod
    def from_parts(cls, header: tuple, payload: bytes) -> MkdirStatus:
        return cls(header[1], header[2])


@dataclass(frozen=True)
class Listdir(_PathRequest):
    COMMAND = LISTDIR


@dataclass(frozen=True)
class ListdirEntry(Packet):
    """One entry; the terminating entry has ``entry_number == entry_count`` and no name.
    On small MTUs (< 28) CircuitPython splits the header 16 + 12: :func:`split_listdir_header`."""

    status: int
    entry_number: int = 0
    entry_count: int = 0
    flags: int = 0
    mtime_ns: int = 0
    file_size: int = 0
    name: str = ""
    COMMAND = LISTDIR_ENTRY
    HEADER = struct.Struct("<BBHIIIQI")
    DIRECTION = Direction.RESPONSE

    @property
    def is_dir(self) -> bool:
        return bool(self.flags & FLAG_DIRECTORY)

    @property
    def is_last(self) -> bool:
        return self.entry_number >= self.entry_count

    def encode(self) -> bytes:
        n = _enc(self.name)
        return (
            self.HEADER.pack(
                LISTDIR_ENTRY,
                self.status,
                len(n),
                self.entry_number,
                self.entry_count,
                self.flags,
                self.mtime_ns,
                self.file_size,
            )
            + n
        )

    @classmethod
    def payload_length(cls, header: tuple) -> int:
        return header[2]

    @classmethod
    def from_parts(cls, header: tuple, payload: bytes) -> ListdirEntry:
        return cls(header[1], header[3], header[4], header[5], header[6], header[7], _dec(payload))


@dataclass(frozen=True)
class Move(_WithPath):
    """MOVE (v4). Between the two paths is one separator byte of any value: the Adafruit client
    sends a space (``0x20``, the default here); CircuitPython overwrites it with NUL."""

    old_path: str
    new_path: str
    separator: int = 0x20
    COMMAND = MOVE
    HEADER = struct.Struct("<BxHH")
    DIRECTION = Direction.REQUEST

    def encode(self) -> bytes:
        o, n = _enc(self.old_path), _enc(self.new_path)
        return self.HEADER.pack(MOVE, len(o), len(n)) + o + bytes([self.separator]) + n

    @classmethod
    def payload_length(cls, header: tuple) -> int:
        return header[1] + 1 + header[2]

    @classmethod
    def from_parts(cls, header: tuple, payload: bytes) -> Move:
        old_len = header[1]
        return cls(_dec(payload[:old_len]), _dec(payload[old_len + 1 :]), payload[old_len])


@dataclass(frozen=True)
class MoveStatus(_StatusReply):
    COMMAND = MOVE_STATUS


@dataclass(frozen=True)
class ProtocolErrorReply:
    """The server's 2-byte answer ``[expected_cmd, 04]`` to an unexpected packet while it awaits
    READ_PACING or WRITE_DATA (``expected`` is therefore a *request* command byte)."""

    expected: int
    status: int = STATUS_ERROR_PROTOCOL

    def encode(self) -> bytes:
        return bytes([self.expected, self.status])


REQUESTS: dict[int, type[Packet]] = {
    c.COMMAND: c for c in (Read, ReadPacing, Write, WriteData, Delete, Mkdir, Listdir, Move)
}
RESPONSES: dict[int, type[Packet]] = {
    c.COMMAND: c
    for c in (ReadData, WritePacing, DeleteStatus, MkdirStatus, ListdirEntry, MoveStatus)
}
#: the response type that answers each request (each takes its status first)
RESPONSE_TO: dict[int, Callable[[int], Packet]] = {
    READ: ReadData,
    READ_PACING: ReadData,
    WRITE: WritePacing,
    WRITE_DATA: WritePacing,
    DELETE: DeleteStatus,
    MKDIR: MkdirStatus,
    LISTDIR: ListdirEntry,
    MOVE: MoveStatus,
}


def parse_one(
    buf: bytes | bytearray | memoryview,
    direction: Direction = Direction.REQUEST,
    *,
    max_payload: int | None = None,
) -> tuple[Packet | ProtocolErrorReply, int]:
    """Parse the packet at the start of ``buf``; return it and the number of bytes it used.

    Raises :class:`UnknownCommand`, :class:`PartialHeader` (``buf`` ends inside the header),
    :class:`Incomplete` (the payload is not all there yet) or :class:`OversizeCommand`
    (requests only; ``max_payload`` overrides the per-command limit, e.g. for a larger write
    window). In the response direction, a request command byte followed by status ``04`` is a
    :class:`ProtocolErrorReply`.
    """
    if not buf:
        raise PartialHeader(0, 0, 1)
    command = buf[0]
    table = REQUESTS if direction is Direction.REQUEST else RESPONSES
    if direction is Direction.RESPONSE and command in REQUESTS:
        if len(buf) < 2:
            raise PartialHeader(command, len(buf), 2)
        return ProtocolErrorReply(command, buf[1]), 2
    cls = table.get(command)
    if cls is None:
        raise UnknownCommand(command)
    size = cls.HEADER.size
    if len(buf) < size:
        raise PartialHeader(command, len(buf), size)
    header = cls.HEADER.unpack_from(buf, 0)
    length = cls.payload_length(header)
    limit = cls.limit()
    if max_payload is not None and limit is not None:
        limit = max(limit, max_payload)
    if direction is Direction.REQUEST and limit is not None and length > limit:
        raise OversizeCommand(command, length, limit)
    if len(buf) < size + length:
        raise Incomplete(command, len(buf), size + length)
    return cls.from_parts(header, bytes(buf[size : size + length])), size + length


def decode(data: bytes, direction: Direction = Direction.REQUEST) -> list[Packet]:
    """All packets of one write (strict: raises on any trailing fragment or bad byte)."""
    packets: list = []
    view = memoryview(bytes(data))
    pos = 0
    while pos < len(view):
        packet, used = parse_one(view[pos:], direction)
        packets.append(packet)
        pos += used
    return packets


def decode_requests(data: bytes) -> list[Packet]:
    return decode(data, Direction.REQUEST)


def decode_responses(data: bytes) -> list[Packet]:
    return decode(data, Direction.RESPONSE)


class ResponseStream:
    """Reassembles the server's notifications (which a transport may split or coalesce at any
    byte, e.g. a LISTDIR header split 16 + 12) into packets."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Packet | ProtocolErrorReply]:
        self._buffer += data
        out: list = []
        while self._buffer:
            try:
                packet, used = parse_one(self._buffer, Direction.RESPONSE)
            except (PartialHeader, Incomplete):
                break
            out.append(packet)
            del self._buffer[:used]
        return out

    def clear(self) -> None:
        self._buffer.clear()

    @property
    def pending(self) -> int:
        return len(self._buffer)


def split_listdir_header(encoded_entry: bytes, max_packet: int) -> list[bytes]:
    """CircuitPython's rule for MTUs too small for a 28-byte LISTDIR header: send it as 16 + 12
    bytes; the name follows in further pieces."""
    size = ListdirEntry.HEADER.size
    if max_packet >= size:
        return [
            encoded_entry[:size],
            *([encoded_entry[size:]] if len(encoded_entry) > size else []),
        ]
    parts = [encoded_entry[:16], encoded_entry[16:size]]
    if len(encoded_entry) > size:
        parts.append(encoded_entry[size:])
    return parts
