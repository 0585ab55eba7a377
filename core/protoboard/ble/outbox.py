"""Notifications at the pace the link takes them, with bounded memory.

A GATT server on BlueZ notifies by emitting a ``PropertiesChanged`` signal per packet on its
D-Bus connection. Emitting faster than the bus daemon reads them fills the socket, and
dbus-fast (as python-dbus-next, issue #153 there) treats the resulting ``EAGAIN`` as fatal:
it closes the connection, and every later BLE operation fails until a restart. A program that
prints in a loop while a BLE console client is subscribed did exactly that.

So each characteristic that notifies gets an :class:`Outbox`:

* at most ``window`` notifications are in flight; then the outbox waits for a D-Bus round trip
  (``settle``), which returns once the bus daemon has read everything sent before it, and for
  ``interval`` seconds (about one BLE connection interval) before the next burst;
* what waits is bounded: a :class:`PacketQueue` (file-transfer replies, never dropped, with a
  byte limit a well-behaved client never reaches) or a :class:`StreamBuffer` (console output:
  the oldest bytes are dropped, and the client sees a marker saying how many);
* an error while sending is logged once and drops what waits; it never reaches the caller.

:func:`tolerate_full_socket` is the second guard: it makes dbus-fast's writer wait for the
socket to drain instead of disconnecting, whatever else on the connection fills it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

#: notifications sent before waiting for the bus to take them
NOTIFY_WINDOW = 8
#: pause between two bursts of console notifications: about one BLE connection interval
CONNECTION_INTERVAL = 0.015
#: console output kept for a subscriber that cannot keep up; older output is dropped
CONSOLE_BUFFER = 8 * 1024
#: file-transfer replies waiting to be notified (a LISTDIR of a few thousand entries fits)
TRANSFER_BUFFER = 8 * 1024 * 1024
#: per queued packet, counted with its bytes so many tiny packets are bounded too
PACKET_OVERHEAD = 64


class Backlog(Protocol):
    def take(self) -> bytes | None:
        """The next notification, or None when empty."""

    def clear(self) -> None: ...

    def __bool__(self) -> bool: ...


class PacketQueue:
    """Whole packets, in order; :meth:`put` refuses what would exceed ``limit`` bytes."""

    def __init__(self, limit: int = TRANSFER_BUFFER) -> None:
        self.limit = limit
        self._packets: deque[bytes] = deque()
        self._size = 0

    def put(self, packets: list[bytes]) -> bool:
        size = sum(len(x) + PACKET_OVERHEAD for x in packets)
        if self._size + size > self.limit:
            return False
        self._packets.extend(packets)
        self._size += size
        return True

    def take(self) -> bytes | None:
        if not self._packets:
            return None
        packet = self._packets.popleft()
        self._size -= len(packet) + PACKET_OVERHEAD
        return packet

    def clear(self) -> None:
        self._packets.clear()
        self._size = 0

    def __bool__(self) -> bool:
        return bool(self._packets)


class StreamBuffer:
    """A byte stream cut into packets of ``packet_size()`` as they are sent; keeps the newest
    ``limit`` bytes and tells the reader how many older ones it dropped. :meth:`put` may be
    called from any thread."""

    def __init__(self, packet_size: Callable[[], int], limit: int = CONSOLE_BUFFER) -> None:
        self.packet_size = packet_size
        self.limit = limit
        self._data = bytearray()
        self._lock = threading.Lock()
        self._wake_pending = False
        self.dropped = 0  # since the last marker
        self.dropped_total = 0

    def put(self, data: bytes) -> bool:
        """Add ``data``; True when the reader needs a wake-up (none is pending yet)."""
        with self._lock:
            self._data += data
            excess = len(self._data) - self.limit
            if excess > 0:
                del self._data[:excess]
                self.dropped += excess
                self.dropped_total += excess
            wake, self._wake_pending = not self._wake_pending, True
            return wake

    def woken(self) -> None:
        """The reader got the wake-up: the next :meth:`put` asks for another."""
        with self._lock:
            self._wake_pending = False

    def take(self) -> bytes | None:
        with self._lock:
            if self.dropped:
                marker = f"\r\n[{self.dropped} bytes of output dropped: slow BLE link]\r\n"
                self.dropped = 0
                self._data[:0] = marker.encode()
            if not self._data:
                return None
            size = max(1, self.packet_size())
            packet = bytes(self._data[:size])
            del self._data[:size]
            return packet

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.dropped = 0

    def __bool__(self) -> bool:
        return bool(self._data) or bool(self.dropped)


class Outbox:
    """Sends ``backlog`` through ``send`` at most ``window`` at a time, each burst followed by
    ``await settle()`` and ``interval`` seconds. Runs on the event loop's thread."""

    def __init__(
        self,
        name: str,
        backlog: Backlog,
        send: Callable[[bytes], None],
        settle: Callable[[], Awaitable[object]],
        *,
        window: int = NOTIFY_WINDOW,
        interval: float = 0.0,
    ) -> None:
        self.name = name
        self.backlog = backlog
        self._send = send
        self._settle = settle
        self.window = window
        self.interval = interval
        self._unsettled = 0
        self._task: asyncio.Task[None] | None = None
        self.failures = 0

    def kick(self, *, now: bool = False) -> None:
        """New data is in the backlog. With ``now``, send what the window allows at once
        (so small replies go out before the write that caused them is acknowledged)."""
        if now:
            self._burst(self.window - self._unsettled)
        if self.backlog or self._unsettled:
            self._start()

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def _burst(self, budget: int) -> None:
        try:
            while budget > 0:
                packet = self.backlog.take()
                if packet is None:
                    return
                self._send(packet)
                self._unsettled += 1
                budget -= 1
        except Exception as exc:  # never let one endpoint's trouble reach the caller
            self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        self.failures += 1
        self.backlog.clear()
        if self.failures == 1:
            log.warning("BLE %s: notification failed, output dropped: %s", self.name, exc)

    async def _run(self) -> None:
        try:
            while self._unsettled or self.backlog:
                if self._unsettled:
                    pending = self._unsettled  # what this round trip covers
                    await self._settle()
                    self._unsettled -= pending
                    if self.interval:
                        await asyncio.sleep(self.interval)
                self._burst(self.window - self._unsettled)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._unsettled = 0
            self._fail(exc)
        finally:
            self._task = None

    async def close(self) -> None:
        task, self._task = self._task, None
        self.backlog.clear()
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


class _PatientSocket:
    """A socket whose ``send`` reports 0 bytes sent instead of raising when the buffer is
    full, so dbus-fast's writer waits for it to drain (it already handles short writes)."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock

    def send(self, data: Any, *args: Any) -> int:
        try:
            return int(self._sock.send(data, *args))
        except BlockingIOError:
            return 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def tolerate_full_socket(bus: Any) -> bool:
    """Make a connected dbus-fast bus survive a full socket (see the module docstring).
    Returns False, changing nothing, when dbus-fast's internals are not as expected."""
    writer: Any = getattr(bus, "_writer", None)
    sock = getattr(writer, "sock", None)
    if writer is None or sock is None or not hasattr(type(writer), "write_callback"):
        return False
    if not isinstance(sock, _PatientSocket):
        writer.sock = _PatientSocket(sock)
    return True
