"""Where bundles come from: GitHub releases, plain URLs and local folders, with their config.

A :class:`Source` is a name, a kind and a location:

- ``github`` ``owner/repo``: the latest release tag is the last path segment of the redirect
  of ``<github>/<owner>/<repo>/releases/latest`` (checked at most once per ``max_age``); its
  assets are ``<bundle_id>-<py|N.x-mpy>-<TAG>.zip`` and ``<bundle_id>-<TAG>.json`` with
  ``bundle_id`` = the repo name lowercased, ``_`` -> ``-`` (as circup and build-tools do).
- ``url``: the URL of a ``<prefix>-py-<TAG>.zip``; the mpy zip and the JSON are derived by name
  and are optional (a 404 means "not available").
- ``local``: a bundle zip, an extracted bundle folder, or a folder of ``<prefix>-py-<TAG>.zip``
  / ``<prefix>-N.x-mpy-<TAG>.zip`` / ``<prefix>-<TAG>.json`` (the newest tag wins).

The built-in sources are circup's (Adafruit and Community bundles). User sources live in
``bundles.json`` in the config folder and are searched first; removing a built-in one disables
it. :func:`open_bundles` turns sources into opened bundles: always the ``py`` bundle (versions
and dependencies come from it and the JSON) and the bundle holding the files for the wanted
flavour (the mpy zip, or the py one when there is none, flagged so the caller can say so).
Downloads go through :class:`~protoboard.updater.fetch.Fetcher`, so every release ever used
stays in the cache: a pinned older tag is found offline (:func:`cached_tags`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from protoboard.errors import UserError
from protoboard.runtime.drive import atomic_write
from protoboard.updater import limits
from protoboard.updater.bundle import Bundle, BundleError
from protoboard.updater.fetch import (
    LOCAL_BUNDLE_HINT,
    Fetcher,
    FetchError,
    NotFoundError,
    OfflineError,
)

__all__ = [
    "DEFAULT_SOURCES",
    "GITHUB_URL",
    "KINDS",
    "MAX_AGE",
    "Source",
    "SourceBundles",
    "SourceError",
    "SourceUnavailable",
    "add_source",
    "cached_tags",
    "config_dir",
    "flavour_for",
    "github_url",
    "load_sources",
    "open_bundles",
    "open_source",
    "remove_source",
    "reset_sources",
]

KINDS = ("github", "url", "local")
GITHUB_URL = "https://github.com"
MAX_AGE = 24 * 3600.0  # seconds between checks for a new GitHub release
CONFIG_FILE = "bundles.json"
TAGS_FILE = "_latest-tags.json"  # in the download cache; not a cache entry

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
_FLAVOUR = re.compile(r"^(py|\d+\.x-mpy)$")
_ASSET = re.compile(r"^(?P<prefix>.+?)-(?P<kind>py|\d+\.x-mpy)-(?P<tag>[^-/]+)\.zip$")


class SourceError(UserError):
    """A bundle source that cannot be added, removed or read from the config (message: why and
    what to do)."""


class SourceUnavailable(FetchError):
    """One source gave no usable bundle (offline with nothing cached, unreachable, broken).
    ``offline`` is true when the network (or offline mode) was the reason."""

    def __init__(self, message: str, *, offline: bool = False) -> None:
        super().__init__(message)
        self.offline = offline


@dataclass(frozen=True)
class Source:
    """A place bundles come from."""

    name: str
    kind: str  # "github" | "url" | "local"
    location: str  # "owner/repo", an http(s) URL, or an absolute path
    builtin: bool = False

    @property
    def bundle_id(self) -> str:
        """The asset prefix of a GitHub bundle: repo name lowercased, ``_`` -> ``-``."""
        return self.location.rsplit("/", 1)[-1].lower().replace("_", "-")

    def describe(self) -> str:
        return f"{self.name} ({self.kind} {self.location})"

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "kind": self.kind, "location": self.location}


DEFAULT_SOURCES = (
    Source("adafruit", "github", "adafruit/Adafruit_CircuitPython_Bundle", builtin=True),
    Source("community", "github", "adafruit/CircuitPython_Community_Bundle", builtin=True),
)


def flavour_for(version: str | int | None) -> str:
    """The bundle flavour for a CircuitPython version: ``"9.2.1"`` or ``9`` -> ``"9.x-mpy"``;
    None (our own runtime, which runs .py) -> ``"py"``."""
    if version is None:
        return "py"
    m = re.match(r"^\s*(\d+)", str(version))
    if not m:
        raise ValueError(f"not a CircuitPython version: {version!r}")
    return f"{int(m.group(1))}.x-mpy"


def github_url(override: str | None = None) -> str:
    """The GitHub base URL: the argument, ``$PROTOBOARD_GITHUB_URL`` (tests), or github.com."""
    return (override or os.environ.get("PROTOBOARD_GITHUB_URL") or GITHUB_URL).rstrip("/")


# -- configuration ---------------------------------------------------------------------------


def config_dir() -> Path:
    """``$PROTOBOARD_CONFIG_DIR``, else the user's config folder for protoboard."""
    env = os.environ.get("PROTOBOARD_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path("protoboard", appauthor=False)


def _config_path(folder: Path | None) -> Path:
    return (folder if folder is not None else config_dir()) / CONFIG_FILE


def _read_config(folder: Path | None) -> dict[str, Any]:
    path = _config_path(folder)
    try:
        data = limits.loads(path.read_bytes())
    except FileNotFoundError:
        return {"sources": [], "disabled": []}
    except (OSError, ValueError) as e:
        raise SourceError(
            f"cannot read the bundle sources in {path} ({e}); fix the file, or "
            "delete it to go back to the built-in sources"
        ) from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("sources", []), list)
        or not isinstance(data.get("disabled", []), list)
        or not all(isinstance(d, str) for d in data.get("disabled", []))
    ):
        raise SourceError(
            f"{path} is not a bundle source list; delete it to go back to the built-in sources"
        )
    data.setdefault("sources", [])
    data.setdefault("disabled", [])
    return data


