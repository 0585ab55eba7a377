"""Small Adafruit-format bundles for tests: py and N.x-mpy zips plus the JSON, from a dict.

``libs`` maps a module name to ``{"version": ..., "files": {"x.py": text, ...},
"deps": [...], "external": [...]}``; file names are relative to ``lib/`` (a name with a ``/``
makes a package). In mpy zips every non-empty ``.py`` becomes an ``.mpy`` with the header of
that major, followed by the source (so versions stay findable the way circup finds them).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from protoboard.updater.mpy import mpy_header

TAG = "20261120"
PREFIX = "test-bundle"


def lib(
    version: str, files: dict[str, str] | None = None, deps=(), external=(), name: str | None = None
) -> dict:
    return {"version": version, "files": files, "deps": list(deps), "external": list(external)}


def _files(name: str, spec: dict) -> dict[str, str]:
    files = spec.get("files")
    if files is None:
        files = {f"{name}.py": f"__version__ = '{spec['version']}'\nVALUE = 1\n"}
    return files


def write_bundle(
    folder: Path, libs: dict[str, dict], *, majors=(10,), tag: str = TAG, prefix: str = PREFIX
) -> dict[str, Path]:
    """Write ``<prefix>-py-<tag>.zip``, one mpy zip per major and ``<prefix>-<tag>.json``;
    returns {"py": path, "10.x-mpy": path, "json": path}."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = {}
    for name, spec in libs.items():
        files = _files(name, spec)
        meta[name] = {
            "package": any("/" in f for f in files),
            "version": spec["version"],
            "path": f"lib/{name}",
            "dependencies": spec["deps"],
            "external_dependencies": spec["external"],
            "pypi_name": name.replace("_", "-"),
            "repo": f"https://example.org/{name}",
            "pypi_description": name,
        }
    out = {}
    for kind in ("py", *(f"{m}.x-mpy" for m in majors)):
        top = f"{prefix}-{kind}-{tag}"
        path = folder / f"{top}.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for name, spec in libs.items():
                for rel, text in _files(name, spec).items():
                    data = text.encode()
                    if kind != "py" and rel.endswith(".py") and data:
                        rel = rel[:-3] + ".mpy"
                        data = mpy_header(int(kind.split(".")[0])) + data
                    zf.writestr(f"{top}/lib/{rel}", data)
                reqs = "".join(f"{d}\n" for d in (*spec["deps"], *spec["external"]))
                if reqs:
                    zf.writestr(f"{top}/requirements/{name}/requirements.txt", reqs)
        out[kind] = path
    json_path = folder / f"{prefix}-{tag}.json"
    json_path.write_text(json.dumps(meta, sort_keys=True))
    out["json"] = json_path
    return out


def drive(
    folder: Path,
    first_line: str = "Protoboard 0.1.0 on 2026-11-21; Protoboard Simulated Board with cpython",
    board_id: str = "protoboard_sim",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "boot_out.txt").write_text(f"{first_line}\nBoard ID:{board_id}\n")
    (folder / "lib").mkdir(exist_ok=True)
    return folder


CP10 = "Adafruit CircuitPython 10.0.3 on 2025-10-17; Adafruit Feather RP2040 with rp2040"
CP9 = "Adafruit CircuitPython 9.2.1 on 2024-11-20; Adafruit Feather RP2040 with rp2040"


def catalog(
    paths: dict[str, Path], flavour: str = "py", source: str = "test", tag: str = TAG, more=()
):
    """A Catalog over one written bundle (plus ``more`` BundleSets after it)."""
    from protoboard.updater.bundle import Bundle
    from protoboard.updater.catalog import BundleSet, Catalog

    py = Bundle.open(paths["py"], paths["json"])
    files = Bundle.open(paths[flavour], paths["json"]) if flavour != "py" else py
    return Catalog([BundleSet(source, tag, py, files, flavour), *more])
