"""A board's CIRCUITPY over CircuitPython's web workflow (``/cp/`` and ``/fs/``, CP 8+).

The API (``workflows.md`` §3 in the shared reference): ``GET /cp/version.json`` says which
firmware runs; ``GET /fs/<dir>/`` with ``Accept: application/json`` lists a folder with sizes,
times and the free space; ``GET``/``PUT``/``DELETE``/``MOVE`` on ``/fs/<path>`` read, write,
delete and rename; ``PUT /fs/<dir>/`` makes a folder. Auth is HTTP Basic with an empty user
and the board's ``CIRCUITPY_WEB_API_PASSWORD``.

A board serves one request per connection, slowly, over Wi-Fi, so this backend spends as few
requests as it can:

* listings are remembered and kept up to date by our own writes, renames and deletes: the
  updater lists ``lib/`` several times per run and pays for it once;
* the free space comes with every listing, so :meth:`WebBackend.free_space` usually costs
  nothing;
* ``MOVE`` fails when the target exists (``412``), so :meth:`WebBackend.replace` deletes the
  target first when the source is known to be there (listed, or written by this backend) and
  the target is, or may be (its folder was not listed: an update of a file in a package);
  otherwise it tries the move first. It never deletes a target before knowing its source is
  there: replaying an interrupted update must not lose files that were already moved in.

The password travels only in the ``Authorization`` header, never in a URL or a message: the
drive's label is ``http://host:port``.
"""

from __future__ import annotations

import ipaddress
import math
import time
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from protoboard.updater import limits
from protoboard.updater.backends import (
    Backend,
    BackendError,
    DeviceInfo,
    Entry,
    SourceMissing,
    check_path,
)
from protoboard.updater.bootout import parse_version

__all__ = ["PASSWORD_ENV", "WebBackend"]

#: the largest file read from a board (its whole drive is 16 MB at most)
MAX_READ_BYTES = 32 * 1024 * 1024

#: where the CLI reads the password from when --password is not given
PASSWORD_ENV = "PROTOBOARD_WEB_PASSWORD"

_PASSWORD_HELP = (
    "The password is CIRCUITPY_WEB_API_PASSWORD in the board's settings.toml; give "
    f"it with --password or the environment variable {PASSWORD_ENV}."
)


#: the name every board with the web workflow answers to; it redirects to the board's own name
SHARED_NAME = "circuitpython.local"


