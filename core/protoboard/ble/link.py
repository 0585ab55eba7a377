"""An in-memory BLE link between a client :class:`~protoboard.ble.client.Operation` and a
:class:`~protoboard.ble.device.DeviceSession`, on a virtual clock (no sleeping): deterministic
and fast for tests and benchmarks.

Timing model: every GATT packet carries at most ``MTU - 3`` payload bytes; each connection event
(every ``interval`` seconds) carries up to ``packets_per_event`` packets in one direction. A
burst of writes from the client is answered at the earliest in the following event, so one round
trip costs ``ceil(up / k) + ceil(down / k)`` intervals. Capacity is therefore
``(MTU - 3) * k / interval`` bytes/s per direction; :attr:`Link.stats` shows what was achieved.

Client writes are split to the MTU one at a time, never joined, so each header starts a write
(the protocol needs a whole header in one write). Notifications are split the same way, with
CircuitPython's 16 + 12 split of LISTDIR headers when the payload size is below 28 bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeVar

from protoboard.ble import protocol as p
from protoboard.ble.client import Operation
from protoboard.ble.device import DeviceSession

T = TypeVar("T")


class LinkLost(ConnectionError):
    """The simulated connection dropped (``drop_after`` bytes were reached)."""


class LinkStalled(RuntimeError):
    """The client waits for a notification the device will never send."""


@dataclass
class LinkStats:
    packets_up: int = 0
    packets_down: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    elapsed: float = 0.0  # virtual seconds


@dataclass(frozen=True)
class Transfer:
    result: object
    elapsed: float  # virtual seconds
    payload_bytes: int

    @property
    def throughput(self) -> float:
        """Payload bytes per virtual second."""
        return self.payload_bytes / self.elapsed if self.elapsed else math.inf


class Link:
    def __init__(
        self,
        device: DeviceSession,
        *,
        mtu: int = 23,
        interval: float = 0.0075,
        packets_per_event: int = 1,
        drop_after: int | None = None,
    ) -> None:
        if not 23 <= mtu <= p.TRANSFER_MAX_LENGTH + 3:
            raise ValueError("the ATT MTU is 23 to 515 bytes")
        if interval <= 0 or packets_per_event < 1:
            raise ValueError("interval must be positive and packets_per_event at least 1")
        self.device = device
        self.mtu = mtu
        self.interval = interval
        self.packets_per_event = packets_per_event
        self.drop_after = drop_after
        self.connected = True
        self.stats = LinkStats()

    @property
    def payload_size(self) -> int:
        return self.mtu - 3

    @property
    def capacity(self) -> float:
        """Payload bytes per second the link can carry in one direction."""
        return self.payload_size * self.packets_per_event / self.interval

    @property
    def clock(self) -> float:
        return self.stats.elapsed

    def split(self, message: bytes) -> list[bytes]:
        size = self.payload_size
        if message[:1] == bytes([p.LISTDIR_ENTRY]) and size < p.ListdirEntry.HEADER.size:
            name = message[p.ListdirEntry.HEADER.size :]
            return [message[:16], message[16:28], *(self._chunks(name, size) if name else [])]
        return self._chunks(message, size)

    @staticmethod
    def _chunks(data: bytes, size: int) -> list[bytes]:
        return [data[i : i + size] for i in range(0, len(data), size)] or [b""]

    def _budget(self, packet: bytes) -> None:
        if self.drop_after is None:
            return
        used = self.stats.bytes_up + self.stats.bytes_down
        if used + len(packet) > self.drop_after:
            self.disconnect()
            raise LinkLost(f"the simulated link dropped after {used} bytes")

    def disconnect(self) -> None:
        if self.connected:
            self.connected = False
            self.device.disconnect()

    def _events(self, packets: int) -> float:
        return math.ceil(packets / self.packets_per_event) * self.interval if packets else 0.0

    def run(self, op: Operation[T]) -> T:
        """Run ``op`` to completion over the link and return its result."""
        if not self.connected:
            raise LinkLost("the simulated link is down")
        outgoing = op.start()
        while not op.done:
            if not outgoing:
                raise LinkStalled(
                    f"{op.name} {op.path}: waiting for a notification the device will not send"
                )
            responses: list[bytes] = []
            up = 0
            for message in outgoing:
                for packet in self._chunks(message, self.payload_size):
                    self._budget(packet)
                    self.stats.packets_up += 1
                    self.stats.bytes_up += len(packet)
                    up += 1
                    responses += self.device.receive(packet)
            down = 0
            outgoing = []
            for response in responses:
                for packet in self.split(response):
                    self._budget(packet)
                    self.stats.packets_down += 1
                    self.stats.bytes_down += len(packet)
                    down += 1
                    outgoing += op.feed(packet)
            self.stats.elapsed += self._events(up) + self._events(down)
        return op.result  # type: ignore[return-value]

    def measure(self, op: Operation[T], payload_bytes: int) -> Transfer:
        """Run ``op`` and report its virtual time and payload throughput."""
        start = self.stats.elapsed
        result = self.run(op)
        return Transfer(result, self.stats.elapsed - start, payload_bytes)
