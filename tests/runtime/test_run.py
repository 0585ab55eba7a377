"""protoboard run end to end: real supervisor, VM processes, files and console."""

import textwrap
import time

LOOP_FOREVER = "import time\nprint('looping')\nwhile True:\n    time.sleep(0.01)\n"


def code(text):
    return textwrap.dedent(text).lstrip()


def test_first_boot_runs_hello_world_and_writes_boot_out(tmp_path, start_board):
    drive = tmp_path / "new"
    board = start_board(drive=drive)
    board.wait_for(r"code\.py output:\n")
    board.wait_for(r"Hello World!\n\nCode done running\.\n")
    board.wait_for(
        r"Auto-reload is on\. Simply save files over USB to run them or enter REPL "
        r"to disable\.\n\nPress any key to enter the REPL\. Use CTRL-D to reload\."
    )
    assert sorted(p.name for p in drive.iterdir()) == [
        "boot_out.txt",
        "code.py",
        "lib",
        "settings.toml",
    ]
    boot_out = (drive / "boot_out.txt").read_text().splitlines()
    assert boot_out[0].startswith("Protoboard 0.1.0 on ")
    assert boot_out[0].endswith("; Protoboard Simulated Feather with SIM32")
    assert boot_out[1] == "Board ID:protoboard_sim"
    assert boot_out[2].startswith("UID:")
    time.sleep(0.5)
    assert "soft reboot" not in board.output  # writing boot_out.txt is not a change


def test_saving_code_py_runs_it_again(start_board):
    board = start_board({"code.py": "print('first')\n"})
    board.wait_for("first")
    board.wait_for("Press any key")
    board.save("code.py", "print('second')\n")
    board.wait_for(r"soft reboot\n")
    board.wait_for(r"code\.py output:\nsecond\n")


def test_running_code_is_stopped_by_a_save(start_board):
    board = start_board({"code.py": LOOP_FOREVER})
    board.wait_for("looping")
    board.save("code.py", "print('replaced')\n")
    board.wait_for(r"Code stopped by auto-reload\. Reloading soon\.")
    board.wait_for("replaced")


def test_code_that_ignores_interrupts_is_still_replaced(start_board):
    stubborn = code("""
        import time
        print('stubborn')
        while True:
            try:
                while True:
                    time.sleep(0.01)
            except BaseException:
                pass
    """)
    board = start_board({"code.py": stubborn})
    board.wait_for("stubborn")
    board.save("code.py", "print('free again')\n")
    board.wait_for(r"Code stopped by auto-reload\. Reloading soon\.")
    board.wait_for("free again")
    assert board.output.count("stubborn") == 1


def test_traceback_and_sys_exit(start_board):
    board = start_board({"code.py": "import board\nprint(board.NOPE)\n"})
    board.wait_for(
        r'Traceback \(most recent call last\):\n  File "code\.py", line 2, in '
        r"<module>\nAttributeError: module 'board' has no attribute 'NOPE'\n"
        r"\(Hint: .*\)\n\n"  # Protoboard's line after the board's traceback
        r"Code done running\."
    )
    board.save("code.py", "import sys\nprint('bye')\nsys.exit()\nprint('never')\n")
    board.wait_for(r"bye\n\nCode done running\.")
    assert "never" not in board.output


def test_repl_from_the_terminal(start_board):
    board = start_board({"code.py": "x = 41\n"})
    board.wait_for("Press any key")
    board.type(b"\r")
    board.wait_for(r"Protoboard 0\.1\.0 on .*SIM32\n>>> ")
    board.type(b"40 + 2\r")
    board.wait_for(r"42\n>>> ")
    board.type(b"for i in range(2):\r")
    board.wait_for(r"\.\.\.     ")  # auto-indent, as on a board: type the body without spaces
    board.type(b"print('line', i)\r\r\r\r")  # two blank lines end it, a third Enter runs it
    board.wait_for(r"line 0\nline 1\n>>> ")
    board.type(b"undefined\r")
    board.wait_for(r"NameError: name 'undefined' is not defined\n>>> ")
    board.type(b"\x04")  # Ctrl-D: soft reboot, code runs again
    board.wait_for(r"soft reboot\n")
    board.wait_for("Press any key")


def test_ctrl_c_interrupts_running_code(start_board):
    board = start_board({"code.py": LOOP_FOREVER})
    board.wait_for("looping")
    board.type(b"\x03")
    board.wait_for(r"KeyboardInterrupt.*\n\nCode done running\.")


