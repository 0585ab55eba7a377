"""The supervisor and storage bindings against a RunContext, and the write rule (an audit hook,
so it is tested in child processes: a hook cannot be removed from the process that adds it)."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from protoboard import ticks
from protoboard.bindings import storage, supervisor
from protoboard.machine import ResetRequested
from protoboard.runtime import state
from protoboard.runtime.messages import (
    EraseFilesystem,
    OwnWrite,
    ReloadRequest,
    StateChanged,
    ToSupervisor,
    UsbIdentification,
)
from protoboard.runtime.state import NextCodeFile, ReloadRequested, RunContext

ROFS = "[Errno 30] Read-only filesystem"


@dataclass
class Run:
    context: RunContext
    drive: Path
    messages: list[ToSupervisor] = field(default_factory=list)

    def states(self) -> list[dict[str, Any]]:
        return [m.changes for m in self.messages if isinstance(m, StateChanged)]


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    """A drive laid out as a new board's, and a RunContext for code.py that records what the
    bindings tell the supervisor."""
    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    (drive / "code.py").write_text('print("Hello World!")\n')
    (drive / "settings.toml").write_text("")
    (drive / "lib").mkdir()
    messages: list[ToSupervisor] = []
    context = RunContext(drive=drive, notify=messages.append)
    previous = state.current
    state.install(context)
    try:
        yield Run(context, drive, messages)
    finally:
        state.install(previous)


@pytest.fixture
def boot(run: Run) -> Run:
    run.context.in_boot = True
    return run


def test_modules_are_served_on_the_sim_board(sim):
    import storage as storage_module
    import supervisor as supervisor_module

    assert supervisor_module is supervisor
    assert storage_module is storage
    assert repr(supervisor.RunReason.STARTUP) == "supervisor.RunReason.STARTUP"


# --- supervisor.runtime ---------------------------------------------------------------------------


def test_run_and_safe_mode_reasons(run):
    assert supervisor.runtime.run_reason is supervisor.RunReason.STARTUP
    assert supervisor.runtime.safe_mode_reason is supervisor.SafeModeReason.NONE
    for name in ("STARTUP", "AUTO_RELOAD", "SUPERVISOR_RELOAD", "REPL_RELOAD"):
        run.context.run_reason = name
        assert supervisor.runtime.run_reason is getattr(supervisor.RunReason, name)
    run.context.safe_mode_reason = "USER"
    assert repr(supervisor.runtime.safe_mode_reason) == "supervisor.SafeModeReason.USER"
    run.context.safe_mode_reason = "SAFEMODE_PY_ERROR"  # a reason with no member: None
    assert supervisor.runtime.safe_mode_reason is None


@pytest.mark.parametrize("cls", ["Runtime", "StatusBar", "RunReason", "SafeModeReason"])
def test_classes_cannot_be_instantiated(cls):
    with pytest.raises(TypeError, match=f"^cannot create 'supervisor.{cls}' instances$"):
        getattr(supervisor, cls)()


def test_read_only_properties(run):
    for name in (
        "usb_connected",
        "serial_connected",
        "serial_bytes_available",
        "run_reason",
        "safe_mode_reason",
    ):
        with pytest.raises(AttributeError):
            setattr(supervisor.runtime, name, 1)
    run.context.serial_connected = False
    run.context.usb_connected = False
    assert supervisor.runtime.serial_connected is False
    assert supervisor.runtime.usb_connected is False


def test_autoreload_is_remembered(run):
    assert supervisor.runtime.autoreload is True
    supervisor.runtime.autoreload = 0
    assert supervisor.runtime.autoreload is False
    assert run.context.autoreload is False
    assert run.messages == [StateChanged({"autoreload": False})]


def test_rgb_status_brightness(run):
    assert supervisor.runtime.rgb_status_brightness == 63
    supervisor.runtime.rgb_status_brightness = 255
    assert supervisor.runtime.rgb_status_brightness == 255
    assert run.states() == [{"rgb_status_brightness": 255}]
    with pytest.raises(ValueError, match="^brightness must be 0-255$"):
        supervisor.runtime.rgb_status_brightness = 256
    with pytest.raises(ValueError, match="^brightness must be 0-255$"):
        supervisor.runtime.rgb_status_brightness = -1
    with pytest.raises(TypeError, match="^can't convert float to int$"):
        supervisor.runtime.rgb_status_brightness = 1.5


def test_ble_workflow_can_only_be_turned_off(run):
    run.context.ble_workflow = True
    supervisor.runtime.ble_workflow = True
    assert run.messages == []
    supervisor.runtime.ble_workflow = False
    assert supervisor.runtime.ble_workflow is False
    assert run.messages == [StateChanged({"ble_workflow": False})]
    supervisor.runtime.ble_workflow = True  # only a reset turns it back on
    assert supervisor.runtime.ble_workflow is False


def test_display_lasts_for_the_run(run):
    assert supervisor.runtime.display is None
    marker = object()
    supervisor.runtime.display = marker
    assert supervisor.runtime.display is marker
    state.install(RunContext(drive=run.drive))  # the next run
    assert supervisor.runtime.display is None


def test_status_bar(run):
    assert supervisor.status_bar.console is True
    assert supervisor.status_bar.display is True
    supervisor.status_bar.console = False
    supervisor.status_bar.display = False
    assert (supervisor.status_bar.console, supervisor.status_bar.display) == (False, False)
    assert run.states() == [
        {"status_bar_console": False},
        {"status_bar_display": False},
    ]


def test_serial_bytes_available_counts_stdin(run):
    saved = os.dup(0)
    read_end, write_end = os.pipe()
    try:
        os.dup2(read_end, 0)
        assert supervisor.runtime.serial_bytes_available == 0
        os.write(write_end, b"abc")
        assert supervisor.runtime.serial_bytes_available == 3
        with open(run.drive / "code.py", "rb") as regular:
            os.dup2(regular.fileno(), 0)
            assert supervisor.runtime.serial_bytes_available == 0  # not a tty or pipe
    finally:
        os.dup2(saved, 0)
        for fd in (saved, read_end, write_end):
            os.close(fd)


# --- supervisor functions -------------------------------------------------------------------------


def test_reload(run):
    with pytest.raises(ReloadRequested) as info:
        supervisor.reload()
    assert info.value.reason == "SUPERVISOR_RELOAD"
    assert run.messages == [ReloadRequest("SUPERVISOR_RELOAD")]
    assert not isinstance(info.value, Exception)  # `except Exception` in a program misses it


def test_set_next_code_file(run):
    (run.drive / "other.py").write_text("")
    (run.drive / "apps").mkdir()
    supervisor.set_next_code_file("other.py", sticky_on_success=True, reload_on_error=1)
    assert run.context.next_code == NextCodeFile(
        filename="other.py", sticky_on_success=True, reload_on_error=True
    )
    supervisor.set_next_code_file("/other.py", working_directory="/apps")
    assert run.context.next_code == NextCodeFile(filename="/other.py", working_directory="/apps")
    supervisor.set_next_code_file(b"other.py")
    assert run.context.next_code.filename == "other.py"
    supervisor.set_next_code_file(None)  # the last call wins; None resets
    assert run.context.next_code == NextCodeFile()
    supervisor.set_next_code_file(None, sticky_on_reload=True)
    assert run.context.next_code == NextCodeFile(sticky_on_reload=True)
    assert [m["next_code"] for m in run.states()][-1] == NextCodeFile(sticky_on_reload=True)


def test_set_next_code_file_errors(run):
    with pytest.raises(ValueError, match="^File not found$"):
        supervisor.set_next_code_file("missing.py")
    with pytest.raises(ValueError, match="^File not found$"):
        supervisor.set_next_code_file("../" + run.drive.name + "/missing.py")
    with pytest.raises(ValueError, match="^Invalid working_directory$"):
        supervisor.set_next_code_file("code.py", working_directory="/nowhere")
    with pytest.raises(TypeError, match="^filename must be of type str or None, not int$"):
        supervisor.set_next_code_file(1)
    with pytest.raises(TypeError, match="^working_directory must be of type str or None, not int$"):
        supervisor.set_next_code_file("code.py", working_directory=1)
    with pytest.raises(TypeError):
        supervisor.set_next_code_file("code.py", True)  # options are keyword-only
    assert run.messages == []


def test_set_next_code_file_cannot_leave_the_drive(run):
    (run.drive.parent / "outside.py").write_text("")
    with pytest.raises(ValueError, match="^File not found$"):
        supervisor.set_next_code_file("../outside.py")


def test_ticks_ms():
    value = supervisor.ticks_ms()
    assert isinstance(value, int)
    assert 0 <= value < 1 << 29
    assert (ticks.ticks_ms() - value) & ((1 << 29) - 1) < 1000


def test_get_previous_traceback(run):
    assert supervisor.get_previous_traceback() is None
    run.context.previous_traceback = ""
    assert supervisor.get_previous_traceback() is None
    run.context.previous_traceback = "Traceback (most recent call last):\nValueError: x\n"
    assert supervisor.get_previous_traceback() == run.context.previous_traceback


def test_reset_terminal_needs_displayio():
    with pytest.raises(NotImplementedError):
        supervisor.reset_terminal(320, 240)


def test_set_usb_identification(run):
    supervisor.set_usb_identification("Maker", "Gadget", 0x1234, 0x5678)
    assert run.messages == []  # no effect outside boot.py, as on a board
    run.context.in_boot = True
    supervisor.set_usb_identification(product=b"Gadget")
    assert run.messages == [
        UsbIdentification(
            manufacturer=None,
            product="Gadget",
            vid=-1,
            pid=-1,
        )
    ]
    with pytest.raises(ValueError, match="^vid must be -1-65535$"):
        supervisor.set_usb_identification(vid=0x10000)
    with pytest.raises(ValueError, match="^pid must be -1-65535$"):
        supervisor.set_usb_identification(pid=-2)
    with pytest.raises(ValueError, match="^manufacturer length must be 0-126$"):
        supervisor.set_usb_identification("m" * 127)
    with pytest.raises(TypeError):
        supervisor.set_usb_identification(manufacturer=5)


def test_get_setting_reads_the_drive(run):
    (run.drive / "settings.toml").write_text(
        'WIDTH = 42\ncolor = "red"\nDEBUG = true\nRATIO = 1.5\nBAD = nope\n'
    )
    assert supervisor.get_setting("WIDTH") == 42
    assert supervisor.get_setting("color") == "red"
    assert supervisor.get_setting("DEBUG") is True
    assert supervisor.get_setting("RATIO") == 1.5
    assert supervisor.get_setting("MISSING", "dflt") == "dflt"
    assert supervisor.get_setting(key="MISSING", default=3) == 3
    with pytest.raises(ValueError, match="^Invalid value$"):
        supervisor.get_setting("BAD")


# --- storage: remount and the USB drive -----------------------------------------------------------


def test_circuitpy_is_read_only_to_the_program_by_default(run):
    root = storage.getmount("/")
    assert isinstance(root, storage.VfsFat)
    assert root.label == "CIRCUITPY"
    assert root.readonly is True
    with root.open("/code.py", "r") as stream:
        assert stream.read() == 'print("Hello World!")\n'
    for attempt in (
        lambda: root.open("new.txt", "w"),
        lambda: root.open("code.py", "a"),
        lambda: root.open("code.py", "r+"),
        lambda: root.mkdir("/new"),
        lambda: root.rmdir("/lib"),
        lambda: root.remove("code.py"),
        lambda: root.rename("code.py", "x.py"),
        lambda: root.utime("code.py", (0, 0)),
    ):
        with pytest.raises(OSError) as info:
            attempt()
        assert info.value.errno == errno.EROFS
        assert str(info.value) == ROFS
    assert sorted(os.listdir(run.drive)) == ["code.py", "lib", "settings.toml"]
    assert run.messages == []


def test_remount_in_boot_py(boot):
    storage.remount("/", readonly=False)
    assert (boot.context.python_writable, boot.context.usb_writable) == (True, False)
    assert boot.messages == [StateChanged({"python_writable": True, "usb_writable": False})]
    assert storage.getmount("/").readonly is False
    storage.remount("/", True)
    assert (boot.context.python_writable, boot.context.usb_writable) == (False, True)
    storage.remount("/", False, disable_concurrent_write_protection=True)
    assert (boot.context.python_writable, boot.context.usb_writable) == (True, True)


def test_remount_outside_boot_py(run):
    with pytest.raises(RuntimeError, match=r"^Cannot remount path when visible via USB\.$"):
        storage.remount("/", readonly=False)
    assert run.messages == []
    storage.unsafe_disable_usb_drive()  # the host no longer holds the drive
    assert (
        run.context.python_writable,
        run.context.usb_writable,
        run.context.usb_drive_enabled,
    ) == (True, False, False)
    storage.remount("/", readonly=True)
    assert run.context.python_writable is False


def test_remount_paths(boot):
    with pytest.raises(OSError) as info:
        storage.remount("/lib")
    assert info.value.errno == errno.EINVAL
    assert str(info.value) == "[Errno 22] Invalid argument"
    with pytest.raises(TypeError):
        storage.remount("/", False, True)  # disable_concurrent_write_protection is keyword-only
    storage.remount("/./lib/..")
    assert boot.context.python_writable is True


def test_disable_and_enable_usb_drive(run):
    with pytest.raises(RuntimeError, match="^Cannot change USB devices now$"):
        storage.disable_usb_drive()
    run.context.in_boot = True
    storage.disable_usb_drive()
    assert (
        run.context.usb_drive_enabled,
        run.context.usb_writable,
        run.context.python_writable,
    ) == (False, False, True)
    storage.enable_usb_drive()
    assert (
        run.context.usb_drive_enabled,
        run.context.usb_writable,
        run.context.python_writable,
    ) == (True, True, False)
    assert [m["usb_drive_enabled"] for m in run.states()] == [False, True]


def test_erase_filesystem(run):
    with pytest.raises(ResetRequested):
        storage.erase_filesystem()
    assert run.messages == [EraseFilesystem()]
    with pytest.raises(NotImplementedError, match="^extended=True$"):
        storage.erase_filesystem(extended=True)
    with pytest.raises(TypeError):
        storage.erase_filesystem(False)  # keyword-only, as in CircuitPython's C code
    assert run.drive.joinpath("code.py").exists()  # the supervisor does the erasing


# --- storage: VfsFat on a folder ------------------------------------------------------------------


def test_vfsfat_operations_when_writable(boot):
    storage.remount("/", False)
    boot.messages.clear()
    root = storage.getmount("/")
    with root.open("/data.txt", "w") as stream:
        stream.write("a\r\nb")
    with root.open("data.txt", "r") as stream:
        assert stream.read() == "a\r\nb"  # no newline translation, as on a board
    with root.open("data.txt", "rb") as stream:
        assert stream.read() == b"a\r\nb"
    root.mkdir("/dir")
    root.mkdir("dir/sub")
    assert root.stat("/data.txt")[:7] == (stat.S_IFREG, 0, 0, 0, 0, 0, 4)
    assert root.stat("/dir")[0] == stat.S_IFDIR
    assert root.stat("/dir")[7] % 2 == 0  # FAT's 2-second resolution
    assert root.stat("/") == (stat.S_IFDIR, 0, 0, 0, 0, 0, 0, 946684800, 946684800, 946684800)
    assert list(root.ilistdir("/")) == [
        ("code.py", 0x8000, 0, 22),
        ("data.txt", 0x8000, 0, 4),
        ("dir", 0x4000, 0, 0),
        ("lib", 0x4000, 0, 0),
        ("settings.toml", 0x8000, 0, 0),
    ]
    assert [entry[0] for entry in root.ilistdir(b"/dir")] == [b"sub"]
    statvfs = root.statvfs(0)
    assert len(statvfs) == 10 and statvfs[9] == 255 and statvfs[0] > 0
    root.chdir("/dir")
    assert root.getcwd() == "/dir"
    assert [entry[0] for entry in root.ilistdir("")] == ["sub"]
    root.chdir("/")
    root.rename("data.txt", "dir/moved.txt")
    (boot.drive / "other.txt").write_text("x")
    root.rename("other.txt", "dir/moved.txt")  # an existing file is replaced
    assert (boot.drive / "dir" / "moved.txt").read_text() == "x"
    root.utime("dir/moved.txt", (1_000_000_000, 0))
    assert os.stat(boot.drive / "dir" / "moved.txt").st_mtime == 1_000_000_000
    root.remove("dir/moved.txt")
    root.rmdir("dir/sub")
    root.rmdir("dir")
    assert not (boot.drive / "dir").exists()
    writes = [m.path for m in boot.messages if isinstance(m, OwnWrite)]
    resolved = str(boot.drive.resolve())
    assert writes[0] == os.path.join(resolved, "data.txt")
    assert all(path.startswith(resolved) for path in writes)
    # one per path written: open, 2 mkdir, 2 renames (source and destination), utime,
    # remove, 2 rmdir
    assert len(writes) == 11


def test_vfsfat_errors(boot):
    storage.remount("/", False)
    root = storage.getmount("/")

    def error(call: Any) -> OSError:
        with pytest.raises(OSError) as info:
            call()
        return info.value

    assert str(error(lambda: root.open("missing.txt", "r"))) == (
        "[Errno 2] No such file/directory: 'missing.txt'"
    )
    assert error(lambda: root.mkdir("lib")).errno == errno.EEXIST
    assert str(error(lambda: root.mkdir("lib"))) == "[Errno 17] File exists"
    assert error(lambda: root.mkdir("no/parent")).errno == errno.ENOENT
    (boot.drive / "lib" / "module.py").write_text("")
    assert str(error(lambda: root.rmdir("lib"))) == "[Errno 13] Permission denied"
    assert error(lambda: root.rmdir("code.py")).errno == errno.ENOTDIR
    assert str(error(lambda: root.rmdir("code.py"))) == "[Errno 20] ENOTDIR"
    assert str(error(lambda: root.remove("lib"))) == "[Errno 21] EISDIR"
    assert error(lambda: root.rmdir("/")).errno == errno.EINVAL
    assert error(lambda: root.rename("code.py", "lib")).errno == errno.EISDIR
    assert error(lambda: root.stat("nothing")).errno == errno.ENOENT
    assert error(lambda: root.ilistdir("nothing")).errno == errno.ENOENT
    for mode in ("", "rw", "r++", "rbt", "q", "rU"):
        with pytest.raises(ValueError, match="^Invalid mode$"):
            root.open("code.py", mode)


def test_vfsfat_label(run):
    root = storage.getmount("/")
    with pytest.raises(OSError) as info:
        root.label = "NEW"
    assert info.value.errno == errno.EROFS
    storage.unsafe_disable_usb_drive()
    root.label = "MyBoard"
    assert root.label == "MYBOARD"
    for bad in ("TWELVE_CHARS", "a.b", "a*b"):
        with pytest.raises(OSError) as info:
            root.label = bad
        assert info.value.errno == errno.EINVAL
    assert storage.getmount("/").label == "MYBOARD"


def test_vfsfat_construction(tmp_path):
    folder = tmp_path / "card"
    folder.mkdir()
    vfs = storage.VfsFat(folder)
    assert vfs.readonly is False
    assert list(vfs.ilistdir("/")) == []
    with pytest.raises(OSError) as info:
        storage.VfsFat(tmp_path / "missing")
    assert info.value.errno == errno.ENODEV
    with pytest.raises(AttributeError, match="'bytearray' object has no attribute 'readblocks'"):
        storage.VfsFat(bytearray(512))
    with pytest.raises(NotImplementedError):
        storage.VfsFat.mkfs(folder)


def test_mount_and_umount(run, tmp_path):
    card = tmp_path / "card"
    card.mkdir()
    (card / "log.txt").write_text("1\n")
    (run.drive / "sd").mkdir()
    vfs = storage.VfsFat(str(card))
    with pytest.raises(RuntimeError, match="^Mount point directory missing$"):
        storage.mount(vfs, "/nowhere")
    with pytest.raises(TypeError, match="^filesystem must be of type VfsFat, not str$"):
        storage.mount("card", "/sd")
    storage.mount(vfs, "/sd", readonly=True)
    assert storage.getmount("/sd") is vfs
    assert storage.getmount("/sd/") is vfs
    assert vfs.readonly is True
    assert [entry[0] for entry in vfs.ilistdir("/")] == ["log.txt"]
    with pytest.raises(OSError) as info:
        vfs.open("log.txt", "a")
    assert str(info.value) == ROFS
    with pytest.raises(OSError) as info:
        storage.mount(storage.VfsFat(card), "/sd")
    assert info.value.errno == errno.EPERM
    assert str(info.value) == "[Errno 1] Operation not permitted"
    with pytest.raises(OSError) as info:
        storage.mount(storage.VfsFat(card), "/")
    assert info.value.errno == errno.EPERM
    storage.remount("/sd", readonly=False)  # no USB lock on a mount of the program's own
    with vfs.open("log.txt", "a") as stream:
        stream.write("2\n")
    assert (card / "log.txt").read_text() == "1\n2\n"
    assert run.messages == []  # writes outside CIRCUITPY are not reported
    storage.umount("/sd")
    with pytest.raises(OSError) as info:
        storage.getmount("/sd")
    assert info.value.errno == errno.EINVAL
    with pytest.raises(OSError) as info:
        storage.umount("/sd")
    assert info.value.errno == errno.EINVAL
    storage.mount(vfs, "/sd")
    storage.umount(vfs)
    with pytest.raises(OSError):
        storage.umount(vfs)


def test_mount_table_is_per_run(run, tmp_path):
    card = tmp_path / "card"
    card.mkdir()
    (run.drive / "sd").mkdir()
    storage.mount(storage.VfsFat(card), "/sd")
    state.install(RunContext(drive=run.drive))
    with pytest.raises(OSError):
        storage.getmount("/sd")
    assert storage.getmount("/").label == "CIRCUITPY"


def test_no_drive_outside_the_runtime(run):
    state.install(RunContext())  # the fixture puts the previous context back
    with pytest.raises(OSError) as info:
        storage.getmount("/")
    assert info.value.errno == errno.EINVAL
    assert supervisor.get_setting("ANY", 1) == 1


# --- the write rule (child processes) ------------------------------------------------------------

HELPER = textwrap.dedent("""
    import json, os, pathlib, shutil, sys, tempfile
    from protoboard.runtime import state, writerule
    from protoboard.runtime.messages import OwnWrite

    config = json.loads(sys.argv[1])
    D, O = config["drive"], config["outside"]
    messages = []

    def notify(message):
        if isinstance(message, OwnWrite):  # as JSON for the test
            message = {"type": "own_write", "path": message.path,
                       "existed": os.path.lexists(message.path)}
        else:
            message = {"type": type(message).__name__}
        messages.append(message)

    drive = pathlib.Path(D) if config["install_drive"] else None
    writerule.install(state.RunContext(drive=drive, python_writable=config["writable"],
                                       notify=notify))
    results = []
    for code in config["ops"]:
        before = len(messages)
        try:
            exec(code, {"os": os, "shutil": shutil, "pathlib": pathlib, "tempfile": tempfile,
                        "D": D, "O": O, "state": state, "P": os.path.join})
            outcome = "ok"
        except OSError as exc:
            outcome = [exc.errno, str(exc)]
        results.append({"code": code, "outcome": outcome, "messages": messages[before:]})
    print(json.dumps(results))
