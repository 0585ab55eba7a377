"""A fake ``_bleio`` (the native BLE module under ``adafruit_ble``) whose one remote connection is
Protoboard's in-memory :class:`~protoboard.ble.link.Link` to a
:class:`~protoboard.ble.device.DeviceSession`: Adafruit's unmodified
``adafruit_ble_file_transfer.FileTransferClient`` then talks to our device engine with no radio.

Only the edge is fake. ``adafruit_ble`` (its ``BLEConnection``, ``Service``, characteristics and
UUID classes) and ``adafruit_ble_file_transfer`` run unchanged, exactly as a central does it::

    connection = adafruit_ble.BLEConnection(bleio_connection)
    service = connection[FileTransferService]        # discovery, characteristic binding
    client = FileTransferClient(service)             # reads the version characteristic

What ``_bleio`` has to provide for that, and what each piece does here:

* ``UUID`` (16-bit int, 16 little-endian bytes, or a string), ``Attribute`` and
  ``Characteristic`` constants: read at import by ``adafruit_ble``;
* :class:`Connection`: ``discover_remote_services`` returns the one remote :class:`Service`
  (UUID ``0xFEBB``) holding two remote :class:`Characteristic` objects: version (a GATT read of
  the uint32 ``4``: one round trip on the link) and transfer;
* :class:`PacketBuffer` on the transfer characteristic (the library's ``raw``): ``write`` is one
  ATT write without response (at most ``MTU - 3`` bytes, as ``outgoing_packet_length`` tells
  the library), handed to ``DeviceSession.receive`` at once; the device's responses are split
  to the MTU by :meth:`Link.split` (CircuitPython's 16 + 12 LISTDIR rule included) and queued
  as notifications, which ``readinto`` hands out one per call. As in CircuitPython, a
  notification longer than the buffer is dropped with ``ValueError`` (the library's buffers
  always fit one MTU here). With nothing queued the device will never send more (it is
  synchronous), so instead of returning 0 for ever (the library would spin) ``readinto`` raises
  :class:`~protoboard.ble.link.LinkStalled`.

Timing is counted on the :class:`Link`'s own :class:`~protoboard.ble.link.LinkStats`, the way
:meth:`Link.run` counts it: a round is a burst of client writes and the notifications they
cause; it costs ``ceil(up / k) + ceil(down / k)`` connection intervals. A round closes when the
client writes again after reading, or at :meth:`AirLink.settle`.
"""

from __future__ import annotations

import math
import struct
import sys
import types
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from protoboard.ble import protocol as p
from protoboard.ble.link import Link, LinkLost, LinkStalled

_BASE = "0000{:04x}-0000-1000-8000-00805f9b34fb"


class UUID:
    """``_bleio.UUID``: equal when size and value are equal (as CircuitPython's)."""

    def __init__(self, value: int | bytes | bytearray | str) -> None:
        if isinstance(value, int):
            if not 0 <= value <= 0xFFFF:
                raise ValueError("UUID integer value must be 0-0xffff")
            self.size, self._int = 16, value
            self._bytes = bytes.fromhex(_BASE.format(value).replace("-", ""))[::-1]
        elif isinstance(value, str):
            raw = bytes.fromhex(value.replace("-", ""))
            if len(raw) != 16:
                raise ValueError("UUID string must be 128 bits")
            self.size, self._bytes, self._int = 128, raw[::-1], None
        else:
            raw = bytes(value)
            if len(raw) != 16:
                raise ValueError("UUID buffer must be 16 bytes")
            self.size, self._bytes, self._int = 128, raw, None

    @property
    def uuid16(self) -> int:
        return self._int if self._int is not None else int.from_bytes(self._bytes[12:14], "little")

    @property
    def uuid128(self) -> bytes:
        return self._bytes

    def pack_into(self, buffer: bytearray, offset: int = 0) -> None:
        data = struct.pack("<H", self._int) if self.size == 16 else self._bytes
        buffer[offset : offset + len(data)] = data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UUID) and other.size == self.size and other._bytes == self._bytes

    def __hash__(self) -> int:
        return hash((self.size, self._bytes))

    def __str__(self) -> str:
        if self.size == 16:
            return f"0x{self._int:04x}"
        h = self._bytes[::-1].hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    __repr__ = __str__


