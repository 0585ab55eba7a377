"""A program sees a board's world, not the host's (protoboard.boardimport), in real
``protoboard exec`` and ``protoboard run`` processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A library written the way Adafruit's are: typing names from a try import that fails on a
# board, used in annotations (CPython evaluated them at def time: NameError).
TYPED_LIB = """\
try:
    from typing import Optional
    from circuitpython_typing import WriteableBuffer
    from not_on_a_board import Pin
except ImportError:
    pass


class Device:
    def readinto(self, buf: WriteableBuffer, pin: Pin, end: Optional[int] = None) -> None:
        buf[0] = 7
"""


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text))
    return folder


def exec_program(
    folder: Path, code: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    write(folder, {"code.py": code})
    environment = {k: v for k, v in os.environ.items() if k != "PROTOBOARD_HOST_PACKAGES"}
    return subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(folder / "code.py")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
        env={**environment, **(env or {})},
        check=False,
    )


HOST_IMPORTS = """\
import os, time, json, math
for name in ("click", "watchdog", "rich", "typing", "typing_extensions", "protoboard"):
    try:
        __import__(name)
        print("imported", name)
    except ImportError as e:
        print(type(e).__name__, e, "name=" + e.name)
"""


def test_exec_host_packages_fail_with_the_boards_text(tmp_path: Path) -> None:
    done = exec_program(tmp_path, HOST_IMPORTS)
    assert done.returncode == 0, done.stderr
    for name in ("click", "watchdog", "rich", "typing", "typing_extensions", "protoboard"):
        assert f"ImportError no module named '{name}' name={name}" in done.stdout
    assert "imported" not in done.stdout


def test_exec_import_statement_traceback_is_the_boards(tmp_path: Path) -> None:
    done = exec_program(tmp_path, "import time\nimport watchdog\n")
    assert done.returncode == 1
    assert done.stderr.startswith(
        "Traceback (most recent call last):\n"
        '  File "code.py", line 2, in <module>\n'
        "ImportError: no module named 'watchdog'\n"
    )
    assert "site-packages" not in done.stderr


def test_exec_drive_and_lib_modules_import(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "helper.py": "ROOT = 'root'\n",
            "lib/tool.py": "LIB = 'lib'\n",
            "lib/pkg/__init__.py": "",
            "lib/pkg/sub.py": "from . import sibling\nfrom .sibling import VALUE\n",
            "lib/pkg/sibling.py": "VALUE = 3\n",
            "lib/nspkg/part.py": "PART = 'ns'\n",
        },
    )
    done = exec_program(
        tmp_path,
        """\
        import helper, tool, pkg.sub
        from pkg.sub import VALUE
        from nspkg.part import PART
        print(helper.ROOT, tool.LIB, VALUE, PART)
        try:
            import pkg.missing
        except ImportError as e:
            print(type(e).__name__, e, e.name)
        try:
            from pkg import nothing
        except ImportError as e:
            print(type(e).__name__, e)
        """,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "root lib 3 ns"
    assert lines[1] == "ImportError no module named 'pkg.missing' pkg.missing"
    assert lines[2] == "ImportError can't import name nothing"  # not the host file's path
    assert not list(tmp_path.rglob("__pycache__"))  # a board's drive never gets one


def test_exec_annotations_are_never_evaluated(tmp_path: Path) -> None:
    write(tmp_path, {"lib/typedlib.py": TYPED_LIB})
    done = exec_program(
        tmp_path,
        """\
        import typedlib
        buf = bytearray(1)
        typedlib.Device().readinto(buf, None)
        def f(x: Undefined) -> AlsoUndefined:
            return x
        print(buf[0], f(1))
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "7 1\n"


