"""What outlives a run: the board's state across soft reloads, its USB identity, and the
simulated world around it.

A soft reload (a save, Ctrl-D, supervisor.reload()) keeps :class:`Persistent` and
:class:`UsbIdentity`; a hard reset (microcontroller.reset(), power on) forgets both, as a board
clears its RAM. The :class:`World` (sensor readings, button states set with ``protoboard sim``) is
the physical world: it outlives resets too.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from protoboard.runtime.messages import UsbIdentification
from protoboard.runtime.state import NextCodeFile


@dataclass
class Persistent:
    """What a board keeps across soft reloads (and loses at a hard reset). Every field is also
    a RunContext field: each run starts with these values."""

    autoreload: bool = True
    next_code: NextCodeFile = field(default_factory=NextCodeFile)
    previous_traceback: str | None = None
    python_writable: bool = False
    usb_writable: bool = True
    usb_drive_enabled: bool = True
    next_run_mode: str = "NORMAL"
    ble_workflow: bool = False
    rgb_status_brightness: int = 63
    status_bar_console: bool = True
    status_bar_display: bool = True
    usb_hid_devices: tuple[Any, ...] | None = None
    usb_hid_boot_device: int = 0
    usb_midi_enabled: bool = True
    usb_cdc_console: bool = True
    usb_cdc_data: bool = False
    sleep_memory: bytes | bytearray = b""

    @property
    def program_owns_drive(self) -> bool:
        """boot.py gave the drive to the program (storage.remount): the host side is read-only
        then, as on a board."""
        return self.python_writable and not self.usb_writable

    def run_values(self) -> dict[str, Any]:
        """Copies of every field, for a new run's RunContext."""
        return {f.name: copy.deepcopy(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def expire_next_code(self, *, reloaded: bool, outcome: str | None) -> None:
        """supervisor.set_next_code_file() applies to the next run; after that run it stays
        only if its sticky flag matches how the run ended (as CircuitPython's main.c):
        ``reloaded`` (stopped for a reload), else ``outcome`` (a protoboard.vm.Outcome value)."""
        chosen = self.next_code
        if not chosen.filename:
            return
        if reloaded:
            keep = chosen.sticky_on_reload
        elif outcome in ("exception", "interrupted"):
            keep = chosen.sticky_on_error
        else:
            keep = chosen.sticky_on_success
        if not keep:
            self.next_code = NextCodeFile()

    def apply(self, changes: Mapping[str, Any]) -> None:
        """Keep what a run changed; RunContext fields that do not persist are not kept."""
        names = {f.name for f in dataclasses.fields(self)}
        for key, value in changes.items():
            if key in names:
                setattr(self, key, value)


@dataclass(frozen=True)
class UsbIdentity:
    """The board's USB device descriptor strings and ids. None and -1 are the board's own
    defaults; supervisor.set_usb_identification() in boot.py overrides them from the next USB
    enumeration until a hard reset, as CircuitPython does."""

    manufacturer: str | None = None
    product: str | None = None
    vid: int = -1
    pid: int = -1

    def updated(self, change: UsbIdentification) -> UsbIdentity:
        """Apply one set_usb_identification() call: the values it gives replace these."""
        return UsbIdentity(
            manufacturer=self.manufacturer if change.manufacturer is None else change.manufacturer,
            product=self.product if change.product is None else change.product,
            vid=self.vid if change.vid == -1 else change.vid,
            pid=self.pid if change.pid == -1 else change.pid,
        )

    def describe(self) -> dict[str, Any]:
        """JSON-ready, for the control socket's status."""
        return dataclasses.asdict(self)


class World:
    """The simulated world's settings (part, attribute) -> value, applied to every run."""

    def __init__(self) -> None:
        self._settings: dict[tuple[str, str], Any] = {}

    def set(self, part: str, attribute: str, value: Any) -> None:
        self._settings[(part, attribute)] = value

    def forget(self, part: str) -> None:
        """Drop the settings of ``part`` (taken off, or given anew by the parts file)."""
        for key in [key for key in self._settings if key[0] == part]:
            del self._settings[key]

    def entries(self) -> list[tuple[str, str, Any]]:
        return [(part, attribute, value) for (part, attribute), value in self._settings.items()]
