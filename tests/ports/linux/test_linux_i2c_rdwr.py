"""The I2C_RDWR path (a real Pi's I2C controller), against a model of an i2c-dev adapter at the
ioctl boundary: the VM's i2c-stub speaks SMBus only, so this is where combined transfers are
checked. The model decodes the kernel structures our code builds, as the kernel would."""

from __future__ import annotations

import ctypes
import errno
import types
from pathlib import Path

import pytest

pytest.importorskip("gpiod", reason="the 'linux' extra is not installed")

from protoboard import machine, testing
from protoboard.ports.linux import i2cdev


class AdapterModel:
    """A full I2C adapter (I2C_FUNC_I2C) with one register chip at 0x77."""

    def __init__(self) -> None:
        self.registers = bytearray(range(256))
        self.pointer = 0
        self.transfers: list[list[tuple[str, int, bytes | int]]] = []

    def ioctl(self, fd: int, request: int, arg: object = 0, mutate: bool = True) -> int:
        if request == i2cdev.I2C_FUNCS:
            arg.value = 0x1 | 0x00010000 | 0x0C000000  # type: ignore[attr-defined]
            return 0
        if request == i2cdev.I2C_RDWR:
            return self._rdwr(arg)  # type: ignore[arg-type]
        raise OSError(errno.ENOTTY, "unexpected ioctl")

    def _rdwr(self, args: i2cdev._RdwrArgs) -> int:
        record: list[tuple[str, int, bytes | int]] = []
        for i in range(args.nmsgs):
            msg = args.msgs[i]
            if msg.addr != 0x77:
                raise OSError(errno.ENXIO, "No such device or address")
            if msg.flags & i2cdev.I2C_M_RD:
                data = bytes(self.registers[self.pointer : self.pointer + msg.len])
                ctypes.memmove(msg.buf, data, msg.len)
                record.append(("read", msg.addr, msg.len))
            else:
                data = ctypes.string_at(msg.buf, msg.len)
                if data:
                    self.pointer = data[0]
                    self.registers[self.pointer + 1 : self.pointer + len(data)] = data[1:]
                record.append(("write", msg.addr, data))
        self.transfers.append(record)
        return 0


@pytest.fixture
def adapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AdapterModel:
    model = AdapterModel()
    monkeypatch.setattr(i2cdev, "fcntl", types.SimpleNamespace(ioctl=model.ioctl))
    monkeypatch.setenv("PROTOBOARD_LINUX_ROOT", str(tmp_path))
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev/i2c-1").write_bytes(b"")  # opened, never read: the model answers
    return model


def test_kernel_structures_have_the_kernels_layout() -> None:
    assert ctypes.sizeof(i2cdev._Msg) == 16  # u16 addr, flags, len; (pad); u8 *buf
    assert ctypes.sizeof(i2cdev._RdwrArgs) == 16
    assert ctypes.sizeof(i2cdev._SMBusArgs) == 16


def test_writeto_then_readfrom_is_one_transfer_with_a_repeated_start(
    adapter: AdapterModel,
) -> None:
    with testing.activated(machine.create("linux", "raspberrypi_pi4b")):
        import board
        import busio

        i2c = busio.I2C(board.SCL, board.SDA)
        assert i2c.try_lock()
        buffer = bytearray(3)
        i2c.writeto_then_readfrom(0x77, b"\xd0", buffer)
        assert adapter.transfers == [[("write", 0x77, b"\xd0"), ("read", 0x77, 3)]]
        assert buffer == bytes([0xD0, 0xD1, 0xD2])
        i2c.writeto(0x77, b"\x10\xaa\xbb")
        assert adapter.transfers[-1] == [("write", 0x77, b"\x10\xaa\xbb")]
        i2c.readfrom_into(0x77, buffer, start=1)
        assert adapter.transfers[-1] == [("read", 0x77, 2)] and buffer[1:] == b"\x10\xaa"
        assert i2c.scan() == [0x77]  # zero-length writes
        assert adapter.transfers[-1] == [("write", 0x77, b"")]
        i2c.unlock()
        i2c.deinit()


@pytest.mark.hostile
def test_a_nack_is_circuitpythons_enodev(adapter: AdapterModel) -> None:
    with testing.activated(machine.create("linux", "raspberrypi_pi4b")):
        import board
        import busio

        i2c = busio.I2C(board.SCL, board.SDA)
        assert i2c.try_lock()
        with pytest.raises(OSError) as raised:
            i2c.writeto_then_readfrom(0x42, b"\x00", bytearray(1))
        assert raised.value.errno == errno.ENODEV and raised.value.strerror == "No such device"
        i2c.unlock()