def _write_config(folder: Path | None, data: dict[str, Any]) -> None:
    path = _config_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, (json.dumps(data, indent=2) + "\n").encode())


def _user_sources(data: dict[str, Any], path: Path) -> list[Source]:
    out = []
    for item in data["sources"]:
        if not (
            isinstance(item, dict)
            and all(isinstance(item.get(k), str) for k in ("name", "kind", "location"))
            and item["kind"] in KINDS
        ):
            raise SourceError(f"{path}: bad entry {repr(item)[:200]}; delete it or the file")
        out.append(Source(item["name"], item["kind"], item["location"]))
    return out


def load_sources(folder: Path | None = None) -> list[Source]:
    """The sources to search, in order: the user's, then the built-ins not removed."""
    data = _read_config(folder)
    disabled = set(data["disabled"])
    user = _user_sources(data, _config_path(folder))
    return [*user, *(s for s in DEFAULT_SOURCES if s.name not in disabled)]


def classify(location: str, kind: str | None = None) -> tuple[str, str]:
    """(kind, normalised location) for what the user typed; SourceError if unusable.
    Without ``kind``: an http(s) URL, else an existing path, else ``owner/repo``."""
    location = location.strip()
    if kind is None:
        if re.match(r"^https?://", location, re.I):
            kind = "url"
        elif Path(location).expanduser().exists():
            kind = "local"
        elif _REPO.match(location):
            kind = "github"
        else:
            raise SourceError(
                f"{location!r} is not a GitHub 'owner/repo', an http(s) URL or an "
                "existing file or folder"
            )
    if kind == "github":
        if not _REPO.match(location):
            raise SourceError(
                f"{location!r} is not a GitHub repository; write it as "
                "owner/repo, e.g. adafruit/Adafruit_CircuitPython_Bundle"
            )
        return kind, location
    if kind == "url":
        return kind, _check_url(location)
    if kind == "local":
        return kind, str(_check_local(Path(location).expanduser()))
    raise SourceError(f"unknown source kind {kind!r}; use one of {', '.join(KINDS)}")


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise SourceError(f"{url!r} is not an http(s) URL")
    if not PurePosixPath(parts.path).name.lower().endswith(".zip"):
        raise SourceError(
            f"{url} does not name a zip; give the URL of a bundle's py zip, "
            "named <prefix>-py-<TAG>.zip"
        )
    return url


