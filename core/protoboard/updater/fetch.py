"""Downloads with a local cache: bundle zips and JSON survive offline use and flaky networks.

Every URL has one cache entry in ``<cache>/downloads``::

    <key>/<file name>      the last complete, verified download (key = sha256 of the URL)
    <key>/<file name>.<pid>.part  the download in progress (never returned, removed on failure)
    <key>.json             sidecar: url, etag, last_modified, sha256, size, fetched, checked

Why it works this way:

- ``refresh=True`` revalidates with ``If-None-Match`` / ``If-Modified-Since``: an unchanged file
  costs one small request answered ``304``. ``refresh=False`` uses a cached copy without any
  request. ``offline=True`` never touches the network.
- A download goes to a ``.part`` file, is checked against ``Content-Length`` and the sha256
  (given by the caller or, for cache hits, recorded in the sidecar), then renamed into place: a
  reader never sees half a file. A cut connection is resumed with ``Range`` when the server
  answers ``206``, restarted otherwise; a file that arrives corrupt is fetched once more, then
  the error is reported.
- Connection errors and ``5xx`` answers are retried with a short backoff. When the network is
  still unusable, a cached copy is used with a warning (``FetchResult.stale`` and the
  ``on_warning`` callback); without one, the error says what to do. Errors never carry a
  traceback meant for the user: :class:`FetchError` messages are the whole story.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urljoin, urlsplit

from protoboard.errors import UserError
from protoboard.runtime.drive import atomic_write
from protoboard.updater import limits

__all__ = [
    "FetchError",
    "FetchResult",
    "FetchStats",
    "Fetcher",
    "NotFoundError",
    "NullProgress",
    "OfflineError",
    "Progress",
    "RichProgress",
    "default_cache_dir",
]

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
LOCAL_BUNDLE_HINT = "use a local bundle: protoboard bundle add PATH"


class FetchError(UserError):
    """A download that failed; the message says what failed and what to do."""


class OfflineError(FetchError):
    """The network was needed but is off (``offline=True``) or unreachable."""


class NotFoundError(FetchError):
    """The server answered 404/410: the file does not exist (a missing optional asset)."""


class Progress(Protocol):
    """What a download reports: one ``start``, any number of ``advance``, one ``done``."""

    def start(self, label: str, total: int | None) -> None: ...
    def advance(self, n: int) -> None: ...
    def done(self) -> None: ...


class NullProgress:
    """Reports nothing (the default)."""

    def start(self, label: str, total: int | None) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def done(self) -> None:
        pass


class RichProgress:
    """A rich progress bar per download, removed when it finishes (``transient``)."""

    def __init__(self, console: Any = None, *, transient: bool = True) -> None:
        self._console = console
        self._transient = transient
        self._bar: Any = None
        self._task: Any = None

    def start(self, label: str, total: int | None) -> None:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            TextColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as Bar

        self.done()
        self._bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=self._console,
            transient=self._transient,
        )
        self._bar.start()
        self._task = self._bar.add_task(label, total=total)

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def done(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


@dataclass
class FetchStats:
    """Counters for tests and benchmarks."""

    requests: int = 0  # HTTP requests sent (each retry counts)
    bytes_downloaded: int = 0  # body bytes written to the cache
    not_modified: int = 0  # 304 answers
    cache_hits: int = 0  # answers from the cache with no request at all
    retries: int = 0


@dataclass(frozen=True)
class FetchResult:
    """A cached file and how it was obtained."""

    path: Path
    status: str  # "downloaded" | "not-modified" | "cached" | "stale"
    warning: str | None = None  # set when status is "stale" (network failed, cache used)

    @property
    def stale(self) -> bool:
        return self.status == "stale"


def default_cache_dir() -> Path:
    """``$PROTOBOARD_CACHE_DIR/downloads``, else the user's cache folder for protoboard."""
    root = os.environ.get("PROTOBOARD_CACHE_DIR")
    if root:
        return Path(root).expanduser() / "downloads"
    from platformdirs import user_cache_path

    return user_cache_path("protoboard", appauthor=False) / "downloads"


# -- internal signals -----------------------------------------------------------------------


