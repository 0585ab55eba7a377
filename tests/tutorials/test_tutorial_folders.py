"""Every tutorial folder is listed, documented, wired for the simulated board and packable."""

from __future__ import annotations

import tomllib
import zipfile
from pathlib import Path

from tutorial_helpers import ROOT, TUTORIALS

from protoboard.partsfile import read_folder
from protoboard.project.pack import pack_folder
from protoboard.registry import builtin_port


def listed() -> list[str]:
    with (TUTORIALS / "index.toml").open("rb") as handle:
        return [entry["name"] for entry in tomllib.load(handle)["tutorial"]]


def test_every_folder_is_listed_once_with_a_page_and_a_test() -> None:
    folders = sorted(p.name for p in TUTORIALS.iterdir() if p.is_dir())
    assert sorted(listed()) == folders
    assert len(set(listed())) == len(listed())
    for name in folders:
        assert (ROOT / "docs" / "tutorials" / f"{name}.rst").is_file(), name
        assert (ROOT / "tests" / "tutorials" / f"test_{name}.py").is_file(), name
        assert f"   {name}\n" in (ROOT / "docs" / "tutorials" / "index.rst").read_text()


def test_every_parts_file_wires_the_simulated_board() -> None:
    with (TUTORIALS / "index.toml").open("rb") as handle:
        entries = tomllib.load(handle)["tutorial"]
    for entry in entries:
        name = entry["name"]
        board = builtin_port("sim").board(entry.get("board"))  # the PyPortal's, for one
        assert (TUTORIALS / name / "parts.toml").is_file(), name
        read_folder(TUTORIALS / name, board)  # raises PartsFileError with the reason


def test_bundles_hold_the_folder(tmp_path: Path) -> None:
    for name in listed():
        path, count = pack_folder(TUTORIALS / name, tmp_path, (10,))
        names = set(zipfile.ZipFile(path).namelist())
        expected = {
            f"{name}/CircuitPython 10.x/{p.relative_to(TUTORIALS / name).as_posix()}"
            for p in (TUTORIALS / name).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        assert names == expected and count == len(expected), name