def _on_local_network(host: str) -> bool:
    """An mDNS name or a private, link-local or loopback address: where a board can be."""
    if host.endswith(".local"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_link_local or address.is_loopback


class WebBackend(Backend):
    """One board's drive through its web workflow.

    :param host: the board's address (``cpy-abc123.local``, an IP, or ``circuitpython.local``,
        which the board redirects to its own name: followed once, then used directly).
    :param password: the board's ``CIRCUITPY_WEB_API_PASSWORD``.
    :param timeout: seconds to wait for the board to connect or answer.
    :param session: a :class:`requests.Session` to use (tests, proxies); by default one of our
        own that retries only failed connection attempts (safe for every method).
    """

    cheap_reads = False

    def __init__(
        self,
        host: str,
        port: int = 80,
        password: str | None = None,
        *,
        timeout: float = 10,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__()
        self.host = host.strip().strip("[]")
        self.port = int(port)
        self._auth = ("", password) if password else None
        self.timeout = timeout
        self._own_session = session is None
        if session is None:
            session = requests.Session()
            retry = Retry(
                total=2,
                connect=2,
                read=False,
                redirect=0,
                status=0,
                other=0,
                backoff_factor=0.1,
                raise_on_status=False,
            )
            session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session = session
        self.web_api_version: int | None = None
        self.writable: bool | None = None
        self._listings: dict[str, dict[str, Entry]] = {}
        self._written: set[str] = set()  # files this backend wrote and did not move yet
        self._space: tuple[int, int] | None = None

    # -- plumbing ------------------------------------------------------------------------

    @property
    def label(self) -> str:  # type: ignore[override]
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _url(self, api_path: str) -> str:
        return self.label + api_path

    @staticmethod
    def _fs(path: str, folder: bool = False) -> str:
        if path in ("", "."):
            return "/fs/"
        return "/fs/" + quote(check_path(path), safe="/") + ("/" if folder else "")

    def _request(
        self,
        method: str,
        api_path: str,
        kind: str,
        doing: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        limit: int = limits.MAX_REPLY_BYTES,
    ) -> requests.Response:
        """One request; the reply whatever its status, except those that have a plain-words
        error of their own (401, 403, 409, 413, 417) and failures to reach the board. A body
        longer than ``limit`` is not read past it: BackendError."""
        for _ in range(2):
            self.stats.count(kind)
            try:
                response = self.session.request(
                    method,
                    self._url(api_path),
                    data=data,
                    headers=headers,
                    auth=self._auth if auth else None,
                    timeout=self.timeout,
                    allow_redirects=False,
                    stream=True,
                )
                self._read_body(response, limit, doing)
            except requests.Timeout:
                raise BackendError(
                    f"{self.label} did not answer within {self.timeout:g} s while {doing}. The "
                    "board may be busy or its Wi-Fi weak: try again (a longer --timeout helps "
                    "on a slow network)."
                ) from None
            except requests.ConnectionError as exc:
                raise self._unreachable(exc, doing) from None
            except requests.RequestException as exc:
                raise BackendError(
                    f"{doing} on {self.label} failed: {type(exc).__name__}"
                ) from None
            self.stats.bytes_read += len(response.content)
            if response.status_code in (301, 302, 307, 308) and self._follow(response):
                continue  # circuitpython.local -> the board's own name, once
            break
        self._check(response, doing)
        return response

    def _read_body(self, response: requests.Response, limit: int, doing: str) -> None:
        """Read the body in chunks, at most ``limit`` bytes (a board never sends more: a
        listing is a few KB, a drive 16 MB at most), and keep it as ``response.content``."""
        body = bytearray()
        with response:
            for chunk in response.iter_content(limits.CHUNK):
                body += chunk
                if len(body) > limit:
                    raise BackendError(
                        f"{self.label} sent more than {limit} bytes while {doing}; no board "
                        "sends that much. Check the address and port."
                    )
        response._content = bytes(body)  # what .content returns from now on

    def _follow(self, response: requests.Response) -> bool:
        """Follow ``circuitpython.local``'s redirect to the board's own name, and no other: a
        redirect elsewhere would take the board's password to another host."""
        where = urlsplit(response.headers.get("Location", ""))
        if where.scheme != "http" or not where.hostname:
            return False
        host, port = where.hostname, where.port or 80
        if (host, port) == (self.host, self.port):
            return False
        if self.host != SHARED_NAME or not _on_local_network(host):
            raise BackendError(
                f"{self.label} redirected to {host}:{port}; not following it (the board's "
                "password would go there too).",
                f"if {host} is your board, give it as the address: --host {host}",
            )
        self.host, self.port = host, port
        return True

    def _unreachable(self, exc: requests.ConnectionError, doing: str) -> BackendError:
        text = str(exc)
        if "reset" in text.lower() or "aborted" in text.lower() or "RemoteDisconnected" in text:
            return BackendError(
                f"lost the connection to {self.label} while {doing}. The board may have "
                "restarted or dropped off Wi-Fi: check it is on, then run the same command "
                "again (an update that was cut short is finished or undone by the next run)."
            )
        return BackendError(
            f"cannot reach {self.label} (while {doing}): is the board on and on the same "
            "network as this computer? Check the address (the board shows it in the serial "
            "console and in boot_out.txt) and that settings.toml sets CIRCUITPY_WIFI_SSID and "
            "CIRCUITPY_WEB_API_PASSWORD; CircuitPython 9+ starts the web workflow only with a "
            "password."
        )

    def _check(self, response: requests.Response, doing: str) -> None:
        code = response.status_code
        if code == 401:
            what = "refused the password" if self._auth else "needs a password"
            raise BackendError(f"{self.label} {what} (HTTP 401) while {doing}. {_PASSWORD_HELP}")
        if code == 403:
            raise BackendError(
                f"{self.label} refused access (HTTP 403) while {doing}: the board has no web "
                'workflow password. Add CIRCUITPY_WEB_API_PASSWORD = "..." to its '
                "settings.toml and reset it, then give the same password with --password or "
                f"the environment variable {PASSWORD_ENV}."
            )
        if code == 409:
            raise BackendError(
                f"{self.label} is read-only over Wi-Fi (HTTP 409) so {doing} failed: the drive "
                "is in use by USB (a computer has it mounted). Eject CIRCUITPY on that computer "
                "(or unplug the USB cable, or have boot.py call storage.disable_usb_drive()), "
                "then try again."
            )
        if code in (413, 417):
            raise BackendError(
                f"{self.label} is full, so {doing} failed (HTTP {code}). Delete files you no "
                "longer need (or uninstall libraries) and try again."
            )

    def _fail(self, response: requests.Response, doing: str) -> BackendError:
        code = response.status_code
        if code == 500:
            return BackendError(
                f"the board could not finish {doing} (HTTP 500): its drive may be full or its "
                f"file system damaged. Check CIRCUITPY's free space on {self.label}; if files "
                "look wrong, back them up and run storage.erase_filesystem() in the REPL."
            )
        return BackendError(f"{doing} on {self.label} failed: HTTP {code} {response.reason}")

    # -- what the drive holds ------------------------------------------------------------

    def device_info(self) -> DeviceInfo | None:
        response = self._request(
            "GET", "/cp/version.json", "info", "reading /cp/version.json", auth=False
        )
        if response.status_code == 404:
            raise BackendError(
                f"{self.label} has no /cp/version.json: it is not a CircuitPython board's web "
                "workflow (CircuitPython 8 or newer), or another program listens on port "
                f"{self.port}. Check the address and port (CIRCUITPY_WEB_API_PORT)."
            )
        if response.status_code != 200:
            raise self._fail(response, "reading /cp/version.json")
        try:
            doc = limits.loads(response.content)
            api = doc["web_api_version"]
            if isinstance(api, bool) or not isinstance(api, int):
                raise TypeError(api)
        except (ValueError, KeyError, TypeError):
            raise BackendError(
                f"{self.label}/cp/version.json is not what CircuitPython's web workflow sends "
                "(no web_api_version): check the address and port."
            ) from None
        if api < 1:
            raise BackendError(
                f"{self.label} speaks web API version {api}; Protoboard needs 1 "
                "or newer (CircuitPython 8.0+): update the board's firmware."
            )
        self.web_api_version = api
        text = str(doc.get("version") or "").strip() or None
        board_id = str(doc.get("board_id") or "").strip() or None
        kind = "protoboard" if _is_protoboard(doc) else "circuitpython"
        return DeviceInfo(
            kind, parse_version(text) if text else None, board_id, "/cp/version.json", text
        )

    def list_dir(self, path: str) -> list[Entry] | None:
        key = "" if path in ("", ".") else check_path(path)
        cached = self._listings.get(key)
        if cached is not None:
            return sorted(cached.values(), key=lambda e: e.name)
        doing = f"listing {key or '/'}"
        response = self._request(
            "GET", self._fs(key, folder=True), "list", doing, headers={"Accept": "application/json"}
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._fail(response, doing)
        try:
            doc = limits.loads(response.content)
            files = doc["files"] if isinstance(doc, dict) else doc  # API 4 / 1-3
            prefix = f"{key}/" if key else ""
            entries = {}
            for item in files:
                name = _entry_name(item["name"])
                is_dir = bool(item.get("directory"))
                size = 0 if is_dir else int(item.get("file_size") or 0)
                mtime = item.get("modified_ns")
                entries[name] = Entry(
                    prefix + name, is_dir, size, int(mtime) if mtime is not None else None
                )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BackendError(
                f"{self.label} sent a listing of {key or '/'} that is not "
                "CircuitPython's JSON; check the address and port."
            ) from None
        if isinstance(doc, dict):
            self._note_space(doc)
        self._listings[key] = entries
        return sorted(entries.values(), key=lambda e: e.name)

    def read(self, path: str) -> bytes | None:
        doing = f"reading {path}"
        response = self._request("GET", self._fs(path), "read", doing, limit=MAX_READ_BYTES)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._fail(response, doing)
        return response.content

    def free_space(self) -> tuple[int, int] | None:
        if self._space is None and (self.web_api_version or 2) >= 2:
            response = self._request(
                "GET", "/cp/diskinfo.json", "space", "reading /cp/diskinfo.json", auth=False
            )
            if response.status_code == 200:
                try:
                    doc = limits.loads(response.content)
                    mounts = doc if isinstance(doc, list) else [doc]  # API 3+ / 2
                    root = next((m for m in mounts if m.get("root", "/") == "/"), mounts[0])
                    self._note_space(root)
                except (ValueError, KeyError, TypeError, AttributeError, IndexError):
                    pass
        if self._space is None and "" not in self._listings:
            self.list_dir("")
        return self._space

    def _note_space(self, doc: dict[str, Any]) -> None:
        try:
            block = int(doc["block_size"])
            self._space = (int(doc["free"]) * block, block)
        except (KeyError, TypeError, ValueError):
            pass
        if "writable" in doc:
            self.writable = bool(doc["writable"])

    # -- changing it ---------------------------------------------------------------------

    def write(self, path: str, data: bytes) -> None:
        doing = f"writing {path}"
        headers = {
            "X-Timestamp": str(int(time.time() * 1000)),
            "Content-Length": str(len(data)),
            "Content-Type": "application/octet-stream",
        }
        parent = _split(check_path(path))[0]
        try:
            response = self._request(
                "PUT", self._fs(path), "write", doing, data=bytes(data), headers=headers
            )
        except BackendError:
            self._forget(parent)
            raise
        if response.status_code == 404:
            self._forget(parent)
            raise BackendError(
                f"{doing} on {self.label} failed: its folder {parent or '/'} does not exist"
            )
        if response.status_code not in (200, 201, 204):
            self._forget(parent)
            raise self._fail(response, doing)
        self.stats.wrote(path, len(data))
        self._written.add(check_path(path))
        self._known(parent, Entry(path, False, len(data), None))
        if self._space is not None:
            free, block = self._space
            self._space = (max(0, free - math.ceil(len(data) / block) * block), block)

    def mkdir(self, path: str) -> None:
        doing = f"creating the folder {path}"
        key = check_path(path)
        parent, _ = _split(key)
        response = self._request(
            "PUT",
            self._fs(key, folder=True),
            "mkdir",
            doing,
            headers={"X-Timestamp": str(int(time.time() * 1000)), "Content-Length": "0"},
        )
        if response.status_code not in (200, 201, 204):
            self._forget(parent)
            raise self._fail(response, doing)
        self._known(parent, Entry(key, True, 0, None))
        if response.status_code == 201:
            self._listings[key] = {}  # new, hence empty

    def replace(self, source: str, target: str) -> None:
        src, dst = check_path(source), check_path(target)
        doing = f"moving {src} to {dst}"
        try:
            src_there = self._exists(src) or (src in self._written and self._exists(src) is None)
            if src_there and self._exists(dst) is not False:
                self._delete(dst)  # there, or likely (an update): MOVE would answer 412
            response = self._move(src, dst, doing)
            if response.status_code == 412:  # the target exists after all
                self._delete(dst)
                response = self._move(src, dst, doing)
        except BackendError:
            self._forget(_split(src)[0], _split(dst)[0], src, dst)
            raise
        if response.status_code == 404:
            self._forget(_split(src)[0], _split(dst)[0])
            raise SourceMissing(f"{doing} on {self.label} failed: {src} is not there")
        if response.status_code not in (200, 201, 204):
            self._forget(_split(src)[0], _split(dst)[0], src, dst)
            raise self._fail(response, doing)
        self._unwrite(src)
        moved = self._listings.get(_split(src)[0], {}).pop(_split(src)[1], None)
        self._drop_under(src)
        self._drop_under(dst)
        if moved is not None:
            self._known(_split(dst)[0], Entry(dst, moved.is_dir, moved.size, moved.mtime_ns))
        else:
            self._forget(_split(dst)[0])

    def _move(self, src: str, dst: str, doing: str) -> requests.Response:
        return self._request(
            "MOVE", self._fs(src), "move", doing, headers={"X-Destination": self._fs(dst)}
        )

    def remove(self, path: str) -> None:
        key = check_path(path)
        try:
            self._delete(key)
        except BackendError:
            self._forget(_split(key)[0], key)
            raise

    def _delete(self, key: str) -> None:
        doing = f"deleting {key}"
        response = self._request("DELETE", self._fs(key), "delete", doing)
        if response.status_code not in (200, 204, 404):
            raise self._fail(response, doing)
        parent, name = _split(key)
        self._listings.get(parent, {}).pop(name, None)
        self._unwrite(key)
        self._drop_under(key)

    # -- the remembered listings ---------------------------------------------------------

    def _exists(self, path: str) -> bool | None:
        """What the remembered listings say: True, False, or None (its folder is not listed)."""
        parent, name = _split(path)
        listing = self._listings.get(parent)
        return None if listing is None else name in listing

    def _unwrite(self, path: str) -> None:
        self._written = {p for p in self._written if p != path and not p.startswith(path + "/")}

    def _known(self, parent: str, entry: Entry) -> None:
        listing = self._listings.get(parent)
        if listing is not None:
            listing[entry.name] = entry

    def _forget(self, *folders: str) -> None:
        """After a failure the state of these folders is unknown: list them afresh."""
        for folder in folders:
            self._drop_under(folder)

    def _drop_under(self, path: str) -> None:
        for key in [
            k for k in self._listings if k == path or k.startswith(path + "/") or path == ""
        ]:
            del self._listings[key]

    def close(self) -> None:
        if self._own_session:
            self.session.close()


def _entry_name(raw: object) -> str:
    """A name from a board's listing: one plain name, never a path (ValueError)."""
    name = str(raw).rstrip("/")
    if not name or name in (".", "..") or any(c in name for c in "/\\\x00"):
        raise ValueError(f"unsafe name {name[:80]!r} in a listing")
    return name


def _split(path: str) -> tuple[str, str]:
    parent, _, name = path.rpartition("/")
    return parent, name


def _is_protoboard(doc: dict[str, Any]) -> bool:
    """A running ``protoboard run`` says so in ``version.json`` (``"protoboard": version``);
    the bare drive server (``protoboard.web.fsapi``) reports its MCU as CPython. No
    CircuitPython board does either."""
    return "protoboard" in doc or str(doc.get("mcu_name", "")).strip().lower() == "cpython"
