"""A local HTTP server for download tests: real sockets, a folder of files, GitHub-style release
URLs, a request log and injectable faults.

Use it as a context manager, or wrap it in a fixture in the test module::

    @pytest.fixture
    def server(tmp_path):
        with LocalServer(tmp_path / "www") as s:
            yield s

    server.add("a/b.zip", data)           # serves /a/b.zip with ETag, Last-Modified, Range
    server.url("a/b.zip")                 # http://127.0.0.1:PORT/a/b.zip
    server.fault("/a/b.zip", "cut", at=100)          # next GET sends 100 bytes, then hangs up
    server.fault("/a/*", "status", code=503, times=2)
    server.count("/a/b.zip", status=304)  # from the request log

GitHub emulation: ``/<owner>/<repo>/releases/latest`` answers ``302`` to
``/<owner>/<repo>/releases/tag/<TAG>`` where TAG is ``server.latest["owner/repo"]`` or else the
newest folder under ``<root>/<owner>/<repo>/releases/download/``; assets are plain files at
``<root>/<owner>/<repo>/releases/download/<TAG>/<asset>`` (see :meth:`LocalServer.add_release`).
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["Fault", "LocalServer", "Request", "dead_url"]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    status: int


@dataclass
class Fault:
    """One injected misbehaviour for requests whose path matches ``pattern`` (fnmatch).

    kinds: ``cut`` (send the headers and ``at`` body bytes, then close), ``status`` (answer
    ``code`` with a short body), ``reset`` (close without answering), ``slow`` (sleep ``delay``
    seconds before answering normally), ``garbage`` (answer 200 with ``body`` instead of the file).
    """

    pattern: str
    kind: str
    times: int = 1  # how many requests it affects; -1 = all
    method: str = "GET"
    at: int = 0
    code: int = 500
    delay: float = 0.0
    body: bytes = b""
    hits: int = field(default=0)


def dead_url(path: str = "/") -> str:
    """A URL on a local port nobody listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


