"""Transports for the BLE file-transfer client: something that carries a client
:class:`~protoboard.ble.client.Operation`'s writes to a device and its notifications back.

The transport is **async** because the real one, bleak, is asyncio-only: its notification
callbacks run on the event loop, so an :class:`asyncio.Queue` is all the glue needed (no threads,
no second loop). The protocol engine stays sans-IO and synchronous; :func:`run_operation` is the
thin async loop that drives an Operation over any :class:`Transport`. A command-line tool wraps
one whole session (connect, several operations, close) in one :func:`asyncio.run`.

:class:`LinkTransport` serves a local folder with an in-process
:class:`~protoboard.ble.device.DeviceSession`, so everything above the radio can be used and
tested without one (``protoboard ble ... --loopback DIR``).
"""

from __future__ import annotations

import asyncio
import os
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

from protoboard.ble import protocol as p
from protoboard.ble.client import Operation
from protoboard.ble.device import DeviceSession
from protoboard.ble.link import Link
from protoboard.errors import UserError

T = TypeVar("T")

#: seconds to wait for each notification before giving up
DEFAULT_TIMEOUT = 10.0

_CLOSED = object()  # queued when the link drops


class TransportError(UserError, ConnectionError):
    """The link (not the device's file system) failed. ``hint`` says what to do about it."""


class BluetoothUnavailable(TransportError):
    """No bleak, no adapter, no Bluetooth service: nothing can be scanned or connected."""


class DeviceNotFound(TransportError):
    """No (single) device matched."""


class TransferTimeout(TransportError):
    """The device stopped answering."""


class ConnectionLost(TransportError):
    """The device disconnected."""


class Transport(ABC):
    """One connection to a file-transfer device.

    Subclasses implement :meth:`_write` (one GATT write of at most :attr:`max_write` bytes) and
    call :meth:`_notified` for each notification and :meth:`_lost` when the link drops.
    """

    #: negotiated ATT MTU (a GATT write or notification carries ``mtu - 3`` bytes)
    mtu: int = 23
    #: short description for messages, e.g. "CIRCUITPY1234 (AA:BB:...)"
    name: str = "device"
    #: what to try when the device stops answering
    timeout_hint: str = (
        "move closer to the board, check that it is still running, and retry "
        "(a larger --timeout may help)"
    )

    def __init__(self) -> None:
        self._queue: asyncio.Queue[object] | None = None
        self.bytes_sent = 0
        self.bytes_received = 0
        #: protocol messages sent, by command byte (p.WRITE, p.READ, ...)
        self.commands: Counter[int] = Counter()

    @property
    def queue(self) -> asyncio.Queue[object]:
        if self._queue is None:  # created lazily, on the running loop
            self._queue = asyncio.Queue()
        return self._queue

    @property
    def max_write(self) -> int:
        """Largest single write (write without response)."""
        return min(self.mtu - 3, p.TRANSFER_MAX_LENGTH)

    async def send(self, message: bytes) -> None:
        """Send one protocol message, split into writes of at most :attr:`max_write` bytes
        (never joined with another message: the protocol needs each header to start a write)."""
        if message:
            self.commands[message[0]] += 1
        size = self.max_write
        for i in range(0, max(len(message), 1), size):
            chunk = bytes(message[i : i + size])
            self.bytes_sent += len(chunk)
            await self._write(chunk)

    async def receive(self, timeout: float | None = DEFAULT_TIMEOUT) -> bytes:
        """The next notification; raises :class:`TransferTimeout` or :class:`ConnectionLost`."""
        try:
            item = await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            raise TransferTimeout(
                f"{self.name} did not answer within {timeout:g} s", self.timeout_hint
            ) from None
        if item is _CLOSED:
            self.queue.put_nowait(_CLOSED)  # every later receive fails too
            raise ConnectionLost(
                f"{self.name} disconnected",
                "check that the board is powered and in range, then retry",
            )
        assert isinstance(item, bytes)
        self.bytes_received += len(item)
        return item

    def _notified(self, data: bytes | bytearray) -> None:
        self.queue.put_nowait(bytes(data))

    def _lost(self) -> None:
        self.queue.put_nowait(_CLOSED)

    @abstractmethod
    async def _write(self, chunk: bytes) -> None: ...

    @abstractmethod
    async def close(self) -> None:
        """Disconnect; safe to call twice."""

    async def __aenter__(self) -> Transport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def run_operation(
    transport: Transport,
    op: Operation[T],
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    progress: Callable[[int, int], None] | None = None,
) -> T:
    """Run ``op`` over ``transport`` to completion and return its result.

    ``timeout`` is the longest wait for any one notification (so a long transfer is fine as
    long as it keeps moving). ``progress(sent, received)`` is called after each notification
    with the bytes this operation has sent and received so far (protocol bytes, headers
    included); write operations also take their own exact payload ``progress``.
    Device errors raise :class:`~protoboard.ble.client.FileTransferError` subclasses.
    """
    sent0, received0 = transport.bytes_sent, transport.bytes_received
    for message in op.start():
        await transport.send(message)
    while not op.done:
        notification = await transport.receive(timeout)
        outgoing = op.feed(notification)
        if progress:
            progress(transport.bytes_sent - sent0, transport.bytes_received - received0)
        for message in outgoing:
            await transport.send(message)
    return op.result  # type: ignore[return-value]


class LinkTransport(Transport):
    """A transport to a :class:`~protoboard.ble.device.DeviceSession` in this process.

    Writes go to :meth:`DeviceSession.receive` at once; the responses are split to the MTU
    (with CircuitPython's 16 + 12 LISTDIR rule on tiny MTUs) and queued as notifications.
    """

    def __init__(self, device: DeviceSession, *, mtu: int = 247, name: str = "loopback") -> None:
        super().__init__()
        if not 23 <= mtu <= p.TRANSFER_MAX_LENGTH + 3:
            raise ValueError("the ATT MTU is 23 to 515 bytes")
        self.device = device
        self.mtu = mtu
        self.name = name
        self.closed = False
        self._splitter = Link(device, mtu=mtu)

    @classmethod
    def serve(
        cls,
        folder: os.PathLike | str,
        *,
        read_only: bool | Callable[[], bool] = False,
        mtu: int = 247,
        on_change: Callable[[str], None] | None = None,
        fat_times: bool = True,
    ) -> LinkTransport:
        """Serve ``folder`` as a board's CIRCUITPY drive (FAT times, like a real board).
        ``read_only`` may be a callable, checked at each change, as on the board."""
        check = read_only if callable(read_only) else (lambda: bool(read_only))
        device = DeviceSession(
            folder, read_only=check, on_change=on_change or (lambda _: None), fat_times=fat_times
        )
        return cls(device, mtu=mtu, name=f"loopback {os.fspath(folder)}")

    async def _write(self, chunk: bytes) -> None:
        if self.closed:
            raise ConnectionLost(f"{self.name} is closed")
        for response in self.device.receive(chunk):
            for packet in self._splitter.split(response):
                self._notified(packet)

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.device.disconnect()
            self._lost()