def test_save_during_repl_does_not_reload(start_board):
    board = start_board({"code.py": "print('once')\n"})
    board.wait_for("Press any key")
    board.type(b"\r")
    board.wait_for(">>> ")
    board.save("code.py", "print('twice')\n")
    time.sleep(1.0)
    board.type(b"1\r")
    board.wait_for(r"1\n>>> ")
    assert "twice" not in board.output


def test_crash_enters_safe_mode(start_board):
    board = start_board({"code.py": "import os\nos.abort()\n"})
    board.wait_for(
        r"Running in safe mode! Not running saved code\.\n\nYou are in safe mode "
        r"because:\nCircuitPython core code crashed hard\. Whoops!"
    )
    board.wait_for(r"Press reset to exit safe mode\.")
    board.wait_for("crashed", stream="err")


def test_safe_mode_flag_skips_code_and_boot(start_board):
    board = start_board(
        {"code.py": "print('should not run')\n", "boot.py": "print('nor this')\n"},
        args=("--safe-mode",),
    )
    board.wait_for(r"You are in safe mode because:\nYou pressed the reset button during boot\.")
    board.wait_for("Press any key")
    assert "should not run" not in board.output


def test_memory_limit_gives_memory_error(start_board):
    board = start_board(
        {"code.py": "hog = bytearray(400 * 1024 * 1024)\n"}, args=("--memory-limit", "200")
    )
    board.wait_for(r"MemoryError")
    board.wait_for(r"200 MiB")
    board.wait_for("Code done running")


def test_many_saves_end_with_the_last_program(start_board):
    board = start_board({"code.py": "print('start')\n"})
    board.wait_for("start")
    for number in range(200):
        board.save("code.py", f"print('version {number}')\n")
        time.sleep(0.01)
    board.wait_for(r"version 199\n")
    assert board.proc.poll() is None


def test_writes_need_a_remount_in_boot_py(start_board):
    writer = "open('log.txt', 'w').write('hi')\nprint('wrote it')\n"
    board = start_board({"code.py": writer})
    board.wait_for(r"OSError: \[Errno 30\] Read-only filesystem")
    board.stop()
    board = start_board(
        {
            "code.py": writer,
            "boot.py": "import storage\nstorage.remount('/', readonly=False)\nprint('remounted')\n",
        }
    )
    board.wait_for("wrote it")
    time.sleep(0.5)
    assert board.output.count("wrote it") == 1  # the program's own write is not a reload
    boot_out = (board.drive / "boot_out.txt").read_text()
    assert "boot.py output:\nremounted\n" in boot_out


def test_settings_and_getenv(start_board):
    board = start_board(
        {
            "settings.toml": 'GREETING = "hello"\nCOUNT = 3\n',
            "code.py": "import os, supervisor\nprint(repr(os.getenv('GREETING')), "
            "repr(os.getenv('COUNT')), repr(supervisor.get_setting('COUNT')))\n",
        }
    )
    board.wait_for(r"'hello' '3' 3\n")


def test_supervisor_reload_and_run_reason(start_board):
    program = code("""
        import supervisor
        reason = supervisor.runtime.run_reason
        print('reason', reason)
        if reason == supervisor.RunReason.STARTUP:
            supervisor.reload()
    """)
    board = start_board({"code.py": program})
    board.wait_for(r"reason supervisor\.RunReason\.STARTUP")
    board.wait_for(r"reason supervisor\.RunReason\.SUPERVISOR_RELOAD")


def test_autoreload_off_persists(start_board):
    board = start_board(
        {"code.py": "import supervisor\nsupervisor.runtime.autoreload = False\nprint('off')\n"}
    )
    board.wait_for(r"Auto-reload is off\.")
    board.save("code.py", "print('ignored')\n")
    time.sleep(1.0)
    assert "ignored" not in board.output
    board.type(b"\x04")  # Ctrl-D still reloads, and the new file runs
    board.wait_for("ignored")
    board.wait_for(r"Auto-reload is off\.")


def test_next_code_file_and_previous_traceback(start_board):
    board = start_board(
        {
            "code.py": code("""
            import supervisor
            print('main, last error:', supervisor.get_previous_traceback())
            supervisor.set_next_code_file('other.py', reload_on_success=True)
        """),
            "other.py": "print('other ran')\nraise ValueError('boom')\n",
        }
    )
    board.wait_for("main, last error: None")
    board.wait_for(r"other\.py output:\nother ran")
    board.wait_for("ValueError: boom")


