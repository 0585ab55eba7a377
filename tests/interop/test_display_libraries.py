"""Unmodified Adafruit display libraries rendering into Protoboard's displayio.

adafruit_display_text (terminalio.FONT and a BDF font through adafruit_bitmap_font, BDF and
PCF), adafruit_imageload (BMP, GIF, PNG written by Pillow: each pixel must come out as the
RGB565 of Pillow's colour), adafruit_display_shapes and adafruit_progressbar. Frames are
compared with golden PNGs (tests/golden/displayio/lib_*.png) or with an independent oracle.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from protoboard.displaycore import Colorspace, frame_to_image, render, unpack_frame
from protoboard.displaycore.colorspace import rgb565

pytestmark = pytest.mark.network

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "displayio"
FONT_DIR = Path(__file__).resolve().parents[2] / "core" / "protoboard" / "displaycore" / "fonts"
CS = Colorspace(depth=16, reverse_bytes_in_word=False)  # plain RGB565 values: easy to check


@pytest.fixture
def libs(sim: Any, adafruit_libs: Path, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """``libs("adafruit_display_text", "label")``: a library module (or a name from it),
    imported as a program on the board imports it (through the board world's ``__import__``,
    compiled with PEP 563 annotations: a board never evaluates annotations, and
    adafruit_display_text annotates with
    ``fontio.FontProtocol``, which only exists in the stubs)."""
    from protoboard.vm import program_environment

    with program_environment(tmp_path, [adafruit_libs]) as world:
        importer = world.builtins["__import__"]

        def load(name: str, attribute: str | None = None) -> Any:
            module = importer(name, {}, {}, [attribute or "__name__"], 0)
            return module if attribute is None else getattr(module, attribute)

        yield load


def frame(group: Any, width: int, height: int) -> list[int]:
    return unpack_frame(render(group, CS, width, height), CS, width, height)


def picture(group: Any, width: int, height: int) -> Image.Image:
    return frame_to_image(render(group, CS, width, height), CS, width, height)


def compare_golden(name: str, image: Image.Image) -> None:
    path = GOLDEN / f"lib_{name}.png"
    if os.environ.get("PROTOBOARD_UPDATE_GOLDEN"):
        image.save(path)
    with Image.open(path) as stored:
        expected = stored.convert("RGB")
    assert expected.size == image.size
    assert ImageChops.difference(expected, image).getbbox() is None, name


# -- text --------------------------------------------------------------------------------------


def test_label_with_terminalio_font(libs) -> None:
    import displayio
    import terminalio

    label = libs("adafruit_display_text", "label")

    group = displayio.Group()
    text = label.Label(terminalio.FONT, text="Hello, world!", color=0xFFFF00, scale=2, x=4, y=14)
    group.append(text)
    compare_golden("label_terminalio", picture(group, 168, 32))
    # The label's pixels are the font's glyphs: 'H' starts at the label's origin.
    pixels = frame(group, 168, 32)
    assert rgb565(0xFFFF00) in pixels


def test_bitmap_label_with_a_bdf_font(libs) -> None:
    import displayio

    bitmap_font = libs("adafruit_bitmap_font", "bitmap_font")
    bitmap_label = libs("adafruit_display_text", "bitmap_label")

    font = bitmap_font.load_font(str(FONT_DIR / "ter-u12n.bdf"))
    group = displayio.Group()
    group.append(bitmap_label.Label(font, text="BDF: Terminus 6x12", color=0x00FFFF, x=2, y=8))
    compare_golden("label_bdf", picture(group, 112, 16))


@pytest.fixture(scope="module")
def pcf_font(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped Terminus BDF compiled to PCF by the X.Org tool (bdftopcf)."""
    tool = shutil.which("bdftopcf")
    if tool is None:
        pytest.skip("bdftopcf (Debian: xfonts-utils) is not installed")
    out = tmp_path_factory.mktemp("pcf") / "ter-u12n.pcf"
    subprocess.run([tool, "-o", str(out), str(FONT_DIR / "ter-u12n.bdf")], check=True, timeout=60)
    return out


def test_pcf_font_renders_as_the_bdf_font(libs, pcf_font: Path) -> None:
    import displayio

    bitmap_font = libs("adafruit_bitmap_font", "bitmap_font")
    label = libs("adafruit_display_text", "label")

    frames = []
    for path in (FONT_DIR / "ter-u12n.bdf", pcf_font):
        font = bitmap_font.load_font(str(path))
        group = displayio.Group()
        group.append(label.Label(font, text="PCF = BDF?", color=0xFFFFFF, x=2, y=8))
        frames.append(frame(group, 80, 16))
    assert frames[0] == frames[1]
    assert any(frames[0])


def test_missing_glyphs_are_left_out(libs) -> None:
    import displayio
    import terminalio

    label = libs("adafruit_display_text", "label")

    group = displayio.Group()
    group.append(label.Label(terminalio.FONT, text="A\u2603B", color=0xFFFFFF, x=0, y=6))
    with_snowman = frame(group, 30, 14)
    other = displayio.Group()
    other.append(label.Label(terminalio.FONT, text="AB", color=0xFFFFFF, x=0, y=6))
    assert terminalio.FONT.get_glyph(0x2603) is None
    assert with_snowman == frame(other, 30, 14)


# -- images ------------------------------------------------------------------------------------


