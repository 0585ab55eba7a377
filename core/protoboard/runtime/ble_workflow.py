"""Starting CircuitPython's BLE workflow for ``protoboard run``: whether it is wanted, its
settings from settings.toml, and a start that never stops the board."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from protoboard.runtime import settings

if TYPE_CHECKING:
    from protoboard.ble.service import BleWorkflow

#: CircuitPython's window: every BLE app copes with it
DEFAULT_WRITE_WINDOW = 512


def wanted(drive: Path, *, forced: bool) -> bool:
    """``--ble``, or CIRCUITPY_BLE_WORKFLOW = true in settings.toml."""
    if forced:
        return True
    try:
        return settings.get_setting(drive, "CIRCUITPY_BLE_WORKFLOW", False) is True
    except (ValueError, OSError):
        return False


def name(drive: Path, banner: str) -> str:
    """CIRCUITPY_BLE_NAME, else CIRCUITPY and four hex digits that stay the same per board."""
    try:
        chosen = settings.get_setting(drive, "CIRCUITPY_BLE_NAME", None)
    except (ValueError, OSError):
        chosen = None
    if isinstance(chosen, str) and chosen:
        return chosen
    return "CIRCUITPY" + hashlib.sha256(banner.encode()).hexdigest()[:4]


def write_window(drive: Path) -> int:
    """Bytes a BLE client may send between two acknowledgements: CircuitPython's 512 by
    default (every app copes); PROTOBOARD_BLE_WRITE_WINDOW = 4096 in settings.toml lets
    clients that accept it write at ~90% of the link's capacity instead of ~50%."""
    try:
        window = settings.get_setting(drive, "PROTOBOARD_BLE_WRITE_WINDOW", DEFAULT_WRITE_WINDOW)
    except (ValueError, OSError):
        return DEFAULT_WRITE_WINDOW
    if isinstance(window, int) and DEFAULT_WRITE_WINDOW <= window <= 65536:
        return window
    return DEFAULT_WRITE_WINDOW


def start(
    drive: Path,
    *,
    banner: str,
    read_only: Callable[[], bool],
    console_input: Callable[[bytes], None],
    fat_times: bool,
    log: Callable[[str], None],
    free_space: Callable[[], int] | None = None,
) -> BleWorkflow | None:
    """Put the drive and the console on the air through BlueZ. A failure (no Bluetooth
    here, no BlueZ, the extra not installed) only turns the BLE workflow off. ``free_space``
    is the drive's free bytes (a folder drive's size); without it, the folder's file system's."""
    try:
        from protoboard.ble.service import BleWorkflow

        advertised = name(drive, banner)
        workflow = BleWorkflow(
            drive,
            name=advertised,
            read_only=read_only,
            console_input=console_input,
            write_window=write_window(drive),
            fat_times=fat_times,
            free_space=free_space,
        )
        workflow.start()
    except Exception as exc:  # explained, never fatal: the board works without Bluetooth
        log(f"the BLE workflow is off: {_explain(exc)}")
        return None
    log(f"BLE workflow on: advertising as {advertised}")
    return workflow


def _explain(exc: Exception) -> str:
    from protoboard.ble.transport import TransportError

    if isinstance(exc, TransportError) and exc.hint:
        return f"{exc} ({exc.hint})"
    return str(exc)
