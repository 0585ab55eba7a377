"""The supervisor's control socket: ``protoboard sim set BME280.temperature 30`` and friends.

A Unix socket per drive, one JSON request and one JSON reply per connection. The web board view
will use the same requests.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from protoboard.runtime.messages import ControlReply, ControlRequest, parse_request


def socket_path(drive: Path) -> Path:
    """Where the supervisor serving ``drive`` listens (short enough for AF_UNIX)."""
    key = hashlib.sha256(str(Path(drive).absolute()).encode()).hexdigest()[:12]
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime else Path(tempfile.gettempdir()) / f"protoboard-{os.getuid()}"
    candidate = base / f"protoboard-{key}.sock"
    if len(str(candidate)) < 100:
        return candidate
    return Path(tempfile.gettempdir()) / f"pb-{key}.sock"


class ControlServer:
    """Serves requests with ``handler(request) -> reply`` on a thread; each JSON request
    reaches the handler as its typed :class:`~protoboard.runtime.messages.ControlRequest`."""

    def __init__(self, path: Path, handler: Callable[[ControlRequest], ControlReply]) -> None:
        self.path = path
        self.handler = handler
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.exists():
            if _alive(path):
                raise RuntimeError(
                    "another 'protoboard run' is already using this drive; stop it first, or "
                    "use --drive with another folder"
                )
            path.unlink()
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.bind(str(path))
        os.chmod(path, 0o600)
        self._socket.listen(8)
        self._thread = threading.Thread(target=self._serve, name="control", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._socket.accept()
            except OSError:
                return
            with client:
                client.settimeout(5)
                try:
                    reply = self.handler(parse_request(json.loads(_read_all(client))))
                except Exception as exc:  # a bad request never stops the server
                    reply = {"ok": False, "error": f"bad request: {exc}"}
                with contextlib.suppress(OSError):
                    client.sendall(json.dumps(reply).encode())

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


def _read_all(client: socket.socket) -> bytes:
    chunks: list[bytes] = []
    while True:
        chunk = client.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _alive(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def request(drive: Path, message: dict[str, Any], timeout: float = 5.0) -> ControlReply:
    """Send one request to the supervisor of ``drive``; ConnectionError if none runs."""
    path = socket_path(drive)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(timeout)
    try:
        client.connect(str(path))
    except OSError:
        client.close()
        raise ConnectionError(
            f"no 'protoboard run' is serving the drive {drive}; start it first"
        ) from None
    with client:
        client.sendall(json.dumps(message).encode())
        client.shutdown(socket.SHUT_WR)
        reply: ControlReply = json.loads(_read_all(client) or b'{"ok": false, "error": "no reply"}')
        return reply