def test_double_extension_warning(start_board):
    board = start_board({"code.py.txt": "print('hidden extension')\n"})
    (board.drive / "code.py").unlink(missing_ok=True)
    board.wait_for(r"WARNING: Your code filename has two extensions\nhidden extension")


def test_world_settings_survive_reloads(start_board):
    import subprocess
    import sys

    board = start_board(
        {
            "code.py": "import board, digitalio\nb = digitalio.DigitalInOut("
            "board.BUTTON)\nb.pull = digitalio.Pull.UP\n"
            "print('button', b.value)\n"
        }
    )
    board.wait_for("button True")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "protoboard.cli",
            "sim",
            "set",
            "BUTTON.pressed",
            "true",
            "--drive",
            str(board.drive),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    board.save("code.py", board.drive.joinpath("code.py").read_text() + "\n")
    board.wait_for("button False")
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "protoboard.cli",
            "sim",
            "set",
            "NOPE.x",
            "1",
            "--drive",
            str(board.drive),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode == 2 and "no part named 'NOPE'" in bad.stderr


def test_no_processes_left_behind(start_board):
    board = start_board({"code.py": LOOP_FOREVER})
    board.wait_for("looping")
    for number in range(3):
        board.save("code.py", LOOP_FOREVER.replace("looping", f"loop {number}"))
        board.wait_for(f"loop {number}")
    children = board.descendants()
    assert children, "a VM should be running"
    assert board.stop() == 0
    time.sleep(0.5)
    import os

    alive = [pid for pid in children if os.path.exists(f"/proc/{pid}")]
    assert alive == []


def test_drive_that_disappears_and_comes_back(start_board):
    import shutil

    board = start_board({"code.py": "print('here')\n"})
    board.wait_for("here")
    saved = board.drive.with_name("saved")
    shutil.move(board.drive, saved)
    board.wait_for("does not exist", timeout=10)
    shutil.move(saved, board.drive)
    board.save("code.py", "print('back again')\n")
    board.wait_for("back again")


def test_malformed_settings_are_reported_and_code_still_runs(start_board):
    board = start_board(
        {
            "settings.toml": 'CIRCUITPY_WEB_API_PORT = "not a number\nOTHER = 1\n',
            "code.py": "print('still runs')\n",
        }
    )
    board.wait_for(
        r"An error occurred while retrieving 'CIRCUITPY_WEB_API_PORT':\nInvalid "
        r"format\n"
    )
    board.wait_for("still runs")


def test_binary_junk_output_does_not_hurt_the_console(start_board):
    junk = "import sys\nsys.stdout.buffer.write(bytes(range(256)) * 4)\nprint()\nprint('after')\n"
    board = start_board({"code.py": junk})
    board.wait_for(r"after\n")
    board.save("code.py", "print('next run')\n")
    board.wait_for("next run")


def test_blocking_read_is_replaced_by_a_save(start_board):
    board = start_board({"code.py": "print('waiting for you')\nname = input('name? ')\n"})
    board.wait_for(r"name\? ")
    board.save("code.py", "print('no longer waiting')\n")
    board.wait_for("no longer waiting")


def test_code_that_deletes_itself(start_board):
    board = start_board(
        {
            "boot.py": "import storage\nstorage.remount('/', readonly=False)\n",
            "code.py": "import os\nos.remove('code.py')\nprint('gone')\n",
        }
    )
    board.wait_for(r"gone\n\nCode done running\.")
    assert not (board.drive / "code.py").exists()
    board.wait_for("Press any key")
    board.type(b"\x04")  # reload: no code file now, straight to the wait loop
    board.wait_for(r"soft reboot\n")
    board.wait_for("Press any key")


def test_safemode_py_and_programmatic_safe_mode(start_board):
    board = start_board(
        {
            "code.py": "import microcontroller\nmicrocontroller.on_next_reset("
            "microcontroller.RunMode.SAFE_MODE)\nmicrocontroller.reset()\n",
            "safemode.py": "import supervisor\nprint('safemode.py ran:', "
            "supervisor.runtime.safe_mode_reason)\n",
        }
    )
    board.wait_for(
        r"You are in safe mode because:\nThe `microcontroller` module was used to "
        r"boot into safe mode\."
    )
    board.wait_for(r"safemode\.py ran: supervisor\.SafeModeReason\.PROGRAMMATIC")
    board.wait_for("Press any key")


