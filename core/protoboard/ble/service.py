"""The BLE workflow of ``protoboard run``: the drive and the console on the air.

Runs the BlueZ GATT server (:mod:`protoboard.ble.gatt_server`) on an asyncio loop in its own
thread, with one :class:`~protoboard.ble.device.DeviceSession` per connected device serving the
CIRCUITPY folder. Writes land atomically in the folder, so the supervisor's watcher sees each
completed change and autoreloads as for any save.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

START_TIMEOUT = 10.0


class BleWorkflow:
    def __init__(
        self,
        drive: Path,
        *,
        name: str,
        read_only: Callable[[], bool],
        console_input: Callable[[bytes], None] | None = None,
        adapter: str = "hci0",
        write_window: int = 512,
        fat_times: bool = False,
        free_space: Callable[[], int] | None = None,
    ) -> None:
        self.drive = Path(drive)
        #: bytes the drive can still take (a BLE WRITE longer than this plus the file it
        #: replaces is refused); None: the folder's file system (``os.statvfs``)
        self.free_space = free_space
        self.write_window = write_window
        #: round modification times down to FAT's 2 seconds (the drive is a FAT image)
        self.fat_times = fat_times
        self.name = name
        self.read_only = read_only
        self.console_input = console_input
        self.adapter = adapter
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def _session(self) -> Any:
        from protoboard.ble.device import DeviceSession

        return DeviceSession(
            self.drive,
            read_only=self.read_only,
            on_change=lambda path: None,
            write_window=self.write_window,
            fat_times=self.fat_times,
            free_space=self.free_space,
        )

    def start(self) -> None:
        """Register with BlueZ and start advertising; raises with a plain message on failure."""
        from protoboard.ble.gatt_server import GattServer

        started: Future[None] = Future()
        self._loop = asyncio.new_event_loop()
        self._server = GattServer(
            self._session, name=self.name, console_input=self.console_input, adapter=self.adapter
        )

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)

            async def begin() -> None:
                try:
                    await self._server.start()
                except BaseException as exc:
                    started.set_exception(exc)
                else:
                    started.set_result(None)

            self._loop.create_task(begin())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="ble", daemon=True)
        self._thread.start()
        try:
            started.result(START_TIMEOUT)
        except BaseException:
            self._shutdown_loop()
            raise

    def console_output(self, data: bytes) -> None:
        """Mirror console output to a subscribed BLE serial client (any thread)."""
        if self._server is not None:
            self._server.console_output(data)

    def stop(self) -> None:
        if self._loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._server.stop(), self._loop)
        try:
            future.result(5)
        finally:
            self._shutdown_loop()

    def _shutdown_loop(self) -> None:
        loop = self._loop
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        self._loop = None
