"""Interface to an SD card via the SPI bus

On Protoboard `SDCard` speaks the SD card's SPI protocol over a `busio.SPI` bus exactly as
CircuitPython's C driver does (CMD0, CMD8, ACMD41, CMD58, CMD9, CMD16, then CMD17/CMD18 to read
and CMD24/CMD25 to write, with CRC7 on every command), so it works with the simulated
``SDCard`` part and with any other part or port whose SPI bus reaches a card. Use it with
`storage.VfsFat`:

.. code-block:: python

    import board, sdcardio, storage

    sd = sdcardio.SDCard(board.SPI(), board.SD_CS)
    storage.mount(storage.VfsFat(sd), "/sd")
"""

from __future__ import annotations

import binascii
import errno
import time
from typing import Any

from protoboard.bindings import _enum, _validate

_CMD_TIMEOUT = 200
_R1_IDLE = 0x01
_R1_ILLEGAL = 0x04
_TOKEN_DATA = 0xFE
_TOKEN_MULTI = 0xFC
_TOKEN_STOP = 0xFD
_BLOCK = 512
#: the card is clocked slowly while it starts (SDCard.c: 250 kHz)
_INIT_BAUDRATE = 250_000
#: bound on how long a busy card is waited for (the card is then treated as gone)
_READY_BYTES = 100_000


def _crc7(data: bytes | bytearray) -> int:
    crc = 0
    for byte in data:
        for bit in range(7, -1, -1):
            crc <<= 1
            if ((byte >> bit) & 1) ^ ((crc >> 7) & 1):
                crc ^= 0x09
            crc &= 0x7F
    return (crc << 1) | 1


def _crc16(data: bytes | bytearray | memoryview) -> int:
    return binascii.crc_hqx(bytes(data), 0)  # CRC-16/XMODEM: the SD data CRC


def _io_error() -> OSError:
    return OSError(errno.EIO, "Input/output error")


