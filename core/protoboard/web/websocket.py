"""The server side of RFC 6455 WebSockets, bounded, over a blocking socket.

Used by the web workflow's ``/cp/serial/`` console and by anything mounted on the run's web
server (:mod:`protoboard.web.server`). The contract, stable for other modules:

* :func:`handshake` checks an upgrade request's headers and returns the ``101`` response to
  send (or raises :class:`HandshakeError` with the status and a plain-words message);
* :class:`WebSocket` wraps the socket afterwards: :meth:`~WebSocket.receive` returns one whole
  message (``str`` for text, ``bytes`` for binary) or None once the connection is closed;
  :meth:`~WebSocket.send_text`, :meth:`~WebSocket.send_binary`, :meth:`~WebSocket.ping` and
  :meth:`~WebSocket.close` may be called from any thread (one lock orders the writes).

Rules kept (RFC 6455 §5): every client frame must be masked (else close ``1002``); server
frames never are; control frames (ping ``9``, pong ``10``, close ``8``) have at most 125 bytes,
are never fragmented and may come between the fragments of a message; a ping is answered by a
pong with its payload; a close is answered by a close with the same code; reserved bits and
opcodes are refused (``1002``); a text message must be valid UTF-8 (``1007``); a message over
``max_message`` bytes, counted as frames arrive (before any is buffered whole), closes with
``1009``. A peer that stops sending runs into the socket's timeout, if it has one, and
:meth:`~WebSocket.receive` then returns None as for a closed connection; a server that keeps
idle clients with a timeout pings them (browsers answer pings by themselves).
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import hashlib
import os
import socket
import struct
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message

__all__ = [
    "CLOSE_GOING_AWAY",
    "CLOSE_NORMAL",
    "CLOSE_POLICY",
    "CLOSE_PROTOCOL",
    "CLOSE_TOO_BIG",
    "CLOSE_UNSUPPORTED",
    "HandshakeError",
    "WebSocket",
    "accept_key",
    "handshake",
]

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL = 1002
CLOSE_UNSUPPORTED = 1003
CLOSE_INVALID_DATA = 1007
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
#: close codes a peer may send (RFC 6455 §7.4); others are a protocol error
_VALID_CLOSE = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014}
#: seconds a close frame (and the peer's answer to it) may take
CLOSE_TIMEOUT = 5.0
#: the default bound on one message, in bytes
DEFAULT_MAX_MESSAGE = 1 << 20


class HandshakeError(Exception):
    """The upgrade request is not a WebSocket handshake this server accepts."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ProtocolError(Exception):
    """The peer broke the protocol; ``code`` is the close code it gets."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def accept_key(key: str) -> str:
    """``Sec-WebSocket-Accept`` for a client's ``Sec-WebSocket-Key``."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def _tokens(value: str | None) -> set[str]:
    return {part.strip().lower() for part in (value or "").split(",") if part.strip()}


