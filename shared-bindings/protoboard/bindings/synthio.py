"""Support for multi-channel audio synthesis

A `Synthesizer` is an audio sample that makes its sound as it plays: press and release notes
(MIDI note numbers or `Note` objects) and it plays them with a waveform, an ADSR `Envelope`, a
`Biquad` filter, ring modulation, and `LFO` and `Math` blocks that change any of a note's
settings while it plays. `MidiTrack` (and `from_file`) play a MIDI file track.

Play a synthesizer with `audioio.AudioOut`, `audiopwmio.PWMAudioOut`, `audiobusio.I2SOut` or on
an `audiomixer.Mixer` voice. The output is CircuitPython's to the sample: signed 16-bit, made 256
samples at a time, with blocks (LFOs, Maths, filters, envelopes) advancing once per 256 samples.
"""

from __future__ import annotations

import io
import math
import struct
import weakref
from array import array
from collections import namedtuple
from collections.abc import Sequence
from itertools import repeat
from operator import add, mul
from typing import Any, BinaryIO, cast

from protoboard.bindings import _enum, _validate
from protoboard.hal.audiocore import AudioPlayer as _AudioPlayer
from protoboard.hal.audiocore import SampleStream as _SampleStream

#: samples made per block; LFOs, Maths, filters and envelopes advance once per block
_MAX_DUR = 256
_SHIFT = 16  # fixed-point fraction bits of a waveform position
_ONE = 1 << _SHIFT
#: the largest waveform (``SYNTHIO_WAVEFORM_SIZE``)
waveform_max_length = 16384
_SQUARE = (-32768, 32767)
_TRIANGLE = (0, 32767, 0, -32767)
#: the 9th octave's note frequencies: integer notes are made from these
_NOTES = (8372, 8870, 9397, 9956, 10548, 11175, 11840, 12544, 13290, 14080, 14917, 15804)
_BEND_TABLE = (0, 1948, 4013, 6200, 8517, 10972, 13573, 16329, 19248, 22341, 25618, 29090, 32768)
_ALMOST_ONE = 32767.0 / 32768
_MIX_LOW, _MIX_HIGH = -28000, 28000

# The clock blocks share (``synthio_global_tick`` and the scales set for each block made).
_tick = 0
_rate_scale = 0.0
_w_scale = 0.0

#: Synthesizer and MidiTrack streams, so that changing a note or block first brings their
#: players up to now (the change is heard from the next block, as on a board)
_streams: weakref.WeakSet[_SynthStream] = weakref.WeakSet()


def _catch_up_all() -> None:
    for stream in list(_streams):
        stream.catch_up()


def _max_polyphony() -> int:
    """``CIRCUITPY_SYNTHIO_MAX_CHANNELS`` of the board's port: 24 on RP2040/RP2350, else 12."""
    try:
        from protoboard.machine import current

        return 24 if current().board.mcu == "raspberrypi" else 12
    except Exception:  # no board active (a tool imported this)
        return 12


# -- buffers and block inputs -------------------------------------------------------------------


def _waveform(value: Any, name: str = "waveform") -> memoryview:
    """A waveform buffer: array of type 'h', 2 to 16384 samples (CircuitPython's checks)."""
    try:
        view = _validate.memoryview_of(value)  # (a ulab array too, as on a board)
    except TypeError:
        raise TypeError("object with buffer protocol required") from None
    if view.format.lstrip("@=<") != "h":
        raise ValueError(f"{name} must be array of type 'h'")
    if view.ndim != 1:
        view = memoryview(view.tobytes()).cast("h")
    elif view.format != "h":
        view = view.cast("B").cast("h")
    if not 2 <= len(view) <= waveform_max_length:
        raise ValueError(f"{name} length must be 2-{waveform_max_length}")
    return view


class _Block:
    """What LFO and Math share: a value computed at most once per block (``synthio_block``)."""

    __slots__ = ("__weakref__", "_last_tick", "_value")
    _last_tick: int
    _value: float

    def _compute(self) -> float:
        raise NotImplementedError

    @property
    def value(self) -> float:
        """The value of the block (read-only)"""
        _catch_up_all()
        return self._value


_Slot = float | _Block


def _get(slot: _Slot) -> float:
    if type(slot) is float:
        return slot
    block = cast(_Block, slot)
    if block._last_tick == _tick:
        return block._value
    block._last_tick = _tick
    value = block._compute()
    block._value = value
    return value


def _limited(slot: _Slot, low: float, high: float) -> float:
    value = _get(slot)
    return low if value < low else high if value > high else value


def _scaled(slot: _Slot, low: float, high: float) -> int:
    return round(math.ldexp(_limited(slot, low, high), 15))


def _slot(value: Any, name: str) -> _Slot:
    """A BlockInput: a block, a number, or None (0.0)."""
    if isinstance(value, _Block):
        return value
    if value is None:
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"{name} must be of type BlockInput, not {_validate.type_name(value)}")


def _c_round(value: float) -> int:
    """``round_float_to_int64``: add 0.5, truncate."""
    return int(value + 0.5)


def _float_arg(value: Any, name: str) -> float:
    """``mp_arg_validate_type_float``."""
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"{name} must be of type float, not {_validate.type_name(value)}")


def _repr(obj: object, names: tuple[str, ...]) -> str:
    fields = ", ".join(f"{n}={getattr(obj, n)!r}" for n in names)
    return f"synthio.{type(obj).__name__}({fields})"


# -- module functions -----------------------------------------------------------------------------


def voct_to_hz(ctrl: float) -> float:
    """Converts a 1v/octave signal to Hz.

    24/12 (2.0) corresponds to middle C, 33/12 (2.75) is concert A."""
    octave = _float_arg(ctrl, "ctrl")
    if not -11 <= octave <= 11:
        raise ValueError("ctrl must be -11-11")
    return float(_NOTES[0] * 2.0 ** (octave - 7))


def midi_to_hz(midi_note: float) -> float:
    """Converts the given midi note (60 = middle C, 69 = concert A) to Hz"""
    note = _float_arg(midi_note, "note")
    return float(_NOTES[0] * 2.0 ** (note / 12.0 - 3 - 7))


# -- envelopes ------------------------------------------------------------------------------------


class EnvelopeState(_enum.Constant):
    """The state of a note's envelope"""

    __slots__ = ()
    ATTACK: EnvelopeState
    """The note is in its attack phase"""
    DECAY: EnvelopeState
    """The note is in its decay phase"""
    SUSTAIN: EnvelopeState
    """The note is in its sustain phase"""
    RELEASE: EnvelopeState
    """The note is in its release phase"""


_enum.define(EnvelopeState, ATTACK=0, DECAY=1, SUSTAIN=2, RELEASE=3)
_STATES = (EnvelopeState.ATTACK, EnvelopeState.DECAY, EnvelopeState.SUSTAIN, EnvelopeState.RELEASE)
_ATTACK, _DECAY, _SUSTAIN, _RELEASE = range(4)

_EnvelopeBase = namedtuple(
    "_EnvelopeBase", ("attack_time", "decay_time", "release_time", "attack_level", "sustain_level")
)


class Envelope(_EnvelopeBase):
    """An ADSR (Attack, Decay, Sustain, Release) envelope with linear amplitude ramping.

    A note starts at 0 volume, then increases to ``attack_level`` over ``attack_time`` seconds;
    then it decays to ``sustain_level`` over ``decay_time`` seconds. Finally, when the note is
    released, it decreases to ``0`` volume over ``release_time``.

    If the ``sustain_level`` of an envelope is 0, then the decay and sustain phases of the note
    are always omitted (a plucked or struck instrument). If a note is released before it reaches
    its sustain phase, it decays with the same slope indicated by
    ``sustain_level/release_time`` (or ``attack_level/release_time`` for plucked envelopes).

    The envelope moves one step per 256 samples, as on a board."""

    __slots__ = ()

    def __new__(
        cls,
        *,
        attack_time: float | None = 0.1,
        decay_time: float | None = 0.05,
        release_time: float | None = 0.2,
        attack_level: float | None = 1.0,
        sustain_level: float | None = 0.8,
    ) -> Envelope:
        """Construct an Envelope object (all arguments are keywords; see the class)."""
        _validate.float_non_negative(attack_time, "attack_time")
        _validate.float_non_negative(decay_time, "decay_time")
        _validate.float_non_negative(release_time, "release_time")
        for value, name in ((attack_level, "attack_level"), (sustain_level, "sustain_level")):
            if not 0 <= _float_arg(value, name) <= 1:
                raise ValueError(f"{name} must be 0-1")
        return super().__new__(
            cls, attack_time, decay_time, release_time, attack_level, sustain_level
        )

    def __repr__(self) -> str:
        return "Envelope(" + ", ".join(f"{k}={v!r}" for k, v in self._asdict().items()) + ")"


