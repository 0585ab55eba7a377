"""Getting each library's folder for a bundle build: a first-party folder as it is, a PyPI
sdist or pure-Python wheel (release data from PyPI's JSON API, the download verified against its
sha256 and cached by the Fetcher, then unpacked without docs, tests or CI files), or a git
checkout of a pinned ref (needs the git program; no history is kept).

:func:`resolve_source` returns the folder and what the source says about itself
(:class:`~protoboard.bundler.library_folder.SourceInfo`), for
:func:`~protoboard.bundler.library_folder.read_library`.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import hashlib
import os
import shutil
import subprocess
import tarfile
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin

from protoboard.bundler.errors import BundlerError
from protoboard.bundler.library_folder import SourceInfo, dist_name, repo_from_urls
from protoboard.bundler.manifest import LibrarySpec

__all__ = ["DEFAULT_PYPI_URL", "resolve_source"]

DEFAULT_PYPI_URL = "https://pypi.org/pypi"
UNPACK_SKIP = {"docs", "doc", "tests", "test", ".github", "LICENSES", ".reuse", ".git"}
GIT_TIMEOUT = 300


def resolve_source(
    spec: LibrarySpec, work: Path, fetcher: Any, pypi_url: str
) -> tuple[Path, SourceInfo]:
    """The folder of the library ``spec`` names, fetched into ``work`` if need be, and what its
    source says about it."""
    if spec.kind == "path":
        root = Path(spec.location)
        if not root.is_dir():
            raise BundlerError(
                f"{spec.label}: folder {root} does not exist",
                "paths in a manifest are relative to the manifest's folder",
            )
        return root, SourceInfo()
    if spec.kind == "pypi":
        return _fetch_pypi(spec, work, fetcher, pypi_url)
    return _fetch_git(spec, work), SourceInfo()


def _fetch_errors() -> tuple[type[Exception], type[Exception]]:
    from protoboard.updater.fetch import FetchError, NotFoundError

    return FetchError, NotFoundError


def _fetch_pypi(
    spec: LibrarySpec, work: Path, fetcher: Any, pypi_url: str
) -> tuple[Path, SourceInfo]:
    fetch_error, _ = _fetch_errors()
    name, version = spec.location, spec.version
    files, info, json_url = _release(spec, fetcher, pypi_url)
    chosen = _choose_file(files, spec)
    file_url = urljoin(json_url, str(chosen["url"]))  # mirrors may give relative URLs
    sha256 = chosen["digests"]["sha256"]
    if spec.sha256 and spec.sha256.lower() != sha256.lower():
        raise BundlerError(
            f"{spec.label}: PyPI's {chosen['filename']} has sha256 {sha256}, "
            f"not the {spec.sha256} the manifest pins",
            "if the new file is expected, update sha256 in the manifest",
        )
    try:
        path = Path(fetcher.get(file_url, sha256=sha256, name=chosen["filename"], refresh=False))
    except fetch_error as e:
        raise BundlerError(f"{spec.label}: cannot download {chosen['filename']}: {e}") from None
    actual = _sha256(path)
    if actual != sha256.lower():
        _forget(fetcher, file_url)
        raise BundlerError(
            f"{spec.label}: {chosen['filename']} has sha256 {actual}, but PyPI says {sha256}",
            "the download or cache is damaged: run the build again to download it afresh",
        )
    dest = work / "sources" / f"{dist_name(name)}-{version}"
    try:
        root = _unpack(path, dest, chosen["packagetype"])
    except BundlerError as e:
        _forget(fetcher, file_url)
        raise BundlerError(f"{spec.label}: {e}", e.hint) from None
    return root, _pypi_info(info, version, root, chosen["packagetype"])


def _release(spec: LibrarySpec, fetcher: Any, pypi_url: str) -> tuple[Any, dict[str, Any], str]:
    """The files and info of one release: from a cached project JSON if it lists the release,
    else PyPI's per-version JSON, else the project JSON (some mirrors serve only that one; a
    cached copy is refreshed once if it predates the release). Nothing is asked of the network
    once a release is cached."""
    fetch_error, not_found = _fetch_errors()
    name, version = spec.location, str(spec.version)
    base = pypi_url.rstrip("/")
    try:
        project_url = f"{base}/{name}/json"
        is_cached = getattr(fetcher, "is_cached", None)
        if callable(is_cached) and is_cached(project_url):
            data = fetcher.get_json(project_url, refresh=False)
            if version in _field(data, "releases", spec):
                return data["releases"][version], _field(data, "info", spec), project_url
        url = f"{base}/{name}/{version}/json"
        try:
            data = fetcher.get_json(url, refresh=False)
            return _field(data, "urls", spec), _field(data, "info", spec), url
        except not_found:
            pass
        for refresh in (False, True):
            data = fetcher.get_json(project_url, refresh=refresh)
            releases = _field(data, "releases", spec)
            if version in releases:
                return releases[version], _field(data, "info", spec), project_url
    except not_found:
        raise BundlerError(
            f"{spec.label}: PyPI has no project {name}",
            f"check the name on https://pypi.org/search/?q={name}",
        ) from None
    except fetch_error as e:
        raise BundlerError(
            f"{spec.label}: cannot read PyPI's data for {name} {version}: {e}",
            "check your connection; --offline uses only cached downloads",
        ) from None
    raise BundlerError(
        f"{spec.label}: PyPI has no {name} version {version}",
        f"check the version on https://pypi.org/project/{name}/#history",
    )


def _field(data: Any, key: str, spec: LibrarySpec) -> Any:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict | list):
        raise BundlerError(
            f"{spec.label}: PyPI's answer has no {key!r}",
            "is --pypi-url a PyPI JSON API (https://pypi.org/pypi)?",
        )
    return value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _forget(fetcher: Any, url: str) -> None:
    forget = getattr(fetcher, "forget", None)
    if callable(forget):
        with contextlib.suppress(Exception):
            forget(url)


def _choose_file(files: Any, spec: LibrarySpec) -> dict[str, Any]:
    if not isinstance(files, list):
        files = []
    usable = [
        f
        for f in files
        if isinstance(f, dict)
        and not f.get("yanked")
        and f.get("packagetype") in ("sdist", "bdist_wheel")
        and isinstance(f.get("digests"), dict)
        and f["digests"].get("sha256")
        and (
            f.get("packagetype") == "sdist" or str(f.get("filename", "")).endswith("-none-any.whl")
        )
    ]
    order = ("sdist", "bdist_wheel") if spec.prefer == "sdist" else ("bdist_wheel", "sdist")
    for kind in order:
        for f in sorted(usable, key=lambda f: str(f.get("filename"))):
            if f["packagetype"] == kind:
                return f
    raise BundlerError(
        f"{spec.label}: {spec.location} {spec.version} has no sdist nor pure-Python wheel on PyPI",
        "use a git or path source for this library instead",
    )


def _pypi_info(
    info: dict[str, Any], version: str | None, root: Path, packagetype: str
) -> SourceInfo:
    repo = repo_from_urls(info.get("project_urls")) or str(info.get("home_page") or "")
    result = SourceInfo(
        version=version,
        name=info.get("name"),
        description=str(info.get("summary") or ""),
        repo=repo,
    )
    if packagetype == "bdist_wheel":
        _wheel_metadata(root, result)
    return result


def _unpack(archive: Path, dest: Path, packagetype: str) -> Path:
    """Unpack an sdist (its single top folder is the library) or a wheel (the library)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    try:
        if archive.name.endswith(".zip") or packagetype == "bdist_wheel":
            with zipfile.ZipFile(archive) as zf:
                infos = zf.infolist()
                for member in infos:
                    _safe_member(member.filename)
                _bounded(archive, [(i.filename, i.file_size, i.compress_size) for i in infos])
                zf.extractall(dest)  # zipfile stops each member at its directory size
        else:
            with tarfile.open(archive) as tf:
                members = _tar_members(archive, tf)
                tf.extractall(dest, members=members, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as e:
        raise BundlerError(
            f"{archive.name} is corrupt or not an archive ({e})",
            "run the build again to download it afresh; if that fails, PyPI's "
            "file is broken: pin another version",
        ) from None
    if packagetype == "bdist_wheel":
        return dest
    tops = [p for p in dest.iterdir()]
    if len(tops) != 1 or not tops[0].is_dir():
        raise BundlerError(
            f"{archive.name}: an sdist must hold one top folder",
            'pin another version, or use prefer = "wheel"',
        )
    return tops[0]


#: an Adafruit library's sdist or wheel unpacks to well under 1 MB
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 10_000
_HOSTILE_HINT = "PyPI's file is broken or hostile: pin another version of the library"


def _bounded(archive: Path, members: list[tuple[str, int, int]]) -> None:
    """Refuse an archive (from its directory, before unpacking) that holds too many files,
    inflates past :data:`MAX_UNPACKED_BYTES` or has a member compressed like a zip bomb."""
    from protoboard.updater.limits import MAX_RATIO, RATIO_FLOOR

    if len(members) > MAX_MEMBERS:
        raise BundlerError(f"{archive.name}: more than {MAX_MEMBERS} files", _HOSTILE_HINT)
    total = 0
    for name, size, packed in members:
        total += size
        if packed >= 0 and size >= RATIO_FLOOR and size > packed * MAX_RATIO:
            raise BundlerError(
                f"{archive.name}: {name} compresses {size // max(packed, 1)} to 1; no library "
                f"file compresses more than {MAX_RATIO} to 1 (a zip bomb)",
                _HOSTILE_HINT,
            )
    if total > MAX_UNPACKED_BYTES:
        raise _too_big(archive, total)


def _too_big(archive: Path, total: int) -> BundlerError:
    return BundlerError(
        f"{archive.name} unpacks to {total} bytes or more, more than the "
        f"{MAX_UNPACKED_BYTES} a library's archive may (a zip bomb?)",
        _HOSTILE_HINT,
    )


def _tar_members(archive: Path, tf: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """The wanted members, read one header at a time and bounded as :func:`_bounded`."""
    members: list[tarfile.TarInfo] = []
    total = 0
    for count, member in enumerate(tf, 1):
        total += member.size
        if count > MAX_MEMBERS:
            raise BundlerError(f"{archive.name}: more than {MAX_MEMBERS} files", _HOSTILE_HINT)
        if total > MAX_UNPACKED_BYTES:
            raise _too_big(archive, total)
        if _wanted(member.name):
            members.append(member)
    return members


def _wanted(name: str) -> bool:
    """Members of an sdist worth unpacking: not its docs, tests or CI files (which make up
    most of an Adafruit sdist and are never bundled)."""
    _safe_member(name)
    parts = PurePosixPath(name).parts
    return len(parts) < 2 or parts[1] not in UNPACK_SKIP


def _safe_member(name: str) -> None:
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts:
        raise BundlerError(f"unsafe archive entry {name!r}")


def _wheel_metadata(root: Path, info: SourceInfo) -> None:
    metas = sorted(root.glob("*.dist-info/METADATA"))
    if not metas:
        raise BundlerError(f"wheel in {root.name} has no .dist-info/METADATA")
    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(metas[0].read_bytes())
    info.name = msg.get("Name") or info.name
    info.version = msg.get("Version") or info.version
    info.description = msg.get("Summary") or info.description
    urls = {}
    for entry in msg.get_all("Project-URL") or []:
        key, _, value = str(entry).partition(",")
        urls[key.strip()] = value.strip()
    info.repo = info.repo or repo_from_urls(urls) or str(msg.get("Home-page") or "")
    info.requires = _requires_dist(msg.get_all("Requires-Dist") or [])
    for extra in [*root.glob("*.dist-info"), *root.glob("*.data")]:
        shutil.rmtree(extra)  # not modules: keep them out of layout discovery


def _requires_dist(entries: Iterable[str]) -> list[str]:
    from packaging.requirements import InvalidRequirement, Requirement

    lines = []
    for entry in entries:
        try:
            req = Requirement(str(entry))
        except InvalidRequirement:
            continue
        if req.marker is not None and "extra" in str(req.marker):
            continue
        lines.append(f"{req.name}{req.specifier}")
    return lines


def _fetch_git(spec: LibrarySpec, work: Path) -> Path:
    git = shutil.which("git")
    if git is None:
        raise BundlerError(
            f"{spec.label}: the git program is needed for git sources and is not installed",
            "install git (https://git-scm.com/downloads), or "
            "use a pypi or path source for this library",
        )
    dest = work / "sources" / f"git-{hashlib.sha256(spec.location.encode()).hexdigest()[:12]}"
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    steps = (
        ["clone", "--quiet", "--no-checkout", "--", spec.location, str(dest)],
        [
            "-C",
            str(dest),
            "-c",
            "advice.detachedHead=false",
            "checkout",
            "--quiet",
            str(spec.ref),
            "--",
        ],
    )
    for step in steps:
        try:
            done = subprocess.run(
                [git, *step],
                capture_output=True,
                text=True,
                env=env,
                timeout=GIT_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise BundlerError(f"{spec.label}: git {step[0]} failed: {e}") from None
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip()
            what = "clone" if step[0] == "clone" else f"check out ref {spec.ref!r}"
            raise BundlerError(
                f"{spec.label}: git could not {what}:\n{said}",
                "check the URL and that the ref (tag, branch or commit) exists",
            )
    shutil.rmtree(dest / ".git", ignore_errors=True)
    return dest