def _check_local(path: Path) -> Path:
    path = path.absolute()
    if not path.exists():
        raise SourceError(f"{path} does not exist")
    try:
        _local_candidates(path)
    except BundleError as e:
        raise SourceError(f"{path} is not usable as a bundle source: {e}") from None
    return path


def add_source(
    name: str, location: str, *, kind: str | None = None, folder: Path | None = None
) -> Source:
    """Add a user source (searched before the built-ins); returns it."""
    if not _NAME.match(name):
        raise SourceError(
            f"{name!r} is not a usable source name; use letters, digits, '-', '_' or '.'"
        )
    kind, location = classify(location, kind)
    data = _read_config(folder)
    taken = [s.name for s in load_sources(folder)]
    if name in taken:
        raise SourceError(
            f"there is already a bundle source named {name!r}; choose another "
            "name, or remove that one first"
        )
    source = Source(name, kind, location)
    data["sources"].append(source.to_json())
    _write_config(folder, data)
    return source


def remove_source(name: str, *, folder: Path | None = None) -> Source:
    """Remove a user source, or disable a built-in one; returns it."""
    data = _read_config(folder)
    for i, item in enumerate(data["sources"]):
        if isinstance(item, dict) and item.get("name") == name:
            del data["sources"][i]
            _write_config(folder, data)
            return Source(item["name"], item["kind"], item["location"])
    for source in DEFAULT_SOURCES:
        if source.name == name and name not in data["disabled"]:
            data["disabled"].append(name)
            _write_config(folder, data)
            return source
    names = ", ".join(s.name for s in load_sources(folder)) or "none"
    raise SourceError(f"no bundle source named {name!r} (sources: {names})")


def reset_sources(*, folder: Path | None = None) -> None:
    """Back to the built-in sources only."""
    with contextlib.suppress(FileNotFoundError):
        _config_path(folder).unlink()


# -- results ---------------------------------------------------------------------------------


@dataclass
class SourceBundles:
    """One source, opened: ``py`` for versions and dependencies, ``files`` to install from."""

    source: Source
    tag: str | None
    py: Bundle
    files: Bundle
    flavour: str  # what was asked for: "py" or "N.x-mpy"
    fallback: bool = False  # files is the py bundle: no zip for the flavour
    stale: bool = False  # the newest release could not be checked
    warnings: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.py.close()
        if self.files is not self.py:
            self.files.close()

    def __enter__(self) -> SourceBundles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _tag_key(tag: str) -> tuple:
    return (tuple(int(n) for n in re.findall(r"\d+", tag)), tag)


def _newest(tags: Iterable[str]) -> list[str]:
    return sorted(set(tags), key=_tag_key, reverse=True)


# -- local sources ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Local:
    tag: str | None
    py: Path
    files: dict[str, Path]  # flavour -> zip (or folder)
    json: Path | None


