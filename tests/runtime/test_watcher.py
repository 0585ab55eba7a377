"""The drive watcher behind autoreload, on real files in a real folder (inotify on Linux).

No timing is asserted: the tests wait for conditions with generous deadlines. Where a test
checks that something did *not* happen, it makes a later change that must be reported and
relies on inotify's event order (a skipped event would have been reported first).
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from protoboard.runtime.watcher import DEFAULT_IGNORES, DriveWatcher

DEADLINE = 10.0  # seconds: for conditions that normally take milliseconds
LONG = 60.0  # a max_wait that must never be reached in a test


class Recorder:
    """Callbacks that record what the watcher reports, with a condition to wait on."""

    def __init__(self, *, inspect: Path | None = None) -> None:
        self.calls: list[tuple[str, object]] = []
        self.contents: list[bytes | None] = []  # file ``inspect`` as each on_settled saw it
        self.inspect = inspect
        self.threads: set[str] = set()
        self.active = 0
        self.overlapped = False
        self._cond = threading.Condition()

    def on_change(self, path: Path) -> None:
        self._enter()
        with self._cond:
            self.calls.append(("change", path))
            self._cond.notify_all()
        self._leave()

    def on_settled(self, paths: list[Path]) -> None:
        self._enter()
        content = None
        if self.inspect is not None and self.inspect.exists():
            content = self.inspect.read_bytes()
        with self._cond:
            self.calls.append(("settled", list(paths)))
            self.contents.append(content)
            self._cond.notify_all()
        self._leave()

    def _enter(self) -> None:
        self.threads.add(threading.current_thread().name)
        self.active += 1
        if self.active > 1:
            self.overlapped = True
        time.sleep(0.001)  # widen the window in which concurrent calls would overlap

    def _leave(self) -> None:
        self.active -= 1

    @property
    def changes(self) -> list[Path]:
        return [arg for kind, arg in self.calls if kind == "change"]  # type: ignore[misc]

    @property
    def settled(self) -> list[list[Path]]:
        return [arg for kind, arg in self.calls if kind == "settled"]  # type: ignore[misc]

    def wait(self, predicate, timeout: float = DEADLINE) -> None:
        with self._cond:
            if not self._cond.wait_for(predicate, timeout):
                raise AssertionError(f"condition not met within {timeout} s; calls: {self.calls}")

    def wait_settled(self, count: int = 1) -> None:
        self.wait(lambda: len(self.settled) >= count)


@pytest.fixture
def drive(tmp_path: Path) -> Path:
    root = tmp_path / "CIRCUITPY"
    root.mkdir()
    (root / "code.py").write_text("print('old')\n")
    (root / "lib").mkdir()
    return root


@pytest.fixture
def make_watcher():
    watchers: list[DriveWatcher] = []

    def make(root: Path, recorder: Recorder, **options) -> DriveWatcher:
        watcher = DriveWatcher(
            root, on_change=recorder.on_change, on_settled=recorder.on_settled, **options
        )
        watchers.append(watcher)
        watcher.start()
        return watcher

    yield make
    for watcher in watchers:
        watcher.stop()


def save(path: Path, text: str) -> None:
    with open(path, "w") as file:
        file.write(text)


def test_a_save_gives_one_change_then_one_settled(drive, make_watcher):
    recorder = Recorder(inspect=drive / "code.py")
    make_watcher(drive, recorder, max_wait=LONG)
    save(drive / "code.py", "print('new')\n")
    recorder.wait_settled()
    time.sleep(0.3)  # anything else to come would arrive now
    assert recorder.calls == [("change", drive / "code.py"), ("settled", [drive / "code.py"])]
    assert recorder.contents == [b"print('new')\n"]


def test_a_file_kept_open_between_chunks_settles_only_once_closed(drive, make_watcher):
    recorder = Recorder(inspect=drive / "code.py")
    make_watcher(drive, recorder, settle=0.02, max_wait=LONG)
    chunks = [f"print({n})\n".encode() for n in range(5)]
    with open(drive / "code.py", "wb", buffering=0) as file:
        for chunk in chunks:
            file.write(chunk)
            time.sleep(0.15)  # far longer than settle
        recorder.wait(lambda: len(recorder.changes) == 1)
        assert recorder.settled == []
    recorder.wait_settled()
    assert recorder.settled == [[drive / "code.py"]]
    assert recorder.contents == [b"".join(chunks)]


def test_a_new_file_open_and_still_empty_is_not_settled(drive, make_watcher):
    recorder = Recorder(inspect=drive / "new.py")
    make_watcher(drive, recorder, settle=0.02, max_wait=LONG)
    with open(drive / "new.py", "wb", buffering=0) as file:
        recorder.wait(lambda: len(recorder.changes) == 1)  # the creation
        time.sleep(0.2)
        file.write(b"print('done')\n")
        time.sleep(0.2)
        assert recorder.settled == []
    recorder.wait_settled()
    assert recorder.contents == [b"print('done')\n"]


def test_readers_do_not_count(drive, make_watcher):
    recorder = Recorder()
    make_watcher(drive, recorder, max_wait=LONG)
    for _ in range(3):
        (drive / "code.py").read_text()
    with open(drive / "code.py") as reader:  # a reader holding another file open
        save(drive / "marker.txt", "x")
        recorder.wait_settled()
        reader.read()
    assert recorder.calls == [("change", drive / "marker.txt"), ("settled", [drive / "marker.txt"])]


@pytest.mark.parametrize("temp_inside", [True, False], ids=["temp-in-drive", "temp-outside"])
def test_an_atomic_rename_save_settles(drive, tmp_path, make_watcher, temp_inside):
    recorder = Recorder(inspect=drive / "code.py")
    make_watcher(drive, recorder, max_wait=LONG)
    temp = (drive if temp_inside else tmp_path) / "code.py.tmp-1234"
    with open(temp, "w") as file:
        file.write("print('renamed')\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(temp, drive / "code.py")
    recorder.wait(lambda: recorder.settled and drive / "code.py" in recorder.settled[-1])
    assert recorder.contents[-1] == b"print('renamed')\n"
    assert recorder.changes[0] == (temp if temp_inside else drive / "code.py")


def test_a_rename_counts_as_complete_even_while_the_temp_file_is_open(drive, make_watcher):
    recorder = Recorder(inspect=drive / "code.py")
    make_watcher(drive, recorder, max_wait=LONG)
    temp = drive / ".code.py.partial"
    with open(temp, "w") as file:
        file.write("print('renamed')\n")
        file.flush()
        os.replace(temp, drive / "code.py")
        recorder.wait_settled()  # while the writer still holds it
    assert drive / "code.py" in recorder.settled[0]
    assert recorder.contents[0] == b"print('renamed')\n"


def test_many_quick_saves_end_with_a_settled_after_the_last(drive, make_watcher):
    recorder = Recorder(inspect=drive / "code.py")
    make_watcher(drive, recorder, settle=0.05, max_wait=LONG)
    last = ""
    for n in range(200):  # about 2 s
        last = f"print({n})\n"
        save(drive / "code.py", last)
        time.sleep(0.01)
    # the final state is reported (a missed one would time out here)
    recorder.wait(
        lambda: recorder.calls[-1][0] == "settled" and recorder.contents[-1] == last.encode()
    )
    calls = len(recorder.calls)
    time.sleep(0.5)  # a late extra burst would show up now
    assert len(recorder.calls) == calls
    kinds = [kind for kind, _ in recorder.calls]
    assert kinds == ["change", "settled"] * (len(kinds) // 2)  # strictly alternating
    assert len(recorder.settled) < 50  # bursts merge: few settles, not one per save
    assert not recorder.overlapped


def test_ignored_names_do_not_count(drive, make_watcher):
    recorder = Recorder()
    make_watcher(drive, recorder, max_wait=LONG)
    for name in [
        ".code.py.swp",
        ".code.py.swx",
        "4913",
        "code.py~",
        "#code.py#",
        ".DS_Store",
        "._code.py",
        "Thumbs.db",
        ".metadata_never_index",
        "lib/.mod.py.swp",
    ]:
        save(drive / name, "noise")
        (drive / name).unlink()
    os.symlink("user@host.1234", drive / ".#code.py")  # emacs lock file
    for folder in [
        ".Trashes/501",
        ".fseventsd",
        ".Spotlight-V100/Store-V2",
        "System Volume Information",
        "__pycache__",
    ]:
        (drive / folder).mkdir(parents=True)
        save(drive / folder / "data", "noise")
    shutil.rmtree(drive / ".Trashes")
    save(drive / "marker.txt", "real")
    recorder.wait_settled()
    assert recorder.calls == [("change", drive / "marker.txt"), ("settled", [drive / "marker.txt"])]


def test_the_default_ignores_are_documented_names():
    watcher = DriveWatcher(Path("/nonexistent-drive"), on_change=print, on_settled=print)
    for name in [
        "code.py",
        "lib/adafruit_bus_device/i2c_device.mpy",
        "boot_out.txt",
        "settings.toml",
        "song.swf",
        "data.tmp",
    ]:
        assert not watcher.is_ignored(name), name
    for name in [
        ".code.py.swp",
        ".code.py.swo",
        "lib/.x.py.swp",
        "4913",
        "code.py~",
        "#code.py#",
        ".#code.py",
        ".DS_Store",
        "._code.py",
        ".Trashes/501/x",
        ".fseventsd/0001",
        ".Spotlight-V100",
        ".metadata_never_index",
        "Thumbs.db",
        "System Volume Information/IndexerVolumeGuid",
        "lib/__pycache__/x.pyc",
    ]:
        assert watcher.is_ignored(name), name
    assert "Thumbs.db" in DEFAULT_IGNORES


def test_custom_ignore_patterns_with_a_path(drive, make_watcher):
    recorder = Recorder()
    make_watcher(drive, recorder, ignore_patterns=["lib/cache/*", "*.log"], max_wait=LONG)
    (drive / "lib" / "cache").mkdir()  # the folder itself counts ...
    recorder.wait_settled()
    save(drive / "lib" / "cache" / "x.bin", "noise")  # ... but not what is inside
    save(drive / "run.log", "noise")
    save(drive / "marker.txt", "real")
    recorder.wait_settled(2)
    assert recorder.settled == [[drive / "lib" / "cache"], [drive / "marker.txt"]]


def test_ignore_own_write_hides_the_write_then_expires(drive, make_watcher):
    recorder = Recorder()
    watcher = make_watcher(drive, recorder, max_wait=LONG)
    watcher.ignore_own_write(drive / "boot_out.txt", window=0.3)
    save(drive / "boot_out.txt", "Adafruit CircuitPython 10.3.0 on protoboard_sim\n")
    watcher.ignore_own_write("data.csv")  # relative to the drive
    save(drive / "data.csv", "1,2\n")
    save(drive / "marker.txt", "real")
    recorder.wait_settled()
    assert recorder.calls == [("change", drive / "marker.txt"), ("settled", [drive / "marker.txt"])]
    time.sleep(0.6)  # past the 0.3 s window
    save(drive / "boot_out.txt", "written by the host\n")
    recorder.wait_settled(2)
    assert recorder.settled[1] == [drive / "boot_out.txt"]


def test_unbounded_own_writes_last_until_expired(drive, make_watcher):
    recorder = Recorder()
    watcher = make_watcher(drive, recorder, max_wait=LONG)
    watcher.ignore_own_write("log.txt", window=math.inf)  # a program's log, open all run long
    with open(drive / "log.txt", "w") as log:
        for n in range(3):
            log.write(f"{n}\n")
            log.flush()
            time.sleep(0.1)
        watcher.expire_own_writes(after=0.2)
    save(drive / "marker.txt", "real")
    recorder.wait_settled()
    assert recorder.calls == [("change", drive / "marker.txt"), ("settled", [drive / "marker.txt"])]
    time.sleep(0.5)  # past the shortened window
    save(drive / "log.txt", "written by the host\n")
    recorder.wait_settled(2)
    assert recorder.settled[1] == [drive / "log.txt"]


def test_deleting_code_py_is_a_change(drive, make_watcher):
    recorder = Recorder()
    make_watcher(drive, recorder, max_wait=LONG)
    (drive / "code.py").unlink()
    recorder.wait_settled()
    assert recorder.changes == [drive / "code.py"]
    assert recorder.settled == [[drive / "code.py"]]


def test_a_writer_that_never_closes_settles_after_max_wait(drive, make_watcher, caplog):
    recorder = Recorder(inspect=drive / "code.py")
    make_watcher(drive, recorder, settle=0.02, max_wait=0.3)
    with open(drive / "code.py", "w") as file:
        file.write("print('partial')\n")
        file.flush()
        recorder.wait_settled()  # the board's own rule: reload after a pause, open or not
    assert recorder.contents == [b"print('partial')\n"]
    assert "no close seen for code.py" in caplog.text


def test_files_copied_into_a_new_folder(drive, make_watcher):
    recorder = Recorder(inspect=drive / "lib" / "pkg" / "mod.py")
    make_watcher(drive, recorder, max_wait=1.0)
    source = drive.parent / "pkg"
    source.mkdir()
    (source / "mod.py").write_text("VALUE = 1\n" * 1000)
    shutil.copytree(source, drive / "lib" / "pkg")
    recorder.wait(lambda: recorder.contents and recorder.contents[-1] is not None)
    assert drive / "lib" / "pkg" in recorder.settled[0]
    # never settled on a partial copy (None: settled before the file was created)
    assert set(recorder.contents) <= {None, b"VALUE = 1\n" * 1000}


def test_a_folder_renamed_into_the_drive_is_complete_at_once(drive, make_watcher):
    recorder = Recorder(inspect=drive / "lib" / "pkg" / "sub" / "mod.py")
    make_watcher(drive, recorder, max_wait=LONG)  # waiting for max_wait would time out
    source = drive.parent / "pkg"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "mod.py").write_text("VALUE = 1\n")
    source.rename(drive / "lib" / "pkg")
    recorder.wait_settled()
    assert recorder.changes == [drive / "lib" / "pkg"]
    assert drive / "lib" / "pkg" / "sub" / "mod.py" in recorder.settled[0]
    assert recorder.contents == [b"VALUE = 1\n"]


def test_callbacks_run_one_at_a_time_on_the_watcher_thread(drive, make_watcher):
    recorder = Recorder()
    make_watcher(drive, recorder, max_wait=LONG)
    for n in range(20):
        save(drive / f"f{n}.py", "x")
        if n % 5 == 0:
            recorder.wait(lambda: recorder.calls and recorder.calls[-1][0] == "settled")
    recorder.wait(lambda: recorder.calls[-1][0] == "settled")
    assert not recorder.overlapped
    assert len(recorder.threads) == 1
    assert threading.current_thread().name not in recorder.threads


def test_a_failing_callback_is_logged_and_the_watcher_goes_on(drive, caplog):
    recorder = Recorder()

    def bad_change(path: Path) -> None:
        raise RuntimeError("supervisor bug")

    watcher = DriveWatcher(
        drive, on_change=bad_change, on_settled=recorder.on_settled, max_wait=LONG
    )
    watcher.start()
    try:
        save(drive / "code.py", "one")
        recorder.wait_settled()
        save(drive / "code.py", "two")
        recorder.wait_settled(2)
    finally:
        watcher.stop()
    failures = [r for r in caplog.records if r.exc_info and "supervisor bug" in str(r.exc_info[1])]
    assert len(failures) == 2


def test_stop_is_prompt_idempotent_and_final(drive):
    recorder = Recorder()
    watcher = DriveWatcher(drive, on_change=recorder.on_change, on_settled=recorder.on_settled)
    watcher.stop()  # before start: harmless
    watcher = DriveWatcher(drive, on_change=recorder.on_change, on_settled=recorder.on_settled)
    watcher.start()
    watcher.start()  # again: nothing
    assert watcher.running
    watcher.stop()
    watcher.stop()
    assert not watcher.running
    save(drive / "code.py", "after stop")
    time.sleep(0.3)
    assert recorder.calls == []
    with pytest.raises(RuntimeError):
        watcher.start()


def test_stop_from_a_callback(drive):
    done = threading.Event()
    holder: list[DriveWatcher] = []

    def on_change(path: Path) -> None:
        holder[0].stop()
        done.set()

    watcher = DriveWatcher(drive, on_change=on_change, on_settled=lambda paths: None)
    holder.append(watcher)
    watcher.start()
    save(drive / "code.py", "x")
    assert done.wait(DEADLINE)
    watcher._thread.join(DEADLINE)  # the watcher thread ends once the callback returns
    assert not watcher.running
    watcher.stop()


def test_the_drive_folder_deleted_and_recreated(drive, make_watcher):
    recorder = Recorder(inspect=drive / "code.py")
    make_watcher(drive, recorder, max_wait=0.3)
    shutil.rmtree(drive)
    recorder.wait(lambda: drive in recorder.changes or len(recorder.changes) >= 1)
    recorder.wait(lambda: recorder.settled and drive in recorder.settled[-1])
    count = len(recorder.settled)
    drive.mkdir()
    save(drive / "code.py", "print('back')\n")
    recorder.wait(lambda: len(recorder.settled) > count and recorder.contents[-1] is not None)
    assert any(drive in paths for paths in recorder.settled[count:])
    assert recorder.contents[-1] == b"print('back')\n"
    # the new folder is watched: an ordinary save works again
    count = len(recorder.settled)
    save(drive / "code.py", "print('again')\n")
    recorder.wait(
        lambda: len(recorder.settled) > count and recorder.contents[-1] == b"print('again')\n"
    )
    kinds = [kind for kind, _ in recorder.calls]
    assert kinds == ["change", "settled"] * (len(kinds) // 2)


def test_the_drive_folder_replaced_by_a_rename(drive, make_watcher):
    recorder = Recorder(inspect=drive / "code.py")
    make_watcher(drive, recorder, max_wait=0.3)
    staged = drive.parent / "staged"
    staged.mkdir()
    (staged / "code.py").write_text("print('staged')\n")
    drive.rename(drive.parent / "old")
    staged.rename(drive)
    recorder.wait(lambda: recorder.contents and recorder.contents[-1] == b"print('staged')\n")
    assert drive in recorder.settled[-1]
    count = len(recorder.settled)
    save(drive / "code.py", "print('again')\n")
    recorder.wait(
        lambda: len(recorder.settled) > count and recorder.contents[-1] == b"print('again')\n"
    )


def test_a_missing_drive_folder_is_waited_for(tmp_path, make_watcher):
    root = tmp_path / "CIRCUITPY"
    recorder = Recorder(inspect=root / "code.py")
    make_watcher(root, recorder, max_wait=0.3)
    root.mkdir()
    save(root / "code.py", "print('hello')\n")
    recorder.wait(lambda: recorder.contents and recorder.contents[-1] is not None)
    assert recorder.changes[0] == root


def test_a_folder_without_write_permission(drive, make_watcher):
    recorder = Recorder()
    drive.chmod(0o555)
    try:
        watcher = make_watcher(drive, recorder, max_wait=LONG)
        assert watcher.running
        time.sleep(0.3)
        assert recorder.calls == []
    finally:
        drive.chmod(0o755)


READ_ONLY_MOUNT = textwrap.dedent("""
    import subprocess, sys, threading
    from pathlib import Path
    from protoboard.runtime.watcher import DriveWatcher

    source, mount = Path(sys.argv[1]), Path(sys.argv[2])
    subprocess.run(["mount", "--bind", str(source), str(mount)], check=True)
    subprocess.run(["mount", "-o", "remount,bind,ro", str(mount)], check=True)
    try:
        (mount / "probe").write_text("x")
        sys.exit("the mount is writable")
    except OSError:
        pass
    settled = threading.Event()
    got = []
    watcher = DriveWatcher(mount, on_change=lambda p: None,
                           on_settled=lambda paths: (got.extend(paths), settled.set()))
    watcher.start()
    (source / "code.py").write_text("print('via the writable path')")
    ok = settled.wait(10)
    watcher.stop()
    print("SETTLED", ok, [p.name for p in got])
""")


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("unshare") is None,
    reason="needs Linux user namespaces (unshare)",
)
def test_a_read_only_mount(tmp_path):
    """The drive folder on a read-only bind mount (made in a user namespace): watched, no
    crash, and changes made through another, writable path are seen."""
    source, mount = tmp_path / "source", tmp_path / "mount"
    source.mkdir()
    mount.mkdir()
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"user namespaces unavailable: {probe.stderr.decode().strip()}")
    result = subprocess.run(
        ["unshare", "-rm", sys.executable, "-c", READ_ONLY_MOUNT, str(source), str(mount)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "SETTLED True ['code.py']" in result.stdout, result.stdout + result.stderr
