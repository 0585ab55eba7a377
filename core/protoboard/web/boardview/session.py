"""One open board view's WebSocket (``/board/ws``): the board's state out, inputs in.

Out (server to page), one JSON text message each:
    ``{"type": "state", "delta": {...}}``: what changed (:mod:`.watch` describes the layout; a
    ``reset`` entry means a new run: forget what you had and take this as the whole state);
    ``{"type": "reply", "id": N, "ok": true}`` or ``{..., "ok": false, "error": "..."}``.

In (page to server):
    ``{"type": "set", "id": N, "part": "BUTTON", "attribute": "pressed", "value": true}``:
    press a button, turn a knob, set a sensor's reading (the same check as ``protoboard sim
    set``: a part the board lacks, a misspelt attribute or a bad value gets the reason back).

Input is checked before anything acts on it: a message must be a JSON object of at most
:data:`MAX_INPUT` bytes with a known ``type`` and fields of the right kinds; at most
:data:`MAX_INPUTS_PER_SECOND` inputs a second are acted on (a slider can send more). Output is
coalesced: at most :data:`SEND_RATE` state messages a second, each holding everything that
changed since the one before.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from protoboard.runtime.messages import SetRequest
from protoboard.web.boardview.hub import BoardStateHub

#: the largest message a page may send, in bytes
MAX_INPUT = 4096
#: inputs acted on per second (the rest are answered "too fast")
MAX_INPUTS_PER_SECOND = 60
#: state messages sent per second at most
SEND_RATE = 30
#: the longest text value accepted
MAX_TEXT = 256
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")


class BadInput(ValueError):
    """A page's message that cannot be acted on; the text says what was wrong."""


def check_input(text: str | bytes) -> dict[str, Any]:
    """The checked message, or BadInput naming what is wrong."""
    if isinstance(text, bytes):
        raise BadInput("send JSON text messages, not binary ones")
    if len(text.encode()) > MAX_INPUT:
        raise BadInput(f"a message may have at most {MAX_INPUT} bytes")
    try:
        message = json.loads(text)
    except ValueError as exc:
        raise BadInput(f"not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise BadInput('a message must be a JSON object such as {"type": "set", ...}')
    kind = message.get("type")
    if kind == "ping":
        return {"type": "ping", "id": _id(message)}
    if kind != "set":
        raise BadInput(f"unknown message type {kind!r} (known: set, ping)")
    for field in ("part", "attribute"):
        value = message.get(field)
        if not isinstance(value, str) or not _NAME.match(value):
            raise BadInput(f'\'{field}\' must be a name such as "BUTTON" or "pressed"')
    value = message.get("value")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise BadInput(f"'value' may have at most {MAX_TEXT} characters")
    if not isinstance(value, bool | int | float | str) or value != value:  # NaN
        raise BadInput("'value' must be true/false, a number or a short text")
    if isinstance(value, float) and abs(value) == float("inf"):
        raise BadInput("'value' must be a finite number")
    return {
        "type": "set",
        "id": _id(message),
        "part": message["part"],
        "attribute": message["attribute"],
        "value": value,
    }


def _id(message: dict[str, Any]) -> int | None:
    number = message.get("id")
    if number is None:
        return None
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < 2**53:
        raise BadInput("'id' must be a whole number")
    return number


class Session:
    """Serves one WebSocket until it closes. ``socket`` needs ``send_text``, ``receive`` (str,
    bytes or None at the end), ``close`` and ``shutdown``; ``control(request)`` is the
    board's control channel."""

    def __init__(
        self, socket: Any, hub: BoardStateHub, control: Callable[[Any], dict[str, Any]]
    ) -> None:
        self.socket = socket
        self.hub = hub
        self.control = control
        self._window: list[float] = []

    def serve(self) -> None:
        try:
            view = self.hub.open()
        except RuntimeError as exc:
            self._send({"type": "error", "error": str(exc)})
            self.socket.close(1013, "too many board views")
            self.socket.shutdown()
            return
        sender = threading.Thread(target=self._send_loop, args=(view,), name="board-view")
        sender.daemon = True
        sender.start()
        try:
            self._receive_loop()
        finally:
            self.hub.close(view)
            sender.join(2)
            with contextlib.suppress(Exception):
                self.socket.close()
            self.socket.shutdown()

    def _send(self, message: dict[str, Any]) -> bool:
        try:
            self.socket.send_text(json.dumps(message, separators=(",", ":")))
            return True
        except (OSError, ConnectionError):
            return False

    def _send_loop(self, view: Any) -> None:
        while True:
            started = time.monotonic()
            delta = view.take(timeout=1.0)
            if delta is None:
                return
            if delta and not self._send({"type": "state", "delta": delta}):
                return
            rest = 1 / SEND_RATE - (time.monotonic() - started)
            if rest > 0 and delta:
                time.sleep(rest)

    def _receive_loop(self) -> None:
        while True:
            text = self.socket.receive()
            if text is None:
                return
            try:
                message = check_input(text)
            except BadInput as exc:
                self._send({"type": "reply", "id": None, "ok": False, "error": str(exc)})
                continue
            if not self._allowed():
                self._send({"type": "reply", "id": message["id"], "ok": False, "error": "too fast"})
                continue
            self._send(self._act(message))

    def _allowed(self) -> bool:
        now = time.monotonic()
        self._window = [t for t in self._window if now - t < 1.0]
        if len(self._window) >= MAX_INPUTS_PER_SECOND:
            return False
        self._window.append(now)
        return True

    def _act(self, message: dict[str, Any]) -> dict[str, Any]:
        if message["type"] == "ping":
            return {"type": "reply", "id": message["id"], "ok": True}
        request = SetRequest(message["part"], message["attribute"], message["value"])
        try:
            answer = self.control(request)
        except Exception as exc:  # the board went away: say so, keep the page
            answer = {"ok": False, "error": f"the board did not answer: {exc}"}
        reply: dict[str, Any] = {"type": "reply", "id": message["id"], "ok": bool(answer.get("ok"))}
        if not reply["ok"]:
            reply["error"] = str(answer.get("error") or "the board refused")
        elif "note" in answer:
            reply["note"] = str(answer["note"])
        return reply
