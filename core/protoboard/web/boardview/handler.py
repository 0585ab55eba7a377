"""The board view's routes on the run's web server (:mod:`protoboard.web.server`).

``/`` and ``/board/``
    the page (board picture, editor, files, console, plotter, logic analyzer);
``/board/embed.html``, ``/board/embed-demo.html``
    the embeddable board and a page that embeds it (``postMessage`` API: docs/board-view.rst);
``/board/static/<file>``
    the page's scripts, styles and the bundled libraries (stored gzip-compressed and sent so to
    any browser that accepts it, which is every one);
``/board/board.json``
    the board's data the picture is drawn from: name, MCU, pins with their names and
    capabilities, default buses;
``/board/trace.json``, ``/board/trace.vcd?pins=D13,D5``
    the logic analyzer's capture: the pins' histories and the I2C and SPI transfers (decoded), as
    JSON or as a VCD file for GTKWave and PulseView;
``/board/ws``
    the live board (:mod:`.session`).
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import time
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from protoboard.runtime.messages import TraceRequest
from protoboard.web.boardview import vcd
from protoboard.web.boardview.hub import BoardStateHub
from protoboard.web.boardview.session import Session

if TYPE_CHECKING:
    from protoboard.boards import BoardDef
    from protoboard.web.server import Request, Response, WebServer

#: the largest WebSocket message a page may send
MAX_MESSAGE = 4096
_ASSET = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,63}$")
_TYPES = {
    ".html": "text/html;charset=UTF-8",
    ".js": "text/javascript;charset=UTF-8",
    ".css": "text/css;charset=UTF-8",
    ".txt": "text/plain;charset=UTF-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
#: pages served at these paths, from static/
_PAGES = {
    "/": "index.html",
    "/board/": "index.html",
    "/board/embed.html": "embed.html",
    "/board/embed-demo.html": "embed-demo.html",
}


def asset(name: str) -> tuple[bytes, bool] | None:
    """The bytes of a static file and whether they are gzip-compressed; None if there is none."""
    folder = resources.files("protoboard.web.boardview") / "static"
    for candidate, packed in ((name, False), (name + ".gz", True)):
        path = folder / candidate
        if path.is_file():
            return path.read_bytes(), packed
    vendor = folder / "vendor" / (name + ".gz")
    if vendor.is_file():
        return vendor.read_bytes(), True
    vendor = folder / "vendor" / name
    if vendor.is_file():
        return vendor.read_bytes(), False
    return None


def board_info(board: BoardDef) -> dict[str, Any]:
    """What the picture is drawn from (JSON-ready)."""
    caps: dict[str, list[str]] = {}
    for capability, pins in board.capabilities.items():
        for pin in pins:
            caps.setdefault(pin, []).append(capability)
    return {
        "board_id": board.board_id,
        "name": board.name,
        "mcu": board.mcu,
        "pins": [
            {"id": pin, "names": list(names), "capabilities": sorted(caps.get(pin, []))}
            for pin, names in board.pins.items()
        ],
        "buses": {name: dict(bus.pins) for name, bus in board.buses.items()},
        "onboard": [str(part.get("name", part.get("type"))) for part in board.parts],
        "modules": sorted(board.modules),
    }


@dataclass
class BoardView:
    """The board view of one run: ``hub`` has the board's state, ``board`` its data."""

    board: BoardDef
    hub: BoardStateHub

    def mount(self, server: WebServer) -> None:
        server.mount("/board/", self.handle)
        server.mount("/", self.handle)

    def handle(self, request: Request) -> Response | None:
        from protoboard.web.server import Refused, Response

        path = request.path
        if request.method not in ("GET", "HEAD"):
            raise Refused(405, "The board view answers GET only.")
        if path in _PAGES:
            return self._static(_PAGES[path], request)
        if path.startswith("/board/static/"):
            return self._static(path.removeprefix("/board/static/"), request)
        if path == "/board/board.json":
            return Response(200, json.dumps(board_info(self.board)).encode(), "application/json")
        if path in ("/board/trace.json", "/board/trace.vcd"):
            return self._trace(request, vcd_file=path.endswith(".vcd"))
        if path == "/board/ws":
            control = request.context.control
            if control is None:
                raise Refused(503, "This board has no control channel.")
            socket = request.upgrade(max_message=MAX_MESSAGE)
            session = Session(socket, self.hub, control)
            threading.Thread(target=session.serve, name="board-ws", daemon=True).start()
            return None
        raise Refused(404, f"There is no {path} on this board; the board view is at /board/.")

    def _static(self, name: str, request: Request) -> Response:
        from protoboard.web.server import Refused, Response

        if not _ASSET.match(name) or ".." in name:
            raise Refused(404, "No such file.")
        found = asset(name)
        if found is None:
            raise Refused(404, f"No file named {name} in the board view.")
        data, packed = found
        suffix = name[name.rfind(".") :] if "." in name else ""
        kind = _TYPES.get(suffix, "application/octet-stream")
        headers: list[tuple[str, str]] = [("Cache-Control", "no-cache")]
        if packed:
            if "gzip" in request.headers.get("Accept-Encoding", ""):
                headers.append(("Content-Encoding", "gzip"))
            else:
                data = gzip.decompress(data)
        return Response(200, data, kind, tuple(headers))

    def _trace(self, request: Request, *, vcd_file: bool) -> Response:
        from protoboard.web.server import Refused, Response

        control = request.context.control
        answer: dict[str, Any] = {"ok": False}
        if control is not None:
            answer = control(TraceRequest())
        if not answer.get("ok"):
            raise Refused(409, str(answer.get("error") or "The board has no capture now."))
        trace: dict[str, Any] = answer["trace"]
        if not vcd_file:
            return Response(200, json.dumps(trace).encode(), "application/json")
        chosen = None
        wanted = request.query.get("pins", [""])[0]
        if wanted:
            chosen = [name for name in wanted.split(",") if name][: vcd.MAX_SIGNALS]
        bus = trace["bus"] if request.query.get("bus", ["1"])[0] != "0" else []
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        text = vcd.write(trace["pins"], bus, chosen=chosen, date=stamp)
        disposition = ("Content-Disposition", 'attachment; filename="protoboard-logic.vcd"')
        return Response(200, text.encode(), "text/plain;charset=UTF-8", (disposition,))
