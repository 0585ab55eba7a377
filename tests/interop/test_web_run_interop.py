"""Real web-workflow clients against a real ``protoboard run --web``.

* **circup 3.1.0** (PyPI, unmodified), offline with a bundle that circuitpython-build-tools
  built (the fixtures of test_updater_interop.py), installs a library with ``--host`` into the
  running board's drive over ``/fs/``, lists it and uninstalls it;
* **our updater's web backend** (``protoboard install --host``) does the same from the same
  bundle;
* the program on the board then imports what was installed: the saves over the web reloaded it.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import zipfile
from pathlib import Path

import pytest
from test_updater_interop import (  # the session's bundle builds and our CLI
    CIRCUP,
    DEAD,
    OWNER_REPO,
    PREFIX,
    builds,  # noqa: F401  (a fixture)
    protoboard,  # noqa: F401  (a fixture)
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))
from board_process import BoardProcess

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the bundle's stand-in mpy-cross is sh")

IMPORTER = (
    "try:\n"
    "    import adafruit_widget\n"
    "    print('widget', adafruit_widget.__version__)\n"
    "except ImportError as error:\n"
    "    print('no widget:', error)\n"
)


@pytest.fixture
def board(tmp_path: Path):
    drive = tmp_path / "CIRCUITPY"
    (drive / "lib").mkdir(parents=True)
    (drive / "code.py").write_text(IMPORTER)
    process = BoardProcess(drive, "--web", "0")
    try:
        line = process.wait_for(r"web workflow: http://\S+\?token=\S+", stream="err")
        host, port, token = re.findall(r"http://([\d.]+):(\d+)/\?token=(\S+)", line)[-1]
        process.wait_for("no widget")
        yield process, host, port, token
    finally:
        process.stop()


@pytest.fixture
def circup_web(tool_venv, builds, tmp_path: Path):  # noqa: F811
    """``circup_web(host, port, password, *args)``: circup 3.1.0 offline over the web
    workflow, with the first build as its only bundle."""
    venv = tool_venv("circup", CIRCUP)
    build = builds.first
    data = tmp_path / "xdg-data" / "circup"
    owner = data / OWNER_REPO.split("/")[0]
    for platform, kind in (("py", "py"), ("10mpy", "10.x-mpy")):
        with zipfile.ZipFile(build.zip(kind)) as zf:
            zf.extractall(owner / f"{PREFIX}-{platform}")
    (data / "bundle_config.json").write_text(json.dumps({"interop": OWNER_REPO}))
    (data / "circup.json").write_text(json.dumps({OWNER_REPO: [build.tag]}))
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "HTTPS_PROXY": DEAD,
        "https_proxy": DEAD,
        "NO_PROXY": "127.0.0.1",
        "no_proxy": "127.0.0.1",
    }

    def run(host: str, port: str, password: str, *args: str) -> str:
        done = venv.run(
            "circup",
            "--offline",
            "--host",
            host,
            "--port",
            port,
            "--password",
            password,
            *args,
            env=env,
            cwd=tmp_path,
            input="y\n",
        )
        assert done.returncode == 0, f"circup {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    return run


def test_circup_installs_over_the_web_into_a_running_board(board, circup_web) -> None:
    process, host, port, token = board
    circup_web(host, port, token, "install", "--py", "adafruit_widget")
    lib = process.drive / "lib"
    assert (lib / "adafruit_widget.py").is_file()
    assert (lib / "adafruit_gizmo").is_dir()  # with its dependencies
    process.wait_for(r"widget 0\.9\.1")  # the saves reloaded the program, which imports it
    listed = circup_web(host, port, token, "freeze")
    assert "adafruit_widget==0.9.1" in listed
    circup_web(host, port, token, "uninstall", "adafruit_widget")
    assert not (lib / "adafruit_widget.py").exists()


def test_our_updater_installs_over_the_web_into_a_running_board(
    board,
    builds,  # noqa: F811
    protoboard,  # noqa: F811
) -> None:
    process, host, port, token = board
    where = ("--host", host, "--port", port, "--password", token)
    bundle = str(builds.first.zip("py"))
    protoboard("install", *where, "--bundle", bundle, "adafruit_widget")
    assert (process.drive / "lib" / "adafruit_widget.py").is_file()
    process.wait_for(r"widget 0\.9\.1")
    frozen = protoboard("freeze", *where).stdout
    assert "adafruit_widget==0.9.1" in frozen
    deadline = time.monotonic() + 10
    protoboard("uninstall", *where, "adafruit_widget")
    while (process.drive / "lib" / "adafruit_widget.py").exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)
