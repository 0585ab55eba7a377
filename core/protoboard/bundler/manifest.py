"""The bundle manifest: the TOML file that says what a bundle holds (``bundles/*.toml``).

:func:`load_manifest` reads and checks it into a :class:`Manifest` (the bundle's prefix, name,
tag, target CircuitPython majors and mpy-cross compilers) with one :class:`LibrarySpec` per
``[[library]]`` entry. Every mistake is a :class:`BundlerError` naming the file and entry, with
a hint; the file format is described in ``bundles/README.md``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protoboard.bundler.errors import BundlerError
from protoboard.bundler.mpycross import CompilerSpec, MpyCrossError, parse_spec

__all__ = ["DEFAULT_TARGETS", "LibrarySpec", "Manifest", "default_tag", "load_manifest"]

DEFAULT_TARGETS = (9, 10)
SOURCE_KINDS = ("path", "pypi", "git")
COMMON_KEYS = {"examples", "repo", "version"}
KIND_KEYS = {"path": {"path"}, "pypi": {"pypi", "sha256", "prefer"}, "git": {"git", "ref"}}
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True)
class LibrarySpec:
    """One ``[[library]]`` entry: where the library comes from (``kind``: path, pypi or git)."""

    kind: str
    label: str  # "library #2 (pypi adafruit-circuitpython-bme280)"
    location: str  # the path, PyPI name or git URL
    version: str | None = None
    ref: str | None = None  # git
    sha256: str | None = None  # pypi: pin the file's checksum too
    prefer: str = "sdist"  # pypi: "sdist" (examples, requirements.txt) or "wheel"
    examples: str | None = None  # folder name under examples/
    repo: str | None = None


@dataclass(frozen=True)
class Manifest:
    """A parsed bundle manifest (see ``bundles/README.md`` for the file format)."""

    path: Path
    prefix: str
    name: str
    tag: str
    targets: tuple[int, ...]
    compilers: Mapping[int, CompilerSpec]
    libraries: tuple[LibrarySpec, ...]
    readme: Path | None = None


def default_tag(environ: Mapping[str, str] | None = None, today: dt.date | None = None) -> str:
    """YYYYMMDD from ``SOURCE_DATE_EPOCH`` (reproducible builds' convention), else today (UTC)."""
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y%m%d")
        except (ValueError, OverflowError, OSError):
            raise BundlerError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds",
                "unset it, or set it to e.g. $(git log -1 --format=%ct)",
            ) from None
    return (today or dt.datetime.now(dt.UTC).date()).strftime("%Y%m%d")


def _check_tag(tag: str, where: str) -> str:
    tag = str(tag)
    try:
        if not re.fullmatch(r"\d{8}", tag):
            raise ValueError
        dt.datetime.strptime(tag, "%Y%m%d")
    except ValueError:
        raise BundlerError(
            f"{where}: tag {tag!r} is not a date YYYYMMDD",
            'use e.g. tag = "20261121", or leave it out to use today',
        ) from None
    return tag


