"""``protoboard run`` end to end: boot.py's USB choices reach code.py, boot-only calls fail in
code.py with CircuitPython's error, usb_cdc.data is a real second serial port, and deep sleep is
CircuitPython's pretended one (the program ends, an alarm runs it again with wake_alarm and
sleep_memory)."""

from __future__ import annotations

import os
import select
import termios
import time
import tty

import pytest

DEEP_SLEEP = """\
import alarm, time
count = alarm.sleep_memory[0]
print("run", count, "woken by", type(alarm.wake_alarm).__name__)
alarm.sleep_memory[0] = count + 1
if count < 2:
    alarm.exit_and_deep_sleep_until_alarms(
        alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 0.3))
print("awake for good")
"""


def test_deep_sleep_restarts_code_with_wake_alarm_and_sleep_memory(start_board):
    board = start_board({"code.py": DEEP_SLEEP})
    board.wait_for(r"run 0 woken by NoneType")
    board.wait_for(
        r"Code done running\.\r?\nAuto-reload is on\. Simply save files over USB to run "
        r"them or enter REPL to disable\.\r?\n\r?\nPress any key to enter the REPL\. Use CTRL-D "
        r"to reload\.\r?\nPretending to deep sleep until alarm, CTRL-C or file write\.\r?\n"
        r"Woken up by alarm\.\r?\n"
    )
    text = board.wait_for(r"run 1 woken by TimeAlarm")
    assert "soft reboot" not in text.split("Woken up by alarm.")[-1]  # as after a reset
    board.wait_for(r"run 2 woken by TimeAlarm")
    board.wait_for(r"awake for good")


def test_sleep_memory_is_lost_at_a_hard_reset(start_board):
    code = (
        "import alarm, microcontroller\n"
        "print('memory', alarm.sleep_memory[5])\n"
        "if alarm.sleep_memory[5] == 0:\n"
        "    alarm.sleep_memory[5] = 7\n"
        "    import supervisor; supervisor.reload()\n"
        "elif alarm.sleep_memory[5] == 7:\n"
        "    alarm.sleep_memory[5] = 8\n"
        "    microcontroller.reset()\n"
    )
    board = start_board({"code.py": code})
    board.wait_for(r"memory 0")
    board.wait_for(r"memory 7")  # kept across a soft reload
    board.wait_for(r"memory 0")  # gone after the reset (power lost)


def test_a_key_ends_the_pretended_sleep_for_the_repl(start_board):
    code = "import alarm\nalarm.exit_and_deep_sleep_until_alarms()\n"
    board = start_board({"code.py": code})
    board.wait_for(r"Pretending to deep sleep until alarm, CTRL-C or file write\.")
    board.type(b"\r")
    board.wait_for(r">>> ")


def test_pin_alarm_from_the_simulated_world(start_board, tmp_path):
    code = (
        "import alarm, board\n"
        "print('woke', alarm.wake_alarm and alarm.wake_alarm.pin)\n"
        "if alarm.wake_alarm is None:\n"
        "    button = alarm.pin.PinAlarm(board.BUTTON, False, pull=True)\n"
        "    alarm.exit_and_deep_sleep_until_alarms(button)\n"
    )
    board = start_board({"code.py": code})
    board.wait_for(r"Pretending to deep sleep")
    from click.testing import CliRunner

    from protoboard.cli import main  # the real CLI, as a user types it

    result = CliRunner().invoke(
        main, ["sim", "set", "BUTTON.pressed", "true", "--drive", str(board.drive)]
    )
    assert result.exit_code == 0, result.output
    board.wait_for(r"woke board\.BUTTON")


BOOT_USB = """\
import usb_cdc, usb_hid, usb_midi
usb_cdc.enable(console=True, data=True)
usb_hid.enable((usb_hid.Device.KEYBOARD,))
usb_midi.disable()
"""

CODE_USB = """\
import usb_cdc, usb_hid, usb_midi
print("hid", len(usb_hid.devices), "midi ports", len(usb_midi.ports))
for call in (lambda: usb_hid.enable(()), usb_hid.disable, usb_midi.enable, usb_midi.disable,
             usb_cdc.disable, lambda: usb_cdc.enable(data=False)):
    try:
        call()
    except RuntimeError as exc:
        print("RuntimeError:", exc)
data = usb_cdc.data
data.timeout = 5
line = data.readline()
data.write(b"echo:" + line)
data.timeout = 0
print("nothing more:", data.read(10), data.in_waiting)
"""


@pytest.mark.hostile
def test_boot_choices_reach_code_and_boot_only_calls_fail_later(start_board):
    board = start_board({"boot.py": BOOT_USB, "code.py": CODE_USB}, args=("--data", "pty"))
    found = board.wait_for(r"usb_cdc\.data serial port: (/dev/\S+)", stream="err")
    path = found.rsplit("usb_cdc.data serial port: ", 1)[1].split()[0]
    board.wait_for(r"hid 1 midi ports 0")
    for _ in range(6):
        board.wait_for(r"RuntimeError: Cannot change USB devices now")
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    try:
        tty.setraw(fd, termios.TCSANOW)
        time.sleep(0.3)  # the hub notices the open (its probe)
        os.write(fd, b"hello\n")
        received = b""
        deadline = time.monotonic() + 15
        while not received.endswith(b"echo:hello\n") and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.5)[0]:
                received += os.read(fd, 100)
        assert received.endswith(b"echo:hello\n")
    finally:
        os.close(fd)
    board.wait_for(r"nothing more: b'' 0")
