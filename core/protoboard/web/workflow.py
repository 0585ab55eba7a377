"""CircuitPython's web workflow for a running board: ``/cp/serial/``, ``/edit/`` and the title bar.

:class:`WebWorkflow` puts :class:`~protoboard.web.server.WebServer` (``/fs/``, ``/cp/*.json``)
together with the pages a board serves:

``/cp/serial/``
    ``GET`` is the serial page (package asset); a WebSocket upgrade joins the console. One client
    at a time, as on a board: a new one closes the old (close code 1001). Only text frames are
    typed (binary frames are ignored, never stalling input); output goes out as text frames of
    whatever is ready, with bytes that are not UTF-8 replaced (a browser closes a WebSocket on
    invalid UTF-8) and a character split across two writes kept whole. On connect, and at every
    change while connected, the status bar is sent as an OSC title: ``ESC ]0;🐍<endpoint> |
    <run state> | <version> ESC \\``, the run state being ``code.py``, ``Done`` or
    ``3@code.py NameError`` (:class:`RunStatus`). Ctrl-C reaches the program at once (the console
    drops what was typed ahead of it).
``/``
    A page of links to the others (a mount at ``/``, such as the board view, replaces it).
``/edit/``
    An editor page for one file (``/edit/#/code.py``): loads it from ``/fs/``, saves with ``PUT``
    (Ctrl-S); authenticated, as on a board. Every asset is in the package: it works offline.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import re
import selectors
import socket
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from protoboard.web import websocket
from protoboard.web.server import Refused, Request, Response, WebContext, WebServer

log = logging.getLogger(__name__)

ESC = "\x1b"
#: the largest message a serial client may send at once (CircuitPython reads keystrokes)
MAX_SERIAL_MESSAGE = 64 * 1024
#: seconds of quiet after which a serial client is pinged (browsers answer by themselves)
PING_INTERVAL = 20.0
#: seconds a serial client may go without reading or sending anything (pongs count)
CLIENT_TIMEOUT = 60.0
_STATIC = {
    ".html": "text/html;charset=UTF-8",
    ".js": "text/javascript;charset=UTF-8",
    ".css": "text/css;charset=UTF-8",
}
_TRACE_LINE = re.compile(r'File "([^"]+)", line (\d+)')


def asset(name: str) -> bytes:
    """A file shipped in ``protoboard/web/static``."""
    return resources.files("protoboard.web").joinpath("static", name).read_bytes()


def static_response(name: str) -> Response:
    suffix = name[name.rfind(".") :]
    try:
        body = asset(name)
    except (FileNotFoundError, IsADirectoryError):
        raise Refused(404) from None
    return Response(body=body, content_type=_STATIC.get(suffix, "application/octet-stream"))


class RunStatus:
    """The run state of CircuitPython's status bar, and who wants to hear of its changes."""

    def __init__(self) -> None:
        self.state = ""
        self.listeners: list[Callable[[str], None]] = []

    def set(self, state: str) -> None:
        if state == self.state:
            return
        self.state = state
        for listener in list(self.listeners):
            try:
                listener(state)
            except Exception:  # a listener's bug must not stop the board
                log.exception("a run-state listener failed")

    def running(self, name: str) -> None:
        self.set(name)

    def finished(self, traceback: str | None) -> None:
        """``Done``, or ``<line>@<file> <Exception>`` after an uncaught exception."""
        self.set(describe_end(traceback))


def describe_end(traceback: str | None) -> str:
    """CircuitPython's run state after a program ended with ``traceback`` (None: it ran to the
    end)."""
    if not traceback:
        return "Done"
    places = _TRACE_LINE.findall(traceback)
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    name = lines[-1].split(":", 1)[0].strip() if lines else ""
    if not places or not name or " " in name:
        return "Done"
    file, line = places[-1]
    return f"{line}@{file.rsplit('/', 1)[-1]} {name}"


