"""Starting CircuitPython's web workflow for ``protoboard run``: whether it is wanted, its
settings from settings.toml, the address, and a start that never stops the board.

Wanted when ``run --web [PORT]`` is given or settings.toml sets ``CIRCUITPY_WEB_API_PASSWORD``
(as a board starts it). The port is ``--web PORT``, else ``CIRCUITPY_WEB_API_PORT``, else
:data:`DEFAULT_PORT` (a board's 80 needs root here); a port that is taken or forbidden falls
back to a free one, said on the terminal. The address is 127.0.0.1 unless ``--web-host`` asks
for more, and then a loud note says who can reach the board.
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from protoboard.runtime import settings
from protoboard.web import mdns
from protoboard.web.server import WebContext
from protoboard.web.workflow import RunStatus, WebWorkflow

#: the port when neither --web PORT nor CIRCUITPY_WEB_API_PORT says one
DEFAULT_PORT = 8080
LOOPBACK = "127.0.0.1"


def _setting(drive: Path, key: str) -> Any:
    try:
        return settings.get_setting(drive, key, None)
    except (ValueError, OSError, UnicodeError):
        return None


def password(drive: Path) -> str | None:
    value = _setting(drive, "CIRCUITPY_WEB_API_PASSWORD")
    return value if isinstance(value, str) and value else None


def wanted(drive: Path, *, forced: bool) -> bool:
    """``--web``, or CIRCUITPY_WEB_API_PASSWORD in settings.toml."""
    return forced or password(drive) is not None


def port(drive: Path, chosen: int | None) -> int:
    if chosen is not None:
        return chosen
    value = _setting(drive, "CIRCUITPY_WEB_API_PORT")
    return value if isinstance(value, int) and 0 < value < 65536 else DEFAULT_PORT


def hostname(board_id: str, drive: Path) -> str:
    """``cpy-<board id>-<6 hex digits>``, as a board's (which end in its MAC address): the same
    for the same drive, different for two boards on one computer."""
    digest = hashlib.sha256(str(drive.absolute()).encode()).hexdigest()[:6]
    return f"cpy-{board_id.replace('_', '-')}-{digest}"[:63]


def board_info(drive: Path, board: Any, banner: str) -> dict[str, Any]:
    instance = _setting(drive, "CIRCUITPY_WEB_INSTANCE_NAME")
    name = instance if isinstance(instance, str) and instance else str(board.name)
    return {
        "board_name": name[: mdns.MAX_INSTANCE],
        "board_id": str(board.board_id),
        "mcu_name": str(board.mcu),
        "hostname": hostname(str(board.board_id), drive),
    }


def start(
    context: WebContext,
    *,
    board: Any,
    banner: str,
    status: RunStatus,
    read_only: Callable[[], bool],
    chosen_port: int | None,
    host: str,
    ble: bool,
    log: Callable[[str], None],
    space: Callable[[], os.statvfs_result] | None = None,
) -> tuple[WebWorkflow, mdns.Mdns | None] | None:
    """Serve the web workflow; None (after saying why) if it cannot start."""
    drive = context.drive
    info = board_info(drive, board, banner)
    wanted_port = port(drive, chosen_port)
    workflow = None
    for attempt in (wanted_port, 0):
        try:
            workflow = WebWorkflow(
                context,
                status=status,
                ble=ble,
                password=password(drive),
                host=host,
                port=attempt,
                read_only=read_only,
                board={**info, "ip": host},
                space=space,
            )
            workflow.start()
            break
        except OSError as exc:
            if attempt == 0 or exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                log(f"the web workflow is off: cannot listen on {host}:{attempt} ({exc})")
                return None
            why = "is in use" if exc.errno == errno.EADDRINUSE else "needs root"
            log(f"web workflow: port {wanted_port} {why}; using a free port instead")
    assert workflow is not None
    server = workflow.server
    server.board["port"] = server.port
    _announce(workflow, log)
    found = mdns.start(
        instance=info["board_name"],
        hostname=info["hostname"],
        host=server.host,
        port=server.port,
        log_line=lambda line: log(line),
    )
    if found is not None:
        server.devices = found.devices
    return workflow, found


def _announce(workflow: WebWorkflow, log: Callable[[str], None]) -> None:
    server = workflow.server
    log(f"web workflow: {server.token_url}")
    if server.web_password:
        log(
            "  (or log in with the password in settings.toml, CIRCUITPY_WEB_API_PASSWORD, as "
            f"circup --host {server.host}:{server.port} --password ... does)"
        )
    else:
        log(f"  (tools such as circup: --host {server.host}:{server.port} --password TOKEN)")
    if server.host not in (LOOPBACK, "::1", "localhost"):
        log(
            f"NOTE: the web workflow listens on {server.host}, not only this computer: anyone on "
            "your network who has the password or the token can change the drive and type into "
            "the board. Leave --web-host out to keep it to this computer."
        )
