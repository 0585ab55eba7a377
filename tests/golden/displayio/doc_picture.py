"""Make docs/images/displays-rendering.png from the golden PNGs (4x, nearest neighbour, with
labels): ``python tests/golden/displayio/doc_picture.py``."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
OUT = HERE.parents[2] / "docs" / "images" / "displays-rendering.png"
SCENES = ["lib_label_terminalio", "flip_transpose", "vectorio_shapes", "tilegrid_transparency",
          "rotation_90", "epaper_tricolor", "lib_shapes", "terminal"]  # fmt: skip
SCALE = 3
GAP = 12


def main() -> None:
    tiles = []
    for name in SCENES:
        with Image.open(HERE / f"{name}.png") as image:
            picture = image.convert("RGB")
        tiles.append(
            (name, picture.resize((picture.width * SCALE, picture.height * SCALE), Image.NEAREST))
        )
    rows = [tiles[:4], tiles[4:]]
    width = max(sum(t.width + GAP for _, t in row) for row in rows) + GAP
    height = sum(max(t.height for _, t in row) + GAP + 16 for row in rows) + GAP
    sheet = Image.new("RGB", (width, height), (48, 48, 48))
    draw = ImageDraw.Draw(sheet)
    y = GAP
    for row in rows:
        x = GAP
        for name, tile in row:
            draw.text((x, y), name, fill=(220, 220, 220))
            sheet.paste(tile, (x, y + 14))
            x += tile.width + GAP
        y += max(t.height for _, t in row) + GAP + 16
    OUT.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(OUT)


if __name__ == "__main__":
    main()