class _EnvelopeDef:
    """An envelope in the synthesizer's units: levels out of 32767, steps per block."""

    __slots__ = ("attack_level", "attack_step", "decay_step", "release_step", "sustain_level")

    def __init__(self, envelope: Envelope | None, sample_rate: int) -> None:
        if envelope is None:
            self.attack_level = self.sustain_level = 32767
            self.attack_step = 32767
            self.decay_step = self.release_step = -32767
            return
        attack = int(32767 * float(envelope.attack_level))
        sustain = int(32767 * float(envelope.sustain_level) * float(envelope.attack_level))
        self.attack_level = attack
        self.sustain_level = sustain
        self.attack_step = _time_to_rate(sample_rate, envelope.attack_time, attack)
        self.decay_step = -_time_to_rate(sample_rate, envelope.decay_time, attack - sustain)
        self.release_step = -_time_to_rate(
            sample_rate, envelope.release_time, sustain if sustain else attack
        )


def _time_to_rate(sample_rate: int, time: float, difference: int) -> int:
    samples = round(float(time) * sample_rate)
    if samples == 0:
        return 32767
    result = min(32767, max(1, abs(difference * _MAX_DUR) // samples))
    return -result if difference < 0 else result


def _envelope_of(value: Any) -> Envelope | None:
    if value is not None and not isinstance(value, Envelope):
        raise TypeError(f"envelope must be of type Envelope, not {_validate.type_name(value)}")
    return value


class _EnvelopeState:
    __slots__ = ("level", "state", "substep")

    def __init__(self) -> None:
        self.level = 0
        self.substep = 0
        self.state = _RELEASE

    def start(self, definition: _EnvelopeDef) -> None:
        self.level = 0
        self.substep = 0
        self.state = _ATTACK
        self.step(definition, _MAX_DUR)

    def step(self, d: _EnvelopeDef, samples: int) -> None:
        self.substep += samples
        while self.substep >= _MAX_DUR:
            self.substep -= _MAX_DUR
            state = self.state
            if state == _ATTACK:
                self.level = min(self.level + d.attack_step, d.attack_level)
                if self.level == d.attack_level:
                    self.state = _DECAY
            elif state == _DECAY:
                self.level = max(self.level + d.decay_step, d.sustain_level)
                if self.level == d.sustain_level:
                    self.state = _SUSTAIN
            elif state == _RELEASE:
                self.level = max(self.level + d.release_step, 0)


# -- blocks ---------------------------------------------------------------------------------------


class LFO(_Block):
    """A low-frequency oscillator block

    Every `rate` seconds, the output of the LFO cycles through its `waveform`. The output at
    any particular moment is ``waveform[idx] * scale + offset``. If `waveform` is None, a
    triangle waveform is used. `waveform` must be a buffer of type ``'h'``, whose range
    ``[-32768,32767]`` maps to ``[-1.0, 0.99996]``.

    An LFO only updates if it is associated with a playing `Synthesizer` (through a `Note`,
    another block, or `Synthesizer.blocks`), once every 256 samples. Its ``value`` is computed
    when it is constructed and then when its synthesizer updates it."""

    __slots__ = (
        "_accum",
        "_interpolate",
        "_offset",
        "_once",
        "_phase_offset",
        "_rate",
        "_scale",
        "_wave",
        "_waveform",
    )
    _FIELDS = ("waveform", "rate", "scale", "offset", "phase_offset", "once", "interpolate")

    def __init__(
        self,
        waveform: Any = None,
        *,
        rate: Any = 1.0,
        scale: Any = 1.0,
        offset: Any = 0.0,
        phase_offset: Any = 0.0,
        once: bool = False,
        interpolate: bool = True,
    ) -> None:
        """Create an LFO (see the class for its arguments)."""
        global _rate_scale
        self._wave: Any = _TRIANGLE if waveform is None else _waveform(waveform)
        self._waveform = waveform
        self._accum = 0.0
        self._value = 0.0
        self._rate = _slot(rate, "rate")
        self._scale = _slot(scale, "scale")
        self._offset = _slot(offset, "offset")
        self._phase_offset = _slot(phase_offset, "phase_offset")
        self._once = bool(once)
        self._interpolate = bool(interpolate)
        # Its first value, computed at once with no time passing (as a board does).
        _rate_scale = 0.0
        self._last_tick = _tick - 1
        _get(self)

    def _compute(self) -> float:
        rate = _get(self._rate) * _rate_scale
        phase_offset = _get(self._phase_offset)
        accum = self._accum + rate + phase_offset
        once = self._once
        if once:
            if rate > 0:
                if accum > _ALMOST_ONE:
                    accum = _ALMOST_ONE
            elif rate < 0 and accum < 0:
                accum = 0.0
        else:
            accum -= math.floor(accum)
        self._accum = accum - phase_offset
        wave = self._wave
        length = len(wave)
        scaled = accum * (length - once)
        # A board reads outside the waveform here (an assert); keep to its ends.
        idx = min(max(math.floor(scaled), 0), length - 1)
        value = float(wave[idx])
        if self._interpolate:
            frac = scaled - idx
            nxt = idx + 1
            if nxt == length:
                nxt = idx if once else 0
            value = value * (1 - frac) + wave[nxt] * frac
        return math.ldexp(value, -15) * _get(self._scale) + _get(self._offset)

    def __repr__(self) -> str:
        return _repr(self, self._FIELDS)

    @property
    def waveform(self) -> Any:
        """The waveform of this lfo. (read-only, but the values in the buffer may be modified
        dynamically)"""
        return self._waveform

    @property
    def rate(self) -> _Slot:
        """The rate (in Hz) at which the LFO cycles through its waveform"""
        return self._rate

    @rate.setter
    def rate(self, value: Any) -> None:
        _catch_up_all()
        self._rate = _slot(value, "rate")

    @property
    def offset(self) -> _Slot:
        """An additive value applied to the LFO's output"""
        return self._offset

    @offset.setter
    def offset(self, value: Any) -> None:
        _catch_up_all()
        self._offset = _slot(value, "offset")

    @property
    def phase_offset(self) -> _Slot:
        """An additive value applied to the LFO's phase"""
        return self._phase_offset

    @phase_offset.setter
    def phase_offset(self, value: Any) -> None:
        _catch_up_all()
        self._phase_offset = _slot(value, "phase_offset")

    @property
    def scale(self) -> _Slot:
        """An multiplier value applied to the LFO's output"""
        return self._scale

    @scale.setter
    def scale(self, value: Any) -> None:
        _catch_up_all()
        self._scale = _slot(value, "scale")

    @property
    def once(self) -> bool:
        """True if the waveform should stop when it reaches its last output value, false if it
        should re-start at the beginning of its waveform (applies to the phase before
        ``phase_offset`` is added)"""
        return self._once

    @once.setter
    def once(self, value: Any) -> None:
        _catch_up_all()
        self._once = bool(value)

    @property
    def interpolate(self) -> bool:
        """True if the waveform should perform linear interpolation between values"""
        return self._interpolate

    @interpolate.setter
    def interpolate(self, value: Any) -> None:
        _catch_up_all()
        self._interpolate = bool(value)

    @property
    def phase(self) -> float:
        """The phase of the oscillator, in the range 0 to 1 (read-only)"""
        _catch_up_all()
        return self._accum

    @property
    def value(self) -> float:
        """The value of the oscillator (read-only)"""
        _catch_up_all()
        return self._value

    def retrigger(self) -> None:
        """Reset the LFO's internal index to the start of the waveform. Most useful when it its
        `once` property is `True`."""
        _catch_up_all()
        self._accum = 0.0


def _mid(a: float, b: float, c: float) -> float:
    if a < b:
        if b < c:
            return b
        if a < c:
            return c
        return a
    if a < c:
        return a
    if c < b:
        return b
    return c


# The operations as CircuitPython computes them (a zero divisor gives 0.0).
_OPERATIONS: dict[str, Any] = {
    "SUM": lambda a, b, c: a + b + c,
    "ADD_SUB": lambda a, b, c: a + b - c,
    "PRODUCT": lambda a, b, c: a * b * c,
    "MUL_DIV": lambda a, b, c: 0.0 if c == 0 else a * b / c,
    "SCALE_OFFSET": lambda a, b, c: a * b + c,
    "OFFSET_SCALE": lambda a, b, c: (a + b) * c,
    "LERP": lambda a, b, c: a * (1 - c) + b * c,
    "CONSTRAINED_LERP": lambda a, b, c: a * (1 - min(1.0, max(0.0, c))) + b * min(1.0, max(0.0, c)),
    "DIV_ADD": lambda a, b, c: 0.0 if b == 0 else a / b + c,
    "ADD_DIV": lambda a, b, c: 0.0 if c == 0 else (a + b) / c,
    "MID": _mid,
    "MIN": lambda a, b, c: min(a, min(b, c)),
    "MAX": lambda a, b, c: max(a, max(b, c)),
    "ABS": None,
}


class MathOperation(_enum.Constant):
    """Operation for a Math block"""

    __slots__ = ()
    SUM: MathOperation
    """Computes ``a+b+c``. For 2-input sum, set one argument to ``0.0``. To hold a control
    value for multiple subscribers, set two arguments to ``0.0``."""
    ADD_SUB: MathOperation
    """Computes ``a+b-c``. For 2-input subtraction, set ``b`` to ``0.0``."""
    PRODUCT: MathOperation
    """Computes ``a*b*c``. For 2-input product, set one argument to ``1.0``."""
    MUL_DIV: MathOperation
    """Computes ``a*b/c``. If ``c`` is zero, the output is ``0.0`` (as CircuitPython computes
    it)."""
    SCALE_OFFSET: MathOperation
    """Computes ``(a*b)+c``."""
    OFFSET_SCALE: MathOperation
    """Computes ``(a+b)*c``. For 2-input multiplication, set ``b`` to 0."""
    LERP: MathOperation
    """Computes ``a * (1-c) + b * c``."""
    CONSTRAINED_LERP: MathOperation
    """Computes ``a * (1-c') + b * c'``, where ``c'`` is constrained to be between ``0.0`` and
    ``1.0``."""
    DIV_ADD: MathOperation
    """Computes ``a/b+c``. If ``b`` is zero, the output is ``0.0`` (as CircuitPython computes
    it)."""
    ADD_DIV: MathOperation
    """Computes ``(a+b)/c``. If ``c`` is zero, the output is ``0.0``."""
    MID: MathOperation
    """Returns the middle of the 3 input values."""
    MAX: MathOperation
    """Returns the biggest of the 3 input values."""
    MIN: MathOperation
    """Returns the smallest of the 3 input values."""
    ABS: MathOperation
    """Returns the absolute value of ``a``."""

    def __call__(self, a: Any, b: Any = 0.0, c: Any = 1.0) -> Math:
        """A MathOperation enumeration value can be called to construct a Math block that
        performs that operation"""
        return Math(self, a, b, c)


_enum.define(MathOperation, **{name: fn for name, fn in _OPERATIONS.items()})


class Math(_Block):
    """An arithmetic block

    Performs an arithmetic operation on up to 3 inputs (see `MathOperation`). The properties
    can all be changed at run-time. A Math only updates if it is associated with a playing
    `Synthesizer`, once every 256 samples."""

    __slots__ = ("_a", "_b", "_c", "_operation")

    def __init__(self, operation: MathOperation, a: Any, b: Any = 0.0, c: Any = 1.0) -> None:
        """Create a Math block computing ``operation`` on ``a``, ``b`` and ``c``."""
        self._last_tick = _tick
        self._value = 0.0
        self._operation = _validate.of_type(operation, MathOperation, "operation")
        self._a = _slot(a, "a")
        self._b = _slot(b, "b")
        self._c = _slot(c, "c")

    def _compute(self) -> float:
        a = _get(self._a)
        fn = self._operation._hal
        if fn is None:
            return abs(a)
        return float(fn(a, _get(self._b), _get(self._c)))

    def __repr__(self) -> str:
        return _repr(self, ("operation", "a", "b", "c"))

    @property
    def a(self) -> _Slot:
        """The first input to the operation"""
        return self._a

    @a.setter
    def a(self, value: Any) -> None:
        _catch_up_all()
        self._a = _slot(value, "a")

    @property
    def b(self) -> _Slot:
        """The second input to the operation"""
        return self._b

    @b.setter
    def b(self, value: Any) -> None:
        _catch_up_all()
        self._b = _slot(value, "b")

    @property
    def c(self) -> _Slot:
        """The third input to the operation"""
        return self._c

    @c.setter
    def c(self, value: Any) -> None:
        _catch_up_all()
        self._c = _slot(value, "c")

    @property
    def operation(self) -> MathOperation:
        """The function to compute"""
        return self._operation

    @operation.setter
    def operation(self, value: Any) -> None:
        _catch_up_all()
        self._operation = _validate.of_type(value, MathOperation, "operation")

    @property
    def value(self) -> float:
        """The value of the block (read-only)"""
        _catch_up_all()
        return self._value


# -- filters --------------------------------------------------------------------------------------


class FilterMode(_enum.Constant):
    """The type of filter"""

    __slots__ = ()
    LOW_PASS: FilterMode
    """A low-pass filter"""
    HIGH_PASS: FilterMode
    """A high-pass filter"""
    BAND_PASS: FilterMode
    """A band-pass filter"""
    NOTCH: FilterMode
    """A notch filter"""
    LOW_SHELF: FilterMode
    """A low shelf filter"""
    HIGH_SHELF: FilterMode
    """A high shelf filter"""
    PEAKING_EQ: FilterMode
    """A peaking equalizer filter"""


# The values are CircuitPython's: the modes from PEAKING_EQ on use ``A``.
_enum.define(
    FilterMode,
    LOW_PASS=0,
    HIGH_PASS=1,
    BAND_PASS=2,
    NOTCH=3,
    PEAKING_EQ=4,
    LOW_SHELF=5,
    HIGH_SHELF=6,
)
_BIQUAD_SHIFT = 15


def _fast_sincos(theta: float) -> tuple[float, float]:
    """CircuitPython's polynomial sine and cosine (good for 0 to pi/2, i.e. up to a quarter of
    the sample rate): the filter's coefficients are a board's, not exact RBJ ones."""
    x = theta * (4 / math.pi) - 1
    x2 = x * x
    x3 = x2 * x
    evens = 0.0109 * x2 * x2 + -0.21798592 * x2 + 0.70708592
    odds = -0.00171961 * x2 * x3 + 0.05707685 * x3 + -0.55535724 * x
    return evens - odds, evens + odds


def _fast_sqrt(number: float) -> float:
    """The single-precision "fast inverse square root" a board uses, times ``number``."""
    number32 = struct.unpack("<f", struct.pack("<f", number))[0]
    bits = struct.unpack("<I", struct.pack("<f", number32))[0]
    guess = struct.unpack("<f", struct.pack("<I", (0x5F3759DF - (bits >> 1)) & 0xFFFFFFFF))[0]
    guess *= 1.5 - (number32 * 0.5 * guess * guess)
    return float(number * guess)


class Biquad:
    """A biquad filter (direct form 1) whose ``frequency``, ``Q`` and ``A`` may be blocks.

    ``frequency`` gives the center frequency or corner frequency of the filter, depending on
    the mode. ``Q`` gives the gain or sharpness of the filter. ``A`` controls the gain of
    peaking and shelving filters according to the formula ``A = 10^(dBgain/40)``. For other
    filter types it is ignored. The coefficients follow the RBJ audio EQ cookbook with the
    board's fast sine, cosine and square root, in 15-bit fixed point."""

    __slots__ = ("_A", "_Q", "_cache", "_coefficients", "_f0", "_mode")

    def __init__(
        self,
        mode: FilterMode,
        frequency: Any,
        Q: Any = 0.7071067811865475,
        A: Any = None,
    ) -> None:
        """Construct a biquad filter object with given settings."""
        self._mode = _validate.of_type(mode, FilterMode, "mode")
        self._f0 = _slot(frequency, "frequency")
        self._Q = _slot(Q, "Q")
        self._A = _slot(A, "A")
        self._cache: tuple[float, float, float] | None = None
        self._coefficients: tuple[int, ...] = (0, 0, 0, 0, 0)  # a1, a2, b0, b1, b2

    def __repr__(self) -> str:
        return _repr(self, ("mode", "frequency", "Q", "A"))

    @property
    def mode(self) -> FilterMode:
        """The mode of filter (read-only)"""
        return self._mode

    @property
    def frequency(self) -> _Slot:
        """The central frequency (in Hz) of the filter"""
        return self._f0

    @frequency.setter
    def frequency(self, value: Any) -> None:
        _catch_up_all()
        self._f0 = _slot(value, "frequency")

    @property
    def Q(self) -> _Slot:
        """The sharpness (Q) of the filter"""
        return self._Q

    @Q.setter
    def Q(self, value: Any) -> None:
        _catch_up_all()
        self._Q = _slot(value, "Q")

    @property
    def A(self) -> _Slot:
        """The gain (A) of the filter (only for peaking and shelving filters):
        ``A = 10^(dBgain/40)``."""
        return self._A

    @A.setter
    def A(self, value: Any) -> None:
        _catch_up_all()
        self._A = _slot(value, "A")

    def _tick(self) -> None:
        """Recompute the coefficients when frequency, Q or A changed (once per block)."""
        mode = self._mode._hal
        w0 = _get(self._f0) * _w_scale
        q = _get(self._Q)
        gain = _get(self._A) if mode >= 4 else 0.0
        key = (w0, q, gain)
        if key == self._cache:
            return
        self._cache = key
        try:
            self._coefficients = _biquad_coefficients(mode, w0, q, gain)
        except (ZeroDivisionError, OverflowError, ValueError):
            # A board computes with infinities and NaNs here and plays noise or silence.
            self._coefficients = (0, 0, 0, 0, 0)


def _biquad_coefficients(mode: int, w0: float, q: float, a: float) -> tuple[int, ...]:
    """(a1, a2, b0, b1, b2) in 15-bit fixed point, each divided by a0."""
    s, c = _fast_sincos(w0)
    alpha = s / (2 * q)
    if mode <= 3:
        a0, a1, a2 = 1 + alpha, -2 * c, 1 - alpha
        if mode == 0:
            b0 = b2 = (1 - c) * 0.5
            b1 = 1 - c
        elif mode == 1:
            b0 = b2 = (1 + c) * 0.5
            b1 = -(1 + c)
        elif mode == 2:
            b0, b1, b2 = alpha, 0.0, -alpha
        else:
            b0, b1, b2 = 1.0, -2 * c, 1.0
    elif mode == 4:
        b0, b1, b2 = 1 + alpha * a, -2 * c, 1 + alpha * a
        a0, a1, a2 = 1 + alpha / a, -2 * c, 1 - alpha / a
    elif mode == 5:
        sq = _fast_sqrt(a)
        b0 = a * ((a + 1) - (a - 1) * c + 2 * sq * alpha)
        b1 = 2 * a * ((a - 1) - (a + 1) * c)
        b2 = a * ((a + 1) - (a - 1) * c - 2 * sq * alpha)
        a0 = (a + 1) + (a - 1) * c + 2 * sq * alpha
        a1 = -2 * ((a - 1) + (a + 1) * c)
        a2 = (a + 1) + (a - 1) * c - 2 * sq * alpha
    else:
        sq = _fast_sqrt(a)
        b0 = a * ((a + 1) + (a - 1) * c + 2 * sq * alpha)
        b1 = -2 * a * ((a - 1) + (a + 1) * c)
        b2 = a * ((a + 1) + (a - 1) * c - 2 * sq * alpha)
        a0 = (a + 1) - (a - 1) * c + 2 * sq * alpha
        a1 = 2 * ((a - 1) - (a + 1) * c)
        a2 = (a + 1) - (a - 1) * c - 2 * sq * alpha
    recip = 1 / a0
    return tuple(round(math.ldexp(v * recip, _BIQUAD_SHIFT)) for v in (a1, a2, b0, b1, b2))


def _sat16(n: int, shift: int) -> int:
    """``synthio_sat16``: shift right rounding toward zero, then clip to 16 bits."""
    if n < 0:
        n += (1 << shift) - 1
    n >>= shift
    return 32767 if n > 32767 else -32768 if n < -32768 else n


def _filter(biquad: Biquad, state: list[int], words: list[int]) -> list[int]:
    a1, a2, b0, b1, b2 = biquad._coefficients
    x0, x1, y0, y1 = state
    out = []
    half = 1 << (_BIQUAD_SHIFT - 1)
    for x in words:
        n = b0 * x + b1 * x0 + b2 * x1 - a1 * y0 - a2 * y1 + half
        if n < 0:
            n += 0x7FFF
        y = n >> 15
        if y > 32767:
            y = 32767
        elif y < -32768:
            y = -32768
        out.append(y)
        x1, x0, y1, y0 = x0, x, y0, y
    state[:] = (x0, x1, y0, y1)
    return out


# -- notes ----------------------------------------------------------------------------------------


def _pitch_bend(frequency_scaled: int, bend: int) -> int:
    octave = bend >> 15
    bend &= 0x7FFF
    semitones = bend * 24
    semitone, fraction = semitones >> 16, semitones & 0xFFFF
    low, high = _BEND_TABLE[semitone], _BEND_TABLE[semitone + 1]
    factor = ((low * (65535 - fraction) + high * fraction) >> 16) + 32768
    shift = 15 - octave
    product = frequency_scaled * factor
    return (product >> shift if shift >= 0 else product << -shift) & 0xFFFFFFFF


class Note:
    """A note: a frequency in Hz with optional panning, waveform, envelope, tremolo (volume
    change), bend (frequency change), filter and ring modulation.

    If waveform or envelope are `None` the synthesizer object's default waveform or envelope
    are used. If the same Note object is played on multiple Synthesizer objects, the result is
    undefined."""

    __slots__ = (
        "_amplitude",
        "_bend",
        "_envelope",
        "_envelope_def",
        "_filter",
        "_filter_state",
        "_frequency",
        "_frequency_scaled",
        "_loop_end",
        "_loop_start",
        "_panning",
        "_ring_bend",
        "_ring_bent",
        "_ring_frequency",
        "_ring_loop_end",
        "_ring_loop_start",
        "_ring_scaled",
        "_ring_wave",
        "_ring_waveform",
        "_sample_rate",
        "_wave",
        "_waveform",
    )
    _FIELDS = (
        "frequency",
        "panning",
        "amplitude",
        "bend",
        "waveform",
        "waveform_loop_start",
        "waveform_loop_end",
        "envelope",
        "filter",
        "ring_frequency",
        "ring_bend",
        "ring_waveform",
        "ring_waveform_loop_start",
        "ring_waveform_loop_end",
    )

    def __init__(
        self,
        frequency: float,
        *,
        panning: Any = 0.0,
        waveform: Any = None,
        waveform_loop_start: Any = 0,
        waveform_loop_end: Any = waveform_max_length,
        envelope: Envelope | None = None,
        amplitude: Any = 1.0,
        bend: Any = 0.0,
        filter: Biquad | None = None,
        ring_frequency: float = 0.0,
        ring_bend: float = 0.0,
        ring_waveform: Any = None,
        ring_waveform_loop_start: Any = 0,
        ring_waveform_loop_end: Any = waveform_max_length,
    ) -> None:
        """Construct a Note object (see the class)."""
        self._sample_rate = 0
        self._envelope_def: _EnvelopeDef | None = None
        self._envelope: Envelope | None = None
        self._filter_state = [0, 0, 0, 0]
        self._ring_bent = 0
        self.frequency = frequency
        self.panning = panning
        self.amplitude = amplitude
        self.bend = bend
        self.waveform = waveform
        self.waveform_loop_start = waveform_loop_start
        self.waveform_loop_end = waveform_loop_end
        self.envelope = envelope
        self.filter = filter
        self.ring_frequency = ring_frequency
        self.ring_bend = ring_bend
        self.ring_waveform = ring_waveform
        self.ring_waveform_loop_start = ring_waveform_loop_start
        self.ring_waveform_loop_end = ring_waveform_loop_end

    def __repr__(self) -> str:
        return _repr(self, self._FIELDS)

    @property
    def frequency(self) -> float:
        """The base frequency of the note, in Hz."""
        return self._frequency

    @frequency.setter
    def frequency(self, value: Any) -> None:
        number = _validate.to_float(value, "frequency")
        if not 0 <= number <= 32767:
            raise ValueError("frequency must be 0-32767")
        _catch_up_all()
        self._frequency = number
        self._frequency_scaled = _c_round(number * _ONE)

    @property
    def filter(self) -> Biquad | None:
        """If not None, the output of this Note is filtered by this `Biquad`."""
        return self._filter

    @filter.setter
    def filter(self, value: Any) -> None:
        if value is not None and not isinstance(value, Biquad):
            raise TypeError(f"filter must be of type Biquad, not {_validate.type_name(value)}")
        _catch_up_all()
        self._filter = value

    @property
    def panning(self) -> _Slot:
        """Defines the channel(s) in which the note appears: -1 is left channel only, 0 is both
        channels, and 1 is right channel. For fractional values, the note plays at full
        amplitude in one channel and partial amplitude in the other."""
        return self._panning

    @panning.setter
    def panning(self, value: Any) -> None:
        _catch_up_all()
        self._panning = _slot(value, "panning")

    @property
    def amplitude(self) -> _Slot:
        """The relative amplitude of the note, from 0 to 1, combined multiplicatively with the
        envelope. To achieve a tremolo effect, attach an LFO here."""
        return self._amplitude

    @amplitude.setter
    def amplitude(self, value: Any) -> None:
        _catch_up_all()
        self._amplitude = _slot(value, "amplitude")

    @property
    def bend(self) -> _Slot:
        """The pitch bend depth of the note, from -12 to +12 (1 is an octave, 1/12 a semitone).
        To achieve a vibrato or sweep effect, attach an LFO here."""
        return self._bend

    @bend.setter
    def bend(self, value: Any) -> None:
        _catch_up_all()
        self._bend = _slot(value, "bend")

    @property
    def waveform(self) -> Any:
        """The waveform of this note."""
        return self._waveform

    @waveform.setter
    def waveform(self, value: Any) -> None:
        wave = None if value is None else _waveform(value)
        _catch_up_all()
        self._wave = wave
        self._waveform = value

    @property
    def waveform_loop_start(self) -> _Slot:
        """The sample index of where to begin looping waveform data (limited to ``0`` to
        ``len(waveform)-1``)."""
        return self._loop_start

    @waveform_loop_start.setter
    def waveform_loop_start(self, value: Any) -> None:
        _catch_up_all()
        self._loop_start = _slot(value, "waveform_loop_start")

    @property
    def waveform_loop_end(self) -> _Slot:
        """The sample index of where to end looping waveform data (limited to
        ``waveform_loop_start+1`` to ``len(waveform)``). `synthio.waveform_max_length` means
        the end of the waveform."""
        return self._loop_end

    @waveform_loop_end.setter
    def waveform_loop_end(self, value: Any) -> None:
        _catch_up_all()
        self._loop_end = _slot(value, "waveform_loop_end")

    @property
    def envelope(self) -> Envelope | None:
        """The envelope of this note"""
        return self._envelope

    @envelope.setter
    def envelope(self, value: Any) -> None:
        envelope = _envelope_of(value)
        _catch_up_all()
        if envelope is not None and self._sample_rate:
            self._envelope_def = _EnvelopeDef(envelope, self._sample_rate)
        self._envelope = envelope

    @property
    def ring_frequency(self) -> float:
        """The ring frequency of the note, in Hz. Zero disables. For ring to take effect, both
        ``ring_frequency`` and ``ring_waveform`` must be set."""
        return self._ring_frequency

    @ring_frequency.setter
    def ring_frequency(self, value: Any) -> None:
        number = _validate.to_float(value, "ring_frequency")
        if not 0 <= number <= 32767:
            raise ValueError("ring_frequency must be 0-32767")
        _catch_up_all()
        self._ring_frequency = number
        self._ring_scaled = _c_round(number * _ONE)

    @property
    def ring_bend(self) -> _Slot:
        """The pitch bend depth of the note's ring waveform, from -12 to +12."""
        return self._ring_bend

    @ring_bend.setter
    def ring_bend(self, value: Any) -> None:
        _catch_up_all()
        self._ring_bend = _slot(value, "ring_bend")

    @property
    def ring_waveform(self) -> Any:
        """The ring waveform of this note."""
        return self._ring_waveform

    @ring_waveform.setter
    def ring_waveform(self, value: Any) -> None:
        wave = None if value is None else _waveform(value, "waveform")
        _catch_up_all()
        self._ring_wave = wave
        self._ring_waveform = value

    @property
    def ring_waveform_loop_start(self) -> _Slot:
        """The sample index of where to begin looping ring waveform data."""
        return self._ring_loop_start

    @ring_waveform_loop_start.setter
    def ring_waveform_loop_start(self, value: Any) -> None:
        _catch_up_all()
        self._ring_loop_start = _slot(value, "ring_waveform_loop_start")

    @property
    def ring_waveform_loop_end(self) -> _Slot:
        """The sample index of where to end looping ring waveform data."""
        return self._ring_loop_end

    @ring_waveform_loop_end.setter
    def ring_waveform_loop_end(self, value: Any) -> None:
        _catch_up_all()
        self._ring_loop_end = _slot(value, "ring_waveform_loop_end")

    def _start(self, sample_rate: int) -> None:
        if sample_rate != self._sample_rate:
            self._sample_rate = sample_rate
            if self._envelope is not None:
                self._envelope_def = _EnvelopeDef(self._envelope, sample_rate)
        self._filter_state[:] = (0, 0, 0, 0)

    def _step(self, loudness: list[int]) -> int:
        """Blocks read once per block: loudness (envelope x amplitude x panning) and the bent
        frequency (16.16 fixed point)."""
        panning = _scaled(self._panning, -_ALMOST_ONE, _ALMOST_ONE)
        left = right = 32768
        if panning >= 0:
            left = 32767 - panning
        else:
            right = 32767 + panning
        amplitude = _scaled(self._amplitude, -_ALMOST_ONE, _ALMOST_ONE)
        left = (left * amplitude) >> 15
        right = (right * amplitude) >> 15
        loudness[0] = (loudness[0] * left) >> 15
        loudness[1] = (loudness[1] * right) >> 15
        if self._ring_scaled:
            self._ring_bent = _pitch_bend(self._ring_scaled, _scaled(self._ring_bend, -12, 12))
        return _pitch_bend(self._frequency_scaled, _scaled(self._bend, -12, 12))


def _note(value: Any) -> int | Note:
    """``validate_note``: a MIDI note number 0-127 or a Note."""
    if isinstance(value, Note):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= 127:
            raise ValueError("note must be 0-127")
        return int(value)
    raise TypeError(f"note must be of type int or Note, not {_validate.type_name(value)}")


def _notes(value: Any) -> list[int | Note]:
    if isinstance(value, Note) or (isinstance(value, int) and not isinstance(value, bool)):
        return [_note(value)]
    try:
        items = list(value)
    except TypeError:
        raise TypeError(f"'{_validate.type_name(value)}' object isn't iterable") from None
    return [_note(item) for item in items]


# -- the synthesizer engine -----------------------------------------------------------------------


def _indices(accum: int, rate: int, offset: int, lim: int, count: int) -> tuple[list[int], int]:
    """The waveform indices of ``count`` samples of a phase accumulator (16.16 fixed point)
    stepping ``rate`` and looping from ``lim`` back to ``offset``; and the new accumulator.

    A board wraps when the accumulator passes ``lim`` (reading one past the end when it lands
    exactly on it); here it wraps on reaching it."""
    if accum >= lim:
        accum = accum % lim + offset
    if rate == 0:
        return [accum >> _SHIFT] * count, accum
    span = lim - offset
    end = accum + rate * count
    if end < lim:  # no wrap in this block (low notes, long waveforms)
        return [x >> _SHIFT for x in range(accum + rate, end + 1, rate)], end
    first: list[int] = []
    if accum < offset:  # first time through: from 0 up to the loop
        raw = min(count, (offset - accum - 1) // rate)
        first = [x >> _SHIFT for x in range(accum + rate, accum + rate * raw + 1, rate)]
        accum += rate * raw
        count -= raw
        end = accum + rate * count
    if offset == 0:
        rest = [(x % lim) >> _SHIFT for x in range(accum + rate, end + 1, rate)]
    else:
        rest = [
            ((x - offset) % span + offset) >> _SHIFT for x in range(accum + rate, end + 1, rate)
        ]
    last = end if end < offset else (end - offset) % span + offset
    return first + rest if first else rest, last


def _loud(words: list[int], level: int) -> list[int]:
    """``synthio_sat16(word * level, 16)`` for each word (no clipping needed: both are 16-bit)."""
    return [(n + 0xFFFF) >> 16 if n < 0 else n >> 16 for n in map(mul, words, repeat(level))]


def _crossing(words: list[int]) -> int:
    """Where a loudness change may take effect: the first zero or change of sign (or the end)."""
    last = 0
    for i, word in enumerate(words):
        if word == 0 or (last != 0 and ((last > 0) == (word < 0) or (last < 0) == (word > 0))):
            return i
        last = word
    return len(words)


def _add_voice(
    totals: list[list[int] | None], words: list[int], active: list[int], loud: list[int], sides: int
) -> None:
    """Add a voice at its loudness (``sum_with_loudness``): a new loudness takes effect at the
    first zero crossing, or from the next block."""
    for side in range(sides):
        was, now = active[side], loud[side]
        if was == now:
            if not now:
                continue
            part = _loud(words, now)
        else:
            cut = _crossing(words)
            part = _loud(words[:cut], was) + _loud(words[cut:], now)
        total = totals[side]
        totals[side] = part if total is None else list(map(add, total, part))
    active[0], active[1] = loud


def _mix_down(total: list[int], scale: int) -> array[int]:
    """A downward compressor with a hard knee at +-28000 (``synthio_mix_down_sample``)."""
    if total and (max(total) > _MIX_HIGH or min(total) < _MIX_LOW):
        total = [
            ((v - _MIX_LOW) * scale >> 16) + _MIX_LOW
            if v < _MIX_LOW
            else ((v - _MIX_HIGH) * scale >> 16) + _MIX_HIGH
            if v > _MIX_HIGH
            else v
            for v in total
        ]
    return array("h", total)


class _SynthEngine:
    """The voices of a Synthesizer or MidiTrack and how they make each block."""

    def __init__(self, sample_rate: int, channels: int, waveform: Any, envelope: Any) -> None:
        self.sample_rate = sample_rate
        self.channels = channels
        self.waveform_obj = waveform
        self.wave: Any = _SQUARE if waveform is None else _waveform(waveform)
        self.envelope: Envelope | None = None
        self.envelope_def = _EnvelopeDef(None, sample_rate)
        self.set_envelope(envelope)
        self.voices = _max_polyphony()
        self.mix_scale = 0xFFFFFFF // (32768 * self.voices - _MIX_HIGH)
        self.notes: list[int | Note | None] = [None] * self.voices
        self.states = [_EnvelopeState() for _ in range(self.voices)]
        self.accum = [0] * self.voices
        self.ring_accum = [0] * self.voices
        self.active = [[0, 0] for _ in range(self.voices)]

    def set_envelope(self, envelope: Any) -> None:
        self.envelope_def = _EnvelopeDef(_envelope_of(envelope), self.sample_rate)
        self.envelope = envelope

    def note_envelope(self, note: int | Note) -> _EnvelopeDef:
        if isinstance(note, Note) and note._envelope is not None and note._envelope_def:
            return note._envelope_def
        return self.envelope_def

    # -- notes ----------------------------------------------------------------------------------

    def find(self, note: int | Note | None) -> int:
        for i, held in enumerate(self.notes):
            if held is note or (type(held) is int and type(note) is int and held == note):
                return i
        if note is None:  # no free voice: take the quietest releasing one
            result, level = -1, 32768
            for i, state in enumerate(self.states):
                if state.state == _RELEASE and state.level < level:
                    result, level = i, state.level
            return result
        return -1

    def change(self, old: int | Note | None, new: int | Note | None) -> bool:
        if new is not None:
            channel = self.find(new)
            if channel != -1:  # already playing: back to its attack phase
                self.states[channel].state = _ATTACK
                return True
        channel = self.find(old)
        if channel == -1:
            return False
        if new is None:
            self.states[channel].state = _RELEASE
        else:
            self.notes[channel] = new
            self.states[channel].start(self.note_envelope(new))
            self.accum[channel] = 0
        return True

    def press(self, note: int | Note) -> None:
        if isinstance(note, Note):
            note._start(self.sample_rate)
        self.change(None, note)

    def release_all(self) -> None:
        for note in self.notes:
            if note is not None:
                self.change(note, None)

    # -- making sound -------------------------------------------------------------------------

    def _voice(self, chan: int, note: int | Note, dur: int, loud: list[int]) -> list[int] | None:
        """One voice's words for the block (None: it cannot sound, e.g. above Nyquist)."""
        rate = self.sample_rate
        wave = self.wave
        start, length = 0, len(wave)
        ring_rate = 0
        ring_wave: Any = None
        ring_start = ring_length = 0
        if type(note) is int:
            octave, base = divmod(note, 12)
            dds = (
                rate // 2 + ((_NOTES[base] * length) << (_SHIFT - 10 + octave))
            ) // rate & 0xFFFFFFFF
        else:
            note = cast(Note, note)
            frequency = note._step(loud)
            if note._wave is not None:
                wave = note._wave
                length = len(wave)
                start = int(_limited(note._loop_start, 0, length - 1))
                length = int(_limited(note._loop_end, start + 1, length))
            dds = ((rate // 2 + frequency * (length - start)) // rate) & 0xFFFFFFFF
            if note._ring_scaled and note._ring_wave is not None:
                ring_wave = note._ring_wave
                ring_length = len(ring_wave)
                ring_start = int(_limited(note._ring_loop_start, 0, ring_length - 1))
                ring_length = int(_limited(note._ring_loop_end, ring_start + 1, ring_length))
                ring_rate = (
                    (rate // 2 + note._ring_bent * (ring_length - ring_start)) // rate
                ) & 0xFFFFFFFF
                if ring_rate > (ring_length << _SHIFT) // 2:
                    ring_rate = 0  # can't ring at that frequency
        lim = length << _SHIFT
        if dds > lim // 2:
            return None  # beyond Nyquist: a board plays nothing for this note
        idx, self.accum[chan] = _indices(self.accum[chan], dds, start << _SHIFT, lim, dur)
        if isinstance(wave, memoryview) and len(wave) > 4 * dur:
            words = list(map(wave.__getitem__, idx))
        else:
            table = wave.tolist() if isinstance(wave, memoryview) else wave
            words = list(map(table.__getitem__, idx))
        if ring_rate and ring_rate <= lim // 2:
            ring_idx, self.ring_accum[chan] = _indices(
                self.ring_accum[chan], ring_rate, ring_start << _SHIFT, ring_length << _SHIFT, dur
            )
            ring = list(map(ring_wave.__getitem__, ring_idx))
            # C's integer division: toward zero
            words = [-((-p) >> 15) if p < 0 else p >> 15 for p in map(mul, ring, words)]
        return words

    def block(self, dur: int) -> array[int]:
        """Make the next ``dur`` (at most 256) frames, as ``synthio_synth_synthesize`` does."""
        global _tick, _rate_scale, _w_scale
        recip = 1.0 / self.sample_rate
        _rate_scale = _MAX_DUR * recip
        _w_scale = 2 * math.pi * recip
        _tick += 1
        stereo = self.channels == 2
        totals: list[list[int] | None] = [None, None]
        for chan, note in enumerate(self.notes):
            if note is None:
                continue
            level = self.states[chan].level
            if level == 0:  # finished; noticed only now
                self.notes[chan] = None
                continue
            loud = [level, level]
            words = self._voice(chan, note, dur, loud)
            if words is None:
                continue
            if type(note) is not int:
                biquad = cast(Note, note)._filter
                if biquad is not None:
                    biquad._tick()
                    words = _filter(biquad, cast(Note, note)._filter_state, words)
            _add_voice(totals, words, self.active[chan], loud, 2 if stereo else 1)
        out = array("h", bytes(2 * dur * self.channels))
        for side in range(self.channels):
            total = totals[side]
            if total is None:
                continue
            mixed = _mix_down(total, self.mix_scale)
            if stereo:
                out[side::2] = mixed
            else:
                out = mixed
        for chan, note in enumerate(self.notes):
            if note is not None:
                self.states[chan].step(self.note_envelope(note), dur)
        return out


class _SynthStream(_SampleStream):
    """The frames a synthesizer makes, 256 at a time, handed out as a player asks."""

    def __init__(self, engine: _SynthEngine) -> None:
        self.engine = engine
        self.sample_rate = engine.sample_rate
        self.channel_count = engine.channels
        self.pending = array("h")
        self.player: _AudioPlayer | None = None
        self.deinited = False
        _streams.add(self)

    def played_by(self, player: _AudioPlayer | None) -> None:
        self.player = player

    def catch_up(self) -> None:
        if self.player is not None:
            self.player.catch_up()

    def next_block(self) -> array[int] | None:
        """The next block, or None at the end (a MidiTrack's)."""
        return self.engine.block(_MAX_DUR)

    def read(self, frames: int) -> array[int]:
        if self.deinited:
            return array("h")
        want = frames * self.channel_count
        pending = self.pending
        while len(pending) < want:
            made = self.next_block()
            if made is None:
                break
            pending.extend(made)
        out = pending[:want]
        del pending[:want]
        return out

    def reset(self) -> None:
        del self.pending[:]

    def describe(self) -> str:
        return f"Synthesizer({self.sample_rate} Hz)"


class _Sample:
    """What Synthesizer and MidiTrack share: the audio sample fields and deinit."""

    __slots__ = ("_stream_obj",)
    _stream_obj: _SynthStream

    def _live(self) -> _SynthStream:
        stream = self._stream_obj
        if stream.deinited:
            _validate.raise_deinited()
        return stream

    def _audio_stream(self) -> _SampleStream:
        return self._live()

    def deinit(self) -> None:
        """Deinitialises the object and releases any memory resources for reuse."""
        self._stream_obj.catch_up()
        self._stream_obj.deinited = True

    def __enter__(self) -> Any:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes when exiting a context."""
        self.deinit()

    @property
    def sample_rate(self) -> int:
        """32 bit value that tells how quickly samples are played in Hertz (cycles per
        second)."""
        return self._live().sample_rate

    @property
    def channel_count(self) -> int:
        """Number of audio channels. (read only)"""
        return self._live().channel_count

    @property
    def bits_per_sample(self) -> int:
        """Bits per sample: 16. (read only)"""
        self._live()
        return 16


class _Polyphony:
    """``max_polyphony``: how many notes sound at once on this board (a class constant)."""

    def __get__(self, obj: object, owner: type | None = None) -> int:
        return _max_polyphony()


def _sample_rate(value: Any) -> int:
    rate = _validate.to_int(value, "sample_rate")
    if rate < 1:  # Protoboard's own check: a board divides by it
        raise ValueError("sample_rate must be >= 1")
    return rate


class Synthesizer(_Sample):
    """A polyphonic synthesizer: an audio sample that plays the notes pressed on it.

    Integer notes use MIDI note numbering, with 60 being C4 or Middle C, approximately 262Hz.
    Integer notes use the given waveform & envelope, and do not support advanced features like
    tremolo or vibrato."""

    __slots__ = ("_blocks",)
    max_polyphony = _Polyphony()
    """Maximum number of simultaneous notes (24 on RP2040/RP2350 boards, 12 on others)"""

    def __init__(
        self,
        *,
        sample_rate: int = 11025,
        channel_count: int = 1,
        waveform: Any = None,
        envelope: Envelope | None = None,
    ) -> None:
        """Create a synthesizer object.

        :param int sample_rate: The desired playback sample rate
        :param int channel_count: The number of output channels (1=mono, 2=stereo)
        :param ReadableBuffer waveform: A single-cycle waveform. Default is a 50% duty cycle
            square wave. If specified, must be a ReadableBuffer of type 'h' (signed 16 bit)
        :param Optional[Envelope] envelope: An object that defines the loudness of a note over
            time. The default envelope, `None` provides no ramping, voices turn instantly on
            and off."""
        rate = _sample_rate(sample_rate)
        channels = _validate.int_range(channel_count, 1, 2, "channel_count")
        engine = _SynthEngine(rate, channels, waveform, envelope)
        self._stream_obj = _SynthStream(engine)
        self._blocks: list[Any] = []
        blocks = self._blocks
        stream = self._stream_obj

        def next_block() -> array[int]:
            made = engine.block(_MAX_DUR)
            for item in blocks:  # free-running blocks
                if isinstance(item, _Block):
                    _get(item)
            return made

        stream.next_block = next_block  # type: ignore[method-assign]

    def _engine(self) -> _SynthEngine:
        stream = self._live()
        stream.catch_up()
        return stream.engine

    def press(self, /, press: Any = ()) -> None:
        """Turn some notes on. Pressing a note that was already pressed returns it to its
        attack phase. A note pressed when all `max_polyphony` voices are pressed is not
        played (as on a board: no error)."""
        engine = self._engine()
        for note in _notes(press):
            engine.press(note)

    def release(self, /, release: Any = ()) -> None:
        """Turn some notes off. Releasing a note that was already released has no effect."""
        engine = self._engine()
        for note in _notes(release):
            engine.change(note, None)

    def change(self, release: Any = (), press: Any = (), retrigger: Any = ()) -> None:
        """Start notes, stop them, and/or re-trigger some LFOs, all at once with respect to
        output generation."""
        engine = self._engine()
        for note in _notes(release):
            engine.change(note, None)
        for note in _notes(press):
            engine.press(note)
        lfos = [retrigger] if isinstance(retrigger, LFO) else list(retrigger)
        for lfo in lfos:
            _validate.of_type(lfo, LFO, "retrigger")._accum = 0.0

    release_then_press = change

    def release_all_then_press(self, /, press: Any) -> None:
        """Turn any currently-playing notes off, then turn on the given notes."""
        engine = self._engine()
        engine.release_all()
        for note in _notes(press):
            engine.press(note)

    def release_all(self) -> None:
        """Turn any currently-playing notes off"""
        self._engine().release_all()

    @property
    def envelope(self) -> Envelope | None:
        """The envelope to apply to all notes. `None`, the default envelope, instantly turns
        notes on and off. Changing it affects all notes (even currently playing notes)."""
        return self._live().engine.envelope

    @envelope.setter
    def envelope(self, value: Any) -> None:
        engine = self._live().engine
        _envelope_of(value)
        self._live().catch_up()
        engine.set_envelope(value)

    @property
    def pressed(self) -> tuple[int | Note, ...]:
        """A sequence of the currently pressed notes (read-only property). This does not
        include notes in the release phase of the envelope."""
        engine = self._engine()
        return tuple(
            note
            for note, state in zip(engine.notes, engine.states, strict=True)
            if note is not None and state.state != _RELEASE
        )

    def note_info(self, note: Any) -> tuple[EnvelopeState | None, float]:
        """The current envelope state and value of a note playing on this synthesizer
        (including in its release phase), or ``(None, 0.0)``."""
        engine = self._engine()
        for held, state in zip(engine.notes, engine.states, strict=True):
            if held is note or (type(held) is int and type(note) is int and held == note):
                return _STATES[state.state], state.level / 32767.0
        return None, 0.0

    @property
    def blocks(self) -> list[Any]:
        """A list of blocks to advance whether or not they are associated with a playing
        note (free-running LFOs). Initially empty; modify it with ``append`` and ``remove``."""
        self._live()
        return self._blocks


# -- MIDI tracks ----------------------------------------------------------------------------------


class _MidiStream(_SynthStream):
    """``MidiTrack``: note on/off events of a MIDI track chunk played on a mono synth."""

    def __init__(self, engine: _SynthEngine, track: bytes, tempo: int) -> None:
        super().__init__(engine)
        self.track = track
        self.tempo = tempo
        self.pos = 0
        self.error_location = -1
        self.dur = 0
        self.done = False
        self.start()

    def describe(self) -> str:
        return f"MidiTrack({len(self.track)} bytes)"

    def error(self) -> None:
        self.error_location = self.pos
        self.pos = len(self.track)

    def duration(self) -> int:
        """A variable-length delta time, in samples (16 bits, as a board keeps it)."""
        track = self.track
        delta = 0
        c = 0x80
        while True:
            if self.pos >= len(track):  # a board would read past the end here
                self.error()
                return 0
            c = track[self.pos]
            self.pos += 1
            delta = (delta << 7) | (c & 0x7F)
            if not (c & 0x80 and self.pos < len(track)):
                break
        if c & 0x80:
            self.error()
        return ((delta * self.engine.sample_rate) & 0xFFFFFFFF) // self.tempo & 0xFFFF

    def note(self) -> int | None:
        track = self.track
        if self.pos + 1 >= len(track):
            self.error()
            return None
        note = track[self.pos]
        self.pos += 1
        if note > 127:
            self.error()
            return None
        velocity = track[self.pos]
        self.pos += 1
        if velocity > 127:
            self.error()
            return None
        return note

    def until_pause(self) -> None:
        track = self.track
        while True:
            event = track[self.pos] >> 4
            self.pos += 1
            if event == 8 or event == 9:
                note = self.note()
                if note is not None:
                    if event == 8:
                        self.engine.change(note, None)
                    else:
                        self.engine.change(None, note)
            elif event in (10, 11, 14):
                self.note()
            elif event in (12, 13):
                if self.pos >= len(track) or track[self.pos] > 127:
                    self.error()
                else:
                    self.pos += 1
            elif event == 15:  # assumed to be "End of Track"
                self.pos = len(track)
            else:
                self.error()
            if self.pos < len(track):
                self.dur = self.duration()
            if not (self.pos < len(track) and self.dur == 0):
                return

    def start(self) -> None:
        self.pos = 0
        self.error_location = -1
        self.done = False
        self.dur = self.duration() if self.track else 0
        if self.dur == 0 and self.pos < len(self.track):
            self.until_pause()

    def reset(self) -> None:
        super().reset()
        self.start()

    def next_block(self) -> array[int] | None:
        if self.done:
            return None
        dur = min(_MAX_DUR, self.dur)
        self.dur -= dur
        made = self.engine.block(dur)
        if self.dur == 0:
            if self.pos >= len(self.track):
                self.done = True
            else:
                self.until_pause()
        return made


class MidiTrack(_Sample):
    """Simple MIDI synth: plays a stream of MIDI events (a MIDI file's track chunk).

    Only "Note On" and "Note Off" events are supported; channel numbers and key velocities are
    ignored (a Note On with velocity 0 presses the note, as on a board)."""

    __slots__ = ()

    def __init__(
        self,
        buffer: Any,
        tempo: int,
        *,
        sample_rate: int = 11025,
        waveform: Any = None,
        envelope: Envelope | None = None,
    ) -> None:
        """Create a MidiTrack from the given stream of MIDI events.

        :param ~circuitpython_typing.ReadableBuffer buffer: Stream of MIDI events, as stored
            in a MIDI file track chunk
        :param int tempo: Tempo of the streamed events, in MIDI ticks per second
        :param int sample_rate: The desired playback sample rate
        :param ReadableBuffer waveform: A single-cycle waveform (default: a square wave)
        :param Envelope envelope: The loudness of a note over time (default: none)"""
        try:
            track = bytes(memoryview(buffer).cast("B"))
        except TypeError:
            raise TypeError("object with buffer protocol required") from None
        ticks = _validate.to_int(tempo, "tempo")
        if ticks < 1:  # Protoboard's own check: a board divides by it
            raise ValueError("tempo must be >= 1")
        engine = _SynthEngine(_sample_rate(sample_rate), 1, waveform, envelope)
        self._stream_obj = _MidiStream(engine, track, ticks)

    def _midi(self) -> _MidiStream:
        return cast(_MidiStream, self._live())

    @property
    def tempo(self) -> int:
        """Tempo of the streamed events, in MIDI ticks per second."""
        return self._midi().tempo

    @tempo.setter
    def tempo(self, value: Any) -> None:
        stream = self._midi()
        ticks = _validate.int_at_least(value, 1, "tempo")
        stream.catch_up()
        stream.dur = (stream.dur * stream.tempo // ticks) & 0xFFFF
        stream.tempo = ticks

    @property
    def error_location(self) -> int | None:
        """Offset, in bytes within the midi data, of a decoding error"""
        stream = self._midi()
        stream.catch_up()
        return stream.error_location if stream.error_location >= 0 else None


def from_file(
    file: BinaryIO,
    *,
    sample_rate: int = 11025,
    waveform: Any = None,
    envelope: Envelope | None = None,
) -> MidiTrack:
    """Create an AudioSample from an already opened MIDI file.

    Currently, only single-track MIDI (type 0) is supported.

    :param typing.BinaryIO file: Already opened MIDI file
    :param int sample_rate: The desired playback sample rate
    :param ReadableBuffer waveform: A single-cycle waveform (default: a square wave)
    :param Envelope envelope: The loudness of a note over time (default: none)"""
    if isinstance(file, io.TextIOBase) or not isinstance(file, io.BufferedIOBase | io.RawIOBase):
        raise TypeError("file must be a file opened in byte mode")
    file.seek(0)
    header = file.read(14)
    if len(header) != 14 or header[:12] != b"MThd\0\0\0\6\0\0\0\1":
        raise _validate.invalid("file")
    if header[12] & 0x80:
        tempo = (-struct.unpack("b", header[12:13])[0] * header[13]) & 0xFFFF
    else:
        tempo = (2 * ((header[12] << 8) | header[13])) & 0xFFFF
    chunk = file.read(8)
    if len(chunk) != 8 or chunk[:4] != b"MTrk":
        raise _validate.invalid("file")
    size = struct.unpack(">I", chunk[4:])[0]
    track = file.read(size)
    if len(track) != size:
        raise _validate.invalid("file")
    return MidiTrack(track, tempo, sample_rate=sample_rate, waveform=waveform, envelope=envelope)


BlockInput = Math | LFO | float | None
"""Blocks and Notes can take any of these types as inputs on certain attributes: `Math`,
`LFO`, `builtins.float`, `None` (treated same as 0)."""
NoteSequence = Sequence[int | Note]
"""A sequence of notes, which can each be integer MIDI note numbers or `Note` objects"""
NoteOrNoteSequence = int | Note | NoteSequence
"""A note or sequence of notes"""
LFOOrLFOSequence = LFO | Sequence[LFO]
"""An LFO or a sequence of LFOs"""

_enum.publish(
    "synthio",
    Biquad,
    Envelope,
    EnvelopeState,
    FilterMode,
    LFO,
    Math,
    MathOperation,
    MidiTrack,
    Note,
    Synthesizer,
    from_file,
    midi_to_hz,
    voct_to_hz,
)
