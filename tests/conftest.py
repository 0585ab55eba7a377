"""Project-wide pytest options (tests that need real hardware run only with --hardware) and
the Learn guides' programs as test inputs."""

from __future__ import annotations

import os
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

#: a tmp_path tree deeper than this is removed after its test
DEEP = 100


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--hardware",
        action="store_true",
        help="also run tests marked 'hardware' (a real device must be attached)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--hardware"):
        return
    skip = pytest.mark.skip(reason="needs a real device: run pytest --hardware with one attached")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


def _deeper_than(top: Path, limit: int) -> bool:
    stack = [(str(top), 0)]
    while stack:
        folder, depth = stack.pop()
        if depth > limit:
            return True
        try:
            with os.scandir(folder) as entries:
                stack += [(e.path, depth + 1) for e in entries if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
    return False


@pytest.fixture(autouse=True)
def _no_deep_trees_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """Hostile tests build folders thousands of levels deep; pytest's own clean-up of old
    temporary folders recurses per level and would crash a later run. Remove them here."""
    if "tmp_path" not in request.fixturenames:
        yield
        return
    tmp_path: Path = request.getfixturevalue("tmp_path")  # now torn down after this fixture
    yield
    if _deeper_than(tmp_path, DEEP):
        from protoboard.deltree import remove_tree

        remove_tree(tmp_path.parent, tmp_path.name)


#: the commit of adafruit/Adafruit_Learning_System_Guides the tests read programs from
LEARN_GUIDES_COMMIT = "7bbf6e47ddaf5b634c7ee6ebba4fdcdaaa6dc306"
_LEARN_GUIDES_RAW = "https://raw.githubusercontent.com/adafruit/Adafruit_Learning_System_Guides"
_LEARN_GUIDES_CACHE = (
    Path(__file__).resolve().parent / ".cache" / f"learn-guides-{LEARN_GUIDES_COMMIT[:12]}"
)


def _learn_guide_bytes(path: str) -> bytes:
    cached = _LEARN_GUIDES_CACHE / path
    if cached.is_file():
        return cached.read_bytes()
    data = None
    clone = os.environ.get("PROTOBOARD_LEARN_GUIDES")
    if clone:
        done = subprocess.run(
            ["git", "-C", clone, "show", f"{LEARN_GUIDES_COMMIT}:{path}"],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"{path} is not in the Learn guides clone at {clone}")
        data = done.stdout
    else:
        url = f"{_LEARN_GUIDES_RAW}/{LEARN_GUIDES_COMMIT}/{path}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                data = bytes(response.read())
        except OSError as exc:
            pytest.skip(
                f"cannot get {path} from the Learn guides ({exc}): set PROTOBOARD_LEARN_GUIDES "
                "to a clone of adafruit/Adafruit_Learning_System_Guides"
            )
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(cached.name + ".partial")
    partial.write_bytes(data)
    partial.rename(cached)  # never a half-written program
    return data


@pytest.fixture
def learn_guide(tmp_path: Path) -> Callable[[str], Path]:
    """``learn_guide("Synthio_Fundamentals/example_01_single_note.py")``: that program of
    Adafruit's Learn guides, unmodified, as ``code.py`` in a drive folder of its own.

    The programs are Adafruit's, read as the yardstick, never copied into this repository:
    from a clone named by ``PROTOBOARD_LEARN_GUIDES`` (a bare clone works), else downloaded at
    :data:`LEARN_GUIDES_COMMIT`, kept in ``tests/.cache``. Without either the test skips and
    says why (CI's machines reach package registries only)."""

    def get(path: str) -> Path:
        drive = tmp_path / "drive"
        drive.mkdir(exist_ok=True)
        program = drive / "code.py"
        program.write_bytes(_learn_guide_bytes(path))
        return program

    return get
