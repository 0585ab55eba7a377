"""CircuitPython's web-workflow HTTP API (``/fs/`` and ``/cp/``), served over a CIRCUITPY folder.

Behaviour follows CircuitPython 9.x+ ``supervisor/shared/web_workflow/web_workflow.c`` as
summarised in ``workflows.md`` §3 (the code wins where its docs disagree):

* HTTP/1.1 only (else ``501``); every response carries ``Connection: close`` and the connection
  is closed after it (CircuitPython serves one request per connection);
* ``Host: circuitpython.local[:port]`` gets ``307`` to ``http://<hostname>.local[:port]<path>``;
* CORS (§3.2): no ``Origin`` is allowed; a non-``http://`` Origin is allowed and answered with
  ``Access-Control-Allow-Origin: *``; an ``http://`` Origin must be ``http://<Host>`` or
  ``http://localhost[:port]`` (echoed back), else ``403``. Every reply carries
  ``Access-Control-Allow-Credentials: true`` and ``Vary: Origin, Accept, Upgrade``;
* ``OPTIONS`` on ``/fs/…`` and ``/cp/…`` needs no auth: ``204`` with the allowed methods/headers;
* auth: ``Authorization: Basic base64(":" + password)``, exact; missing or wrong → ``401`` with
  ``WWW-Authenticate: Basic realm="CircuitPython"``. With ``password=None`` (or ``""``) ``/fs/``
  answers ``403``: CircuitPython 8.x's behaviour. (9.x does not start the server at all without
  ``CIRCUITPY_WEB_API_PASSWORD``; the caller decides whether to start this one.)
* ``/fs/`` paths and ``X-Destination`` are percent-decoded (UTF-8); a trailing ``/`` means a
  directory. Status codes per endpoint are those of §3.3 (201/204/404/409/412/413/417/500);
  ``409`` (body ``USB storage active.``) whenever ``read_only()`` is True at a mutation;
* directory listings (``Accept: application/json``) and ``/cp/*.json`` are sent chunked, as
  CircuitPython does; everything else carries ``Content-Length``;
* modification times are stored and reported as FAT does: truncated to an even second.

Where CircuitPython is silent, buggy or unsafe, this server chooses:

* a PUT file without ``Content-Length`` (or with ``Transfer-Encoding``) gets ``411`` (CP would
  write an empty file). The size limit is ``size_limit`` if given, else the drive's free bytes;
  over it: ``417`` with ``Expect: 100-continue``, ``413`` without. ``100 Continue`` is sent only
  once the request passed every check (CP sends it before the size check, then 417);
* every file write is atomic: the body goes to a temporary file named with
  :data:`~protoboard.runtime.drive.TEMP_PREFIX` beside the target, is fsynced and renamed over the
  target. A body cut short (client gone, timeout) leaves the old file untouched, no temporary
  file, and no reply;
* paths: a component that is ``.``/``..``, holds NUL or ``\\``, is over 255 bytes, or a path that
  is not valid UTF-8 → ``400``; a name starting with ``TEMP_PREFIX`` or a path leading (through a
  symlink) outside the drive → ``404``. Empty components are collapsed; the query string is
  ignored. ``/fs/`` itself cannot be written as a file, deleted or moved: ``400`` (CP would
  empty the whole drive on ``DELETE /fs/``, then answer 500);
* ``PUT`` of a directory where a file exists answers ``204`` (CP: ``FR_EXIST``); ``PUT`` of a file
  where a directory exists answers ``500`` (CP: ``FR_DENIED``); ``MOVE`` without a usable
  ``X-Destination`` answers ``400``;
* ``Accept`` selects JSON when ``application/json`` is one of its media types (CP: exact match);
* listings are sorted by name and hide temporary files and symlinks leading outside the drive;
* ``/fs/`` without JSON gets a minimal HTML listing (CP: its JavaScript file browser); ``/``,
  ``/edit/``, ``/code/``, ``/cp/serial/`` and the static files are not served (``404``);
* ``/cp/devices.json`` is always ``{"total": 0, "devices": []}`` (no mDNS here).

Bounds on what a client controls (:class:`~protoboard.web.httpd.Limits`; CircuitPython serves one
connection at a time, so none of this arises there):

* connections are accepted and their heads read by one loop thread (a slow client costs no
  thread); at most ``workers`` requests are served at once, ``queue`` more wait, and beyond
  that the answer is ``503`` with ``Retry-After: 1``; a head must arrive within
  ``head_timeout`` (``408``), a body at ``body_rate`` bytes/s or better (``408``), and every
  read or write of a body or reply within ``io_timeout``;
* ``414`` for a request line over ``request_line`` bytes or a drive path over ``path_bytes``
  bytes or ``path_depth`` folders; ``431`` for more than ``headers`` header lines, one over
  ``header_line`` bytes or a head over ``head`` bytes;
* ``Content-Length`` must be ASCII digits and appear once (else ``400``); more digits than any
  drive has bytes is simply too large (``413``/``417``);
* ``DELETE`` of a folder first renames it to a hidden name (it disappears for clients in one
  step), then deletes it without recursion (any depth). If that cannot finish (an error, or it
  takes over ``delete_seconds``), what remains is put back under its name and the answer is
  ``500`` with a text saying how much was deleted and what to do;
* listings are streamed in chunks (memory does not grow with the folder); bodies are streamed to
  the temporary file (memory does not grow with the body).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hmac
import html
import json
import logging
import os
import re
import secrets
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

from protoboard.deltree import TreeNotRemoved, remove_tree
from protoboard.runtime.drive import TEMP_PREFIX
from protoboard.runtime.volume import PathRefused, WorkflowVolume, fat_truncate
from protoboard.web.httpd import BoundedServer, Limits, SocketWriter, reader

__all__ = ["FsApiServer", "Limits", "content_type", "fat_truncate"]

log = logging.getLogger(__name__)

WEB_API_VERSION = 4
ALLOW_METHODS = "GET, OPTIONS, PUT, DELETE, MOVE"
ALLOW_HEADERS = "X-Timestamp, X-Destination, Content-Type, Authorization"
REALM = 'Basic realm="CircuitPython"'
USB_ACTIVE = b"USB storage active."
_CHUNK = 64 * 1024
_DIGITS = re.compile(r"[0-9]+")
_MAX_DIGITS = 18  # more digits than any drive has bytes: too large, not malformed

#: defaults for /cp/version.json; ``board`` overrides any of them
DEFAULT_BOARD = {
    "version": "10.3.0",
    "build_date": "2026-11-21",
    "board_name": "Protoboard",
    "mcu_name": "CPython",
    "board_id": "protoboard",
    "creator_id": 0,
    "creation_id": 0,
    "hostname": "cpy-protoboard",
    "uid": "",
}


def content_type(name: str) -> str:
    """The ``Content-Type`` CircuitPython gives a file GET, by (case-sensitive) extension."""
    if name.endswith((".py", ".txt", ".toml")):
        return "text/plain;charset=UTF-8"
    for suffix, kind in (
        (".js", "text/javascript"),
        (".html", "text/html"),
        (".json", "application/json"),
    ):
        if name.endswith(suffix):
            return kind
    return "application/octet-stream"


class _Reply(Exception):
    """Raised to answer the request with ``status`` and, for errors worth explaining, a
    plain-text ``message``."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(status)
        self.status = status
        self.message = message


