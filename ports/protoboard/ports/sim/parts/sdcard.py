"""A microSD card on SPI, kept in a FAT image file on the computer.

The card speaks the SD card's SPI protocol as a real SDHC card does, so any board-faithful driver
works over it (``sdcardio.SDCard``, or the pure-Python ``adafruit_sdcard``): CMD0 (go idle),
CMD8 (voltage check, R7), ACMD41 (CMD55 + CMD41, initialise), CMD58 (OCR, R3), CMD9 (CSD),
CMD16 (block length), CMD17/CMD18 (read one / many blocks), CMD24/CMD25 (write one / many),
CMD12 (stop), CMD13 (status). CRC7 is checked where a card always checks it (CMD0 and CMD8, and
every command after CMD59 turns checking on); data blocks carry a CRC16, checked on writes only
after CMD59.

Its storage is an image file: ``image`` (a path on the computer; a relative one is relative to
the folder you started Protoboard in; default ``sdcard.img`` in Protoboard's data folder,
``$XDG_DATA_HOME/protoboard`` or ``~/.local/share/protoboard``), made and formatted FAT when
missing, ``size`` bytes (default 8 MiB; rounded down to 512 KiB, as a card's capacity). Your own
image works too (a ``dd`` copy of a real card): the card's capacity is the file's size. Open it
with any FAT tool, or mount it (``sudo mount -o loop sdcard.img /mnt``) while no board runs.

To test a program's error paths: ``present = False`` (the card is pulled out: nothing answers),
``write_protect = True`` (writes are refused), ``slow = N`` (N busy bytes before every data
block and after every write), ``fail_after = N`` (the card stops answering after N more block
writes, as a card pulled out mid-write).
"""

from __future__ import annotations

import binascii
import os
from pathlib import Path
from typing import Any, ClassVar

from protoboard.ports.sim.parts.base import SPIPart
from protoboard.runtime import paths

BLOCK = 512
#: a card's capacity is counted in 512 KiB units (CSD version 2.0 C_SIZE)
_UNIT = 512 * 1024
DEFAULT_SIZE = 8 * 1024 * 1024
#: the largest card Protoboard makes (an image the user brings may be bigger)
MAX_NEW_SIZE = 2 * 1024**3

_R1_IDLE = 0x01
_R1_ILLEGAL = 0x04
_R1_CRC = 0x08
_R1_ADDRESS = 0x20
_TOKEN_START = 0xFE
_TOKEN_MULTI = 0xFC
_TOKEN_STOP = 0xFD
_DATA_ACCEPTED = 0x05
_DATA_CRC_ERROR = 0x0B
_DATA_WRITE_ERROR = 0x0D


def crc7(data: bytes) -> int:
    """The SD command CRC7 (polynomial x^7 + x^3 + 1), as the byte sent: CRC << 1 | 1."""
    crc = 0
    for byte in data:
        for bit in range(7, -1, -1):
            crc <<= 1
            if ((byte >> bit) & 1) ^ ((crc >> 7) & 1):
                crc ^= 0x09
            crc &= 0x7F
    return (crc << 1) | 1


def crc16(data: bytes) -> int:
    """The SD data CRC16 (CCITT, polynomial 0x1021, start 0)."""
    return binascii.crc_hqx(bytes(data), 0)  # CRC-16/XMODEM: the SD data CRC


def default_image() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local/share")
    return Path(base) / "protoboard" / "sdcard.img"


def make_image(image: Path, size: int, label: str = "SDCARD") -> None:
    """Format a new, empty FAT image of ``size`` bytes at ``image`` (never overwrites)."""
    from protoboard.runtime.fatimage.writer import mkfs

    if not _UNIT <= size <= MAX_NEW_SIZE:
        raise ValueError(
            f"an SD card image must be {_UNIT // 1024} KiB to {MAX_NEW_SIZE // 1024**3} GiB, "
            f"not {size} bytes"
        )
    image.parent.mkdir(parents=True, exist_ok=True)
    temporary = image.with_name(image.name + ".new")
    with open(temporary, "wb") as stream:
        stream.truncate(size)
    try:
        mkfs(temporary, size, label)
        os.replace(temporary, image) if not image.exists() else None
    finally:
        if temporary.exists():
            temporary.unlink()