""")


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    """A drive and an outside folder, with symlinks both ways."""
    drive = tmp_path / "CIRCUITPY"
    outside = tmp_path / "outside"
    for folder in (drive, outside, drive / "lib", drive / "lib" / "pkg"):
        folder.mkdir()
    (drive / "code.py").write_text("print(1)\n")
    (drive / "lib" / "pkg" / "m.py").write_text("")
    (outside / "target.txt").write_text("t")
    (outside / "file.txt").write_text("f")
    (outside / "into_drive.txt").symlink_to(drive / "code.py")
    (drive / "to_outside.txt").symlink_to(outside / "target.txt")
    return {"drive": drive, "outside": outside}


def run_ops(
    world: dict[str, Path], ops: list[str], *, writable: bool = False, drive: bool = True
) -> list[dict[str, Any]]:
    config = {
        "drive": str(world["drive"]),
        "install_drive": drive,
        "outside": str(world["outside"]),
        "writable": writable,
        "ops": ops,
    }
    helper = world["drive"].parent / "helper.py"
    helper.write_text(HELPER)
    completed = subprocess.run(
        [sys.executable, str(helper), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=world["drive"].parent,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


BLOCKED_WRITES = [
    "open(P(D, 'new.txt'), 'w')",
    "open(P(D, 'code.py'), 'a')",
    "open(P(D, 'code.py'), 'r+')",
    "open(P(D, 'code.py'), 'wb')",
    "open(P(D, 'new.txt'), 'x')",
    "os.open(P(D, 'code.py'), os.O_WRONLY)",
    "os.open(P(D, 'code.py'), os.O_RDWR)",
    "os.open(P(D, 'new.txt'), os.O_RDONLY | os.O_CREAT)",
    "os.remove(P(D, 'code.py'))",
    "os.unlink(P(D, 'code.py'))",
    "os.rename(P(D, 'code.py'), P(D, 'main.py'))",
    "os.rename(P(D, 'code.py'), P(O, 'stolen.py'))",
    "os.replace(P(O, 'file.txt'), P(D, 'code.py'))",
    "os.mkdir(P(D, 'newdir'))",
    "os.makedirs(P(D, 'a', 'b'))",
    "os.rmdir(P(D, 'lib', 'pkg'))",
    "os.chmod(P(D, 'code.py'), 0o600)",
    "os.truncate(P(D, 'code.py'), 0)",
    "os.utime(P(D, 'code.py'))",
    "os.link(P(D, 'code.py'), P(O, 'hard.py'))",
    "os.symlink(P(O, 'file.txt'), P(D, 'link.txt'))",
    "shutil.copy(P(O, 'file.txt'), D)",
    "shutil.copytree(P(D, 'lib'), P(D, 'lib2'))",
    "shutil.rmtree(P(D, 'lib'))",
    "shutil.move(P(D, 'code.py'), O)",
    "pathlib.Path(D, 'x.txt').write_text('x')",
    "pathlib.Path(D, 'x.txt').touch()",
    "pathlib.Path(D, 'code.py').unlink()",
    "tempfile.mkstemp(dir=D)",
    "os.chdir(D); open('relative.txt', 'w')",
    "os.chdir(P(D, 'lib')); os.remove('../code.py')",
    "fd = os.open(D, os.O_RDONLY); os.unlink('code.py', dir_fd=fd)",
    "fd = os.open(P(D, 'code.py'), os.O_RDONLY); os.truncate(fd, 0)",
    "open(P(O, 'into_drive.txt'), 'w')",  # a link from outside, written through
    "os.remove(P(D, 'to_outside.txt'))",  # the link itself lives in the drive
    "os.rename(P(D, 'lib', '..', 'code.py'), P(O, 'x'))",
    "import sqlite3; sqlite3.connect(P(D, 'data.db'))",
]


def test_write_rule_blocks_every_kind_of_write(world):
    results = run_ops(world, BLOCKED_WRITES)
    for result in results:
        assert result["outcome"] == [errno.EROFS, ROFS], result["code"]
        assert result["messages"] == []
    drive = world["drive"]
    assert sorted(os.listdir(drive)) == ["code.py", "lib", "to_outside.txt"]
    assert (drive / "code.py").read_text() == "print(1)\n"
    assert (drive / "lib" / "pkg" / "m.py").exists()


ALLOWED = [
    "open(P(D, 'code.py')).read()",
    "open(P(D, 'code.py'), 'rb').read()",
    "os.close(os.open(P(D, 'code.py'), os.O_RDONLY))",
    "os.listdir(D); os.stat(P(D, 'code.py')); pathlib.Path(D, 'code.py').read_text()",
    "shutil.copy(P(D, 'code.py'), P(O, 'copy.py'))",
    "open(P(O, 'new.txt'), 'w').write('x')",
    "os.mkdir(P(O, 'dir')); os.rmdir(P(O, 'dir'))",
    "open(P(D, 'to_outside.txt'), 'w').write('changed')",  # follows the link out of the drive
    "os.remove(P(O, 'into_drive.txt'))",  # removes the outside link only
    "tempfile.mkstemp(dir=O)",
    "import sqlite3; sqlite3.connect(':memory:').close()",
]


def test_write_rule_never_blocks_reads_or_the_outside(world):
    results = run_ops(world, ALLOWED)
    for result in results:
        assert result["outcome"] == "ok", result
        assert result["messages"] == []
    assert (world["outside"] / "target.txt").read_text() == "changed"
    assert (world["drive"] / "code.py").exists()


def test_write_rule_reports_own_writes_first(world):
    drive = str(world["drive"].resolve())
    results = run_ops(
        world,
        [
            "open(P(D, 'log.txt'), 'w').write('1')",
            "os.rename(P(D, 'log.txt'), P(D, 'old.txt'))",
            "os.mkdir(P(D, 'data'))",
            "os.remove(P(D, 'old.txt'))",
            "open(P(D, 'code.py')).read()",
            "open(P(O, 'elsewhere.txt'), 'w')",
            "from protoboard.bindings import storage; "
            "storage.getmount('/').open('/v.txt', 'w').close()",
        ],
        writable=True,
    )
    assert [r["outcome"] for r in results] == ["ok"] * 7
    messages = [[(m["type"], m["path"], m["existed"]) for m in r["messages"]] for r in results]
    assert messages == [
        [("own_write", os.path.join(drive, "log.txt"), False)],
        [
            ("own_write", os.path.join(drive, "log.txt"), True),
            ("own_write", os.path.join(drive, "old.txt"), False),
        ],
        [("own_write", os.path.join(drive, "data"), False)],
        [("own_write", os.path.join(drive, "old.txt"), True)],
        [],
        [],
        [("own_write", os.path.join(drive, "v.txt"), False)],  # once: no double report
    ]


def test_write_rule_follows_the_context(world):
    results = run_ops(
        world,
        [
            "open(P(D, 'a.txt'), 'w')",
            "state.current.python_writable = True",
            "open(P(D, 'a.txt'), 'w')",
            "state.current.python_writable = False",
            "from protoboard.runtime import writerule\n"
            "with writerule.internal_writes(): open(P(D, 'internal.txt'), 'w').close()",
            "state.install(state.RunContext(drive=None))",
            "open(P(D, 'b.txt'), 'w')",
        ],
    )
    assert [r["outcome"] for r in results] == [[errno.EROFS, ROFS]] + ["ok"] * 6
    assert all(r["messages"] == [] for r in results[3:])
    assert (world["drive"] / "internal.txt").exists()
    assert (world["drive"] / "a.txt").exists() and (world["drive"] / "b.txt").exists()


def test_write_rule_without_a_drive_does_nothing(world):
    results = run_ops(world, ["open(P(D, 'free.txt'), 'w')"], drive=False)
    assert results[0]["outcome"] == "ok"