class FsApiServer:
    """CircuitPython's ``/fs/`` and ``/cp/`` HTTP API over the folder ``drive``.

    :param password: ``CIRCUITPY_WEB_API_PASSWORD``; None or ``""`` makes ``/fs/`` answer 403.
    :param read_only: called at each mutation; True means USB owns the drive (→ 409).
    :param on_change: called with the drive path (e.g. ``"/lib/x.py"``) after each completed
        mutation; MOVE reports the old path, then the new one.
    :param board: values for ``/cp/version.json`` (keys of :data:`DEFAULT_BOARD`, plus ``ip``
        and ``port``, which default to the server's own).
    :param size_limit: the largest PUT body accepted; default: the drive's free bytes.
    :param timeout: seconds a client may stall mid-request before the connection is dropped
        (sets ``io_timeout``, and ``head_timeout`` if shorter than it).
    :param limits: every bound on a client (:class:`~protoboard.web.httpd.Limits`).
    """

    def __init__(
        self,
        drive: os.PathLike | str,
        *,
        password: str | None,
        host: str = "127.0.0.1",
        port: int = 0,
        read_only: Callable[[], bool] = lambda: False,
        on_change: Callable[[str], None] = lambda p: None,
        board: dict | None = None,
        size_limit: int | None = None,
        timeout: float | None = None,
        limits: Limits | None = None,
    ) -> None:
        self._volume = WorkflowVolume(drive)
        self.root = self._volume.root
        if not os.path.isdir(self.root):
            raise NotADirectoryError(f"the web workflow drive {self.root} is not a folder")
        self.password = password or None
        self._auth = (
            "Basic " + base64.b64encode(f":{password}".encode()).decode() if self.password else None
        )
        self.host, self.port = host, port
        self.read_only = read_only
        self.on_change = on_change
        self.board = {**DEFAULT_BOARD, **(board or {})}
        self.size_limit = size_limit
        limits = limits or Limits()
        if timeout is not None:
            head = min(limits.head_timeout, timeout)
            limits = dataclasses.replace(limits, io_timeout=timeout, head_timeout=head)
        self.limits = limits
        self.timeout = limits.io_timeout
        self.lock = threading.Lock()  # one mutation at a time, as on a board
        self._httpd: _HttpServer | None = None

    #: the request handler class (a subclass may route more: :mod:`protoboard.web.server`)
    handler_class: type[_Handler]

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> tuple[str, int]:
        """Listen and serve in a background thread; returns the bound (host, port)."""
        if self._httpd is not None:
            raise RuntimeError("the server is already running")
        handler = type("Handler", (self.handler_class,), {"api": self})

        def serve(sock: socket.socket, head: bytes, address: tuple) -> bool:
            # the request is (socket, head already read): see _Handler.setup
            answered = httpd.RequestHandlerClass((sock, head), address, httpd)  # type: ignore[arg-type]
            return answered.taken

        httpd = _HttpServer((self.host, self.port), serve, self.limits)
        httpd.RequestHandlerClass = handler
        self._httpd = httpd
        host, port = httpd.server_address[:2]
        self.host, self.port = str(host), int(port)
        httpd.start()
        return self.host, self.port

    def stop(self) -> None:
        """Stop listening (requests in progress finish, each bounded by the timeouts)."""
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> FsApiServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- helpers used by the handler ----------------------------------------------------

    def authorized(self, header: str | None) -> bool:
        return (
            self._auth is not None
            and header is not None
            and hmac.compare_digest(header.encode(), self._auth.encode())
        )

    def disk(self) -> dict:
        """free/total in blocks, block_size in bytes, writable: as a FAT mount reports them."""
        try:
            st = os.statvfs(self.root)
            free, total, block = st.f_bavail, st.f_blocks, st.f_frsize
        except AttributeError:  # Windows
            usage = shutil.disk_usage(self.root)
            block = 4096
            free, total = usage.free // block, usage.total // block
        return {"free": free, "total": total, "block_size": block, "writable": not self.read_only()}

    def free_bytes(self) -> int:
        if self.size_limit is not None:
            return self.size_limit
        info = self.disk()
        return info["free"] * info["block_size"]

    def _inside(self, real: str) -> bool:
        return self._volume.inside(real)

    def resolve(self, raw: str) -> tuple[str, Path]:
        """(drive path, host path) for a request path below ``/fs`` (raw, percent-encoded, as
        latin-1 text the way http.server decodes it). Raises :class:`_Reply` 400 for a malformed
        path, 404 for one that is hidden or leads outside the drive."""
        try:
            text = unquote_to_bytes(raw.encode("latin-1")).decode("utf-8")
        except (UnicodeError, ValueError):
            raise _Reply(400, "The path is not valid percent-encoded UTF-8.") from None
        limits = self.limits
        if len(text.encode()) > limits.path_bytes:
            raise _Reply(414, f"The path is over {limits.path_bytes} bytes.")
        if len([part for part in text.split("/") if part]) > limits.path_depth:
            raise _Reply(414, f"The path is more than {limits.path_depth} folders deep.")
        try:
            return self._volume.resolve(text)
        except PathRefused as refused:
            raise _Reply(400 if refused.kind == "invalid" else 404) from None

    def listing(self, folder: Path) -> Iterator[dict]:
        for name, is_dir, st in self._volume.entries(folder):
            yield {
                "name": name,
                "directory": is_dir,
                "modified_ns": fat_truncate(st.st_mtime_ns),
                "file_size": 0 if is_dir else st.st_size,
            }

    def version(self) -> dict:
        b = self.board
        return {
            "web_api_version": WEB_API_VERSION,
            "version": b["version"],
            "build_date": b["build_date"],
            "board_name": b["board_name"],
            "mcu_name": b["mcu_name"],
            "board_id": b["board_id"],
            "creator_id": b["creator_id"],
            "creation_id": b["creation_id"],
            "hostname": b["hostname"],
            "port": b.get("port", self.port),
            "UID": b["uid"],
            "ip": b.get("ip", self.host),
        }