class _Retryable(Exception):
    """A failure worth trying again (connection, 5xx, cut body)."""

    def __init__(self, reason: str, *, connection: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.connection = connection  # no connection at all (vs. a server-side error)


class _Corrupt(Exception):
    """A complete download whose content is wrong (checksum or length)."""


# -- cache entries ---------------------------------------------------------------------------


def _file_name(url: str, name: str | None) -> str:
    raw = name or unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) or "download"
    safe = re.sub(r"[^A-Za-z0-9._+-]", "_", raw).lstrip(".")
    return safe[:150] or "download"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _Entry:
    """One URL's cache entry: the file, its ``.part`` and its sidecar."""

    def __init__(self, root: Path, url: str, name: str | None) -> None:
        self.url = url
        self.key = hashlib.sha256(url.encode()).hexdigest()[:32]
        self.folder = root / self.key
        self.sidecar = root / f"{self.key}.json"
        self.meta: dict[str, Any] = self._load_meta()
        self.path = self.folder / (self.meta.get("name") or _file_name(url, name))
        # one .part per process: two processes fetching the same URL never share a file
        self.part = self.path.with_name(f"{self.path.name}.{os.getpid()}.part")

    def _load_meta(self) -> dict[str, Any]:
        try:
            meta = limits.loads(self.sidecar.read_bytes(), max_bytes=1024 * 1024)
        except (OSError, ValueError):
            return {}
        if not isinstance(meta, dict) or meta.get("url") != self.url:
            return {}
        name = meta.get("name")
        if name is not None and (not isinstance(name, str) or _file_name("", name) != name):
            return {}  # a sidecar naming a path: not one this cache wrote
        return meta

    def valid(self, sha256: str | None) -> bool:
        """True if a complete copy is cached and intact; a corrupt one is removed."""
        if not self.meta or not self.path.is_file():
            return False
        try:
            size = self.path.stat().st_size
            intact = size == self.meta.get("size") and _sha256_file(self.path) == self.meta.get(
                "sha256"
            )
        except OSError:
            intact = False
        if not intact:
            log.warning("discarding corrupt cached copy of %s", self.url)
            self.discard()
            return False
        return sha256 is None or sha256.lower() == self.meta.get("sha256")

    def save(self, headers: Any, sha256: str, size: int) -> None:
        now = time.time()
        self.meta = {
            "url": self.url,
            "name": self.path.name,
            "etag": headers.get("ETag"),
            "last_modified": headers.get("Last-Modified"),
            "sha256": sha256,
            "size": size,
            "fetched": now,
            "checked": now,
        }
        self._write_meta()

    def touch(self) -> None:
        self.meta["checked"] = time.time()
        self._write_meta()

    def _write_meta(self) -> None:
        self.sidecar.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.sidecar, json.dumps(self.meta, indent=1, sort_keys=True).encode())

    def discard_part(self) -> None:
        with contextlib.suppress(OSError):
            self.part.unlink()

    def discard_abandoned_parts(self, older_than: float = 3600) -> None:
        """Remove this process's ``.part`` and those other processes left over an hour ago
        (killed mid-download); a recent one may belong to a download still running."""
        self.discard_part()
        if not self.folder.is_dir():
            return
        for part in self.folder.glob("*.part"):
            with contextlib.suppress(OSError):
                if time.time() - part.stat().st_mtime > older_than:
                    part.unlink()

    def discard(self) -> None:
        """Forget the entry entirely (corrupt, or content the caller rejected)."""
        self.discard_part()
        for p in (self.path, self.sidecar):
            with contextlib.suppress(OSError):
                p.unlink()
        with contextlib.suppress(OSError):
            self.folder.rmdir()
        self.meta = {}


@dataclass(frozen=True)
class CacheEntry:
    """A complete file in the cache (see :meth:`Fetcher.cached`)."""

    url: str
    path: Path
    meta: dict[str, Any] = field(default_factory=dict)


# -- the fetcher -----------------------------------------------------------------------------


def _reason(exc: BaseException) -> str:
    """A short human reason for a requests/urllib3 exception (not its nested repr)."""
    import requests

    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, OSError) and cur.strerror:
            return cur.strerror
        nxt = cur.__cause__ or cur.__context__
        if nxt is None and cur.args and isinstance(cur.args[0], BaseException):
            nxt = cur.args[0]
        if nxt is None and len(cur.args) > 1 and isinstance(cur.args[1], BaseException):
            nxt = cur.args[1]
        cur = nxt
    text = str(exc)
    m = re.search(r"\[Errno -?\d+\] ([^')\]]+)", text)
    if m:
        return m.group(1)
    return "connection failed" if isinstance(exc, requests.ConnectionError) else text[:120]


