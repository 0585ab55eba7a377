"""What every library command opens first: the drive (a folder or a board's web workflow) and
the catalog of libraries on offer (``--bundle`` ones, else the configured sources).

The click commands in :mod:`.commands` only turn options into these calls and print; every
expected failure here is a :class:`~protoboard.errors.UserError`.
"""

from __future__ import annotations

from pathlib import Path

from protoboard.updater.backends import Backend, DiskBackend, device_info_from_override
from protoboard.updater.bundle import BundleError
from protoboard.updater.catalog import BundleSet, Catalog
from protoboard.updater.engine import Device, UpdaterError, open_device
from protoboard.updater.fetch import Fetcher, FetchError
from protoboard.updater.sources import (
    Source,
    SourceBundles,
    SourceError,
    cached_tags,
    classify,
    load_sources,
    open_bundles,
    open_source,
)

__all__ = ["open_backend", "open_catalog", "open_target"]


def open_backend(
    path: Path | None, host: str | None, web_port: int = 80, password: str | None = None
) -> Backend:
    """``--host``: the board's web workflow; ``--path`` or the drive found: a folder."""
    if path is not None and host is not None:
        raise UpdaterError("give --path or --host, not both")
    if host is not None:
        from protoboard.updater.web_backend import WebBackend

        return WebBackend(host, web_port, password)
    if path is None:
        from protoboard.updater.drives import find_drive

        path = find_drive()
    return DiskBackend(path)


def open_target(
    backend: Backend,
    cpy_version: str | None,
    *,
    prefer_py: bool = False,
    deep: bool | None = None,
    read_versions: bool = True,
    need_firmware: bool = True,
) -> Device:
    """The drive's state (``--cpy-version`` overrides its firmware). ``deep`` (list package
    folders) defaults to what is cheap on that backend; ``Device.notes`` are for the user."""
    info = device_info_from_override(cpy_version) if cpy_version else None
    return open_device(
        backend,
        info,
        prefer_py=prefer_py,
        deep=backend.cheap_reads if deep is None else deep,
        read_versions=read_versions,
        need_firmware=need_firmware,
    )


def _bundle_sources(bundles: tuple[str, ...]) -> list[Source]:
    """``--bundle`` locations as sources; none: the configured ones."""
    if not bundles:
        return load_sources()
    sources = []
    for i, location in enumerate(bundles):
        try:
            kind, where = classify(location)
        except SourceError as exc:
            raise SourceError(f"--bundle {location}: {exc}") from None
        sources.append(Source(f"bundle{i + 1}" if len(bundles) > 1 else "--bundle", kind, where))
    return sources


def _bundle_set(sb: SourceBundles) -> BundleSet:
    return BundleSet(sb.source.name, sb.tag, sb.py, sb.files, "py" if sb.fallback else sb.flavour)


def open_catalog(
    flavour: str,
    bundles: tuple[str, ...],
    fetcher: Fetcher,
    *,
    refresh: bool = False,
    history: bool = False,
) -> tuple[Catalog, list[str]]:
    """The catalog for a flavour: the newest release of each source; with ``history`` the
    older cached releases after them too, so a pin can be met offline. Also the warnings of
    opening the newest releases (those of old releases are not worth a word)."""
    first = len(fetcher.warnings)
    opened = open_bundles(_bundle_sources(bundles), fetcher, flavour, refresh=refresh)
    warnings = fetcher.warnings[first:]
    sets = [_bundle_set(sb) for sb in opened]
    if history:
        for sb in opened:
            for tag in cached_tags(sb.source, fetcher)[1:]:
                try:
                    sets.append(_bundle_set(open_source(sb.source, fetcher, flavour, tag=tag)))
                except (FetchError, BundleError):
                    continue  # an unusable old release is just not offered
    return Catalog(sets), warnings
