"""The kernel's i2c-dev interface (``<linux/i2c-dev.h>``), spoken directly with ``ioctl``.

Every transfer reuses one argument block and one data buffer made when the bus is opened, so a
register read costs one system call and no allocations: the per-call ctypes objects a general
library builds would cost more than the binding's validation above it.
"""

from __future__ import annotations

import ctypes
import fcntl
import os

I2C_SLAVE = 0x0703
I2C_FUNCS = 0x0705
I2C_RDWR = 0x0707
I2C_SMBUS = 0x0720
I2C_M_RD = 0x0001

SMBUS_READ, SMBUS_WRITE = 1, 0
QUICK, BYTE, BYTE_DATA, I2C_BLOCK_DATA = 0, 1, 2, 8
BLOCK_MAX = 32


class _SMBusArgs(ctypes.Structure):
    _fields_ = [
        ("read_write", ctypes.c_uint8),
        ("command", ctypes.c_uint8),
        ("size", ctypes.c_uint32),
        ("data", ctypes.c_void_p),
    ]


class _Msg(ctypes.Structure):
    _fields_ = [
        ("addr", ctypes.c_uint16),
        ("flags", ctypes.c_uint16),
        ("len", ctypes.c_uint16),
        ("buf", ctypes.c_void_p),
    ]


class _RdwrArgs(ctypes.Structure):
    _fields_ = [("msgs", ctypes.POINTER(_Msg)), ("nmsgs", ctypes.c_uint32)]


class I2CDev:
    """One open ``/dev/i2c-N``. Methods raise ``OSError`` with the kernel's errno."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        self._address = -1
        funcs = ctypes.c_ulong()
        fcntl.ioctl(self.fd, I2C_FUNCS, funcs, True)
        self.funcs = funcs.value
        # SMBus: union i2c_smbus_data is 34 bytes (block[0] = length)
        self._data = bytearray(BLOCK_MAX + 2)
        self._data_c = (ctypes.c_char * len(self._data)).from_buffer(self._data)
        self._view = memoryview(self._data)
        self._smbus = _SMBusArgs(data=ctypes.addressof(self._data_c))
        # I2C_RDWR: two messages, their buffers pointed at for each transfer
        self._msgs = (_Msg * 2)()
        self._rdwr = _RdwrArgs(msgs=self._msgs, nmsgs=1)

    def _select(self, address: int) -> None:
        if address != self._address:
            fcntl.ioctl(self.fd, I2C_SLAVE, address)
            self._address = address

    def _smbus_call(self, address: int, read_write: int, command: int, size: int) -> None:
        if address != self._address:
            self._select(address)
        args = self._smbus
        args.read_write, args.command, args.size = read_write, command, size
        fcntl.ioctl(self.fd, I2C_SMBUS, args)

    def write_quick(self, address: int) -> None:
        self._smbus_call(address, SMBUS_WRITE, 0, QUICK)

    def read_byte(self, address: int) -> int:
        self._smbus_call(address, SMBUS_READ, 0, BYTE)
        return self._data[0]

    def write_byte(self, address: int, value: int) -> None:
        self._smbus_call(address, SMBUS_WRITE, value, BYTE)

    def read_byte_data(self, address: int, register: int) -> int:
        self._smbus_call(address, SMBUS_READ, register, BYTE_DATA)
        return self._data[0]

    def write_byte_data(self, address: int, register: int, value: int) -> None:
        self._data[0] = value
        self._smbus_call(address, SMBUS_WRITE, register, BYTE_DATA)

    def read_block_into(self, address: int, register: int, buffer: memoryview) -> None:
        """SMBus "I2C block read": write ``register``, repeated start, read len(buffer) bytes."""
        count = len(buffer)
        self._data[0] = count
        if address != self._address:
            self._select(address)
        args = self._smbus  # _smbus_call, inlined: this is every driver's register read
        args.read_write, args.command, args.size = SMBUS_READ, register, I2C_BLOCK_DATA
        fcntl.ioctl(self.fd, I2C_SMBUS, args)
        buffer[:] = self._view[1 : 1 + count]

    def write_block(self, address: int, register: int, data: bytes) -> None:
        self._data[0] = len(data)
        self._data[1 : 1 + len(data)] = data
        self._smbus_call(address, SMBUS_WRITE, register, I2C_BLOCK_DATA)

    def transfer(self, address: int, data: bytes | None, buffer: memoryview | None) -> None:
        """One I2C_RDWR transfer: a write of ``data``, a read into ``buffer``, or both with a
        repeated start between them."""
        keep = []  # the ctypes views must live until the ioctl returns
        count = 0
        msgs = self._msgs
        if data is not None:
            out = bytearray(data)
            view = (ctypes.c_char * max(len(out), 1)).from_buffer(out if out else bytearray(1))
            keep.append(view)
            msgs[0].addr, msgs[0].flags, msgs[0].len = address, 0, len(out)
            msgs[0].buf = ctypes.addressof(view)
            count = 1
        if buffer is not None:
            view = (ctypes.c_char * len(buffer)).from_buffer(buffer)
            keep.append(view)
            msg = msgs[count]
            msg.addr, msg.flags, msg.len = address, I2C_M_RD, len(buffer)
            msg.buf = ctypes.addressof(view)
            count += 1
        self._rdwr.nmsgs = count
        try:
            fcntl.ioctl(self.fd, I2C_RDWR, self._rdwr)
        finally:
            del keep

    def close(self) -> None:
        os.close(self.fd)