class LocalServer:
    """Serves ``root`` on 127.0.0.1 in a background thread."""

    def __init__(
        self, root: Path, *, ranges: bool = True, etags: bool = True, last_modified: bool = True
    ) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.ranges = ranges
        self.etags = etags
        self.last_modified = last_modified
        self.latest: dict[str, str] = {}
        self.log: list[Request] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> LocalServer:
        handler = type("Handler", (_Handler,), {"owner": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, daemon=True, kwargs={"poll_interval": 0.05}
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, path: str = "") -> str:
        return f"{self.base}/{path.lstrip('/')}"

    # -- content ----------------------------------------------------------------------------

    def add(self, rel: str, data: bytes, *, mtime: float | None = None) -> Path:
        """Put a file at ``/rel``; returns its path on disk."""
        path = self.root / rel.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path

    def add_release(self, repo: str, tag: str, assets: dict[str, bytes]) -> None:
        """Assets of a GitHub-style release ``repo`` ("owner/name") ``tag``."""
        for name, data in assets.items():
            self.add(f"{repo}/releases/download/{tag}/{name}", data)

    # -- faults and log ---------------------------------------------------------------------

    def fault(self, pattern: str, kind: str, **kw: Any) -> Fault:
        f = Fault(pattern, kind, **kw)
        with self._lock:
            self.faults.append(f)
        return f

    def count(
        self, pattern: str = "*", *, method: str | None = None, status: int | None = None
    ) -> int:
        """Requests so far whose path matches ``pattern`` (fnmatch) and method/status."""
        with self._lock:
            return sum(
                1
                for r in self.log
                if fnmatch.fnmatchcase(r.path, pattern)
                and (method is None or r.method == method)
                and (status is None or r.status == status)
            )

    def requests(self, pattern: str = "*") -> list[Request]:
        with self._lock:
            return [r for r in self.log if fnmatch.fnmatchcase(r.path, pattern)]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if (
                    f.times != 0
                    and f.method in (method, "*")
                    and fnmatch.fnmatchcase(path, f.pattern)
                ):
                    f.times -= 1 if f.times > 0 else 0
                    f.hits += 1
                    return f
        return None

    def _record(self, method: str, path: str, headers: dict[str, str], status: int) -> None:
        with self._lock:
            self.log.append(Request(method, path, headers, status))

    def _latest_tag(self, repo: str) -> str | None:
        if repo in self.latest:
            return self.latest[repo]
        folder = self.root / repo / "releases" / "download"
        tags = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
        return tags[-1] if tags else None


_LATEST = re.compile(r"^/([^/]+/[^/]+)/releases/latest/?$")
_TAG_PAGE = re.compile(r"^/([^/]+/[^/]+)/releases/tag/([^/]+)/?$")


class _Handler(BaseHTTPRequestHandler):
    owner: LocalServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    # -- dispatch ---------------------------------------------------------------------------

    def _serve(self, body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        fault = self.owner._take_fault(self.command, path)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
            fault = None
        if fault is not None and fault.kind == "reset":
            self._log(path, 0)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.kind == "status":
            return self._simple(path, fault.code, b"server trouble\n", body)
        if fault is not None and fault.kind == "garbage":
            return self._simple(path, 200, fault.body, body)
        m = _LATEST.match(path)
        if m:
            tag = self.owner._latest_tag(m.group(1))
            if tag is None:
                return self._simple(path, 404, b"no release\n", body)
            return self._simple(
                path, 302, b"", body, {"Location": f"/{m.group(1)}/releases/tag/{tag}"}
            )
        m = _TAG_PAGE.match(path)
        if m:
            return self._simple(path, 200, f"release {m.group(2)}\n".encode(), body)
        self._file(path, body, fault)

    def _file(self, path: str, body: bool, fault: Fault | None) -> None:
        target = (self.owner.root / path.lstrip("/")).resolve()
        if not target.is_file() or not target.is_relative_to(self.owner.root.resolve()):
            return self._simple(path, 404, b"not found\n", body)
        data = target.read_bytes()
        mtime = target.stat().st_mtime
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        lastmod = formatdate(int(mtime), usegmt=True)
        headers = {"Content-Type": "application/octet-stream"}
        if self.owner.etags:
            headers["ETag"] = etag
        if self.owner.last_modified:
            headers["Last-Modified"] = lastmod
        if self.owner.ranges:
            headers["Accept-Ranges"] = "bytes"
        if self._not_modified(etag, mtime):
            return self._simple(path, 304, b"", False, headers)
        status, start, end = self._range(len(data), etag, lastmod)
        if status == 416:
            return self._simple(path, 416, b"", body, {"Content-Range": f"bytes */{len(data)}"})
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{len(data)}"
        chunk = data[start:end]
        self._log(path, status)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(chunk)))
        self.end_headers()
        if not body:
            return
        if fault is not None and fault.kind == "cut":
            self.wfile.write(chunk[: fault.at])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        with contextlib.suppress(OSError):  # the client gave up (timeout test)
            self.wfile.write(chunk)

    # -- HTTP details -----------------------------------------------------------------------

    def _not_modified(self, etag: str, mtime: float) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            return self.owner.etags and etag in [t.strip() for t in inm.split(",")]
        ims = self.headers.get("If-Modified-Since")
        if ims and self.owner.last_modified:
            with contextlib.suppress(TypeError, ValueError):
                return int(mtime) <= parsedate_to_datetime(ims).timestamp()
        return False

    def _range(self, size: int, etag: str, lastmod: str) -> tuple[int, int, int]:
        """(status, start, end) for the request's Range header."""
        rng = self.headers.get("Range")
        if not rng or not self.owner.ranges:
            return 200, 0, size
        if_range = self.headers.get("If-Range")
        if if_range is not None and if_range not in (etag, lastmod):
            return 200, 0, size
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng.strip())
        if not m:
            return 200, 0, size
        start = int(m.group(1))
        end = min(int(m.group(2)) + 1, size) if m.group(2) else size
        if start >= size or start >= end:
            return 416, 0, 0
        return 206, start, end

    def _simple(
        self,
        path: str,
        status: int,
        payload: bytes,
        body: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._log(path, status)
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", "0" if status == 304 else str(len(payload)))
        self.end_headers()
        if body and status != 304:
            with contextlib.suppress(OSError):
                self.wfile.write(payload)

    def _log(self, path: str, status: int) -> None:
        self.owner._record(self.command, path, dict(self.headers.items()), status)
