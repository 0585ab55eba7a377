"""ulab on the simulated board: values checked against numpy (float64) as the reference, and
the ways ulab differs from numpy that programs notice (types, wrapping, printing, fft tuples,
truth of arrays, error types and texts)."""

from __future__ import annotations

import math
import sys

import numpy as reference
import pytest


@pytest.fixture
def np(sim):
    from ulab import numpy

    return numpy


def test_imports_as_a_board_has_them(sim):
    import ulab
    import ulab.numpy
    import ulab.scipy.signal
    import ulab.utils
    from ulab.numpy import fft, linalg  # noqa: F401

    assert ulab.__version__ == "6.5.3-2D"
    assert ulab.numpy.fft.fft is fft.fft
    assert callable(ulab.utils.spectrogram) and callable(ulab.scipy.signal.sosfilt)


def test_type_codes_are_ulabs(np):
    assert (np.uint8, np.int8, np.uint16, np.int16, np.float, np.bool) == tuple(map(ord, "BbHhf?"))
    for missing in ("int32", "int64", "float64", "float32", "complex"):
        assert not hasattr(np, missing)
    assert np.array([1, 2]).dtype == np.float
    assert np.array([1, 2], dtype=np.uint8).itemsize == 1
    assert np.array([1, 2], dtype=np.float).itemsize == 4  # the board's float is 32-bit
    # ulab keeps bools as flagged bytes: a bool array's dtype is uint8's code
    assert (np.array([1, 2]) > 1).dtype == np.uint8
    assert str(np.array([1, 2]) > 1) == "array([False, True], dtype=bool)"
    with pytest.raises(TypeError, match="^data type not understood$"):
        np.zeros(3, dtype=7)


def test_printing_as_a_board_prints(np):
    assert str(np.array([1, 2, 3])) == "array([1.0, 2.0, 3.0], dtype=float32)"
    assert repr(np.array([1, 2, 3], dtype=np.uint8)) == "array([1, 2, 3], dtype=uint8)"
    assert str(np.array([0.1, -2.5])) == "array([0.1, -2.5], dtype=float32)"
    assert str(np.array([1, 0], dtype=np.bool)) == "array([True, False], dtype=bool)"
    assert str(np.array([[1, 2], [3, 4]], dtype=np.int16)) == (
        "array([[1, 2],\n       [3, 4]], dtype=int16)"
    )
    assert str(np.arange(20, dtype=np.int8)) == ("array([0, 1, 2, ..., 17, 18, 19], dtype=int8)")
    assert str(np.array([])) == "array([], dtype=float32)"
    np.set_printoptions(threshold=100)
    try:
        assert np.get_printoptions() == {"threshold": 100, "edgeitems": 3}
        assert "..." not in str(np.arange(20))
    finally:
        np.set_printoptions(threshold=10, edgeitems=3)


def test_integer_arithmetic_wraps_in_ulabs_types(np):
    a = np.array([200, 100], dtype=np.uint8)
    b = np.array([100, 200], dtype=np.uint8)
    total = a + b
    assert total.dtype == np.uint8 and total.tolist() == [44, 44]  # 300 wraps to 44
    assert (a - b).tolist() == [100, 156]
    assert (a * 2).tolist() == [144, 200]  # a small int is a uint8 next to uint8
    assert (a + 300).dtype == np.uint16  # 300 needs uint16: the result is uint16
    assert (a + -1).dtype == np.int16  # uint8 and int8 make int16
    h = np.array([30000, -30000], dtype=np.int16)
    assert (h + h).tolist() == [-5536, 5536]
    assert (np.array([1], dtype=np.uint16) + np.array([1], dtype=np.int16)).dtype == np.float
    assert (a / 2).dtype == np.float and (a / 2).tolist() == [100.0, 50.0]
    assert (-np.array([1], dtype=np.uint8)).tolist() == [255]
    c = np.array([250], dtype=np.uint8)
    c += 10
    assert c.tolist() == [4] and c.dtype == np.uint8