def test_repl_over_a_pty_with_pyserial(start_board):
    import re

    import serial

    board = start_board({"code.py": "print('ready')\n"}, args=("--console", "pty"))
    path = re.search(
        r"serial console: (/dev/pts/\d+)",
        board.wait_for(r"serial console: /dev/pts/\d+", stream="err"),
    ).group(1)
    board.wait_for("Press any key")
    with serial.Serial(path, timeout=0.2) as port:
        port.write(b"\r")
        seen = b""
        deadline = time.monotonic() + 15
        while b">>> " not in seen and time.monotonic() < deadline:
            seen += port.read(256)
        assert b">>> " in seen
        port.write(b"print(6 * 7)\r")
        seen = b""
        while b"42\r\n>>> " not in seen and time.monotonic() < deadline:
            seen += port.read(256)
        assert b"42\r\n>>> " in seen
    board.wait_for(r"42\n>>> ")  # the terminal mirrors what the pty did


def test_tcp_console_with_pyserial_socket_url(start_board):
    import re

    import serial

    board = start_board(
        {"code.py": "import time\nwhile True:\n    print('tick')\n    time.sleep(0.1)\n"},
        args=("--console", "tcp:0"),
    )
    port = re.search(
        r"socket://127\.0\.0\.1:(\d+)", board.wait_for(r"socket://127\.0\.0\.1:\d+", stream="err")
    ).group(1)
    link = serial.serial_for_url(f"socket://127.0.0.1:{port}", timeout=0.2)
    try:
        seen = b""
        deadline = time.monotonic() + 15
        while b"tick" not in seen and time.monotonic() < deadline:
            seen += link.read(256)
        assert b"tick" in seen
        link.write(b"\x03")  # Ctrl-C from the TCP client stops the program
        board.wait_for(r"KeyboardInterrupt")
    finally:
        link.close()


def test_next_code_file_applies_once_unless_sticky(start_board):
    board = start_board(
        {
            "code.py": (
                "import supervisor\nprint('main')\nsupervisor.set_next_code_file('other.py')\n"
            ),
            "other.py": "print('other')\n",
        }
    )
    board.wait_for(r"code\.py output:\nmain\n")
    board.wait_for("Press any key")  # keys typed while code runs are the program's input
    board.type(b"\x04")
    board.wait_for(r"other\.py output:\nother\n")
    board.wait_for("Press any key")
    board.type(b"\x04")  # not sticky: back to code.py
    board.wait_for(r"code\.py output:\nmain\n")


def test_repl_paste_mode_and_completion(start_board):
    board = start_board({"code.py": "pass\n"})
    board.wait_for("Press any key")
    board.type(b"\r")
    board.wait_for(">>> ")
    board.type(b"\x05")
    board.wait_for(r"paste mode; Ctrl-C to cancel, Ctrl-D to finish\n=== ")
    board.type(b"def twice(x):\r    return 2 * x\rprint(twice(21))\r\x04")
    board.wait_for(r"42\n>>> ")
    board.type(b"import board\r")
    board.wait_for(">>> ")
    board.type(b"board.NEOPI\t")
    board.wait_for("board.NEOPIXEL")
    board.type(b"\r")
    board.wait_for(r"board\.NEOPIXEL\n>>> ")
    board.type(b"6 * 7\r")
    board.wait_for(r"42\n>>> ")
    board.type(b"\x1b[A\x1b[A\r")  # up twice: history brings back board.NEOPIXEL
    board.wait_for(r"board\.NEOPIXEL\n>>> ")


def test_absolute_paths_mean_the_drive(start_board):
    board = start_board(
        {
            "boot.py": "import storage\nstorage.remount('/', readonly=False)\n",
            "code.py": code("""
            import os
            with open('/data.txt', 'w') as f:
                f.write('logged')
            print(sorted(os.listdir('/')))
            print(open('/data.txt').read())
        """),
        }
    )
    board.wait_for(r"\['boot.py', 'boot_out.txt', 'code.py', 'data.txt'\]\nlogged\n")
    assert (board.drive / "data.txt").read_text() == "logged"


