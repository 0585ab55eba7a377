"""What one VM run knows about the supervisor, and how it tells the supervisor things.

The supervisor builds a :class:`RunContext` for each run (it is pickled into the VM process).
Inside the VM, :data:`current` holds it; the ``supervisor`` and ``storage`` bindings read and
change it, and every change the supervisor must remember beyond this run (autoreload, the next
code file, a reload request, a remount) is also sent back with :meth:`RunContext.notify`.
Outside a runtime VM (``protoboard exec``, tests) a default context applies: no drive, nothing
reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protoboard.runtime.messages import StateChanged, ToSupervisor


@dataclass
class NextCodeFile:
    """``supervisor.set_next_code_file()`` settings, kept by the supervisor between runs."""

    filename: str | None = None
    working_directory: str | None = None
    reload_on_success: bool = False
    reload_on_error: bool = False
    sticky_on_success: bool = False
    sticky_on_error: bool = False
    sticky_on_reload: bool = False


def _ignore(message: ToSupervisor) -> None:
    """The default ``notify``: outside the runtime nobody listens (module level, so a context
    can be pickled into a VM process)."""


@dataclass
class RunContext:
    #: the CIRCUITPY folder, or None outside the runtime
    drive: Path | None = None
    #: the folder drive's size in bytes (protoboard run --drive-size); None: no limit
    drive_size: int | None = None
    #: the FAT image served (protoboard run --image), for messages; None: a folder drive
    image: Path | None = None
    #: where microcontroller.nvm is kept between runs (beside the drive or the image); None:
    #: in memory only (protoboard exec, tests)
    nvm_file: Path | None = None
    #: name of a supervisor.RunReason: STARTUP, AUTO_RELOAD, SUPERVISOR_RELOAD, REPL_RELOAD
    run_reason: str = "STARTUP"
    #: name of a supervisor.SafeModeReason (NONE outside safe mode)
    safe_mode_reason: str = "NONE"
    #: supervisor.runtime.autoreload; persists across reloads (the supervisor keeps it)
    autoreload: bool = True
    next_code: NextCodeFile = field(default_factory=NextCodeFile)
    previous_traceback: str | None = None
    #: True while boot.py runs (storage.remount and disable_usb_drive only work then)
    in_boot: bool = False
    #: may the program write the drive? (storage.remount(readonly=False) in boot.py)
    python_writable: bool = False
    #: may the host (editor, file manager, workflows) write the drive?
    usb_writable: bool = True
    usb_drive_enabled: bool = True
    #: set by the VM when a serial endpoint is connected
    serial_connected: bool = True
    #: microcontroller.on_next_reset(): the RunMode name the next hard reset enters
    next_run_mode: str = "NORMAL"
    #: sends a message to the supervisor; a no-op outside the runtime
    notify: Callable[[ToSupervisor], None] = field(default=_ignore, repr=False)
    # Added for the supervisor binding (each persists across soft reloads, as on a board):
    #: supervisor.runtime.usb_connected: is a host attached (the drive and serial offered)?
    usb_connected: bool = True
    #: supervisor.runtime.ble_workflow: is the BLE workflow on? (False stays False until reset)
    ble_workflow: bool = False
    #: supervisor.runtime.rgb_status_brightness, 0-255 (63: boards with a NeoPixel status LED)
    rgb_status_brightness: int = 63
    #: supervisor.status_bar.console / .display
    status_bar_console: bool = True
    status_bar_display: bool = True
    # USB devices boot.py chose (usb_hid/usb_midi/usb_cdc.enable), kept until a hard reset:
    #: usb_hid's devices as protoboard.hal.usb_hid.HidDevice tuples (None: the board default)
    usb_hid_devices: tuple[Any, ...] | None = None
    usb_hid_boot_device: int = 0
    usb_midi_enabled: bool = True
    usb_cdc_console: bool = True
    usb_cdc_data: bool = False
    #: the supervisor's usb_cdc.data pty (protoboard run); None: the simulated host's buffers
    usb_cdc_data_path: str | None = None
    #: that pty, opened by the VM before the program's path rules apply (-1: not open)
    usb_cdc_data_fd: int = -1
    #: alarm.sleep_memory's bytes: kept across deep sleep and reloads, lost at power off
    sleep_memory: bytes | bytearray = b""
    #: what woke the board from deep sleep (protoboard.hal.alarm.WakeAlarm), this run only
    wake_alarm: Any = None

    def remember(self, **changes: Any) -> None:
        """Apply changes here and report them, so the supervisor carries them to the next run."""
        for key, value in changes.items():
            setattr(self, key, value)
        self.notify(StateChanged(changes))


class ReloadRequested(BaseException):
    """Stops the running program for a reload (``supervisor.reload()``, an autoreload); the
    ``reason`` is a supervisor.RunReason name. A BaseException so ``except Exception`` in a
    program does not swallow it."""

    def __init__(self, reason: str = "SUPERVISOR_RELOAD", *, raw_repl: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        #: a soft reboot asked for in the raw REPL: the board comes back to the raw REPL
        #: without running code.py, as CircuitPython does (tools such as mpremote rely on it)
        self.raw_repl = raw_repl


class DeepSleepRequest(BaseException):
    """Ends the program for ``alarm.exit_and_deep_sleep_until_alarms()``: the board sleeps until
    one of ``alarms`` (protoboard.hal.alarm.WakeAlarm descriptions) fires, then runs code.py
    again. A BaseException, as CircuitPython's, so ``except Exception`` does not stop it."""

    def __init__(self, alarms: tuple[Any, ...]) -> None:
        super().__init__()
        self.alarms = alarms


current = RunContext()


def install(context: RunContext) -> RunContext:
    """Make ``context`` the one the bindings see (done once at VM start)."""
    global current
    current = context
    return context