class SDCard:
    """SD Card Block Interface

    Controls an SD card over SPI.  This built-in module has higher read
    performance than the library adafruit_sdcard, but it is only compatible with
    `busio.SPI`, not `bitbangio.SPI`.  Usually an SDCard object is used
    with ``storage.VfsFat`` to allow file I/O to an SD card."""

    def __init__(self, bus: Any, cs: Any, baudrate: int = 8000000) -> None:
        """Construct an SPI SD Card object with the given properties

        :param busio.SPI spi: The SPI bus
        :param microcontroller.Pin cs: The chip select connected to the card
        :param int baudrate: The SPI data rate to use after card setup

        Note that during detection and configuration, a hard-coded low baudrate is used.
        Data transfers use the specified baurate (rounded down to one that is supported by
        the microcontroller)

        Errors as on a board: ``OSError: no SD card`` when nothing answers,
        ``OSError: timeout waiting for v2 card`` when the card never finishes starting."""
        from protoboard.bindings import digitalio
        from protoboard.bindings.busio import SPI
        from protoboard.bindings.microcontroller import Pin

        _validate.of_type(bus, SPI, "spi")
        self._baudrate = _validate.int_at_least(baudrate, 1, "baudrate")
        if isinstance(cs, Pin):
            self._cs: Any = digitalio.DigitalInOut(cs)
            self._own_cs = True
        elif hasattr(cs, "switch_to_output") and hasattr(cs, "value"):
            self._cs = cs
            self._own_cs = False
        else:
            raise TypeError(
                f"cs must be of type Pin or DigitalInOutProtocol, not {_validate.type_name(cs)}"
            )
        self._cs.switch_to_output(value=True)
        self._bus: Any = bus
        self._sectors = 0
        self._byte_addressing = False
        self._buf = bytearray(6)
        try:
            self._init_card()
        except BaseException:
            self.deinit()
            raise

    # -- the bus ------------------------------------------------------------------------------

    def _select(self, baudrate: int) -> None:
        while not self._bus.try_lock():
            pass
        self._bus.configure(baudrate=baudrate, polarity=0, phase=0)
        self._cs.value = False

    def _release(self) -> None:
        self._cs.value = True
        self._bus.write(b"\xff")  # the card lets go of MISO on the next clock
        self._bus.unlock()

    def _read(self, count: int) -> bytearray:
        data = bytearray(count)
        self._bus.readinto(data, write_value=0xFF)
        return data

    def _byte(self) -> int:
        return self._read(1)[0]

    def _wait_ready(self) -> bool:
        for _ in range(_READY_BYTES):
            if self._byte() == 0xFF:
                return True
        return False

    def _command(
        self, cmd: int, arg: int, response: bytearray | None = None, *, data: bool = False
    ) -> int:
        """Send a command; return R1 (or -1 when the card does not answer). ``response`` gets
        the bytes after R1 (R3/R7), or a data block when ``data``."""
        buf = self._buf
        buf[0] = 0x40 | cmd
        buf[1:5] = arg.to_bytes(4, "big")
        buf[5] = _crc7(buf[:5])
        self._wait_ready()
        self._bus.write(buf)
        for _ in range(_CMD_TIMEOUT):
            r1 = self._byte()
            if not r1 & 0x80:
                break
        else:
            return -1
        if response is not None:
            if data:
                if not self._read_block_into(memoryview(response)):
                    return -1
            else:
                self._bus.readinto(response, write_value=0xFF)
        return r1

    def _read_block_into(self, view: memoryview) -> bool:
        for _ in range(_READY_BYTES):
            token = self._byte()
            if token == _TOKEN_DATA:
                break
            if token != 0xFF:
                return False  # a data error token
        else:
            return False
        block = bytearray(len(view))
        self._bus.readinto(block, write_value=0xFF)
        crc = int.from_bytes(self._read(2), "big")
        if crc != _crc16(block):
            return False
        view[:] = block
        return True

    # -- start-up -----------------------------------------------------------------------------

    def _init_card(self) -> None:
        while not self._bus.try_lock():
            pass
        try:
            self._bus.configure(baudrate=_INIT_BAUDRATE, polarity=0, phase=0)
            self._bus.write(b"\xff" * 10)  # 80 clocks with CS high: the card enters SPI mode
        finally:
            self._bus.unlock()
        self._select(_INIT_BAUDRATE)
        try:
            self._start()
        finally:
            self._release()

    def _start(self) -> None:
        for _ in range(5):
            if self._command(0, 0) == _R1_IDLE:
                break
        else:
            raise OSError("no SD card")
        r7 = bytearray(4)
        r1 = self._command(8, 0x1AA, r7)
        if r1 == _R1_IDLE:
            self._start_v2()
        elif r1 == _R1_IDLE | _R1_ILLEGAL:
            self._start_v1()
        else:
            raise OSError("couldn't determine SD card version")
        csd = bytearray(16)
        if self._command(9, 0, csd, data=True) != 0:
            raise OSError("no response from SD card")
        if csd[0] >> 6 == 1:
            c_size = ((csd[7] & 0x3F) << 16) | (csd[8] << 8) | csd[9]
            self._sectors = (c_size + 1) * 1024
        elif csd[0] >> 6 == 0:
            block_length = 1 << (csd[5] & 0xF)
            c_size = ((csd[6] & 0x3) << 10) | (csd[7] << 2) | (csd[8] >> 6)
            mult = 1 << ((((csd[9] & 0x3) << 1) | (csd[10] >> 7)) + 2)
            self._sectors = block_length // _BLOCK * mult * (c_size + 1)
        else:
            raise OSError("SD card CSD format not supported")
        if self._command(16, _BLOCK) != 0:
            raise OSError("can't set 512 block size")

    def _start_v1(self) -> None:
        self._byte_addressing = True
        for _ in range(_CMD_TIMEOUT):
            self._command(55, 0)
            if self._command(41, 0) == 0:
                return
        raise OSError("timeout waiting for v1 card")

    def _start_v2(self) -> None:
        ocr = bytearray(4)
        for _ in range(_CMD_TIMEOUT):
            self._command(55, 0)
            if self._command(41, 0x40000000) == 0:
                self._command(58, 0, ocr)
                self._byte_addressing = not ocr[0] & 0x40
                return
            time.sleep(0.001)
        raise OSError("timeout waiting for v2 card")

    # -- the block device ---------------------------------------------------------------------

    def _check(self) -> None:
        if self._bus is None:
            _validate.raise_deinited()

    def _blocks(self, buf: Any) -> memoryview:
        view = memoryview(buf).cast("B")
        if len(view) % _BLOCK:
            raise ValueError("Buffer length must be a multiple of 512")
        return view

    def _address(self, block: int) -> int:
        return block * _BLOCK if self._byte_addressing else block

    def count(self) -> int:
        """Returns the total number of sectors

        Due to technical limitations, this is a function and not a property.

        :return: The number of 512-byte blocks, as a number"""
        self._check()
        return self._sectors

    def deinit(self) -> None:
        """Disable permanently.

        :return: None"""
        if self._bus is None:
            return
        self._bus = None
        if self._own_cs:
            self._cs.deinit()

    def readblocks(self, start_block: int, buf: Any) -> None:
        """Read one or more blocks from the card

        :param int start_block: The block to start reading from
        :param ~circuitpython_typing.WriteableBuffer buf: The buffer to write into.
            Length must be multiple of 512.

        :return: None

        A card that does not answer (pulled out) raises ``OSError: [Errno 5] Input/output
        error``."""
        self._check()
        view = self._blocks(buf)
        start = _validate.to_int(start_block, "start_block")
        self._select(self._baudrate)
        try:
            if len(view) == _BLOCK:
                ok = self._command(17, self._address(start)) == 0 and self._read_block_into(view)
            else:
                ok = self._read_many(start, view)
        finally:
            self._release()
        if not ok:
            raise _io_error()

    def _read_many(self, start: int, view: memoryview) -> bool:
        if self._command(18, self._address(start)) != 0:
            return False
        for offset in range(0, len(view), _BLOCK):
            if not self._read_block_into(view[offset : offset + _BLOCK]):
                return False
        # CMD12, then the stuff byte and R1b (SDCard.c: a stop does not wait for ready)
        self._bus.write(bytes([0x4C, 0, 0, 0, 0, _crc7(b"\x4c\x00\x00\x00\x00")]))
        self._read(1)
        for _ in range(_CMD_TIMEOUT):
            if not self._byte() & 0x80:
                return self._wait_ready()
        return False

    def writeblocks(self, start_block: int, buf: Any) -> None:
        """Write one or more blocks to the card

        :param int start_block: The block to start writing from
        :param ~circuitpython_typing.ReadableBuffer buf: The buffer to read from.
            Length must be multiple of 512.

        :return: None

        A card that refuses the data (write-protected, pulled out) raises
        ``OSError: [Errno 5] Input/output error``."""
        self._check()
        view = self._blocks(buf)
        start = _validate.to_int(start_block, "start_block")
        self._select(self._baudrate)
        try:
            if len(view) == _BLOCK:
                ok = self._command(24, self._address(start)) == 0 and self._send(_TOKEN_DATA, view)
            else:
                ok = self._command(25, self._address(start)) == 0 and all(
                    self._send(_TOKEN_MULTI, view[i : i + _BLOCK])
                    for i in range(0, len(view), _BLOCK)
                )
                self._wait_ready()
                self._bus.write(bytes([_TOKEN_STOP, 0xFF]))
                ok = self._wait_ready() and ok
        finally:
            self._release()
        if not ok:
            raise _io_error()

    def _send(self, token: int, block: memoryview) -> bool:
        if not self._wait_ready():
            return False
        data = bytes(block)
        self._bus.write(bytes([token]) + data + _crc16(data).to_bytes(2, "big"))
        for _ in range(_CMD_TIMEOUT):
            response = self._byte()
            if response != 0xFF:
                break
        else:
            return False
        if response & 0x1F != 0x05:
            return False
        return self._wait_ready()

    def sync(self) -> None:
        """Ensure all blocks written are actually committed to the SD card

        :return: None"""
        self._check()


_enum.publish("sdcardio", SDCard)