def _local_candidates(path: Path) -> dict[str, _Local]:
    """Bundles a local source offers, by tag ("" when untagged); BundleError if none."""
    if path.is_file():
        m = _ASSET.match(path.name)
        if m is None:
            with Bundle.open(path) as b:  # any zip Bundle.open accepts
                return {b.tag or "": _Local(b.tag, path, {b.kind: path}, None)}
        return _zip_group(path.parent, m["prefix"], m["tag"], only=path)
    if (path / "lib").is_dir() or not any(_ASSET.match(p.name) for p in path.glob("*.zip")):
        with Bundle.open(path) as b:  # an extracted bundle folder
            return {b.tag or "": _Local(b.tag, path, {b.kind: path}, None)}
    found: dict[str, _Local] = {}
    for zp in path.glob("*.zip"):
        m = _ASSET.match(zp.name)
        if m and m["kind"] == "py":
            found.update(_zip_group(path, m["prefix"], m["tag"]))
    if not found:
        raise BundleError(f"{path}: no <prefix>-py-<TAG>.zip in this folder")
    return found


def _zip_group(folder: Path, prefix: str, tag: str, only: Path | None = None) -> dict[str, _Local]:
    """The zips and JSON of one release in a folder."""
    files: dict[str, Path] = {}
    for zp in folder.glob(f"{_glob_escape(prefix)}-*-{_glob_escape(tag)}.zip"):
        m = _ASSET.match(zp.name)
        if m and m["prefix"] == prefix and m["tag"] == tag:
            files[m["kind"]] = zp
    if only is not None and (m := _ASSET.match(only.name)):
        files.setdefault(m["kind"], only)
    if "py" not in files:
        raise BundleError(
            f"{folder}: no {prefix}-py-{tag}.zip beside "
            f"{only.name if only else 'the mpy zips'}; the py zip is needed for "
            "versions and dependencies"
        )
    json_path = folder / f"{prefix}-{tag}.json"
    return {tag: _Local(tag, files["py"], files, json_path if json_path.is_file() else None)}


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _open_local(source: Source, flavour: str, tag: str | None) -> SourceBundles:
    path = Path(source.location)
    if not path.exists():
        raise SourceUnavailable(
            f"bundle source {source.describe()}: {path} no longer exists; "
            f"remove the source, or add it again: protoboard bundle add PATH"
        )
    try:
        offers = _local_candidates(path)
    except BundleError as e:
        raise SourceUnavailable(f"bundle source {source.describe()}: {e}") from None
    if tag is not None and tag not in offers:
        raise SourceUnavailable(
            f"bundle source {source.describe()} has no bundle tagged {tag} "
            f"(it has: {', '.join(_newest(offers)) or 'untagged only'})"
        )
    chosen = offers[tag] if tag is not None else offers[_newest(offers)[0]]
    try:
        py = Bundle.open(chosen.py, chosen.json)
    except BundleError as e:
        raise SourceUnavailable(f"bundle source {source.describe()}: {e}") from None
    result = SourceBundles(source, chosen.tag or py.tag, py, py, flavour, warnings=[*py.warnings])
    if py.kind not in ("py", "unknown", flavour) and len(chosen.files) == 1:
        result.warnings.append(f"{source.name}: {path} only holds {py.kind} files, not {flavour}")
        return result
    if flavour == "py" or py.kind == flavour:
        return result
    if flavour in chosen.files:
        try:
            result.files = Bundle.open(chosen.files[flavour], chosen.json)
        except BundleError as e:
            py.close()
            raise SourceUnavailable(f"bundle source {source.describe()}: {e}") from None
        result.warnings.extend(result.files.warnings)
        return result
    return _fell_back(result, f"no {flavour} bundle in {path}")


def _fell_back(result: SourceBundles, why: str) -> SourceBundles:
    result.fallback = True
    result.warnings.append(f"{result.source.name}: {why}; installing .py files instead")
    return result


# -- remote sources --------------------------------------------------------------------------


@dataclass
class _Remote:
    """The URLs of one release of a remote source."""

    tag: str | None
    py: str
    json: str | None  # optional: a 404 means "no JSON"


def _github_release(source: Source, base: str, tag: str) -> _Remote:
    root = f"{base}/{source.location}/releases/download/{tag}"
    bid = source.bundle_id
    return _Remote(tag, f"{root}/{bid}-py-{tag}.zip", f"{root}/{bid}-{tag}.json")


