"""The run's web server: CircuitPython's web-workflow API plus handlers mounted by other parts.

:class:`WebServer` is :class:`~protoboard.web.fsapi.FsApiServer` (``/fs/``, ``/cp/*.json``)
with a security gate in front of every request and a table of mounted handlers. The contract,
stable for the modules that mount pages (the board view, the web workflow's own pages):

``server.mount(prefix, handler, *, auth=True)``
    ``prefix`` is a path ending in ``/`` (``"/"``, ``"/board/"``, ``"/cp/serial/"``); a request
    goes to the mount with the longest prefix it starts with. The built-in ``/fs/`` and ``/cp/``
    count as mounts of their own, so a ``/`` mount gets what nothing longer claims. With
    ``auth=True`` (the default) a request must be authorized before the handler sees it
    (``401`` with ``WWW-Authenticate: Basic`` otherwise). Mounting may happen before or after
    :meth:`~WebServer.start`.

``handler(request: Request) -> Response | None``
    Called on one of the server's worker threads with a :class:`Request`: ``method``, ``path``
    (percent-decoded, without the query), ``query`` (``dict[str, list[str]]``), ``headers`` (a
    case-insensitive :class:`email.message.Message`), ``body`` (a buffered reader positioned at
    the body; :meth:`Request.read_body` reads it whole within a size limit), ``sock``,
    ``client`` (address), ``authorized`` and ``context`` (:class:`WebContext`: the drive, the
    console, the board's control channel and run state). It returns a :class:`Response`; or it
    calls :meth:`Request.upgrade`, which checks and answers the WebSocket handshake and returns
    a :class:`~protoboard.web.websocket.WebSocket`, and then returns None: the socket is the
    handler's (serve it from a thread of its own, and call ``WebSocket.shutdown()`` at the end).
    Raise :class:`Refused` to answer with an error status and a plain-words message.

The gate, for every request (mounted or built in):

* **Host** (against DNS rebinding): the ``Host`` header must name this board: an IP address,
  ``localhost``, ``<hostname>.local``, ``circuitpython.local`` (redirected, as a board does) or
  a name given in ``allowed_hosts``; anything else gets ``403``;
* **CORS**: CircuitPython's rule (:mod:`protoboard.web.fsapi`);
* **authorization**: ``Authorization: Basic base64(":" + secret)`` where the secret is
  ``CIRCUITPY_WEB_API_PASSWORD`` or the run's random token; or ``?token=<token>`` in the URL
  (as Jupyter prints it), which also sets a ``SameSite=Strict`` cookie so the page's own later
  requests are authorized; or that cookie;
* **CSRF**: a request that changes state (anything but GET/HEAD/OPTIONS, and every WebSocket
  upgrade) and is authorized only by the cookie or a URL token must come from this board's own
  pages: its ``Origin`` (or, without one, ``Sec-Fetch-Site: same-origin``) must be this host;
  WebSocket upgrades from a page of another site are refused whatever the credentials (browsers
  apply no CORS to WebSockets), except from ``trusted_origins``;
* **sizes**: every limit of :class:`~protoboard.web.httpd.Limits`; request bodies read through
  :meth:`Request.read_body` are bounded by the caller's limit (``413`` beyond); WebSocket
  messages by ``max_message``; at most ``max_sockets`` upgraded connections at once (``503``).
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from protoboard.web import websocket
from protoboard.web.fsapi import REALM, FsApiServer, _Handler, _Reply

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: the built-in routes, as mounts of their own
BUILT_IN = ("/fs/", "/cp/")
#: upgraded connections (WebSockets) open at once, over every mount
DEFAULT_MAX_SOCKETS = 16


class Refused(Exception):
    """Raised by a handler to answer ``status`` with a plain-words ``message``."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message or str(status))
        self.status = status
        self.message = message