class SerialClient:
    """One ``/cp/serial/`` WebSocket joined to the console through a console stream.

    Two threads: one types what the client sends; one sends the console's output and the
    title bar (set from any thread with :meth:`set_title`, never blocking the caller) and pings
    an idle client every :data:`PING_INTERVAL` seconds. A client that neither reads nor answers
    for :data:`CLIENT_TIMEOUT` seconds is dropped."""

    def __init__(self, ws: websocket.WebSocket, console: socket.socket, title: str) -> None:
        self.ws = ws
        self.console = console
        self.title = title
        self._title_sent = ""
        self.done = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_w.setblocking(False)
        ws.sock.settimeout(CLIENT_TIMEOUT)

    def run(self) -> None:
        """Serve until either side leaves."""
        output = threading.Thread(target=self._output, name="web-serial-out", daemon=True)
        output.start()
        try:
            self._input()
        except OSError:
            pass
        finally:
            self.stop()
            output.join(timeout=5)
            for end in (self._wake_r, self._wake_w):
                end.close()

    def set_title(self, title: str) -> None:
        self.title = title
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def _input(self) -> None:
        while (message := self.ws.receive()) is not None:
            if isinstance(message, str) and message:  # binary frames are not typed
                self.console.sendall(message.encode())

    def _output(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.console, selectors.EVENT_READ, "console")
                selector.register(self._wake_r, selectors.EVENT_READ, "title")
                self._send_title()
                while not self.done.is_set():
                    ready = selector.select(PING_INTERVAL)
                    if not ready:
                        self.ws.ping(b"protoboard")
                    for key, _ in ready:
                        if key.data == "title":
                            self._wake_r.recv(4096)
                            self._send_title()
                            continue
                        data = self.console.recv(65536)
                        if not data:
                            return
                        text = decoder.decode(data)
                        if text:
                            self.ws.send_text(text)
        except (OSError, ValueError):
            pass  # the client or the console went away
        finally:
            self.stop()

    def _send_title(self) -> None:
        title = self.title
        if title != self._title_sent:
            self._title_sent = title
            self.ws.send_text(f"{ESC}]0;{title}{ESC}\\")

    def stop(self, code: int = websocket.CLOSE_NORMAL) -> None:
        if self.done.is_set():
            return
        self.done.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")
        self.ws.close(code)
        with contextlib.suppress(OSError):
            self.console.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.console.close()
        self.ws.shutdown()


class WebWorkflow:
    """The web workflow of a run (see the module's doc).

    :param context: the drive, the console, the control channel; ``context.run_state`` and
        ``context.on_state`` are filled from ``status``.
    :param status: the run state for the title bar.
    :param version: CircuitPython version shown in the title bar and ``version.json``.
    :param options: passed to :class:`~protoboard.web.server.WebServer` (``password``,
        ``host``, ``port``, ``read_only``, ``board``, ``token``...).
    """

    def __init__(
        self,
        context: WebContext,
        *,
        status: RunStatus | None = None,
        ble: bool = False,
        **options: Any,
    ) -> None:
        self.status = status or RunStatus()
        self.ble = ble
        context.run_state = lambda: self.status.state
        self.context = context
        self.server = WebServer(context.drive, context=context, **options)
        self.server.mount("/cp/serial/", self._serial)
        self.server.mount("/edit/", self._edit)
        self.server.mount("/", self._index, auth=False)  # the board view replaces it
        self._client: SerialClient | None = None
        self._lock = threading.Lock()
        self.status.listeners.append(self._state_changed)

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> tuple[str, int]:
        return self.server.start()

    def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.status.listeners.remove(self._state_changed)
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.stop(websocket.CLOSE_GOING_AWAY)
        self.server.stop()

    @property
    def drive(self) -> Path:
        return self.context.drive

    # --- the title bar ------------------------------------------------------------------

    def title(self) -> str:
        host, port = self.server.host, self.server.port
        endpoint = f"[{host}]" if ":" in host else host
        if port != 80:
            endpoint += f":{port}"
        parts = [f"\N{SNAKE}{endpoint}"]
        if self.ble:
            parts.append("BLE:On")
        parts += [self.status.state or "REPL", str(self.server.board["version"])]
        return " | ".join(parts)

    def _state_changed(self, state: str) -> None:
        client = self._client
        if client is not None and not client.done.is_set():
            try:
                client.set_title(self.title())
            except OSError:
                client.stop()
        for listener in list(self.context.on_state):
            with contextlib.suppress(Exception):
                listener(state)

    # --- pages --------------------------------------------------------------------------

    def _serial(self, request: Request) -> Response | None:
        upgrade = "websocket" in str(request.headers.get("Upgrade", "")).lower()
        if not upgrade:
            name = request.path.removeprefix("/cp/serial/") or "serial.html"
            if request.method not in ("GET", "HEAD") or name not in ("serial.html", "serial.js"):
                raise Refused(404 if request.method in ("GET", "HEAD") else 405)
            return static_response(name)
        if self.context.console is None:
            raise Refused(503, "This board has no serial console to share.")
        try:
            console = self.context.console()
        except ConnectionRefusedError as refused:
            raise Refused(503, str(refused)) from None
        try:
            ws = request.upgrade(max_message=MAX_SERIAL_MESSAGE)
        except BaseException:
            console.close()
            raise
        client = SerialClient(ws, console, self.title())
        with self._lock:
            old, self._client = self._client, client
        if old is not None:  # one client at a time: the newest wins, without waiting for the old
            threading.Thread(
                target=old.stop, args=(websocket.CLOSE_GOING_AWAY,), daemon=True
            ).start()
        threading.Thread(target=client.run, name="web-serial", daemon=True).start()
        return None

    def _index(self, request: Request) -> Response:
        if request.path != "/":
            raise Refused(404)
        if request.method not in ("GET", "HEAD"):
            raise Refused(405)
        return static_response("index.html")

    def _edit(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            raise Refused(405)
        name = request.path.removeprefix("/edit/") or "edit.html"
        if name not in ("edit.html", "edit.js"):
            raise Refused(404)
        return static_response(name)