def _with_flavour(remote: _Remote, flavour: str) -> str | None:
    """The URL of the ``flavour`` zip, derived from the py zip's name."""
    parts = urlsplit(remote.py)
    name = PurePosixPath(parts.path).name
    m = _ASSET.match(name)
    if m is None:
        return None
    new = f"{m['prefix']}-{flavour}-{m['tag']}.zip"
    return urlunsplit(parts._replace(path=parts.path[: -len(name)] + new))


def _url_release(source: Source) -> _Remote:
    parts = urlsplit(source.location)
    name = PurePosixPath(parts.path).name
    m = _ASSET.match(name)
    if m is None:
        return _Remote(None, source.location, None)
    json_name = f"{m['prefix']}-{m['tag']}.json"
    json_url = urlunsplit(parts._replace(path=parts.path[: -len(name)] + json_name, query=""))
    return _Remote(m["tag"], source.location, json_url)


class _TagState:
    """The latest GitHub tag per source and when it was checked (in the download cache)."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.path = fetcher.cache_dir / TAGS_FILE

    def _read(self) -> dict[str, Any]:
        try:
            data = limits.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> tuple[str | None, float]:
        entry = self._read().get(key)
        if isinstance(entry, dict) and isinstance(entry.get("tag"), str):
            return entry["tag"], float(entry.get("checked", 0))
        return None, 0.0

    def put(self, key: str, tag: str) -> None:
        data = self._read()
        data[key] = {"tag": tag, "checked": time.time()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps(data, indent=1, sort_keys=True).encode())


def cached_tags(source: Source, fetcher: Fetcher, *, github: str | None = None) -> list[str]:
    """Tags of ``source`` usable without the network, newest first (py zip present)."""
    if source.kind == "local":
        try:
            return _newest(t for t in _local_candidates(Path(source.location)) if t)
        except (BundleError, OSError):
            return []
    if source.kind == "url":
        remote = _url_release(source)
        if remote.tag is None:
            return []
        return [remote.tag] if fetcher.is_cached(remote.py) else []
    prefix = f"{github_url(github)}/{source.location}/releases/download/"
    tags = []
    for entry in fetcher.cached():
        if entry.url.startswith(prefix):
            tag, _, name = entry.url[len(prefix) :].partition("/")
            if name == f"{source.bundle_id}-py-{tag}.zip":
                tags.append(tag)
    return _newest(tags)


def _latest_github_tag(
    source: Source,
    fetcher: Fetcher,
    base: str,
    *,
    refresh: bool,
    max_age: float,
    warnings: list[str],
) -> tuple[str, bool]:
    """(tag, stale): the newest release, or the newest cached one when it cannot be checked."""
    latest_url = f"{base}/{source.location}/releases/latest"
    state = _TagState(fetcher)
    known, checked = state.get(latest_url)
    cached = cached_tags(source, fetcher, github=base)
    fresh = known is not None and time.time() - checked < max_age and known in cached
    if fetcher.offline or (fresh and not refresh):
        if fetcher.offline and not cached:
            raise SourceUnavailable(
                f"bundle source {source.describe()} is not in the cache and Protoboard is "
                "offline; connect to the internet once, or " + LOCAL_BUNDLE_HINT,
                offline=True,
            )
        return (known if fresh and known else cached[0]), False
    try:
        location = fetcher.resolve_redirect(latest_url)
    except FetchError as e:
        if not cached:
            raise SourceUnavailable(
                f"cannot find the latest release of bundle source {source.describe()}: {e}",
                offline=isinstance(e, OfflineError),
            ) from None
        warnings.append(
            f"{source.name}: could not check for a newer bundle ({_short(e)}); "
            f"using {cached[0]} from the cache"
        )
        return cached[0], True
    m = re.search(r"/releases/tag/([^/?#]+)/?$", location)
    if m is None:
        raise SourceUnavailable(
            f"bundle source {source.describe()} has no published release "
            f"({latest_url} did not lead to one); check the repository name"
        )
    state.put(latest_url, m.group(1))
    return m.group(1), False


def _short(e: Exception) -> str:
    text = str(e)
    return text.split(";", 1)[0]


def _open_remote(
    source: Source,
    fetcher: Fetcher,
    flavour: str,
    *,
    refresh: bool,
    max_age: float,
    tag: str | None,
    github: str | None,
) -> SourceBundles:
    warnings: list[str] = []
    stale = False
    pinned = tag is not None
    if source.kind == "github":
        base = github_url(github)
        if tag is None:
            tag, stale = _latest_github_tag(
                source, fetcher, base, refresh=refresh, max_age=max_age, warnings=warnings
            )
        remote = _github_release(source, base, tag)
        revalidate = False  # a release's assets never change
    else:
        remote = _url_release(source)
        if tag is not None and remote.tag not in (None, tag):
            raise SourceUnavailable(
                f"bundle source {source.describe()} only offers {remote.tag}, not {tag}"
            )
        age = fetcher.checked_age(remote.py)
        revalidate = refresh or age is None or age >= max_age
    try:
        try:
            result = _open_release(source, fetcher, remote, flavour, revalidate)
        except FetchError as e:
            older = [t for t in cached_tags(source, fetcher, github=github) if t != remote.tag]
            if source.kind != "github" or stale or pinned or not older:
                raise
            warnings.append(
                f"{source.name}: release {remote.tag} is not usable "
                f"({_short(e)}); using {older[0]} from the cache"
            )
            stale = True
            result = _open_release(
                source,
                fetcher,
                _github_release(source, github_url(github), older[0]),
                flavour,
                False,
            )
    except FetchError as e:
        raise SourceUnavailable(
            f"bundle source {source.describe()}: {e}", offline=isinstance(e, OfflineError)
        ) from None
    result.warnings[:0] = warnings
    result.stale = stale
    return result


def _open_release(
    source: Source, fetcher: Fetcher, remote: _Remote, flavour: str, revalidate: bool
) -> SourceBundles:
    warnings: list[str] = []
    json_path = _optional_json(fetcher, remote.json, revalidate, warnings, source)
    py, json_path = _open_zip(fetcher, remote.py, json_path, revalidate, warnings)
    result = SourceBundles(source, remote.tag or py.tag, py, py, flavour, warnings=warnings)
    if flavour == "py":
        return result
    url = _with_flavour(remote, flavour)
    if url is None:
        return _fell_back(result, f"no {flavour} zip can be derived from {remote.py}")
    try:
        result.files, _ = _open_zip(fetcher, url, json_path, revalidate, warnings)
    except NotFoundError:
        return _fell_back(result, f"release {result.tag} has no {flavour} bundle")
    except OfflineError as e:
        return _fell_back(result, f"the {flavour} bundle is not available ({_short(e)})")
    except FetchError:
        py.close()
        raise
    return result


def _optional_json(
    fetcher: Fetcher, url: str | None, revalidate: bool, warnings: list[str], source: Source
) -> Path | None:
    """The release's JSON if it exists and parses; otherwise None (with a warning if bad)."""
    if url is None:
        return None
    try:
        path = fetcher.get(url, refresh=revalidate)
    except NotFoundError:
        return None
    except OfflineError:
        if fetcher.offline:
            return None
        raise
    try:
        if path.stat().st_size > limits.MAX_JSON_BYTES:
            raise ValueError(f"more than {limits.MAX_JSON_BYTES} bytes")
        data = limits.loads(path.read_bytes())
        if not isinstance(data, dict):
            raise ValueError("not an object keyed by library name")
    except (OSError, UnicodeDecodeError, ValueError) as e:
        fetcher.forget(url)
        warnings.append(
            f"{source.name}: ignoring {path.name}, which is not valid bundle JSON "
            f"({e}); versions and dependencies come from the zip"
        )
        return None
    return path