class Fetcher:
    """Downloads into a verified cache; see the module docstring for the rules.

    ``on_warning`` receives messages such as "using the cached copy"; by default they are
    logged and kept in :attr:`warnings`. ``backoff`` is the first retry delay in seconds
    (doubled each time); tests set it to 0. ``max_bytes`` bounds one download: a file that
    says (Content-Length) or turns out to be longer is refused, its part file deleted.
    """

    def __init__(
        self,
        cache_dir: Path | None = None,
        *,
        offline: bool = False,
        timeout: float = 30,
        retries: int = 3,
        progress: Progress | None = None,
        session: Any = None,
        backoff: float = 0.25,
        on_warning: Callable[[str], None] | None = None,
        max_bytes: int = limits.MAX_DOWNLOAD_BYTES,
    ) -> None:
        self.max_bytes = max_bytes
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.offline = offline
        self.timeout = timeout
        self.retries = max(0, retries)
        self.progress: Progress = progress or NullProgress()
        self.backoff = backoff
        self.stats = FetchStats()
        self.warnings: list[str] = []
        self._on_warning = on_warning
        self._session = session

    # -- public -----------------------------------------------------------------------------

    def get(
        self, url: str, *, sha256: str | None = None, name: str | None = None, refresh: bool = True
    ) -> Path:
        """The path of the cached file for ``url``, downloading or revalidating as needed."""
        return self.fetch(url, sha256=sha256, name=name, refresh=refresh).path

    def fetch(
        self, url: str, *, sha256: str | None = None, name: str | None = None, refresh: bool = True
    ) -> FetchResult:
        """As :meth:`get`, also saying whether the copy is fresh or a stale fallback."""
        entry = _Entry(self.cache_dir, url, name)
        label = entry.path.name
        cached = entry.valid(sha256)
        if cached and (not refresh or self.offline):
            self.stats.cache_hits += 1
            return FetchResult(entry.path, "cached")
        if self.offline:
            raise OfflineError(
                f"{label} is not in the cache and Protoboard is offline; "
                "connect to the internet once, or " + LOCAL_BUNDLE_HINT
            )
        try:
            return self._download(entry, sha256, cached, label)
        except _Retryable as e:
            if cached:
                return self._stale(entry, label, e.reason)
            raise self._unreachable(url, label, e) from None
        except NotFoundError:
            raise
        except FetchError as e:  # refused (403), corrupt twice, ...: keep working
            if cached:
                return self._stale(entry, label, str(e).split(";", 1)[0])
            raise

    def get_json(self, url: str, *, refresh: bool = True) -> Any:
        """The parsed JSON at ``url`` (cached as :meth:`get`); invalid JSON is a FetchError
        and is dropped from the cache so the next call downloads it again."""
        entry_path = self.get(url, refresh=refresh)
        try:
            return limits.loads(entry_path.read_bytes())
        except (OSError, ValueError) as e:
            _Entry(self.cache_dir, url, None).discard()
            raise FetchError(
                f"{entry_path.name} from {url} is not valid JSON ({e}); try again later"
            ) from None

    def resolve_redirect(self, url: str) -> str:
        """Where ``url`` redirects to (HEAD, redirects not followed); ``url`` itself when it
        does not redirect. Used for GitHub's ``releases/latest``."""
        if self.offline:
            raise OfflineError(f"cannot check {url}: Protoboard is offline")
        attempt = 0
        while True:
            try:
                resp = self._request("HEAD", url, {}, stream=False, allow_redirects=False)
                with resp:
                    self._check_status(resp, url)
                    if 300 <= resp.status_code < 400 and resp.headers.get("Location"):
                        return urljoin(url, resp.headers["Location"])
                    return url
            except _Retryable as e:
                attempt += 1
                if attempt > self.retries:
                    raise self._unreachable(url, url, e) from None
                self._pause(attempt)

    def is_cached(self, url: str, *, sha256: str | None = None) -> bool:
        """True if a verified copy of ``url`` is in the cache (no request)."""
        return _Entry(self.cache_dir, url, None).valid(sha256)

    def checked_age(self, url: str) -> float | None:
        """Seconds since ``url`` was last downloaded or revalidated; None if not cached."""
        checked = _Entry(self.cache_dir, url, None).meta.get("checked")
        return max(0.0, time.time() - checked) if isinstance(checked, int | float) else None

    def cached(self) -> Iterator[CacheEntry]:
        """Every complete file in the cache (from the sidecars; not re-verified)."""
        if not self.cache_dir.is_dir():
            return
        for sidecar in sorted(self.cache_dir.glob("*.json")):
            try:
                meta = limits.loads(sidecar.read_bytes(), max_bytes=1024 * 1024)
            except (OSError, ValueError):
                continue
            if not isinstance(meta, dict) or not isinstance(meta.get("url"), str):
                continue
            path = self.cache_dir / sidecar.stem / str(meta.get("name", ""))
            if path.is_file():
                yield CacheEntry(meta["url"], path, meta)

    def forget(self, url: str) -> None:
        """Drop ``url`` from the cache (e.g. a zip that downloaded fine but will not open)."""
        _Entry(self.cache_dir, url, None).discard()

    # -- downloading ------------------------------------------------------------------------

    def _download(self, entry: _Entry, sha256: str | None, cached: bool, label: str) -> FetchResult:
        entry.discard_abandoned_parts()
        attempt = 0
        refetched = False
        validator: dict[str, str | None] = {}
        try:
            while True:
                try:
                    return self._attempt(entry, sha256, cached, label, validator)
                except _Retryable:
                    attempt += 1
                    if attempt > self.retries:
                        raise
                    self.stats.retries += 1
                    self._pause(attempt)
                except _Corrupt as e:
                    entry.discard_part()
                    validator.clear()
                    if refetched:
                        raise FetchError(
                            f"{label} from {entry.url} arrived corrupt twice "
                            f"({e}); try again later, or " + LOCAL_BUNDLE_HINT
                        ) from None
                    refetched = True
                    cached = False
        except BaseException:
            entry.discard_part()
            raise

    def _attempt(
        self,
        entry: _Entry,
        sha256: str | None,
        cached: bool,
        label: str,
        validator: dict[str, str | None],
    ) -> FetchResult:
        headers = {"Accept-Encoding": "identity"}
        offset = entry.part.stat().st_size if entry.part.exists() and validator else 0
        if offset:
            headers["Range"] = f"bytes={offset}-"
            if validator.get("etag") or validator.get("last_modified"):
                headers["If-Range"] = str(validator.get("etag") or validator["last_modified"])
        elif cached:
            if entry.meta.get("etag"):
                headers["If-None-Match"] = entry.meta["etag"]
            if entry.meta.get("last_modified"):
                headers["If-Modified-Since"] = entry.meta["last_modified"]
            elif not entry.meta.get("etag"):
                headers["If-Modified-Since"] = formatdate(entry.meta["fetched"], usegmt=True)
        resp = self._request("GET", entry.url, headers, stream=True)
        with resp:
            if resp.status_code == 304 and cached and not offset:
                self.stats.not_modified += 1
                entry.touch()
                return FetchResult(entry.path, "not-modified")
            self._check_status(resp, entry.url)
            offset = self._start_offset(resp, offset, entry)
            if offset == 0:
                validator.clear()
                validator.update(
                    etag=resp.headers.get("ETag"), last_modified=resp.headers.get("Last-Modified")
                )
            total = self._expected_total(resp, offset)
            if total is not None and total > self.max_bytes:
                raise self._too_big(entry.url, f"is {total} bytes")
            self._receive(resp, entry, offset, total, label)
        return self._finish(entry, sha256, total, resp.headers)

    def _start_offset(self, resp: Any, offset: int, entry: _Entry) -> int:
        """Where the body starts in the file: ``offset`` for a matching 206, else 0."""
        if resp.status_code == 206 and offset:
            m = re.match(r"bytes ([0-9]{1,20})-", resp.headers.get("Content-Range", ""))
            if m and int(m.group(1)) == offset:
                return offset
            entry.discard_part()
            raise _Retryable("the server resumed at the wrong place")
        if resp.status_code != 200:
            raise FetchError(f"{entry.url}: unexpected answer HTTP {resp.status_code}")
        return 0

    @staticmethod
    def _expected_total(resp: Any, offset: int) -> int | None:
        if resp.status_code == 206:
            m = re.match(r"bytes [0-9]+-[0-9]+/([0-9]+)", resp.headers.get("Content-Range", ""))
            if m:
                return int(m.group(1))
        length = resp.headers.get("Content-Length", "").strip()
        # ASCII digits only ("²".isdigit() is true), and not a thousand of them
        return offset + int(length) if re.fullmatch(r"[0-9]{1,20}", length) else None

    def _receive(
        self, resp: Any, entry: _Entry, offset: int, total: int | None, label: str
    ) -> None:
        """Stream the body into the ``.part`` file; a cut is retryable, a disk error is not."""
        try:
            entry.folder.mkdir(parents=True, exist_ok=True)
            out = entry.part.open("ab" if offset else "wb")
        except OSError as e:
            raise FetchError(
                f"cannot write to the cache {self.cache_dir}: {e.strerror or e}"
            ) from None
        self.progress.start(label, total)
        try:
            with out:
                if offset:
                    self.progress.advance(offset)
                # never more than announced, never more than the bound
                bound = min(total, self.max_bytes) if total is not None else self.max_bytes
                received = offset
                for chunk in self._chunks(resp):
                    received += len(chunk)
                    if received > bound:
                        if total is not None and received > total:
                            raise _Corrupt(f"more than the {total} bytes announced")
                        raise self._too_big(entry.url, f"sent {received} bytes and more")
                    try:
                        out.write(chunk)
                    except OSError as e:
                        raise FetchError(
                            f"cannot write to the cache {self.cache_dir}: {e.strerror or e}"
                        ) from None
                    self.stats.bytes_downloaded += len(chunk)
                    self.progress.advance(len(chunk))
        finally:
            self.progress.done()

    @staticmethod
    def _chunks(resp: Any) -> Iterator[bytes]:
        chunks = resp.iter_content(CHUNK)
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            except Exception as e:  # requests/urllib3/socket errors while reading the body
                raise _Retryable(f"the download was cut ({_reason(e)})") from None
            yield chunk

    def _finish(
        self, entry: _Entry, sha256: str | None, total: int | None, headers: Any
    ) -> FetchResult:
        size = entry.part.stat().st_size
        if total is not None and size < total:
            raise _Retryable(f"the download was cut ({size} of {total} bytes)")
        if total is not None and size > total:
            raise _Corrupt(f"{size} bytes instead of {total}")
        digest = _sha256_file(entry.part)
        if sha256 is not None and digest != sha256.lower():
            raise _Corrupt(f"sha256 {digest[:12]}… instead of {sha256.lower()[:12]}…")
        os.replace(entry.part, entry.path)
        entry.save(headers, digest, size)
        return FetchResult(entry.path, "downloaded")

    def _too_big(self, url: str, what: str) -> FetchError:
        return FetchError(
            f"{url} {what}, more than the {self.max_bytes} bytes a bundle may have "
            "(Adafruit's are a few MB): not downloaded. Check the URL; if the file is right, "
            "download it yourself and use it as a local bundle: protoboard bundle add PATH"
        )

    # -- HTTP -------------------------------------------------------------------------------

    @property
    def session(self) -> Any:
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers["User-Agent"] = "protoboard-fetch"
        return self._session

    def _request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        *,
        stream: bool,
        allow_redirects: bool = True,
    ) -> Any:
        import requests

        self.stats.requests += 1
        try:
            resp = self.session.request(
                method,
                url,
                headers=headers,
                stream=stream,
                timeout=self.timeout,
                allow_redirects=allow_redirects,
            )
        except (requests.ConnectionError, requests.Timeout) as e:
            raise _Retryable(_reason(e), connection=True) from None
        except requests.RequestException as e:
            raise FetchError(f"cannot download {url}: {_reason(e)}") from None
        if resp.status_code in RETRY_STATUSES:
            resp.close()
            raise _Retryable(f"the server answered HTTP {resp.status_code}")
        return resp

    @staticmethod
    def _check_status(resp: Any, url: str) -> None:
        code = resp.status_code
        if code in (404, 410):
            raise NotFoundError(f"{url} was not found (HTTP {code}); check the name, tag or URL")
        if code in (401, 403):
            raise FetchError(
                f"{url}: access refused (HTTP {code}); the server may be "
                "rate-limiting, try again later"
            )
        if code >= 400:
            raise FetchError(f"{url}: the server answered HTTP {code}")

    def _pause(self, attempt: int) -> None:
        if self.backoff > 0:
            time.sleep(min(self.backoff * 2 ** (attempt - 1), 5.0))

    # -- failures ---------------------------------------------------------------------------

    def _stale(self, entry: _Entry, label: str, reason: str) -> FetchResult:
        fetched = entry.meta.get("fetched")
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(fetched)) if fetched else "earlier"
        warning = (
            f"could not check {label} for updates ({reason}); using the copy downloaded {when}"
        )
        self.warn(warning)
        return FetchResult(entry.path, "stale", warning)

    def _unreachable(self, url: str, label: str, e: _Retryable) -> FetchError:
        host = urlsplit(url).netloc or url
        if e.connection:
            return OfflineError(
                f"cannot download {label}: no connection to {host} "
                f"({e.reason}); check your internet connection and try again, "
                "or " + LOCAL_BUNDLE_HINT
            )
        return FetchError(
            f"cannot download {label} from {host}: {e.reason}, even after "
            f"{self.retries + 1} tries; try again in a moment, or " + LOCAL_BUNDLE_HINT
        )

    def warn(self, message: str) -> None:
        """Report a non-fatal problem (to ``on_warning`` or the log)."""
        self.warnings.append(message)
        if self._on_warning is not None:
            self._on_warning(message)
        else:
            log.warning("%s", message)
