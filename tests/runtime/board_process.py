"""Drive a real ``protoboard run`` process: type on its terminal, wait for console text."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

DEADLINE = 15.0


class BoardProcess:
    def __init__(self, drive: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.drive = drive
        where = [] if "--image" in args else ["--drive", str(drive)]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "protoboard.cli", "run", *where, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env={**os.environ, "PROTOBOARD_DEBUG": "1", **(env or {})},
        )
        self._out = bytearray()
        self._err = bytearray()
        self._lock = threading.Lock()
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self._out), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self._err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self._mark = 0

    def _read(self, stream, buffer: bytearray) -> None:
        while True:
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                return
            with self._lock:
                buffer.extend(chunk)

    @property
    def output(self) -> str:
        with self._lock:
            return self._out.decode("utf-8", "replace")

    @property
    def errors(self) -> str:
        with self._lock:
            return self._err.decode("utf-8", "replace")

    def wait_for(self, pattern: str, *, timeout: float = DEADLINE, stream: str = "out") -> str:
        """Wait until ``pattern`` (a regex) appears after the last wait; return the text up to
        the match end."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.output if stream == "out" else self.errors
            found = re.compile(pattern).search(text, self._mark if stream == "out" else 0)
            if found:
                if stream == "out":
                    self._mark = found.end()
                return text[: found.end()]
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError(
                    f"{pattern!r} did not appear.\n--- console ---\n{text[-3000:]}\n"
                    f"--- stderr ---\n{self.errors[-2000:]}"
                )
            time.sleep(0.02)

    def type(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def save(self, name: str, text: str) -> None:
        """Save a file on the drive the way an editor does: open, write, close."""
        path = self.drive / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(text)

    def descendants(self) -> list[int]:
        """Processes started by the supervisor (VMs, the fork server), alive or zombie."""
        found, frontier = [], [self.proc.pid]
        while frontier:
            parent = frontier.pop()
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == parent:
                    found.append(int(entry.name))
                    frontier.append(int(entry.name))
        return found

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        for reader in self._readers:
            reader.join(5)
        return self.proc.returncode