def test_fat_image_drive(tmp_path, start_board):
    """--image: a FAT image labelled CIRCUITPY, created on first use; the board's writes reach
    the image; a corrupt image is refused with an explanation and left untouched."""
    from protoboard.runtime.fatimage import ImageDrive

    image = tmp_path / "circuitpy.img"
    work = tmp_path / "work"
    board = start_board(drive=tmp_path / "unused", args=("--image", str(image)))
    board.wait_for(r"Hello World!\n\nCode done running\.")
    board.wait_for(r"CIRCUITPY drive: .*circuitpy\.img \(new\)", stream="err")
    board.stop()
    check = ImageDrive(image, work)
    check.open()
    assert check.label == "CIRCUITPY"
    assert (work / "boot_out.txt").read_text().startswith("Protoboard 0.1.0")
    corrupt = tmp_path / "corrupt.img"
    corrupt.write_bytes(b"\x00not a fat image" * 100)
    before = corrupt.read_bytes()
    bad = start_board(drive=tmp_path / "unused2", args=("--image", str(corrupt)))
    assert bad.proc.wait(30) == 2
    assert "is not a FAT image" in bad.errors
    assert corrupt.read_bytes() == before


def test_fat_image_changed_by_the_computer_reloads(tmp_path, start_board):
    from protoboard.runtime.fatimage import ImageDrive

    image = tmp_path / "circuitpy.img"
    board = start_board(drive=tmp_path / "unused", args=("--image", str(image)))
    board.wait_for(r"Hello World!\n\nCode done running\.")
    from protoboard.runtime.fatimage import ImageConflict

    # Another writer, as a PC with the image; it starts once the board has booted (boot_out.txt
    # is in the image): two writers replacing one image file at the same instant can lose one
    # of the writes, which is why a real USB gadget gives the PC a read-only LUN meanwhile.
    pc = ImageDrive(image, tmp_path / "pc-view")
    deadline = time.monotonic() + 15
    while True:
        pc.open()
        if (tmp_path / "pc-view" / "boot_out.txt").exists():
            break
        assert time.monotonic() < deadline, "the board never wrote boot_out.txt into the image"
        time.sleep(0.1)
    for _attempt in range(20):  # the board may still be writing boot_out.txt into the image
        (tmp_path / "pc-view" / "code.py").write_text("print('written by the PC')\n")
        try:
            pc.sync_to_image([tmp_path / "pc-view" / "code.py"])
            break
        except ImageConflict:
            pc.sync_from_image(force=True)
            time.sleep(0.2)
    board.wait_for("written by the PC", timeout=20)


def test_read_only_drive(tmp_path):
    """A drive on a read-only mount still runs its code; what cannot be written (boot_out.txt)
    is explained, and the supervisor keeps going. Needs user and mount namespaces (unshare)."""
    import shutil
    import subprocess
    import sys

    if shutil.which("unshare") is None:
        import pytest

        pytest.skip("unshare is not installed")
    drive = tmp_path / "ro"
    drive.mkdir()
    (drive / "code.py").write_text("print('read-only but running')\n")
    # The run ends when code.py is done (its process is stopped then), not after a fixed time:
    # a busy machine may take seconds to start it.
    (drive / "stop.sh").write_text(
        "while ! grep -q 'Code done running' \"$1\" 2>/dev/null; do sleep 0.2; done; kill $2\n"
    )
    script = (
        f"mount --bind -o ro {drive} {drive} && "
        f"{{ {sys.executable} -m protoboard.cli run --drive {drive} </dev/null > {tmp_path}/out & "
        f"pid=$!; timeout 120 sh {drive}/stop.sh {tmp_path}/out $pid; wait $pid; "
        f"cat {tmp_path}/out; }}"
    )
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        import pytest

        pytest.skip(f"cannot create namespaces here: {probe.stderr.decode().strip()}")
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=180
    )
    assert "read-only but running" in result.stdout
    assert "could not write boot_out.txt: Read-only file system" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (drive / "boot_out.txt").exists()


def test_erase_filesystem_keeps_a_backup(start_board):
    board = start_board(
        {
            "code.py": "import storage\nprint('erasing')\nstorage.erase_filesystem()\n",
            "mine.txt": "precious\n",
        }
    )
    board.wait_for("erasing")
    board.wait_for(r"Hello World!\n\nCode done running\.")  # a fresh drive's code.py
    backups = list(board.drive.parent.glob("CIRCUITPY-erased-*"))
    assert len(backups) == 1 and (backups[0] / "mine.txt").read_text() == "precious\n"
    assert not (board.drive / "mine.txt").exists()
