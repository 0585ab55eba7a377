"""The pty endpoint: a pty whose slave path serial tools (pyserial, screen, tio) open.

Re-open handling
    The hub does *not* keep the slave open. With no tool attached the master is in the hang-up
    state (reads give ``EIO``), so the master is taken out of the selector and probed every
    :data:`PTY_PROBE_INTERVAL` seconds; that timer is the only periodic wake-up, and it runs only
    while some pty has no peer. This makes ``connected`` exact (a process other than the hub has
    the slave open) and means nothing is written into the pty while nobody listens. When a tool
    closes the slave, the hub re-opens it for a moment to put it back in raw mode (a tool may
    have left ``ECHO`` on, which would loop our output back as input) and to flush bytes the
    tool never read, so the next tool starts clean on the same path.

``connected`` while some process other than the hub has the slave open (noticed within
:data:`PTY_PROBE_INTERVAL` of the open, at once on close).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import termios
import tty
from pathlib import Path

from protoboard.runtime.console.endpoint import READ_SIZE, Endpoint, EndpointHost
from protoboard.runtime.console.peer import Peer

log = logging.getLogger(__name__)

#: seconds between checks whether a tool has opened a pty nobody had open
PTY_PROBE_INTERVAL = 0.2


def _ready_now(fd: int) -> bool:
    """Would reading ``fd`` return at once (data, EOF or an error)?"""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])  # pragma: no cover - platforms without poll


class Pty(Endpoint):
    """A pty whose slave path serial tools open; see the module docstring for re-opens."""

    def __init__(self, hub: EndpointHost, link: str | os.PathLike[str] | None) -> None:
        self.hub = hub
        master, slave = os.openpty()
        try:
            tty.setraw(slave, termios.TCSANOW)
            self.path = os.ttyname(slave)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        self.peer: Peer | None = None
        self.link: Path | None = None
        if link is not None:
            try:
                self._make_link(Path(link))
            except BaseException:
                os.close(master)
                raise

    def _make_link(self, link: Path) -> None:
        if link.exists() and not link.is_symlink():
            raise FileExistsError(errno.EEXIST, "not a symlink; refusing to replace it", str(link))
        tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(self.path)
        tmp.replace(link)
        self.link = link

    def start(self) -> None:
        self.probe()

    def probe(self) -> None:
        """Has a tool opened the slave? If not, look again in a while."""
        if self.master < 0 or self.peer is not None:
            return
        data = b""
        nobody = False
        if _ready_now(self.master):  # data, or the hang-up of "nobody has the slave open"
            try:
                data = os.read(self.master, READ_SIZE)
                nobody = not data  # EOF (some BSDs)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:  # EIO: still nobody
                nobody = True
        if nobody:
            self.hub.call_later(PTY_PROBE_INTERVAL, self.probe)
            return
        # A tool that speaks first (mpremote, Thonny: Ctrl-C then the raw REPL) gets no replay
        # of earlier output: it would read old protocol text as the board's answer. A person
        # opening screen or tio sees the recent output.
        self._connect(replay=not data)
        if data:
            self.hub.deliver(data)

    def _connect(self, *, replay: bool = True) -> None:
        log.debug("console: %s opened", self.path)
        self.peer = Peer(
            f"pty {self.path}",
            self.master,
            lambda chunk: os.write(self.master, chunk),
            limit=self.hub.max_buffer,
            disconnect_on_overflow=False,
            on_error=self._output_failed,
        )
        self.hub.set_reader(self.master, self._on_read)
        self.hub.attach(self.peer, replay=replay)

    def _on_read(self) -> None:
        try:
            data = os.read(self.master, READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # EIO: the last tool closed the slave
            data = b""
        if data:
            self.hub.deliver(data)
        else:
            self._disconnect()

    def _output_failed(self, exc: OSError) -> None:
        log.debug("console: %s write failed: %s", self.path, exc)
        self._disconnect()

    def _disconnect(self) -> None:
        if self.peer is None:
            return
        log.debug("console: %s closed", self.path)
        self.hub.detach(self.peer)
        self.peer = None
        self.hub.set_reader(self.master, None)
        self._reset_slave()
        self.hub.call_later(PTY_PROBE_INTERVAL, self.probe)

    def _reset_slave(self) -> None:
        """Raw mode again and no stale bytes, for the next tool that opens the path."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            return
        try:
            tty.setraw(fd, termios.TCSANOW)
            termios.tcflush(fd, termios.TCIOFLUSH)
        except (termios.error, OSError):
            pass
        finally:
            os.close(fd)
        # Bytes the slave side wrote before we flushed reach the master; drop them too.
        with contextlib.suppress(OSError):
            while os.read(self.master, READ_SIZE):
                pass

    def close(self) -> None:
        if self.peer is not None:
            self.hub.detach(self.peer)
            self.peer = None
        if self.link is not None:
            with contextlib.suppress(OSError):
                if os.readlink(self.link) == self.path:
                    self.link.unlink()
            self.link = None
        self.forget()

    def forget(self) -> None:
        if self.master >= 0:
            with contextlib.suppress(OSError):
                os.close(self.master)
            self.master = -1
