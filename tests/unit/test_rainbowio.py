"""rainbowio.colorwheel gives a board's integers: CircuitPython's C code, float32 arithmetic."""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# CircuitPython's shared-module/rainbowio/__init__.c, with the Cortex-M conversions spelled
# out (C leaves out-of-range float->int casts undefined; the FPU's VCVT saturates, NaN -> 0)
# and the result stored as a 31-bit small int, as MP_OBJ_NEW_SMALL_INT does.
C_REFERENCE = r"""
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
static uint32_t u32(float x) { if (isnan(x) || x <= 0) return 0;
    if (x >= 4294967296.0f) return 0xFFFFFFFFu; return (uint32_t)x; }
static int32_t i32(float x) { if (isnan(x)) return 0; if (x >= 2147483648.0f) return INT32_MAX;
    if (x <= -2147483648.0f) return INT32_MIN; return (int32_t)x; }
static int32_t colorwheel(float pos) {
    pos = pos - (float)((uint32_t)(u32(pos / 256) * 256u));
    int shift1, shift2;
    if (pos < 85) { shift1 = 8; shift2 = 16; }
    else if (pos < 170) { pos -= 85; shift1 = 0; shift2 = 8; }
    else { pos -= 170; shift1 = 16; shift2 = 0; }
    int32_t p = i32(pos * 3);
    p = (p < 256) ? p : 255;
    uint32_t r = (((uint32_t)p) << shift1) | (((uint32_t)(255u - (uint32_t)p)) << shift2);
    return (int32_t)(r << 1) >> 1;
}
int main(void) {
    uint32_t bits; float f;
    while (scanf("%x", &bits) == 1) { memcpy(&f, &bits, 4); printf("%d\n", colorwheel(f)); }
    return 0;
}
"""


def classic(pos: int) -> int:
    """The colorwheel of Adafruit's examples, for whole hues 0-255."""
    if pos < 85:
        return ((255 - pos * 3) << 16) | ((pos * 3) << 8)
    if pos < 170:
        pos -= 85
        return ((255 - pos * 3) << 8) | (pos * 3)
    pos -= 170
    return ((pos * 3) << 16) | (255 - pos * 3)


def test_whole_hues_are_the_classic_wheel(sim):
    import rainbowio

    assert [rainbowio.colorwheel(n) for n in range(256)] == [classic(n) for n in range(256)]
    assert rainbowio.colorwheel(0) == 0xFF0000
    assert rainbowio.colorwheel(85) == 0x00FF00
    assert rainbowio.colorwheel(170) == 0x0000FF


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (256, 0xFF0000),  # wraps every 256
        (300.0, classic(44)),
        (42.5, 0x807F00),  # 127.5 truncates to 127
        (True, classic(1)),
        (-1, -0x300),  # negative: (uint32_t) saturates to 0, so no wrap, as on a board
        (-0.5, -256),
        (1e10, 0xFF0000),
        (2**40 + 7, 0xFF0000),  # a big int goes through mpz_as_float
        (math.inf, 0xFF0000),
        (-math.inf, 0xFF0000),  # int32 arithmetic wraps, as in C on the board
        (math.nan, 0x0000FF),
    ],
)
def test_board_results_for_odd_inputs(sim, n, expected):
    import rainbowio

    assert rainbowio.colorwheel(n) == expected


@pytest.mark.hostile
@pytest.mark.parametrize("bad", ["12", None, [1], b"\x01", 1j])
def test_non_numbers_are_circuitpython_type_errors(sim, bad):
    import rainbowio

    with pytest.raises(TypeError, match=f"^can't convert {type(bad).__name__} to float$"):
        rainbowio.colorwheel(bad)


def test_an_object_with_float_converts(sim):
    import rainbowio

    class Hue:
        def __float__(self) -> float:
            return 85.0

    assert rainbowio.colorwheel(Hue()) == 0x00FF00


def test_a_program_imports_and_uses_it(run_code, capsys):
    result = run_code("import rainbowio\nprint(hex(rainbowio.colorwheel(64)))\n")
    assert result.ok, result.traceback
    assert capsys.readouterr().out.strip() == hex(classic(64))


@pytest.fixture(scope="module")
def c_colorwheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build CircuitPython's colorwheel")
    folder = tmp_path_factory.mktemp("colorwheel")
    source = folder / "colorwheel.c"
    source.write_text(C_REFERENCE)
    binary = folder / "colorwheel"
    subprocess.run([compiler, "-O1", "-o", str(binary), str(source), "-lm"], check=True, timeout=60)
    return binary


def f32_bits(value: float) -> int:
    return int(struct.unpack("<I", struct.pack("<f", value))[0])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(width=32) | st.integers(-(2**24), 2**24), min_size=50, max_size=50))
def test_every_float32_matches_the_c_code(c_colorwheel, values):
    from protoboard.bindings.rainbowio import colorwheel

    values = [float(v) for v in values]
    text = "".join(f"{f32_bits(v):x}\n" for v in values)
    done = subprocess.run(
        [str(c_colorwheel)], input=text, capture_output=True, text=True, check=True, timeout=30
    )
    assert [colorwheel(v) for v in values] == [int(line) for line in done.stdout.split()]