@dataclass
class Response:
    """What a handler answers: ``body`` is bytes, or pieces sent chunked as they come."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str = "text/plain;charset=UTF-8"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class WebContext:
    """What the running board offers to mounted handlers.

    ``console()`` opens a connected stream socket on the serial console: what you read from it
    is the console's output (starting with recent output), what you write to it is typed, as on
    the terminal (Ctrl-C included); close it to leave. ``control(request)`` sends a control
    request (:mod:`protoboard.runtime.messages`, as ``protoboard sim`` does: set a part's value,
    list parts, the world) and returns the reply dict. ``run_state()`` is CircuitPython's
    status-bar run state (``code.py``, ``Done``, ``3@code.py NameError``). ``on_state`` lists
    callbacks called (from the board's thread, must not block) with each new run state.
    """

    drive: Path
    console: Callable[[], socket.socket] | None = None
    control: Callable[[Any], dict[str, Any]] | None = None
    run_state: Callable[[], str] = lambda: ""
    board: dict[str, Any] = field(default_factory=dict)
    on_state: list[Callable[[str], None]] = field(default_factory=list)
    #: anything else a part of the run wants to share (``world``, ``parts``...)
    extra: dict[str, Any] = field(default_factory=dict)


#: a mounted handler
Handler = Callable[["Request"], "Response | None"]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: Any  # a buffered reader
    sock: socket.socket
    client: tuple
    authorized: bool
    context: WebContext
    _handler: _WebHandler

    def read_body(self, limit: int) -> bytes:
        """The whole body (by ``Content-Length``), at most ``limit`` bytes (``413`` beyond,
        ``411`` without a length)."""
        header = self.headers.get("Content-Length")
        if header is None:
            if self.headers.get("Transfer-Encoding"):
                raise Refused(411, "Send the body with Content-Length (chunked is refused).")
            return b""
        size = int(header)  # checked to be digits by the server
        if size > limit:
            raise Refused(413, f"The body is over {limit} bytes, the most this accepts.")
        data = self.body.read(size)
        if len(data) < size:
            raise Refused(400, "The body ended before Content-Length bytes.")
        return bytes(data)

    def upgrade(self, *, max_message: int = websocket.DEFAULT_MAX_MESSAGE) -> websocket.WebSocket:
        """Answer the WebSocket handshake and take the socket over (see the module's doc)."""
        return self._handler.upgrade(max_message)


@dataclass
class _Mount:
    prefix: str
    handler: Handler
    auth: bool


class WebServer(FsApiServer):
    """The web workflow server of a run (see the module's doc).

    :param token: the secret for ``?token=`` and the cookie (also accepted as the Basic-auth
        password); default: a new random one. ``password`` (CIRCUITPY_WEB_API_PASSWORD) stays
        accepted as CircuitPython's Basic auth.
    :param context: what mounted handlers get.
    :param allowed_hosts: more ``Host`` names to accept (lower case, without port).
    :param trusted_origins: origins whose pages may open WebSockets here.
    :param space: the drive's ``statvfs`` (a folder drive's own size); default: the host's.
    :param devices: returns ``/cp/devices.json``'s device list (mDNS); default: none.
    """

    def __init__(
        self,
        drive: Path | str,
        *,
        password: str | None,
        token: str | None = None,
        context: WebContext | None = None,
        allowed_hosts: Iterable[str] = (),
        trusted_origins: Iterable[str] = (),
        devices: Callable[[], list[dict[str, Any]]] = list,
        max_sockets: int = DEFAULT_MAX_SOCKETS,
        space: Callable[[], os.statvfs_result] | None = None,
        **options: Any,
    ) -> None:
        self.token = token or secrets.token_urlsafe(24)
        # /fs/ needs a secret: with no password the token is it (403 only if both are unset)
        super().__init__(drive, password=password or self.token, **options)
        self.web_password = password or None
        self.context = context or WebContext(drive=Path(drive))
        self.allowed_hosts = {name.lower() for name in allowed_hosts}
        self.trusted_origins = set(trusted_origins)
        self.devices = devices
        self.max_sockets = max_sockets
        self._sockets = 0
        self._sockets_lock = threading.Lock()
        self._mounts: list[_Mount] = []
        self.space = space

    def version(self) -> dict:
        """CircuitPython's fields, plus ``protoboard`` (its version): clients that know it (our
        updater) install ``.py`` libraries here, as on a Protoboard drive; others ignore it."""
        from protoboard.version import __version__

        return {**super().version(), "protoboard": __version__}

    def disk(self) -> dict:
        """As :class:`FsApiServer`'s, from ``space`` (the drive's own size) if given."""
        if self.space is None:
            return super().disk()
        st = self.space()
        return {
            "free": st.f_bavail,
            "total": st.f_blocks,
            "block_size": st.f_frsize,
            "writable": not self.read_only(),
        }

    # --- mounts -------------------------------------------------------------------------

    def mount(self, prefix: str, handler: Handler, *, auth: bool = True) -> None:
        """Serve every path under ``prefix`` (which ends with ``/``) with ``handler``."""
        if not prefix.startswith("/") or not prefix.endswith("/"):
            raise ValueError(f"a mount prefix starts and ends with '/', not {prefix!r}")
        if prefix in BUILT_IN:
            raise ValueError(f"{prefix} is the web workflow's own")
        mounts = [m for m in self._mounts if m.prefix != prefix]
        mounts.append(_Mount(prefix, handler, auth))
        mounts.sort(key=lambda m: len(m.prefix), reverse=True)
        self._mounts = mounts  # one assignment: workers read it without a lock

    def find_mount(self, path: str) -> _Mount | None:
        for mount in self._mounts:
            if path.startswith(mount.prefix) or path + "/" == mount.prefix:
                if len(mount.prefix) <= 4 and any(path.startswith(b) for b in BUILT_IN):
                    return None  # "/" (or a short mount) does not take /fs/ or /cp/
                return mount
        return None

    # --- the gate's pieces --------------------------------------------------------------

    def host_allowed(self, host: str) -> bool:
        """Is ``host`` (a Host header) a name of this board? IP literals are, and
        ``localhost``, ``<hostname>.local`` and ``circuitpython.local``: a DNS-rebinding page
        has a name of its own, which is none of these."""
        name = host.strip().lower()
        if name.startswith("["):
            name = name[1:].partition("]")[0]
        elif name.count(":") == 1:
            name = name.partition(":")[0]
        name = name.rstrip(".")
        if not name:
            return False
        with contextlib.suppress(ValueError):
            ipaddress.ip_address(name.split("%")[0])
            return True
        hostname = str(self.board.get("hostname", "")).lower()
        return (
            name == "localhost"
            or name.endswith(".localhost")
            or name == "circuitpython.local"
            or (bool(hostname) and name == f"{hostname}.local")
            or name in self.allowed_hosts
        )

    def secret_ok(self, secret: str) -> bool:
        candidates = [self.token] + ([self.web_password] if self.web_password else [])
        return any(hmac.compare_digest(secret.encode(), c.encode()) for c in candidates)

    def basic_ok(self, header: str | None) -> bool:
        import base64

        if not header or not header.startswith("Basic "):
            return False
        try:
            user_pass = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return False
        _user, sep, password = user_pass.partition(":")
        return bool(sep) and self.secret_ok(password)  # any user name, as CircuitPython's check

    def authorized(self, header: str | None) -> bool:
        return self.basic_ok(header)

    @property
    def cookie_name(self) -> str:
        return f"protoboard_token_{self.port}"  # cookies ignore ports: one name per server

    @property
    def token_url(self) -> str:
        """The address to print: opens the board's pages with the token."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/?token={self.token}"

    # --- upgraded sockets ---------------------------------------------------------------

    def claim_socket(self) -> bool:
        with self._sockets_lock:
            if self._sockets >= self.max_sockets:
                return False
            self._sockets += 1
            return True

    def release_socket(self) -> None:
        with self._sockets_lock:
            self._sockets = max(0, self._sockets - 1)


class _WebHandler(_Handler):
    """The fsapi handler with the gate and the mounts in front."""

    api: WebServer
    _via: str = ""  # how the request was authorized: "basic", "token", "cookie" or ""
    _set_cookie = False

    def _authorized(self) -> bool:
        return self._via != ""

    def _authorize(self, query: dict[str, list[str]]) -> None:
        api = self.api
        if api.basic_ok(self.headers.get("Authorization")):
            self._via = "basic"
            return
        token = (query.get("token") or [""])[0]
        if token and api.secret_ok(token):
            self._via = "token"
            self._set_cookie = True
            return
        cookie = SimpleCookie()
        with contextlib.suppress(CookieError):
            cookie.load(self.headers.get("Cookie", ""))
        morsel = cookie.get(api.cookie_name)
        if morsel is not None and api.secret_ok(morsel.value):
            self._via = "cookie"

    def _same_origin(self) -> bool:
        origin = self.headers.get("Origin")
        if origin is None:
            return self.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
        return origin == f"http://{self.headers.get('Host', '')}"

    def _cors(self) -> list[tuple[str, str]]:
        headers = super()._cors()
        if self._set_cookie:
            value = f"{self.api.cookie_name}={self.api.token}; Path=/; HttpOnly; SameSite=Strict"
            headers.append(("Set-Cookie", value))
        return headers

    def _route(self, method: str) -> None:
        if self.request_version != "HTTP/1.1":
            raise _Reply(501, "Only HTTP/1.1 is served.")
        self._check_length()
        host = self.headers.get("Host", "")
        if not self.api.host_allowed(host):
            raise _Reply(
                403,
                f"'{host}' is not a name of this board. Open it by its address, such as "
                f"http://127.0.0.1:{self.api.port}/ (a page under another name could be a "
                "DNS-rebinding attack).",
            )
        target, _, query_text = self.path.partition("?")
        query = parse_qs(query_text.partition("#")[0], max_num_fields=32)
        self._authorize(query)
        upgrade = "websocket" in self.headers.get("Upgrade", "").lower()
        if self._via in ("token", "cookie") and (method not in SAFE_METHODS or upgrade):
            if not self._same_origin():
                raise _Reply(403, "A change from a page of another site is refused (CSRF).")
        if upgrade and not self._origin_may_upgrade():
            raise _Reply(403, "WebSockets from a page of another site are refused.")
        path = target.partition("#")[0]
        mount = self.api.find_mount(path)
        if mount is None:
            super()._route(method)
            return
        if not self._origin_ok():
            raise _Reply(403)
        if method == "OPTIONS":
            self._access_control()
            return
        if mount.auth and not self._authorized():
            self._reply(401, headers=[("WWW-Authenticate", REALM)])
            return
        self._mounted(mount, method, path, query)

    def _origin_may_upgrade(self) -> bool:
        origin = self.headers.get("Origin")
        if origin is None or origin in self.api.trusted_origins:
            return True
        host = self.headers.get("Host", "")
        rest = origin.removeprefix("http://")
        return origin.startswith("http://") and (
            rest == host or rest == "localhost" or rest.startswith("localhost:")
        )

    def _mounted(self, mount: _Mount, method: str, path: str, query: dict) -> None:
        try:
            decoded = unquote(path, errors="strict")
        except UnicodeDecodeError:
            raise _Reply(400, "The path is not valid percent-encoded UTF-8.") from None
        request = Request(
            method=method,
            path=decoded,
            query=query,
            headers=self.headers,
            body=self.rfile,
            sock=self.connection,
            client=self.client_address,
            authorized=self._authorized(),
            context=self.api.context,
            _handler=self,
        )
        try:
            response = mount.handler(request)
        except Refused as refused:
            if self.taken:
                return
            raise _Reply(refused.status, refused.message) from None
        if response is None:
            if not self.taken:
                log.error("the handler at %s answered nothing", mount.prefix)
                raise _Reply(500, "The board failed to handle this request.")
            return
        self._send_response(response)

    def _send_response(self, response: Response) -> None:
        headers = [("Content-Type", response.content_type), *response.headers]
        if isinstance(response.body, bytes):
            self._start(response.status, [("Content-Length", str(len(response.body))), *headers])
            if self.command != "HEAD" and response.body:
                self.wfile.write(response.body)
            return
        self._start(response.status, [("Transfer-Encoding", "chunked"), *headers])
        if self.command == "HEAD":
            return
        for piece in response.body:
            if piece:
                self.wfile.write(b"%X\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def upgrade(self, max_message: int) -> websocket.WebSocket:
        try:
            reply = websocket.handshake(self.command, self.headers, tuple(self._cors()))
        except websocket.HandshakeError as error:
            raise Refused(error.status, error.message) from None
        if not self.api.claim_socket():
            raise Refused(503, f"{self.api.max_sockets} WebSockets are open, the most served.")
        self.taken = True
        self._started = True
        try:
            self.wfile.write(reply)
        except OSError:
            self.api.release_socket()
            raise
        sock = self.connection
        sock.settimeout(None)
        socket_ = websocket.WebSocket(sock, self.rfile, max_message=max_message)
        released = threading.Event()

        def shutdown() -> None:
            websocket.WebSocket.shutdown(socket_)
            if not released.is_set():
                released.set()
                self.api.release_socket()

        socket_.shutdown = shutdown  # type: ignore[method-assign]
        return socket_

    def _cp(self, method: str, path: str) -> None:
        if method == "GET" and path == "/devices.json":
            devices = self.api.devices()
            self._reply_json({"total": len(devices), "devices": devices})
        else:
            super()._cp(method, path)


WebServer.handler_class = _WebHandler