def _open_zip(
    fetcher: Fetcher, url: str, json_path: Path | None, revalidate: bool, warnings: list[str]
) -> tuple[Bundle, Path | None]:
    """Download and open a bundle zip; a corrupt one is downloaded once more. A JSON the zip
    cannot use is dropped with a warning (returned: the JSON path still in use)."""
    for attempt in (1, 2):
        path = fetcher.get(url, refresh=revalidate and attempt == 1)
        try:
            return Bundle.open(path, json_path), json_path
        except BundleError as e:
            if json_path is not None and _opens_without_json(path):
                warnings.append(f"ignoring {json_path.name}: {e}")
                json_path = None
                return Bundle.open(path), None
            fetcher.forget(url)
            if attempt == 2 or fetcher.offline:
                raise FetchError(
                    f"{path.name} from {url} is not a usable bundle even after "
                    f"downloading it again ({e}); try again later, or " + LOCAL_BUNDLE_HINT
                ) from None
    raise AssertionError("unreachable")


def _opens_without_json(path: Path) -> bool:
    try:
        Bundle.open(path).close()
    except BundleError:
        return False
    return True


# -- entry points ----------------------------------------------------------------------------


def open_source(
    source: Source,
    fetcher: Fetcher,
    flavour: str = "py",
    *,
    refresh: bool = False,
    max_age: float = MAX_AGE,
    tag: str | None = None,
    github: str | None = None,
) -> SourceBundles:
    """Open one source; :class:`SourceUnavailable` (a FetchError) says why it cannot be used.
    ``tag`` pins a release (GitHub: no "latest" check; offline it must be cached)."""
    if not _FLAVOUR.match(flavour):
        raise ValueError(f"flavour must be 'py' or 'N.x-mpy', not {flavour!r}")
    if source.kind == "local":
        return _open_local(source, flavour, tag)
    if source.kind in ("github", "url"):
        return _open_remote(
            source, fetcher, flavour, refresh=refresh, max_age=max_age, tag=tag, github=github
        )
    raise SourceUnavailable(f"bundle source {source.name}: unknown kind {source.kind!r}")