class Attribute:
    """``_bleio.Attribute`` security modes (values as CircuitPython's)."""

    NO_ACCESS = 0x00
    OPEN = 0x11
    ENCRYPT_NO_MITM = 0x21
    ENCRYPT_WITH_MITM = 0x31
    LESC_ENCRYPT_WITH_MITM = 0x41
    SIGNED_NO_MITM = 0x12
    SIGNED_WITH_MITM = 0x22


class AirLink:
    """The client end of the in-memory link: ATT writes, notifications and reads, with the
    round accounting of :meth:`Link.run` on ``link.stats``."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.notifications: deque[bytes] = deque()
        self._up = 0
        self._down = 0
        self._reading = False

    @property
    def payload_size(self) -> int:
        return self.link.payload_size

    def _events(self, packets: int) -> float:
        k = self.link.packets_per_event
        return math.ceil(packets / k) * self.link.interval if packets else 0.0

    def settle(self) -> None:
        """Close the open round: add its connection events to the virtual clock."""
        self.link.stats.elapsed += self._events(self._up) + self._events(self._down)
        self._up = self._down = 0
        self._reading = False

    def _check(self) -> None:
        if not self.link.connected:
            raise LinkLost("the simulated link is down")

    def write(self, packet: bytes) -> None:
        """One ATT write without response from the client."""
        self._check()
        if len(packet) > self.payload_size:
            raise ValueError(
                f"a {len(packet)}-byte write does not fit the "
                f"{self.payload_size}-byte payload of MTU {self.link.mtu}"
            )
        if self._reading:
            self.settle()
        stats = self.link.stats
        stats.packets_up += 1
        stats.bytes_up += len(packet)
        self._up += 1
        for response in self.link.device.receive(packet):
            for piece in self.link.split(response):
                stats.packets_down += 1
                stats.bytes_down += len(piece)
                self._down += 1
                self.notifications.append(piece)

    def next_notification(self) -> bytes:
        self._check()
        self._reading = True
        if not self.notifications:
            raise LinkStalled("the client waits for a notification the device will not send")
        return self.notifications.popleft()

    def gatt_read(self, value: bytes) -> bytes:
        """A characteristic read: one request and one response, a round of its own."""
        self._check()
        self.settle()
        stats = self.link.stats
        stats.packets_up += 1
        stats.packets_down += 1
        stats.bytes_down += len(value)
        self._up, self._down = 1, 1
        self.settle()
        return value


class Characteristic:
    """``_bleio.Characteristic``: property flags, and a remote characteristic of our device."""

    BROADCAST = 0x01
    READ = 0x02
    WRITE_NO_RESPONSE = 0x04
    WRITE = 0x08
    NOTIFY = 0x10
    INDICATE = 0x20

    def __init__(self, air: AirLink, uuid: UUID, properties: int, value: bytes = b"") -> None:
        self._air = air
        self.uuid = uuid
        self.properties = properties
        self._value = value
        self.max_length = p.TRANSFER_MAX_LENGTH

    @property
    def value(self) -> bytes:
        return self._air.gatt_read(self._value)

    @classmethod
    def add_to_service(cls, *args: Any, **kwargs: Any) -> Characteristic:
        raise NotImplementedError("this fake _bleio is a central: it serves no local services")


class Service:
    """``_bleio.Service``: a remote service found by discovery."""

    def __init__(self, uuid: UUID, characteristics: tuple[Characteristic, ...]) -> None:
        self.uuid = uuid
        self.characteristics = characteristics
        self.remote = True
        self.secondary = False


class PacketBuffer:
    """``_bleio.PacketBuffer`` on a remote characteristic: writes without response out,
    notifications in (subscribing is implied: our device notifies as soon as it answers)."""

    def __init__(
        self,
        characteristic: Characteristic,
        *,
        buffer_size: int,
        max_packet_size: int | None = None,
    ) -> None:
        self._characteristic = characteristic
        self._air = characteristic._air
        self._max = max_packet_size or p.TRANSFER_MAX_LENGTH

    @property
    def outgoing_packet_length(self) -> int:
        return min(self._max, self._air.payload_size)

    @property
    def incoming_packet_length(self) -> int:
        return min(self._max, self._air.payload_size)

    def write(self, data: Any, *, header: bytes | None = None) -> int:
        packet = (header or b"") + bytes(data)
        self._air.write(packet)
        return len(packet)

    def readinto(self, buf: bytearray | memoryview) -> int:
        packet = self._air.next_notification()
        if len(packet) > len(buf):
            # CircuitPython drops the packet and raises
            raise ValueError(f"Buffer too short by {len(packet) - len(buf)} bytes")
        buf[: len(packet)] = packet
        return len(packet)

    def deinit(self) -> None:
        pass


class Connection:
    """``_bleio.Connection`` to our device, which offers the file-transfer service."""

    def __init__(self, air: AirLink) -> None:
        self.air = air
        version = Characteristic(
            air, UUID(p.VERSION_UUID), Characteristic.READ, struct.pack("<I", p.PROTOCOL_VERSION)
        )
        transfer = Characteristic(
            air,
            UUID(p.TRANSFER_UUID),
            Characteristic.READ | Characteristic.WRITE_NO_RESPONSE | Characteristic.NOTIFY,
        )
        self.services = (Service(UUID(p.SERVICE_UUID16), (version, transfer)),)
        self.paired = True

    @property
    def connected(self) -> bool:
        return self.air.link.connected

    @property
    def connection_interval(self) -> float:
        return self.air.link.interval * 1000

    def discover_remote_services(self, service_uuids_whitelist: Any = None) -> tuple:
        if service_uuids_whitelist is None:
            return self.services
        wanted = list(service_uuids_whitelist)
        return tuple(s for s in self.services if s.uuid in wanted)

    def pair(self, *, bond: bool = True) -> None:
        self.paired = True

    def disconnect(self) -> None:
        self.air.link.disconnect()


def bleio_module() -> types.ModuleType:
    module = types.ModuleType("_bleio", "Fake _bleio at the edge of Protoboard's in-memory link")
    for obj in (UUID, Attribute, Characteristic, Service, PacketBuffer, Connection):
        setattr(module, obj.__name__, obj)
    module.adapter = None  # type: ignore[attr-defined]  # no radio: BLERadio() refuses to start
    return module


@contextmanager
def fake_bleio() -> Iterator[types.ModuleType]:
    """``_bleio`` importable (as on a board) for the duration of the block."""
    saved = sys.modules.get("_bleio")
    module = sys.modules["_bleio"] = bleio_module()
    try:
        yield module
    finally:
        if saved is None:
            sys.modules.pop("_bleio", None)
        else:
            sys.modules["_bleio"] = saved


class AdafruitSession:
    """Adafruit's client connected to ``link``'s device. Needs ``_bleio`` faked and the
    libraries importable (see :func:`fake_bleio`)."""

    def __init__(self, link: Link) -> None:
        from adafruit_ble import BLEConnection
        from adafruit_ble_file_transfer import FileTransferClient, FileTransferService

        self.air = AirLink(link)
        self.connection = BLEConnection(Connection(self.air))
        self.service = self.connection[FileTransferService]
        self.client = FileTransferClient(self.service)
        self.air.settle()

    @property
    def link(self) -> Link:
        return self.air.link

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """``client.method(*args, **kwargs)``, with its last round put on the clock."""
        try:
            return getattr(self.client, method)(*args, **kwargs)
        finally:
            self.air.settle()