def _set_time(path: Path | str, timestamp_ms: int) -> None:
    if timestamp_ms > 0:
        stamp = fat_truncate(timestamp_ms * 1_000_000)
        with contextlib.suppress(OSError, OverflowError, ValueError):
            os.utime(path, ns=(stamp, stamp))


class _HttpServer(BoundedServer):
    """The bounded server, with the handler class it builds for each request."""

    RequestHandlerClass: type[_Handler]


def _restore(hidden: Path, target: Path) -> bool:
    """Put a partly deleted folder back under its name, if that name is still free."""
    if os.path.lexists(target):
        return False
    try:
        os.rename(hidden, target)
    except OSError:
        return False
    return True


class _Handler(BaseHTTPRequestHandler):
    api: FsApiServer
    protocol_version = "HTTP/1.1"
    _started = False  # the status line went out: an error can only close the connection
    taken = False  # the socket was taken over (a WebSocket): the server must not close it
    _allow_origin: str | None = None
    raw_requestline: bytes

    def version_string(self) -> str:
        return "Protoboard"

    # --- plumbing -----------------------------------------------------------------------

    def setup(self) -> None:
        sock, head = self.request
        self.connection = sock
        self.rfile = reader(sock, head)
        self.wfile = SocketWriter(sock)

    def handle(self) -> None:
        """One request per connection, as CircuitPython serves; never a traceback to the
        client or the console for what a client does."""
        try:
            self.handle_one_request()
        except OSError:
            pass  # the client went away or stalled: there is no one to answer
        except Exception:  # a bug: answer 500 if still possible, and say so in the log
            log.exception("the web workflow failed on %r", getattr(self, "requestline", ""))
            if not self._started:
                with contextlib.suppress(OSError):
                    self._reply(500, b"The board failed to handle this request.\n")

    def finish(self) -> None:
        self.close_connection = True

    def parse_request(self) -> bool:
        """http.server answers a two-word (HTTP/0.9) request line with a bare body, not HTTP:
        every answer here is HTTP/1.1, and anything but ``METHOD TARGET VERSION`` is a 400."""
        self.default_request_version = "HTTP/1.1"
        if len(self.raw_requestline.split()) != 3:
            self.request_version = "HTTP/1.1"
            self.send_error(400, "The request line must be: METHOD PATH HTTP/1.1")
            return False
        return super().parse_request()

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet, as a board is

    def handle_expect_100(self) -> bool:
        return True  # 100 Continue is sent by PUT, once the request passed its checks

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_MOVE(self) -> None:
        self._handle("MOVE")

    def do_OPTIONS(self) -> None:
        self._handle("OPTIONS")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def _cors(self) -> list[tuple[str, str]]:
        headers = [
            ("Access-Control-Allow-Credentials", "true"),
            ("Vary", "Origin, Accept, Upgrade"),
        ]
        if self._allow_origin:
            headers.append(("Access-Control-Allow-Origin", self._allow_origin))
        return headers

    def _start(self, status: int, headers: Iterable[tuple[str, str]] = ()) -> None:
        self._started = True
        self.send_response(status)
        for key, value in (*headers, *self._cors(), ("Connection", "close")):
            self.send_header(key, value)
        self.end_headers()
        self.close_connection = True

    def _reply(
        self, status: int, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()
    ) -> None:
        if body and status != 200:
            headers = [("Content-Type", "text/plain;charset=UTF-8"), *headers]
        self._start(status, [("Content-Length", str(len(body))), *headers])
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _reply_chunked(self, pieces: Iterable[bytes], kind: str) -> None:
        """200 with ``pieces`` sent in chunks of about 64 KiB, as they come: memory does not grow
        with the reply. An error midway closes the connection without the last chunk, so the
        client sees the reply is incomplete."""
        self._start(200, [("Transfer-Encoding", "chunked"), ("Content-Type", kind)])
        if self.command == "HEAD":
            return
        buffer = bytearray()
        for piece in pieces:
            buffer += piece
            if len(buffer) >= _CHUNK:
                self.wfile.write(b"%X\r\n%s\r\n" % (len(buffer), buffer))
                buffer.clear()
        if buffer:
            self.wfile.write(b"%X\r\n%s\r\n" % (len(buffer), buffer))
        self.wfile.write(b"0\r\n\r\n")

    def _reply_json(self, value: object) -> None:
        self._reply_chunked([json.dumps(value).encode()], "application/json")

    def _origin_ok(self) -> bool:
        origin = self.headers.get("Origin")
        self._allow_origin = None
        if origin is None:
            return True
        if not origin.startswith("http://"):
            self._allow_origin = "*"
            return True
        rest = origin[len("http://") :]
        host = self.headers.get("Host", "")
        if (host and rest == host) or rest == "localhost" or rest.startswith("localhost:"):
            self._allow_origin = origin
            return True
        return False

    # --- dispatch -----------------------------------------------------------------------

    def _handle(self, method: str) -> None:
        self._allow_origin = None
        self.close_connection = True
        try:
            self._route(method)
        except _Reply as reply:
            if self._started:
                return  # only the connection's close can tell the client now
            if reply.status == 409:
                body = USB_ACTIVE
            else:
                body = (reply.message + "\n").encode() if reply.message else b""
            self._reply(reply.status, body)
        except OSError as error:
            if self._started or isinstance(error, (ConnectionError, TimeoutError)):
                return
            self._reply(500, f"{error.strerror or error}\n".encode())

    def _route(self, method: str) -> None:
        if self.request_version != "HTTP/1.1":
            raise _Reply(501, "Only HTTP/1.1 is served.")
        self._check_length()
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        host = self.headers.get("Host", "")
        name, _, port = host.partition(":")
        if name.lower() == "circuitpython.local":
            location = f"http://{self.api.board['hostname']}.local{':' + port if port else ''}"
            self._reply(307, headers=[("Location", location + path)])
            return
        if not self._origin_ok():
            raise _Reply(403)
        if path.startswith("/fs/"):
            self._fs(method, path[3:])
        elif path.startswith("/cp/"):
            self._cp(method, path[3:])
        else:
            raise _Reply(405 if method not in ("GET", "HEAD", "OPTIONS") else 404)

    def _check_length(self) -> None:
        """A Content-Length, if any, is one run of ASCII digits (``str.isdigit`` also takes
        ``²`` and ``٣``), given once: anything else could mean two different bodies."""
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) > 1:
            raise _Reply(400, "The request has more than one Content-Length header.")
        if lengths and not _DIGITS.fullmatch(lengths[0]):
            raise _Reply(400, "Content-Length must be the body's size in bytes (digits 0-9).")

    def _cp(self, method: str, path: str) -> None:
        if method == "OPTIONS":
            self._access_control()
        elif method != "GET":
            raise _Reply(405)
        elif path == "/version.json":
            self._reply_json(self.api.version())
        elif path == "/devices.json":
            self._reply_json({"total": 0, "devices": []})
        elif path == "/diskinfo.json":
            self._reply_json([{"root": "/", **self.api.disk()}])
        else:
            raise _Reply(404)

    def _access_control(self) -> None:
        self._reply(
            204,
            headers=[
                ("Access-Control-Expose-Headers", "Access-Control-Allow-Methods"),
                ("Access-Control-Allow-Headers", ALLOW_HEADERS),
                ("Access-Control-Allow-Methods", ALLOW_METHODS),
            ],
        )

    def _fs(self, method: str, raw: str) -> None:
        if method == "OPTIONS":
            self._access_control()
            return
        if not self._authorized():
            if self.api.password is None:
                self._reply(403)
            else:
                self._reply(401, headers=[("WWW-Authenticate", REALM)])
            return
        directory = raw.endswith("/")
        if method in ("PUT", "DELETE", "MOVE") and self.api.read_only():
            raise _Reply(409)
        if method == "GET":
            self._get(raw, directory)
        elif method == "PUT":
            if directory:
                self._mkdir(raw)
            else:
                self._put(raw)
        elif method == "DELETE":
            self._delete(raw)
        elif method == "MOVE":
            self._move(raw)
        else:
            raise _Reply(405)

    def _authorized(self) -> bool:
        return self.api.authorized(self.headers.get("Authorization"))

    # --- /fs/ endpoints -----------------------------------------------------------------

    def _timestamp(self) -> int:
        value = self.headers.get("X-Timestamp", "0")
        return int(value) if _DIGITS.fullmatch(value) and len(value) <= _MAX_DIGITS else 0

    def _wants_json(self) -> bool:
        accept = self.headers.get("Accept", "")
        return any(
            part.split(";")[0].strip().lower() == "application/json" for part in accept.split(",")
        )

    def _get(self, raw: str, directory: bool) -> None:
        path, target = self.api.resolve(raw)
        if directory:
            if not target.is_dir():
                raise _Reply(404)
            if self._wants_json():
                self._reply_chunked(self._json_listing(target), "application/json")
            elif path == "/":
                self._reply_chunked(self._html(target), "text/html")
            else:
                raise _Reply(404)
            return
        if not target.is_file():
            raise _Reply(404)
        with open(target, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            self._start(
                200, [("Content-Length", str(size)), ("Content-Type", content_type(target.name))]
            )
            if self.command != "HEAD":
                shutil.copyfileobj(stream, self.wfile, _CHUNK)

    def _json_listing(self, folder: Path) -> Iterator[bytes]:
        """``{"free", "total", "block_size", "writable", "files": [...]}``, piece by piece."""
        yield json.dumps(self.api.disk())[:-1].encode() + b', "files": ['
        separator = b""
        for entry in self.api.listing(folder):
            yield separator + json.dumps(entry).encode()
            separator = b", "
        yield b"]}"

    def _html(self, folder: Path) -> Iterator[bytes]:
        yield b"<!DOCTYPE html><html><body><h1>CIRCUITPY</h1><ul>"
        for e in self.api.listing(folder):
            name = html.escape(e["name"])
            slash = "/" if e["directory"] else ""
            link = quote(e["name"]) + slash
            edit = ""
            if not slash and e["name"].endswith((".py", ".txt", ".toml", ".json")):
                edit = f' <a href="/edit/#/{link}">edit</a>'  # served by `run --web`
            yield f'<li><a href="{link}">{name}</a> {e["file_size"]}{edit}</li>'.encode()
        yield b"</ul></body></html>"

    def _mkdir(self, raw: str) -> None:
        path, target = self.api.resolve(raw)
        stamp = self._timestamp()
        with self.api.lock:
            if os.path.lexists(target):
                self._reply(204)  # CP: FR_EXIST, whether a folder or a file is there
                return
            missing = []
            probe = target
            while not os.path.lexists(probe):
                missing.append(probe)
                probe = probe.parent
            if not probe.is_dir():
                raise _Reply(404)  # a parent is a file
            for folder in reversed(missing):
                os.mkdir(folder)
            for folder in missing:  # after all: a new child changes its parent's mtime
                _set_time(folder, stamp)
        self.api.on_change(path)
        self._reply(201)

    def _body_length(self) -> int:
        """The PUT body's size, checked against the free space; sends ``100 Continue`` if the
        client waits for it."""
        header = self.headers.get("Content-Length")
        if header is None or "Transfer-Encoding" in self.headers:
            raise _Reply(411, "A file upload needs Content-Length (chunked bodies are refused).")
        expect = self.headers.get("Expect", "").lower() == "100-continue"
        free = self.api.free_bytes()
        if len(header) > _MAX_DIGITS or int(header) > free:
            message = f"The file is larger than the {free} bytes free on the drive."
            raise _Reply(417 if expect else 413, message)
        if expect:
            self.send_response_only(100)
            for key, value in self._cors():
                self.send_header(key, value)
            self.end_headers()
        return int(header)

    def _receive(self, stream: object, length: int) -> bool:
        """Copy the body to ``stream``; False if the client went away, stalled or was too slow
        (then a 408 was sent if the client can still hear it)."""
        limits = self.api.limits
        start = time.monotonic() + limits.io_timeout  # a grace period, then the minimum rate
        remaining = length
        while remaining:
            try:
                data = self.rfile.read1(min(remaining, _CHUNK))
            except TimeoutError:
                data = None
            except OSError:  # reset
                return False
            late = (time.monotonic() - start) * limits.body_rate > length - remaining
            if data is None or (data and late):
                message = f"The upload was slower than {limits.body_rate} bytes/s."
                with contextlib.suppress(OSError):
                    self._reply(408, message.encode())
                return False
            if not data:
                return False  # the client went away: no reply, old file kept
            stream.write(data)  # type: ignore[attr-defined]
            remaining -= len(data)
        return True

    def _put(self, raw: str) -> None:
        path, target = self.api.resolve(raw)
        if path == "/":
            raise _Reply(400)
        if not target.parent.is_dir():
            raise _Reply(404)
        if target.is_dir():
            raise _Reply(500)  # CP: f_open gives FR_DENIED
        length = self._body_length()
        handle, temp = tempfile.mkstemp(
            dir=target.parent, suffix=".tmp", prefix=f"{TEMP_PREFIX}{target.name}."
        )
        try:
            with os.fdopen(handle, "wb") as stream:
                if not self._receive(stream, length):
                    self.close_connection = True
                    return
                stream.flush()
                os.fsync(stream.fileno())
            _set_time(temp, self._timestamp())
            with self.api.lock:
                if self.api.read_only():
                    raise _Reply(409)
                new = not os.path.lexists(target)
                os.replace(temp, target)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        self.api.on_change(path)
        self._reply(201 if new else 204)

    def _delete(self, raw: str) -> None:
        path, target = self.api.resolve(raw)
        if path == "/":
            raise _Reply(400)
        with self.api.lock:
            if not os.path.lexists(target):
                raise _Reply(404)
            if target.is_dir() and not target.is_symlink():
                self._delete_tree(path, target)
            else:
                os.unlink(target)
        self.api.on_change(path)
        self._reply(204)

    def _delete_tree(self, path: str, target: Path) -> None:
        """Hide the folder in one rename, then delete it (any depth, bounded in time). If that
        stops halfway, put what remains back and say so."""
        hidden = target.with_name(f"{TEMP_PREFIX}deleting-{secrets.token_hex(4)}")
        os.rename(target, hidden)
        deadline = time.monotonic() + self.api.limits.delete_seconds
        try:
            remove_tree(hidden.parent, hidden.name, deadline)
        except TreeNotRemoved as stopped:
            where = path if _restore(hidden, target) else f"{path} (hidden as {hidden.name})"
            self.api.on_change(path)
            raise _Reply(
                500,
                f"{path} was only partly deleted ({stopped.removed} files and folders deleted; "
                f"then: {stopped.reason}). What remains is at {where}: DELETE it again to "
                "continue.",
            ) from None

    def _move(self, raw: str) -> None:
        old_path, source = self.api.resolve(raw)
        destination = self.headers.get("X-Destination", "")
        if not destination.startswith("/fs/"):
            raise _Reply(400, "MOVE needs X-Destination: /fs/<new path>.")
        new_path, dest = self.api.resolve(destination[3:])
        if "/" in (old_path, new_path):
            raise _Reply(400)
        with self.api.lock:
            if not os.path.lexists(source) or not dest.parent.is_dir():
                raise _Reply(404)
            if os.path.lexists(dest):
                raise _Reply(412)
            os.rename(source, dest)  # a folder into itself: EINVAL → 500
        self.api.on_change(old_path)
        self.api.on_change(new_path)
        self._reply(201)


FsApiServer.handler_class = _Handler


def serve(drive: Path, password: str | None, port: int = 0) -> None:  # pragma: no cover
    """Serve until Ctrl-C (a manual check: ``python -m protoboard.web.fsapi DRIVE PASSWORD``)."""
    with FsApiServer(drive, password=password, port=port) as server:
        print(f"serving {drive} at {server.url}/fs/")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":  # pragma: no cover
    import sys

    serve(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)