def handshake(
    method: str, headers: Message | Mapping[str, str], extra: tuple[tuple[str, str], ...] = ()
) -> bytes:
    """The ``101 Switching Protocols`` response to an upgrade request with ``headers`` (a
    case-insensitive mapping, such as :class:`email.message.Message`). ``extra`` headers are
    added (CORS, say). No extension or subprotocol is chosen."""

    def header(name: str) -> str:
        return str(headers.get(name) or "").strip()

    if method != "GET":
        raise HandshakeError(405, "A WebSocket is opened with GET.")
    if "websocket" not in _tokens(header("Upgrade")):
        raise HandshakeError(426, "This address is a WebSocket: connect with a WebSocket client.")
    if "upgrade" not in _tokens(header("Connection")):
        raise HandshakeError(400, "A WebSocket handshake needs 'Connection: Upgrade'.")
    if header("Sec-WebSocket-Version") != "13":
        raise HandshakeError(426, "Only WebSocket version 13 is served.")
    key = header("Sec-WebSocket-Key")
    try:
        valid = len(base64.b64decode(key, validate=True)) == 16
    except ValueError:
        valid = False
    if not valid:
        raise HandshakeError(400, "Sec-WebSocket-Key must be 16 random bytes in base64.")
    lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {accept_key(key)}",
        *(f"{name}: {value}" for name, value in extra),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def frame(opcode: int, payload: bytes, *, fin: bool = True, mask: bytes | None = None) -> bytes:
    """One frame; ``mask`` (4 bytes) only for a client (tests use it to play one)."""
    first = (0x80 if fin else 0) | opcode
    size = len(payload)
    mask_bit = 0x80 if mask else 0
    if size < 126:
        head = struct.pack("!BB", first, mask_bit | size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", first, mask_bit | 126, size)
    else:
        head = struct.pack("!BBQ", first, mask_bit | 127, size)
    if mask:
        return head + mask + _unmask(payload, mask)
    return head + payload


def _unmask(data: bytes, mask: bytes) -> bytes:
    # XOR through one big integer: far faster in CPython than a loop over bytes
    repeated = (mask * (len(data) // 4 + 1))[: len(data)]
    value = int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")
    return value.to_bytes(len(data), "big")


@dataclass
class _Frame:
    fin: bool
    opcode: int
    payload: bytes


class WebSocket:
    """An open WebSocket on ``sock`` (the handshake done). ``reader`` reads the socket's input
    (a buffered reader that may hold bytes already read past the handshake); None reads
    ``sock`` directly. ``max_message``: the largest message accepted, in bytes."""

    def __init__(
        self,
        sock: socket.socket,
        reader: object | None = None,
        *,
        max_message: int = DEFAULT_MAX_MESSAGE,
    ) -> None:
        self.sock = sock
        self._reader = reader if reader is not None else sock.makefile("rb", buffering=65536)
        self.max_message = max_message
        self._send_lock = threading.Lock()
        self.closed = False  # a close frame was sent (nothing may be sent after it)
        self.close_code: int | None = None  # the peer's close code, once it sent one
        self.close_reason = ""

    # --- sending ------------------------------------------------------------------------

    def _send(self, data: bytes) -> None:
        with self._send_lock:
            if self.closed:
                raise ConnectionError("the WebSocket is closed")
            self.sock.sendall(data)

    def send_text(self, text: str) -> None:
        self._send(frame(TEXT, text.encode()))

    def send_binary(self, data: bytes) -> None:
        self._send(frame(BINARY, bytes(data)))

    def ping(self, payload: bytes = b"") -> None:
        self._send(frame(PING, payload[:125]))

    def close(self, code: int = CLOSE_NORMAL, reason: str = "") -> None:
        """Send a close frame (once; later calls do nothing). The caller closes the socket once
        :meth:`receive` returned None, or whenever it gives up waiting. A peer that stopped
        reading (a send is stuck) gets no close frame: its connection is shut down."""
        body = struct.pack("!H", code) + reason.encode()[:123]
        if not self._send_lock.acquire(timeout=CLOSE_TIMEOUT):
            self.closed = True
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)  # ends the stuck send at once
            return
        try:
            if self.closed:
                return
            self.closed = True
            with contextlib.suppress(OSError):
                timeout = self.sock.gettimeout()
                self.sock.settimeout(min(timeout or CLOSE_TIMEOUT, CLOSE_TIMEOUT))
                self.sock.sendall(frame(CLOSE, body))
        finally:
            self._send_lock.release()

    # --- receiving ----------------------------------------------------------------------

    def receive(self) -> str | bytes | None:
        """The next whole message, or None once the connection is closed (a close frame came
        and was answered, the peer went away, or it broke the protocol and was closed with the
        matching code). Pings are answered on the way."""
        try:
            return self._receive()
        except ProtocolError as error:
            self.close(error.code, error.reason)
            return None
        except (OSError, EOFError, ValueError):  # gone, timed out, or shut down by another thread
            self.closed = True
            return None

    def _receive(self) -> str | bytes | None:
        opcode: int | None = None
        parts: list[bytes] = []
        size = 0
        while True:
            item = self._frame(self.max_message - size)
            if item.opcode >= CLOSE:
                if not self._control(item):
                    return None
                continue
            if item.opcode == CONTINUATION:
                if opcode is None:
                    raise ProtocolError(CLOSE_PROTOCOL, "a continuation frame with no message")
            elif opcode is not None:
                raise ProtocolError(CLOSE_PROTOCOL, "a new message before the last one ended")
            else:
                opcode = item.opcode
            parts.append(item.payload)
            size += len(item.payload)
            if item.fin:
                break
        data = b"".join(parts)
        if opcode == BINARY:
            return data
        try:
            return codecs.decode(data, "utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(CLOSE_INVALID_DATA, "a text message that is not UTF-8") from None

    def _control(self, item: _Frame) -> bool:
        """Answer a control frame; False once the connection is closing."""
        if item.opcode == PING:
            with contextlib.suppress(ConnectionError):
                self._send(frame(PONG, item.payload))
            return True
        if item.opcode == PONG:
            return True
        # CLOSE
        code = CLOSE_NORMAL
        if len(item.payload) == 1:
            raise ProtocolError(CLOSE_PROTOCOL, "a close frame with a 1-byte body")
        if len(item.payload) >= 2:
            (code,) = struct.unpack("!H", item.payload[:2])
            if code not in _VALID_CLOSE and not 3000 <= code <= 4999:
                raise ProtocolError(CLOSE_PROTOCOL, f"close code {code} is not allowed")
            try:
                self.close_reason = item.payload[2:].decode()
            except UnicodeDecodeError:
                raise ProtocolError(
                    CLOSE_INVALID_DATA, "a close reason that is not UTF-8"
                ) from None
        self.close_code = code
        self.close(code if item.payload else CLOSE_NORMAL)
        return False

    def _read(self, count: int) -> bytes:
        data = self._reader.read(count)  # type: ignore[attr-defined]
        if data is None or len(data) < count:
            raise EOFError("the peer closed the connection")
        return bytes(data)

    def _frame(self, room: int) -> _Frame:
        """Read one frame; its payload may be at most ``room`` bytes (control frames: 125)."""
        first, second = self._read(2)
        fin, opcode = bool(first & 0x80), first & 0x0F
        if first & 0x70:
            raise ProtocolError(CLOSE_PROTOCOL, "reserved bits set (no extension was agreed)")
        if opcode not in (CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG):
            raise ProtocolError(CLOSE_PROTOCOL, f"unknown opcode {opcode}")
        if not second & 0x80:
            raise ProtocolError(CLOSE_PROTOCOL, "client frames must be masked")
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", self._read(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", self._read(8))
            if size >> 63:
                raise ProtocolError(CLOSE_PROTOCOL, "a frame length with the top bit set")
        if opcode >= CLOSE:
            if not fin or size > 125:
                raise ProtocolError(CLOSE_PROTOCOL, "a control frame fragmented or over 125 bytes")
        elif size > room:
            raise ProtocolError(
                CLOSE_TOO_BIG, f"a message over {self.max_message} bytes (the most accepted)"
            )
        mask = self._read(4)
        payload = _unmask(self._read(size), mask) if size else b""
        return _Frame(fin, opcode, payload)

    def shutdown(self) -> None:
        """Close the socket (after :meth:`close`, or to drop the peer at once)."""
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()


def new_key() -> str:
    """A client's random ``Sec-WebSocket-Key`` (for tests and tools playing the client)."""
    return base64.b64encode(os.urandom(16)).decode()
