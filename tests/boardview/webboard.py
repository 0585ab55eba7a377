"""A real ``protoboard run`` with its web workflow on, and Debian's Chromium driven by Playwright.

Chromium comes from the system (``apt-get install chromium``; Playwright's own browser download is
not used). Without it the browser tests are skipped, except under CI (the ``CI`` environment
variable), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sys
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))
from board_process import BoardProcess

CHROMIUM = os.environ.get("PROTOBOARD_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "boardview-test"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: where the tests' screenshots go for the docs (set PROTOBOARD_SCREENSHOTS=1 to update them)
STATIC = Path(__file__).resolve().parents[2] / "docs" / "_static"


def _need_chromium() -> None:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).is_file():
        return
    message = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WebBoard:
    """A running board whose web workflow answers at ``url``."""

    def __init__(self, drive: Path, process: BoardProcess, port: int) -> None:
        self.drive = drive
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def wait_until_served(self, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            # (the server may answer before run's line with the token has been read)
            printed = re.search(r"\?token=([A-Za-z0-9_\-]+)", self.process.errors)
            try:
                if (
                    printed is not None
                    and requests.get(self.url + "/cp/version.json", timeout=2).ok
                    and requests.get(
                        self.url + "/board/board.json", params={"token": self.token}, timeout=2
                    ).ok
                ):
                    return
            except requests.ConnectionError:
                pass
            if self.process.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(
            f"the web workflow did not answer at {self.url}\n{self.process.errors[-3000:]}"
        )

    @property
    def token(self) -> str:
        """The random token ``run`` printed (the page's login, as Jupyter's)."""
        found = re.search(r"\?token=([A-Za-z0-9_\-]+)", self.process.errors)
        assert found, f"run printed no token:\n{self.process.errors[-2000:]}"
        return found.group(1)

    def page_url(self, path: str = "/board/") -> str:
        return f"{self.url}{path}?token={self.token}"


def start_board(drive: Path, code: str, parts: str = "", *, terminal: bool = False) -> WebBoard:
    """A board on ``drive`` running ``code``; its console is only on the web (``terminal``:
    also on the process's output)."""
    drive.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (drive / "settings.toml").write_text(
        f'CIRCUITPY_WEB_API_PASSWORD = "{PASSWORD}"\nCIRCUITPY_WEB_API_PORT = {port}\n'
    )
    (drive / "code.py").write_text(code)
    if parts:
        (drive / "parts.toml").write_text(parts)
    process = BoardProcess(drive) if terminal else BoardProcess(drive, "--console", "none")
    board = WebBoard(drive, process, port)
    board.wait_until_served()
    return board


@pytest.fixture(scope="module")
def browser():
    _need_chromium()
    from playwright.sync_api import sync_playwright

    # (launch() gives the browser a fresh, temporary user-data-dir of its own each time)
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def open_page(browser, board: WebBoard, path: str = "/board/"):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(board.page_url(path))
    page.wait_for_function("window.pb && window.pb.ready && window.pb.state.run > 0")
    if path == "/board/":  # the editor loads after the console: wait for it too
        page.wait_for_function("window.pb.editorReady === true")
    return page


def screenshot(page, name: str, tmp_path: Path) -> Path:
    """Take a screenshot; with PROTOBOARD_SCREENSHOTS=1 it also replaces the docs' copy."""
    target = tmp_path / name
    page.screenshot(path=str(target))
    if os.environ.get("PROTOBOARD_SCREENSHOTS") == "1":
        shutil.copyfile(target, STATIC / name)
    return target