def _source_image() -> Image.Image:
    image = Image.new("RGB", (20, 12))
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0), (255, 128, 0)]
    for y in range(12):
        for x in range(20):
            image.putpixel((x, y), colours[(x // 4 + y // 3) % len(colours)])
    return image


@pytest.mark.parametrize(("fmt", "suffix"), [("BMP", ".bmp"), ("GIF", ".gif"), ("PNG", ".png")])
def test_imageload_formats_match_pillow(libs, tmp_path: Path, fmt: str, suffix: str) -> None:
    adafruit_imageload = libs("adafruit_imageload")
    import displayio

    source = _source_image().convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    path = tmp_path / f"image{suffix}"
    source.save(path, format=fmt)
    if fmt == "GIF":
        # adafruit_imageload sizes its Bitmap from the header's colour resolution field, which
        # Pillow leaves at 1 bit: state the palette's real depth there (as most encoders do).
        data = bytearray(path.read_bytes())
        data[10] = (data[10] & ~0x70) | ((data[10] & 0x07) << 4)
        path.write_bytes(bytes(data))
    bitmap, palette = adafruit_imageload.load(
        str(path), bitmap=displayio.Bitmap, palette=displayio.Palette
    )
    group = displayio.Group()
    group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    expected_rgb = Image.open(path).convert("RGB")
    expected = [rgb565(r << 16 | g << 8 | b) for r, g, b in expected_rgb.get_flattened_data()]
    assert frame(group, 20, 12) == expected


@pytest.mark.hostile
def test_truncated_bmp_raises_eoferror(libs, tmp_path: Path) -> None:
    adafruit_imageload = libs("adafruit_imageload")
    import displayio

    path = tmp_path / "cut.bmp"
    _source_image().convert("P", palette=Image.Palette.ADAPTIVE, colors=8).save(path, "BMP")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30])
    with pytest.raises(EOFError):
        adafruit_imageload.load(str(path), bitmap=displayio.Bitmap, palette=displayio.Palette)


@pytest.mark.hostile
def test_not_an_image_is_refused(libs, tmp_path: Path) -> None:
    adafruit_imageload = libs("adafruit_imageload")
    import displayio

    path = tmp_path / "notes.txt"
    path.write_text("not a picture", encoding="utf-8")
    with pytest.raises(RuntimeError, match="Unsupported image format"):
        adafruit_imageload.load(str(path), bitmap=displayio.Bitmap, palette=displayio.Palette)


def test_ondiskbitmap_reads_the_bmp_as_imageload_does(libs, tmp_path: Path) -> None:
    adafruit_imageload = libs("adafruit_imageload")
    import displayio

    path = tmp_path / "image.bmp"
    _source_image().convert("P", palette=Image.Palette.ADAPTIVE, colors=8).save(path, "BMP")
    bitmap, palette = adafruit_imageload.load(
        str(path), bitmap=displayio.Bitmap, palette=displayio.Palette
    )
    loaded = displayio.Group()
    loaded.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    odb = displayio.OnDiskBitmap(str(path))
    on_disk = displayio.Group()
    on_disk.append(displayio.TileGrid(odb, pixel_shader=odb.pixel_shader))
    assert frame(on_disk, 20, 12) == frame(loaded, 20, 12)


# -- shapes and widgets ------------------------------------------------------------------------


def test_display_shapes(libs) -> None:
    import displayio

    group = displayio.Group()
    shapes = {
        name: libs(f"adafruit_display_shapes.{name.lower()}", name)
        for name in ("Circle", "Line", "Rect", "RoundRect", "Triangle")
    }
    group.append(shapes["Rect"](2, 2, 30, 20, fill=0x0000FF, outline=0xFFFFFF))
    group.append(shapes["Circle"](50, 14, 10, fill=0x00FF00, outline=0xFF0000))
    group.append(shapes["RoundRect"](66, 2, 28, 24, 6, fill=0xFF00FF, outline=0xFFFF00, stroke=2))
    group.append(shapes["Triangle"](4, 44, 30, 28, 40, 44, fill=0xFF8000))
    group.append(shapes["Line"](44, 30, 94, 46, 0xFFFFFF))
    compare_golden("shapes", picture(group, 96, 48))


def test_progressbar(libs) -> None:
    import displayio

    progress_bar = libs("adafruit_progressbar.horizontalprogressbar", "HorizontalProgressBar")

    group = displayio.Group()
    bar = progress_bar((4, 4), (80, 12), value=40, bar_color=0x00FF00)
    group.append(bar)
    compare_golden("progressbar", picture(group, 88, 20))
    bar.value = 75
    compare_golden("progressbar_75", picture(group, 88, 20))


def test_a_program_on_the_board_draws_a_label(run_code, adafruit_libs: Path, capsys) -> None:
    """The strongest form: a code.py run in the board's world (its imports, its file access)
    with the unmodified libraries in /lib."""
    import terminalio

    result = run_code(
        """
        import displayio
        import terminalio
        from adafruit_display_text import bitmap_label

        text = bitmap_label.Label(terminalio.FONT, text="Hi!", color=0xFF0000)
        bitmap = text.bitmap
        lit = sum(1 for y in range(bitmap.height) for x in range(bitmap.width) if bitmap[x, y])
        print("lit", lit, bitmap.width, bitmap.height)
        """,
        lib_paths=[adafruit_libs],
    )
    assert result.ok, result.traceback
    font = terminalio.FONT.bitmap
    expected = 0
    for char in "Hi!":
        tile = terminalio.FONT.get_glyph(ord(char)).tile_index
        expected += sum(font[tile * 6 + x, y] for y in range(12) for x in range(6))
    assert f"lit {expected} " in capsys.readouterr().out