def test_exec_frozen_typing_shim(tmp_path: Path) -> None:
    done = exec_program(
        tmp_path,
        """\
        from circuitpython_typing import ReadableBuffer, WriteableBuffer
        from circuitpython_typing.device_drivers import I2CDeviceDriver
        from circuitpython_typing.io import ROValueIO
        from circuitpython_typing.led import ColorBasedColorUnion
        print("shims", isinstance(bytearray(1), WriteableBuffer))
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "shims True\n"


def test_exec_mpy_file_says_what_it_is(tmp_path: Path) -> None:
    write(tmp_path, {"lib/adafruit_thing.mpy": b"C\x06\x00\x1f", "lib/pk/__init__.mpy": b"C\x06"})
    done = exec_program(
        tmp_path,
        """\
        for name in ("adafruit_thing", "pk"):
            try:
                __import__(name)
            except ImportError as e:
                print(e.name, "|", e)
        """,
    )
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first.startswith("adafruit_thing | no module named 'adafruit_thing' (")
    assert "lib/adafruit_thing.mpy is a compiled .mpy file" in first
    assert "'protoboard install adafruit_thing' puts the .py version" in first
    assert "lib/pk/__init__.mpy is a compiled .mpy file" in second


def test_exec_py_wins_over_mpy(tmp_path: Path) -> None:
    write(tmp_path, {"lib/both.mpy": b"C\x06", "lib/both.py": "X = 'py'\n"})
    done = exec_program(tmp_path, "import both\nprint(both.X)\n")
    assert done.stdout == "py\n", done.stderr


def test_exec_opt_in_to_host_packages(tmp_path: Path) -> None:
    write(tmp_path, {"settings.toml": 'PROTOBOARD_HOST_PACKAGES = "click, typing"\n'})
    done = exec_program(tmp_path, HOST_IMPORTS)
    assert "imported click" in done.stdout
    assert "imported typing" in done.stdout
    assert "no module named 'watchdog'" in done.stdout
    everything = exec_program(tmp_path, HOST_IMPORTS, env={"PROTOBOARD_HOST_PACKAGES": "*"})
    assert "imported watchdog" in everything.stdout  # the environment wins over the file
    assert "ImportError" not in everything.stdout


def test_exec_drive_module_replaces_a_loaded_host_module_for_the_run(tmp_path: Path) -> None:
    # click is loaded by Protoboard's CLI; the drive's click.py is the program's click.
    write(tmp_path, {"lib/click.py": "WHO = 'drive'\n"})
    done = exec_program(tmp_path, "import click\nprint(click.WHO)\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "drive\n"


def test_exec_traceback_shows_only_the_programs_frames(tmp_path: Path) -> None:
    write(tmp_path, {"lib/util.py": "import json\ndef go():\n    json.loads('{')\n"})
    done = exec_program(tmp_path, "import util\nutil.go()\n")
    assert done.returncode == 1
    frames = [line for line in done.stderr.splitlines() if line.startswith("  File")]
    assert frames == [
        '  File "code.py", line 2, in <module>',
        '  File "lib/util.py", line 3, in go',
    ]


def test_exec_disabled_builtin_fails_as_on_that_board(tmp_path: Path) -> None:
    # The NeoKey Trinkey's firmware has no pwmio.
    code = "try:\n import pwmio\nexcept ImportError as e:\n print(type(e).__name__, e, e.name)\n"
    write(tmp_path, {"code.py": code})
    done = subprocess.run(
        [
            sys.executable, "-m", "protoboard.cli", "exec", str(tmp_path / "code.py"),
            "--board", "adafruit_neokey_trinkey_m0",
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.stdout == "ImportError no module named 'pwmio' pwmio\n", done.stderr


# -- protoboard run ----------------------------------------------------------------------------


def test_run_program_and_repl_see_the_boards_world(start_board) -> None:
    board = start_board(
        {
            "code.py": HOST_IMPORTS + "import typedlib\nprint('typed ok')\n",
            "lib/typedlib.py": TYPED_LIB,
        }
    )
    text = board.wait_for(r"Code done running\.", timeout=30)
    assert "ImportError no module named 'watchdog' name=watchdog" in text
    assert "ImportError no module named 'click' name=click" in text
    assert "typed ok" in text
    assert "imported" not in text
    board.wait_for("Press any key to enter the REPL")
    board.type(b"\r")
    board.wait_for(">>> ")
    board.type(b"import click\r")
    text = board.wait_for(">>> ")
    assert "ImportError: no module named 'click'" in text
    board.type(b"import typedlib, json; print(typedlib.Device, json.dumps(1))\r")
    text = board.wait_for(">>> ")
    assert "<class 'typedlib.Device'> 1" in text


def test_run_opt_in_from_settings_toml(start_board) -> None:
    board = start_board(
        {"code.py": HOST_IMPORTS, "settings.toml": 'PROTOBOARD_HOST_PACKAGES = "click"\n'}
    )
    text = board.wait_for(r"Code done running\.", timeout=30)
    assert "imported click" in text
    assert "no module named 'watchdog'" in text


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.hostile
def test_exec_odd_import_requests_fail_cleanly(tmp_path: Path) -> None:
    write(tmp_path, {"lib/loop_a.py": "import loop_b\nA = 1\n", "lib/loop_b.py": "import loop_a\n"})
    done = exec_program(
        tmp_path,
        """\
        import sys
        tries = ["", "../etc", "/etc/passwd", "a.b.c.d", "os/../click", ".hidden", "x" * 5000]
        for name in tries:
            try:
                __import__(name)
                print("imported", repr(name[:20]))
            except (ImportError, ValueError) as e:
                print("refused", type(e).__name__)
        try:
            __import__("json", None, None, None, 3)
        except (ImportError, TypeError, KeyError) as e:
            print("relative refused")
        import loop_a
        print("loop", loop_a.A)
        """,
    )
    assert done.returncode == 0, done.stderr
    assert "imported" not in done.stdout
    assert done.stdout.count("refused ImportError") == 7
    assert "relative refused" in done.stdout
    assert "loop 1" in done.stdout


@pytest.mark.hostile
def test_exec_program_added_sys_path_folder_is_searched(tmp_path: Path) -> None:
    write(tmp_path, {"extra/plugin.py": "P = 5\n"})
    done = exec_program(
        tmp_path,
        f"import sys\nsys.path.append({str(tmp_path / 'extra')!r})\n"
        "import plugin\nprint(plugin.P)\n",
    )
    assert done.stdout == "5\n", done.stderr