def open_bundles(
    sources: Iterable[Source],
    fetcher: Fetcher,
    flavour: str = "py",
    *,
    refresh: bool = False,
    max_age: float = MAX_AGE,
    tags: Mapping[str, str] | None = None,
    github: str | None = None,
) -> list[SourceBundles]:
    """Open every usable source, in search order. A source that cannot be used is skipped
    with a warning (``fetcher.warn``); if none is usable, FetchError (OfflineError when the
    network was the problem) listing every reason. Warnings of the opened sources go through
    ``fetcher.warn`` too and stay in ``SourceBundles.warnings``.

    ``refresh`` checks GitHub for a new release now (else at most once per ``max_age``
    seconds) and revalidates URL sources; ``tags`` pins releases by source name."""
    tags = tags or {}
    opened: list[SourceBundles] = []
    problems: list[FetchError] = []
    for source in sources:
        try:
            result = open_source(
                source,
                fetcher,
                flavour,
                refresh=refresh,
                max_age=max_age,
                tag=tags.get(source.name),
                github=github,
            )
        except FetchError as e:
            problems.append(e)
            fetcher.warn(f"skipping {source.describe()}: {e}")
            continue
        for warning in result.warnings:
            fetcher.warn(warning)
        opened.append(result)
    if opened:
        return opened
    if not problems:
        raise FetchError(
            "no bundle sources are configured; add one: protoboard bundle add "
            "PATH|URL|owner/repo, or reset to the built-in sources"
        )
    text = "no bundle source is usable:\n" + "\n".join(f"  - {e}" for e in problems)
    if fetcher.offline or all(_offline_cause(e) for e in problems):
        raise OfflineError(text)
    raise FetchError(text)


def _offline_cause(e: FetchError) -> bool:
    return isinstance(e, OfflineError) or getattr(e, "offline", False)
