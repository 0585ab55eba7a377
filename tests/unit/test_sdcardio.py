"""sdcardio.SDCard over the simulated SPI bus against the SDCard part, and storage.VfsFat on it."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from protoboard.ports.sim.parts.sdcard import SDCard as SDCardPart
from protoboard.runtime.fatimage.reader import parse


def card(sim, tmp_path: Path, **options):
    return sim.attach(SDCardPart(image=tmp_path / "sd.img", **options), cs="D10")


def test_sdcard_reads_the_card_geometry_and_blocks(sim, tmp_path) -> None:
    part = card(sim, tmp_path)
    import board
    import sdcardio

    sd = sdcardio.SDCard(board.SPI(), board.D10)
    assert sd.count() == part.blocks == 8 * 1024 * 1024 // 512
    buf = bytearray(512)
    sd.readblocks(0, buf)
    assert buf == (tmp_path / "sd.img").read_bytes()[:512]
    assert buf[510:512] == b"\x55\xaa"


def test_sdcard_writes_one_and_many_blocks_into_the_image(sim, tmp_path) -> None:
    card(sim, tmp_path)
    import board
    import sdcardio

    sd = sdcardio.SDCard(board.SPI(), board.D10)
    sd.writeblocks(100, b"A" * 512)
    sd.writeblocks(200, b"B" * 512 + b"C" * 512 + b"D" * 512)
    raw = (tmp_path / "sd.img").read_bytes()
    assert raw[100 * 512 : 101 * 512] == b"A" * 512
    assert raw[200 * 512 : 203 * 512] == b"B" * 512 + b"C" * 512 + b"D" * 512
    back = bytearray(3 * 512)
    sd.readblocks(200, back)
    assert bytes(back) == b"B" * 512 + b"C" * 512 + b"D" * 512


def test_vfsfat_mount_write_and_read_back_with_pyfatfs(sim, tmp_path, monkeypatch) -> None:
    card(sim, tmp_path)
    import board
    import sdcardio
    import storage

    sd = sdcardio.SDCard(board.SPI(), board.D10)
    vfs = storage.VfsFat(sd)
    with vfs.open("/log.txt", "w") as stream:
        stream.write("hello card\n")
    vfs.mkdir("/data")
    volume = parse((tmp_path / "sd.img").read_bytes())
    assert "log.txt" in volume.files and "data" in volume.dirs
    assert sorted(name for name, *_ in vfs.ilistdir("/")) == ["data", "log.txt"]
    assert vfs.statvfs("/")[0] > 0


def test_no_card_and_a_wrong_buffer_give_circuitpythons_errors(sim, tmp_path) -> None:
    card(sim, tmp_path, present=False)
    import board
    import sdcardio

    with pytest.raises(OSError, match="no SD card"):
        sdcardio.SDCard(board.SPI(), board.D10)


@pytest.mark.hostile
def test_write_protected_card_and_pulled_card_raise_eio(sim, tmp_path) -> None:
    part = card(sim, tmp_path, write_protect=True)
    import board
    import sdcardio

    sd = sdcardio.SDCard(board.SPI(), board.D10)
    before = (tmp_path / "sd.img").read_bytes()
    with pytest.raises(OSError) as caught:
        sd.writeblocks(10, b"x" * 512)
    assert caught.value.errno == errno.EIO
    with pytest.raises(ValueError, match="multiple of 512"):
        sd.readblocks(0, bytearray(100))
    part.present = False
    with pytest.raises(OSError) as caught:
        sd.readblocks(0, bytearray(512))
    assert caught.value.errno == errno.EIO
    assert (tmp_path / "sd.img").read_bytes() == before
