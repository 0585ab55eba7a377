"""storage.VfsFat on a Python block device (CircuitPython's readblocks/writeblocks/count
protocol), mkfs, and the SD card part's protocol details."""

from __future__ import annotations

import errno

import pytest

from protoboard.ports.sim.parts.sdcard import SDCard as SDCardPart
from protoboard.ports.sim.parts.sdcard import crc7, make_image
from protoboard.runtime.fatimage.reader import parse


class RamDisk:
    """A block device in memory that can be told to fail, as a controllable model."""

    def __init__(self, blocks: int) -> None:
        self.data = bytearray(blocks * 512)
        self.fail = False
        self.writes = 0

    def count(self) -> int:
        return len(self.data) // 512

    def readblocks(self, start: int, buf: bytearray) -> int:
        buf[:] = self.data[start * 512 : start * 512 + len(buf)]
        return 1 if self.fail else 0

    def writeblocks(self, start: int, buf: bytes) -> None:
        if self.fail:
            raise OSError(errno.EIO, "gone")
        self.data[start * 512 : start * 512 + len(buf)] = buf
        self.writes += 1


def test_a_python_block_device_formatted_and_used(sim) -> None:
    import storage

    disk = RamDisk(2048)
    vfs = storage.VfsFat(disk)
    with pytest.raises(OSError) as caught:
        vfs.mount(False, False)  # no filesystem yet
    assert caught.value.errno == errno.ENODEV
    storage.VfsFat.mkfs(disk)
    vfs = storage.VfsFat(disk)
    with vfs.open("/a.txt", "w") as stream:
        stream.write("abc")
    vfs.rename("/a.txt", "/b.txt")
    assert vfs.stat("/b.txt")[6] == 3
    assert set(parse(bytes(disk.data)).files) == {"b.txt"}
    vfs.remove("/b.txt")
    assert parse(bytes(disk.data)).files == {}


def test_mount_with_mkfs_formats_an_empty_device(sim) -> None:
    import storage

    disk = RamDisk(2048)
    vfs = storage.VfsFat(disk)
    vfs.mount(False, True)
    assert [name for name, *_ in vfs.ilistdir("/")] == []
    assert parse(bytes(disk.data)).files == {}  # a FAT volume now, and empty
    vfs.mkdir("/made")
    assert "made" in parse(bytes(disk.data)).dirs


@pytest.mark.hostile
def test_a_device_that_fails_gives_input_output_error(sim) -> None:
    import storage

    disk = RamDisk(2048)
    storage.VfsFat.mkfs(disk)
    vfs = storage.VfsFat(disk)
    disk.fail = True
    before = bytes(disk.data)
    with pytest.raises(OSError) as caught:
        vfs.mkdir("/d")
    assert caught.value.errno == errno.EIO
    assert bytes(disk.data) == before
    with pytest.raises(OSError) as caught:
        storage.VfsFat(disk)  # readblocks returns 1
    assert caught.value.errno == errno.EIO


@pytest.mark.hostile
def test_not_a_block_device_names_the_missing_method(sim) -> None:
    import storage

    with pytest.raises(AttributeError, match="'int' object has no attribute 'readblocks'"):
        storage.VfsFat(42)

    class HalfDevice:
        def readblocks(self, start: int, buf: bytearray) -> None: ...

    with pytest.raises(AttributeError, match="'HalfDevice' object has no attribute 'writeblocks'"):
        storage.VfsFat(HalfDevice())


def test_the_card_checks_the_crc_of_cmd0(sim, tmp_path) -> None:
    part = SDCardPart(image=tmp_path / "sd.img", size=1024 * 1024)
    part.spi_select()
    good = bytes([0x40, 0, 0, 0, 0])
    assert crc7(good) == 0x95
    reply = part.spi_transfer(good + bytes([0x95]) + b"\xff\xff")
    assert reply[-1] == 0x01  # R1: idle
    reply = part.spi_transfer(good + bytes([0x33]) + b"\xff\xff")
    assert reply[-1] & 0x08  # R1: CRC error


@pytest.mark.hostile
def test_an_image_too_small_for_a_card_is_refused(tmp_path) -> None:
    (tmp_path / "tiny.img").write_bytes(b"\0" * 1000)
    with pytest.raises(ValueError, match="smaller than 512 KiB"):
        SDCardPart(image=tmp_path / "tiny.img")
    with pytest.raises(ValueError, match="512 KiB to 2 GiB"):
        make_image(tmp_path / "huge.img", 3 * 1024**3)


def test_a_card_without_an_image_setting_lives_in_the_data_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    part = SDCardPart(size=1024 * 1024)
    assert part.image == tmp_path / "protoboard" / "sdcard.img"
    assert part.blocks == 2048
    assert parse(part.image.read_bytes()).files == {}