def load_manifest(
    path: str | os.PathLike[str],
    *,
    tag: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Manifest:
    """Read and check a manifest. ``tag`` (the CLI's ``--tag``) wins over the manifest's, which
    wins over :func:`default_tag`. Paths in the manifest are relative to its folder."""
    path = Path(path)
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundlerError(
            f"{where}: no such manifest", "check the path (bundles/*.toml)"
        ) from None
    except OSError as e:
        raise BundlerError(f"{where}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise BundlerError(f"{where}: not UTF-8 text", "save the manifest as UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise BundlerError(
            f"{where}: not valid TOML: {e}", "see bundles/README.md for the format"
        ) from None
    _no_unknown(data, {"bundle", "mpy-cross", "library"}, where, "top-level table")
    bundle = data.get("bundle")
    if not isinstance(bundle, dict):
        raise BundlerError(
            f"{where}: missing [bundle] table",
            'start the manifest with [bundle] and prefix = "my-bundle"',
        )
    _no_unknown(bundle, {"prefix", "name", "tag", "targets", "readme"}, where, "key in [bundle]")
    prefix = bundle.get("prefix")
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise BundlerError(
            f"{where}: [bundle] prefix must be a lowercase file-name prefix such "
            f'as "my-bundle" (got {prefix!r})',
            "circup finds bundles by this prefix: lowercase letters, digits, dashes",
        )
    base = path.parent
    if tag is not None:
        chosen = _check_tag(tag, "--tag")
    elif "tag" in bundle:
        chosen = _check_tag(bundle["tag"], where)
    else:
        chosen = default_tag(environ)
    readme = bundle.get("readme")
    if readme is not None and not isinstance(readme, str):
        raise BundlerError(f"{where}: [bundle] readme must be a file path")
    compilers = _compilers(data.get("mpy-cross", {}), base, where)
    return Manifest(
        path=path,
        prefix=prefix,
        name=str(bundle.get("name") or prefix),
        tag=chosen,
        targets=_targets(bundle.get("targets", list(DEFAULT_TARGETS)), where),
        compilers=compilers,
        libraries=_library_specs(data.get("library"), base, where),
        readme=(base / readme) if readme else None,
    )


def _no_unknown(table: Mapping[str, Any], allowed: set[str], where: str, what: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = (
                f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(sorted(allowed))}"
            )
            raise BundlerError(f"{where}: unknown {what} {key!r}", hint)


def _targets(value: Any, where: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value
    ):
        raise BundlerError(
            f"{where}: [bundle] targets must be a list of CircuitPython majors",
            "e.g. targets = [9, 10]",
        )
    return tuple(sorted(set(value)))


def _compilers(table: Any, base: Path, where: str) -> dict[int, CompilerSpec]:
    if not isinstance(table, dict):
        raise BundlerError(f"{where}: [mpy-cross] must be a table of major = path")
    try:
        return {
            spec.major: spec
            for spec in (parse_spec(major, value, base) for major, value in table.items())
        }
    except MpyCrossError as e:
        raise BundlerError(f"{where}: {e}", "see bundles/README.md, [mpy-cross]") from None


def _library_specs(entries: Any, base: Path, where: str) -> tuple[LibrarySpec, ...]:
    if entries is None:
        raise BundlerError(
            f"{where}: no libraries", "add at least one [[library]] table with path, pypi or git"
        )
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise BundlerError(f"{where}: 'library' must be an array of tables: write [[library]]")
    return tuple(_library_spec(entry, i + 1, base, where) for i, entry in enumerate(entries))


def _library_spec(entry: dict[str, Any], number: int, base: Path, where: str) -> LibrarySpec:
    here = f"{where}: library #{number}"
    kinds = [k for k in SOURCE_KINDS if k in entry]
    if len(kinds) != 1:
        extra = sorted(set(entry) - COMMON_KEYS - set().union(*KIND_KEYS.values()))
        found = f" (found unknown key {extra[0]!r})" if extra and not kinds else ""
        raise BundlerError(
            f"{here}: {'no' if not kinds else 'more than one'} source{found}",
            'give exactly one of path = "../libraries/x", pypi = "name" with '
            'version = "1.2.3", or git = "URL" with ref = "tag"',
        )
    kind = kinds[0]
    _no_unknown(entry, COMMON_KEYS | KIND_KEYS[kind], here, f"key for a {kind} library")
    for key, value in entry.items():
        if not isinstance(value, str):
            raise BundlerError(f"{here}: {key} must be a string (in quotes)")
    location = entry[kind]
    version = entry.get("version")
    label = f"library #{number} ({kind} {location})"
    if kind == "path":
        location = str((base / location).resolve())
    elif kind == "pypi":
        location, version = _pypi_name_version(location, version, here)
    elif "ref" not in entry:
        raise BundlerError(
            f'{here}: a git library needs ref = "<tag or commit>"',
            "pin a release tag so the bundle can be rebuilt identically",
        )
    prefer = entry.get("prefer", "sdist")
    if prefer not in ("sdist", "wheel"):
        raise BundlerError(f'{here}: prefer must be "sdist" or "wheel"')
    return LibrarySpec(
        kind=kind,
        label=label,
        location=location,
        version=version,
        ref=entry.get("ref"),
        sha256=entry.get("sha256"),
        prefer=prefer,
        examples=entry.get("examples"),
        repo=entry.get("repo"),
    )


def _pypi_name_version(text: str, version: str | None, here: str) -> tuple[str, str]:
    name, _, pinned = (part.strip() for part in text.partition("=="))
    if pinned and version and pinned != version:
        raise BundlerError(f"{here}: two versions given ({pinned} and {version})")
    version = version or pinned
    if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", name):
        raise BundlerError(f"{here}: {name!r} is not a PyPI project name")
    if not version or not re.fullmatch(r"[0-9A-Za-z.+!_-]+", version) or "*" in version:
        raise BundlerError(
            f"{here}: PyPI libraries need an exact version",
            f'add version = "X.Y.Z" (see https://pypi.org/project/{name}/#history)',
        )
    return name, version
