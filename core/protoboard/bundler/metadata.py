"""What a bundle says about its libraries, by circuitpython-build-tools' rules: which module
comes from which library (each at most once), each library's dependencies inside the bundle and
outside it, the bundle JSON, and the ``README.txt`` and ``VERSIONS.txt`` every zip holds.
"""

from __future__ import annotations

import re
from typing import Any

from protoboard.bundler.errors import BundlerError
from protoboard.bundler.library_folder import Library, dist_name
from protoboard.bundler.manifest import Manifest
from protoboard.updater.bundle import canonical_name, is_blinka_only

__all__ = ["bundle_json", "check_collisions", "common_files", "link_dependencies"]

_SPLIT_REQ = re.compile(r"[<>=~!\[;\s]")


def link_dependencies(libraries: list[Library]) -> None:
    """Split each library's requirements into bundle modules and external names (build-tools'
    rules: lowercase, ``_`` -> ``-``, Blinka-only names dropped)."""
    by_dist: dict[str, list[str]] = {}
    modules: set[str] = set()
    for lib in libraries:
        by_dist.setdefault(lib.pypi_name, []).extend(m.name for m in lib.modules)
        modules.update(m.name for m in lib.modules)
    for lib in libraries:
        deps: set[str] = set()
        external: set[str] = set()
        for line in lib.requirements:
            original = _SPLIT_REQ.split(line.lower(), maxsplit=1)[0].strip()
            if not original:
                continue
            dist = dist_name(original)
            if dist in by_dist:
                deps.update(by_dist[dist])
            elif canonical_name(original) in modules:
                deps.add(canonical_name(original))
            elif not is_blinka_only(original):
                external.add(original)
        own = {m.name for m in lib.modules}
        lib.dependencies = sorted(deps - own)
        lib.external_dependencies = sorted(external)


def check_collisions(libraries: list[Library]) -> None:
    """Refuse a module that two libraries of the manifest would both install."""
    owner: dict[str, Library] = {}
    for lib in libraries:
        for module in lib.modules:
            other = owner.setdefault(module.name, lib)
            if other is not lib:
                raise BundlerError(
                    f"module {module.name!r} comes from two libraries: {other.label} and "
                    f"{lib.label}",
                    "a bundle can hold each module once: remove one of them from the manifest",
                )


def bundle_json(libraries: list[Library]) -> dict[str, Any]:
    """The bundle JSON: keyed by module, with every key build-tools writes."""
    result: dict[str, Any] = {}
    for lib in libraries:
        for module in lib.modules:
            result[module.name] = {
                "package": module.package,
                "pypi_name": lib.pypi_name,
                "version": lib.version,
                "repo": lib.repo,
                "path": f"lib/{module.name}",
                "dependencies": lib.dependencies,
                "external_dependencies": lib.external_dependencies,
                "pypi_description": lib.description,
            }
    return result


def common_files(manifest: Manifest, libraries: list[Library]) -> dict[str, bytes]:
    versions = [manifest.tag] + [
        f"{lib.repo}/releases/tag/{lib.version}" if lib.repo else f"{lib.pypi_name}=={lib.version}"
        for lib in libraries
    ]
    if manifest.readme is not None:
        try:
            readme = manifest.readme.read_bytes()
        except OSError as e:
            raise BundlerError(
                f"{manifest.path}: readme {manifest.readme}: {e.strerror or e}"
            ) from None
    else:
        readme = (
            f"{manifest.name} ({manifest.prefix}), bundle {manifest.tag}\n\n"
            "CircuitPython libraries. Copy what you need from lib/ into the lib/ folder "
            "of your CIRCUITPY drive,\nor let circup or `protoboard` install them with "
            "their dependencies.\n"
        ).encode()
    return {
        "README.txt": readme,
        "VERSIONS.txt": "".join(f"{line}\r\n" for line in versions).encode(),
    }