def test_values_match_numpy(np):
    values = [3.0, -1.5, 0.25, 8.0, 2.0, 7.5, -4.0, 1.0]
    a = np.array(values)
    ref = reference.array(values)
    assert np.mean(a) == pytest.approx(ref.mean(), rel=1e-6)
    assert np.std(a) == pytest.approx(ref.std(), rel=1e-6)
    assert np.std(a, ddof=1) == pytest.approx(ref.std(ddof=1), rel=1e-6)
    assert np.sum(a) == pytest.approx(ref.sum())
    assert (np.max(a), np.min(a), np.argmax(a), np.argmin(a)) == (8.0, -4.0, 3, 6)
    assert np.median(a) == pytest.approx(reference.median(ref))
    for name, ours in (("sin", np.sin), ("cos", np.cos), ("exp", np.exp), ("sqrt", np.sqrt)):
        theirs = getattr(reference, name)(reference.abs(ref) if name == "sqrt" else ref)
        mine = ours(np.array([abs(v) for v in values]) if name == "sqrt" else a)
        assert mine.tolist() == pytest.approx(theirs.tolist(), rel=1e-6, abs=1e-6)
    assert np.sin(1) == pytest.approx(math.sin(1), rel=1e-6)
    assert np.sort(a).tolist() == sorted(values)
    assert np.argsort(a).tolist() == reference.argsort(ref, kind="stable").tolist()
    assert np.roll(a, 2).tolist() == reference.roll(ref, 2).tolist()
    assert np.diff(a).tolist() == pytest.approx(reference.diff(ref).tolist())
    assert np.convolve(a, np.array([1.0, -2.0, 1.0])).tolist() == pytest.approx(
        reference.convolve(ref, [1.0, -2.0, 1.0]).tolist()
    )
    assert np.linspace(0, 1, num=5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert np.arange(1, 2, 0.25).tolist() == [1.0, 1.25, 1.5, 1.75]
    assert np.clip(a, 0, 5).tolist() == reference.clip(ref, 0, 5).tolist()
    assert np.interp(np.array([0.5, 1.5]), np.array([0, 1, 2]), np.array([0, 10, 0])).tolist() == [
        5.0,
        5.0,
    ]
    assert np.trapz(np.array([1, 2, 3])) == 4.0
    m = np.array([[2.0, 1.0], [1.0, 3.0]])
    assert np.dot(m, m).tolist() == [[5.0, 5.0], [5.0, 10.0]]
    assert np.linalg.det(m) == pytest.approx(5.0)
    assert np.linalg.inv(m).flatten().tolist() == pytest.approx(
        reference.linalg.inv([[2.0, 1.0], [1.0, 3.0]]).ravel().tolist(), rel=1e-6
    )
    assert np.trace(m) == 5.0


def test_fft_returns_real_and_imaginary_arrays(np):
    signal = [math.sin(2 * math.pi * 3 * i / 64) + 0.5 for i in range(64)]
    real, imag = np.fft.fft(np.array(signal))
    expected = reference.fft.fft(signal)
    assert real.tolist() == pytest.approx(expected.real.tolist(), abs=1e-4)
    assert imag.tolist() == pytest.approx(expected.imag.tolist(), abs=1e-4)
    back, _ = np.fft.ifft(real, imag)
    assert back.tolist() == pytest.approx(signal, abs=1e-5)
    from ulab.utils import spectrogram

    assert spectrogram(np.array(signal)).tolist() == pytest.approx(
        reference.abs(expected).tolist(), abs=1e-4
    )


def test_sosfilt_against_a_direct_computation(np):
    from ulab.scipy import signal

    x = [1.0, 0.0, 0.0, 0.0, 2.0, -1.0]
    # a one-pole low pass: y[n] = 0.5 x[n] + 0.5 y[n-1]
    y = signal.sosfilt(np.array([[0.5, 0.0, 0.0, 1.0, -0.5, 0.0]]), np.array(x))
    expected, previous = [], 0.0
    for value in x:
        previous = 0.5 * value + 0.5 * previous
        expected.append(previous)
    assert y.tolist() == pytest.approx(expected)
    # a FIR section is a convolution
    fir = signal.sosfilt([[1.0, 2.0, 1.0, 1.0, 0.0, 0.0]], x)
    assert fir.tolist() == pytest.approx(reference.convolve(x, [1, 2, 1])[: len(x)].tolist())
    y2, zf = signal.sosfilt([[0.5, 0.0, 0.0, 1.0, -0.5, 0.0]], x, zi=np.zeros((1, 2)))
    assert y2.tolist() == pytest.approx(expected) and zf.shape == (1, 2)


def test_indexing_slices_and_truth(np):
    a = np.array([1, 2, 3, 4], dtype=np.int16)
    assert a[0] == 1 and a[-1] == 4 and type(a[0]) is int
    view = a[1:3]
    view[0] = 20  # slices are views, as in ulab
    assert a.tolist() == [1, 20, 3, 4]
    assert a[a > 2].tolist() == [20, 3, 4]
    b = np.array([1.5, 2.5])
    assert type(b[0]) is float and b[0] == 1.5
    assert bool(np.array([0.0, 0.0])) is True  # a board tests the length, not the values
    assert bool(np.array([])) is False
    u = np.zeros(2, dtype=np.uint8)
    u[0] = 300  # C conversion: wraps
    u[1] = 7.9  # truncates
    assert u.tolist() == [44, 7]
    m = np.array([[1, 2], [3, 4]])
    assert m[1].tolist() == [3.0, 4.0] and m[1, 0] == 3.0 and m.shape == (2, 2)
    assert m.T.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert np.frombuffer(bytearray(b"\x01\x00\x02\x00"), dtype=np.uint16).tolist() == [1, 2]


@pytest.mark.hostile
def test_misuse_raises_ulabs_errors(np):
    a = np.array([1, 2, 3])
    with pytest.raises(IndexError, match="^index is out of bounds$"):
        a[3]
    with pytest.raises(ValueError, match="^operands could not be broadcast together$"):
        a + np.array([1, 2])
    with pytest.raises(ValueError, match="^input array length must be power of 2$"):
        np.fft.fft(a)
    with pytest.raises(NotImplementedError, match="^FFT is defined for ndarrays only$"):
        np.fft.fft([1, 2, 3, 4])
    with pytest.raises(ValueError, match="^cannot reshape array$"):
        a.reshape((2, 2))
    with pytest.raises(ValueError, match="^too many dimensions$"):
        np.zeros((2, 2, 2))
    with pytest.raises(ValueError, match="^input matrix is singular$"):
        np.linalg.inv(np.array([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(ValueError, match="^cross is defined for 1D arrays of length 3$"):
        np.cross(a, np.array([1, 2]))
    with pytest.raises(ValueError, match="^number of points must be at least 2$"):
        np.linspace(0, 1, num=1)
    with pytest.raises(ValueError, match=r"^sos array must be of shape \(n_section, 6\)$"):
        from ulab.scipy import signal

        signal.sosfilt([[1, 2, 3]], [1, 2])
    with pytest.raises(ValueError, match=r"^attempt to get \(arg\)min/\(arg\)max of an empty"):
        np.max(np.array([]))
    with pytest.raises(TypeError, match="^wrong input type$"):
        np.array(b"ab")


def test_without_numpy_the_import_says_how_to_get_it(sim, monkeypatch):
    for name in [n for n in sys.modules if n.startswith("protoboard.bindings.ulab")]:
        monkeypatch.delitem(sys.modules, name)
    for name in [n for n in sys.modules if n == "ulab" or n.startswith("ulab.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "numpy", None)  # as if numpy were not installed
    with pytest.raises(ImportError, match=r"pip install 'protoboard\[ulab\]'"):
        import ulab  # noqa: F401


def test_boards_whose_stubs_list_ulab_have_it():
    from protoboard.boards import stub_board
    from protoboard.testing import simulated_board

    assert "ulab" in stub_board("clue_nrf52840_express").modules
    with simulated_board("clue_nrf52840_express") as _:
        from protoboard import machine

        assert {"ulab", "atexit"} <= machine.current().modules


def test_ulabs_own_answers_where_numpy_differs(np):
    u16 = np.array([5], dtype=np.uint16)
    i8 = np.array([-1], dtype=np.int8)
    assert (u16 - i8).dtype == np.uint16 and (u16 - i8).tolist() == [6]
    assert (i8 - u16).dtype == np.int16 and (i8 - u16).tolist() == [-6]
    assert np.mean(np.array([])) == 0.0  # numpy: nan and a warning
    assert np.std(np.array([1.0, 2.0]), ddof=3) == 0.0  # numpy: nan and a warning
    assert np.sum(np.array([100, 200], dtype=np.uint8)) == 300  # a Python int, not wrapped


def test_numpy_is_loaded_only_when_a_program_imports_ulab(tmp_path):
    import subprocess

    (tmp_path / "code.py").write_text(
        "import sys\nprint('numpy' in sys.modules)\n"
        "from ulab import numpy\nprint('numpy' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(tmp_path / "code.py")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.stdout.split() == ["False", "True"], done.stderr


def test_positional_arguments_a_board_accepts(np):
    # ulab's C code takes num and axis by position too (the stubs show them keyword-only)
    assert np.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    assert np.logspace(0, 2, 3).tolist() == [1.0, 10.0, 100.0]
    m = np.array([[1, 5], [7, 2]])
    assert np.max(m, 0).tolist() == [7.0, 5.0] and np.std(m, 1).tolist() == [2.0, 2.5]


def test_an_array_is_a_buffer_that_follows_its_changes(np):
    from protoboard.bindings._validate import memoryview_of

    wave = np.zeros(4, dtype=np.int16)
    view = memoryview_of(wave)
    assert view.format == "h" and len(view) == 4
    wave[1] = 1000  # a synthio waveform changed in place is heard changed
    assert view.tolist() == [0, 1000, 0, 0]