def _csd(blocks: int, write_protect: bool) -> bytes:
    """A CSD register, version 2.0 (SDHC): capacity (C_SIZE + 1) * 512 KiB."""
    c_size = blocks * BLOCK // _UNIT - 1
    csd = bytearray(16)
    csd[0] = 0x40  # CSD_STRUCTURE = 1
    csd[1] = 0x0E  # TAAC
    csd[3] = 0x32  # TRAN_SPEED 25 MHz
    csd[4], csd[5] = 0x5B, 0x59  # CCC, READ_BL_LEN = 9
    csd[7] = (c_size >> 16) & 0x3F
    csd[8] = (c_size >> 8) & 0xFF
    csd[9] = c_size & 0xFF
    csd[10], csd[11], csd[12], csd[13] = 0x7F, 0x80, 0x0A, 0x40
    csd[14] = 0x10 if write_protect else 0x00  # TMP_WRITE_PROTECT
    csd[15] = crc7(bytes(csd[:15]))
    return bytes(csd)


class SDCard(SPIPart):
    """A microSD card (SDHC) on SPI, selected by ``cs``, stored in a FAT image file.

    Options: ``image`` (path of the image file), ``size`` (bytes, for a new image),
    ``present``, ``write_protect``, ``slow``, ``fail_after`` (see the module's docs)."""

    kind = "SDCard"
    roles: ClassVar[tuple[str, ...]] = ("clock", "cs")
    optional_roles = ("mosi", "miso")

    def __init__(
        self,
        *,
        name: str | None = None,
        image: str | os.PathLike[str] | None = None,
        size: int = DEFAULT_SIZE,
        present: bool = True,
        write_protect: bool = False,
        slow: int = 0,
        fail_after: int | None = None,
    ) -> None:
        super().__init__(name=name)
        with paths.internal():  # the computer's files, even inside a run's VM
            self.image = Path(os.path.abspath(os.fspath(image))) if image else default_image()
            if not self.image.exists():
                make_image(self.image, int(size) // _UNIT * _UNIT)
            self.blocks = self.image.stat().st_size // _UNIT * _UNIT // BLOCK
        self.present = bool(present)
        self.write_protect = bool(write_protect)
        self.slow = max(0, int(slow))
        self.fail_after = fail_after
        if self.blocks == 0:
            raise ValueError(f"{self.image} is smaller than 512 KiB: not an SD card image")
        #: block writes the card accepted (for tests)
        self.writes = 0
        self._file: Any = None
        self._reset()

    # -- storage --------------------------------------------------------------------------

    def _stream(self) -> Any:
        if self._file is None:
            with paths.internal():
                self._file = open(self.image, "r+b")
        return self._file

    def read_block(self, number: int) -> bytes:
        stream = self._stream()
        stream.seek(number * BLOCK)
        return stream.read(BLOCK).ljust(BLOCK, b"\0")

    def write_block(self, number: int, data: bytes) -> None:
        stream = self._stream()
        stream.seek(number * BLOCK)
        stream.write(data)
        stream.flush()
        self.writes += 1

    def on_detach(self) -> None:
        super().on_detach()
        if self._file is not None:
            self._file.close()
            self._file = None

    # -- the protocol ---------------------------------------------------------------------

    def _reset(self) -> None:
        self.idle = True
        self.initialised = False
        self.crc_on = False
        self._app = False
        self._command = bytearray()
        self._out = bytearray()
        self._mode = "command"  # or "write", "write-multi", "read-multi"
        self._block = 0
        self._incoming = bytearray()
        self._tries = 0

    def spi_deselect(self) -> None:
        self._command.clear()

    def spi_transfer(self, data: bytes) -> bytes:
        if not self.present:
            self._reset()
            return b"\xff" * len(data)
        fast = self._fast(data)
        if fast is not None:
            return fast
        out = bytearray()
        for byte in data:
            out.append(self._next_out())
            self._receive(byte)
        return bytes(out)

    def _fast(self, data: bytes) -> bytes | None:
        """A whole data block in or out at once (what byte-by-byte handling would give)."""
        count = len(data)
        if count < 16:
            return None
        incoming = self._incoming
        if self._mode in ("write", "write-multi") and incoming and not self._out:
            room = 1 + BLOCK + 2 - len(incoming)
            if count < room:
                incoming += data
                return b"\xff" * count
            return None
        if (
            self._mode in ("command", "read-multi")
            and not self._command
            and data.count(0xFF) == count
        ):
            if self._mode == "read-multi" and len(self._out) < count:
                return None
            out = bytes(self._out[:count]).ljust(count, b"\xff")
            del self._out[:count]
            return out
        return None

    def _next_out(self) -> int:
        if not self._out and self._mode == "read-multi":
            self._queue_read(self._block)
            self._block += 1
        if self._out:
            return self._out.pop(0)
        return 0xFF

    def _receive(self, byte: int) -> None:
        if self._mode in ("write", "write-multi"):
            self._receive_data(byte)
            return
        if not self._command:
            if byte & 0xC0 != 0x40:
                return  # filler between commands
        self._command.append(byte)
        if len(self._command) == 6:
            command = bytes(self._command)
            self._command.clear()
            self._execute(command)

    def _respond(self, *response: int, stop: bool = False) -> None:
        # one byte of Ncr (and a stuff byte after CMD12) before the response
        self._out = bytearray(b"\xff" * (2 if stop else 1)) + bytes(response)

    def _execute(self, command: bytes) -> None:
        index = command[0] & 0x3F
        argument = int.from_bytes(command[1:5], "big")
        app, self._app = self._app, False
        checked = self.crc_on or index in (0, 8)
        if checked and crc7(command[:5]) != command[5] | 1:
            self._respond(_R1_CRC | (_R1_IDLE if self.idle else 0))
            return
        if index == 12:
            self._mode = "command"
            self._respond(self._r1(), 0x00, stop=True)  # R1b: one busy byte
            return
        if self._mode == "read-multi":
            return  # only CMD12 ends a multiple block read
        if index == 0:
            self._reset()
            self._respond(_R1_IDLE)
        elif index == 8:
            self._respond(self._r1(), 0x00, 0x00, (argument >> 8) & 0x0F, argument & 0xFF)
        elif index == 55:
            self._app = True
            self._respond(self._r1())
        elif index == 41 and app:
            self._initialise()
        elif index == 59:
            self.crc_on = bool(argument & 1)
            self._respond(self._r1())
        elif self.idle:
            self._respond(_R1_IDLE | _R1_ILLEGAL)
        else:
            self._execute_ready(index, argument)

    def _initialise(self) -> None:
        # a card needs a few ACMD41s before it leaves the idle state
        self._tries += 1
        if self._tries >= 2:
            self.idle = False
            self.initialised = True
            self._tries = 0
        self._respond(self._r1())

    def _r1(self) -> int:
        return _R1_IDLE if self.idle else 0x00

    def _execute_ready(self, index: int, argument: int) -> None:
        if index == 58:
            self._respond(0x00, 0xC0, 0xFF, 0x80, 0x00)  # powered up, CCS (SDHC), 2.7-3.6 V
        elif index == 9:
            self._respond(0x00)
            self._queue_data(_csd(self.blocks, self.write_protect))
        elif index == 13:
            self._respond(0x00, 0x00)
        elif index == 16:
            self._respond(0x00 if argument == BLOCK else 0x40)  # parameter error
        elif index in (17, 18, 24, 25):
            self._block_command(index, argument)
        else:
            self._respond(_R1_ILLEGAL)

    def _block_command(self, index: int, argument: int) -> None:
        if argument >= self.blocks:
            self._respond(_R1_ADDRESS)
            return
        self._respond(0x00)
        self._block = argument
        if index == 17:
            self._queue_read(argument)
        elif index == 18:
            self._mode = "read-multi"
        else:
            self._mode = "write" if index == 24 else "write-multi"
            self._incoming.clear()

    def _queue_read(self, number: int) -> None:
        if number >= self.blocks:
            self._out += bytes([0x08])  # data error token: out of range
            self._mode = "command"
            return
        self._queue_data(self.read_block(number))

    def _queue_data(self, data: bytes) -> None:
        self._out += b"\xff" * self.slow + bytes([_TOKEN_START]) + data
        self._out += crc16(data).to_bytes(2, "big")

    def _receive_data(self, byte: int) -> None:
        incoming = self._incoming
        if not incoming:
            if byte == _TOKEN_STOP and self._mode == "write-multi":
                self._mode = "command"
                self._out = bytearray(b"\xff" + b"\x00" * (1 + self.slow))
                return
            if byte in (_TOKEN_START, _TOKEN_MULTI):
                incoming.append(byte)
            return
        incoming.append(byte)
        if len(incoming) < 1 + BLOCK + 2:
            return
        data = bytes(incoming[1 : 1 + BLOCK])
        crc = int.from_bytes(incoming[1 + BLOCK :], "big")
        incoming.clear()
        self._store(data, crc)

    def _store(self, data: bytes, crc: int) -> None:
        if self.fail_after is not None:
            if self.fail_after <= 0:
                self.present = False  # pulled out: nothing answers from now on
                self._reset()
                return
            self.fail_after -= 1
        if self.crc_on and crc16(data) != crc:
            status = _DATA_CRC_ERROR
        elif self.write_protect or self._block >= self.blocks:
            status = _DATA_WRITE_ERROR
        else:
            self.write_block(self._block, data)
            self._block += 1
            status = _DATA_ACCEPTED
        if self._mode == "write" or status != _DATA_ACCEPTED:
            self._mode = "command"
        # data response, then busy (0x00) while the card programs the flash
        self._out = bytearray([0xE0 | status]) + b"\x00" * (1 + self.slow)
