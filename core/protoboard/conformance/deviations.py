"""Where we follow CircuitPython's C code rather than its stubs, with the C source that decides.

The stubs are generated from ``//|`` comments in CircuitPython's C sources, which are not exact
about keyword-only-ness and dunder signatures, and do not always say whether a property can be
written. (Paths are in adafruit/circuitpython, checked at commit cd3da4a5, after 10.3.0-alpha.4.)
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Literal

from protoboard.conformance.scope import MODULES

#: What a deviation accepts:
#:
#: * ``"keyword-only"``: the stub shows the parameter as positional-or-keyword, CircuitPython's C
#:   code parses it with ``MP_ARG_KW_ONLY``; ours may be keyword-only (or match the stub).
#: * ``"extra-varargs"``: ours may take ``*args`` the stub does not show.
#: * ``"optional"``: the stub shows the parameter required, CircuitPython's C code gives it a
#:   default (or lets it be left out); ours has one.
#: * ``"renamed"``: the stub spells the parameter differently from the C code's ``MP_QSTR_``
#:   name (which is what a keyword argument must use); ours uses the C name.
#: * ``"stub-only"``: a name the stubs define for type checking only, which CircuitPython
#:   does not have; ours may lack it.
#: * ``"stub-self"``: the stub gives a module-level function a ``self`` parameter that the C
#:   function does not have; ours has none.
#: * ``"c-default"``: the stub's default is not the C code's; ours follows the C code.
#: * ``"positional"``: the stub shows the parameter as keyword-only, CircuitPython's C code
#:   parses it without ``MP_ARG_KW_ONLY``; ours may take it by position too.
Accept = Literal[
    "keyword-only",
    "extra-varargs",
    "optional",
    "renamed",
    "stub-only",
    "stub-self",
    "c-default",
    "positional",
]


@dataclass(frozen=True)
class Deviation:
    """One accepted difference between a stub and our binding.

    ``member`` is the qualified name in the module (``SPI.__init__``; ``*`` globs allowed),
    ``param`` the parameter it concerns (None: the member as a whole), ``accept`` what is
    accepted (see :data:`Accept`).
    """

    module: str
    member: str
    param: str | None
    accept: Accept
    reason: str

    def applies(self, module: str, member: str, param: str | None, accept: Accept) -> bool:
        return (
            self.module == module
            and fnmatch.fnmatchcase(member, self.member)
            and self.param in (None, param)
            and self.accept == accept
        )


DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "ulab.numpy",
        "[lm][io][ng]space",
        "num",
        "positional",
        "ulab's code/numpy/create.c parses num as MP_ARG_INT without MP_ARG_KW_ONLY (the third "
        "argument: linspace(0, 1, 8) is common in Learn guides); the stub shows it keyword-only",
    ),
    Deviation(
        "ulab.numpy",
        "*",
        "axis",
        "positional",
        "ulab's code/numpy/numerical.c parses axis as MP_ARG_OBJ without MP_ARG_KW_ONLY in "
        "all, any, argmax, argmin, max, mean, min, std and sum (np.max(a, 0) works on a "
        "board); the stub shows it keyword-only",
    ),
    # The network: parameters the C code gives a default and the stubs show as required.
    Deviation(
        "socketpool",
        "Socket.recv_into",
        "bufsize",
        "optional",
        "shared-bindings/socketpool/Socket.c parses bufsize as MP_ARG_INT with default 0 "
        "(the buffer's length); the stub shows it required",
    ),
    Deviation(
        "wifi",
        "Radio.set_ipv4_address",
        "ipv4_dns",
        "optional",
        "shared-bindings/wifi/Radio.c parses ipv4_dns as MP_ARG_OBJ | MP_ARG_KW_ONLY with a "
        "default (keep the DNS server); the stub shows it required",
    ),
    # adafruit_pixelbuf.PixelBuf(size, *, brightness=None): None means 1.0, as the docstring says.
    Deviation(
        "adafruit_pixelbuf",
        "PixelBuf.__init__",
        "brightness",
        "c-default",
        "shared-bindings/adafruit_pixelbuf/PixelBuf.c: brightness defaults to mp_const_none, "
        'which is 1.0 ("default 1.0" in its docstring); the //| signature says 0',
    ),
    # max3421e.Max3421E(..., baudrate=24000000): the C default, not the stub's 26 MHz.
    Deviation(
        "max3421e",
        "Max3421E.__init__",
        "baudrate",
        "c-default",
        "shared-bindings/max3421e/Max3421E.c: ARG_baudrate defaults to 24000000; "
        "the //| signature says 26000000",
    ),
    # usb_midi.set_names(*, streaming_interface_name=None, ...): the stub adds a ``self``.
    Deviation(
        "usb_midi",
        "set_names",
        "self",
        "stub-self",
        "shared-bindings/usb_midi/__init__.c defines usb_midi_set_names as a module function "
        "(MP_DEFINE_CONST_FUN_OBJ_KW, all arguments keyword-only); "
        "its //| stub says (self, *, ...)",
    ),
    # busio.SPI(clock, MOSI=None, MISO=None, *, half_duplex=False): the stub drops the ``*``.
    Deviation(
        "busio",
        "SPI.__init__",
        "half_duplex",
        "keyword-only",
        "shared-bindings/busio/SPI.c parses half_duplex as MP_ARG_BOOL | MP_ARG_KW_ONLY; "
        "the stub shows it positional",
    ),
    # keypad.KeyMatrix(row_pins, column_pins, *, columns_to_anodes=True, interval=0.02, ...).
    *(
        Deviation(
            "keypad",
            "KeyMatrix.__init__",
            name,
            "keyword-only",
            "shared-bindings/keypad/KeyMatrix.c parses every argument after column_pins with "
            "MP_ARG_KW_ONLY; the stub shows them positional",
        )
        for name in ("columns_to_anodes", "interval", "max_events", "debounce_threshold")
    ),
    # storage.erase_filesystem(*, extended=None): the stub drops the ``*``.
    Deviation(
        "storage",
        "erase_filesystem",
        "extended",
        "keyword-only",
        "shared-bindings/storage/__init__.c parses extended as MP_ARG_KW_ONLY | MP_ARG_OBJ; "
        "the stub shows it positional",
    ),
    # WaveFile(file, buffer) and MP3Decoder(file, buffer): the decode buffer is optional.
    *(
        Deviation(
            module,
            f"{cls}.__init__",
            "buffer",
            "optional",
            f"shared-bindings/{module}/{cls}.c checks 1 or 2 arguments (mp_arg_check_num) and "
            "allocates its own buffer without one; the stub shows buffer required",
        )
        for module, cls in (("audiocore", "WaveFile"), ("audiomp3", "MP3Decoder"))
    ),
    # Context managers: CircuitPython's __exit__ is default___exit___obj, which takes the
    # exception triple (MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(..., 4, 4, ...)); the stubs write
    # ``def __exit__(self) -> None``. Ours takes ``*exc`` so ``with`` works.
    *(
        Deviation(
            module,
            "*.__exit__",
            None,
            "extra-varargs",
            "stubs write __exit__(self); the C __exit__ (default___exit___obj in "
            "shared-bindings/util.c) takes (exc_type, exc_value, traceback)",
        )
        for module in MODULES
    ),
)


# displayio family: the stubs' type-checking aliases and a few signatures the C code decides.
_DISPLAYIO_C = "shared-bindings/{0}/__init__.c"
DEVIATIONS += (
    *(
        Deviation(
            "displayio",
            name,
            None,
            "stub-only",
            "the stub says 'Type-checking shorthand ... Not actually defined in CircuitPython'",
        )
        for name in ("AnyDisplayBus", "AnyFramebuffer", "AnyDisplay")
    ),
    Deviation(
        "fontio",
        "FontProtocol*",
        None,
        "stub-only",
        "a typing.Protocol for type checkers; shared-bindings/fontio has no FontProtocol",
    ),
    Deviation(
        "displayio",
        "Group.sort",
        None,
        "optional",
        "shared-bindings/displayio/Group.c passes its arguments to list.sort, where key and "
        "reverse are optional keywords",
    ),
    Deviation(
        "bitmaptools",
        "rotozoom",
        None,
        "optional",
        "shared-bindings/bitmaptools/__init__.c gives every keyword of rotozoom the default "
        "None (MP_ARG_KW_ONLY | MP_ARG_OBJ, .u_obj = mp_const_none)",
    ),
    Deviation(
        "bitmaptools",
        "boundary_fill",
        "replaced_color_value",
        "optional",
        "shared-bindings/bitmaptools/__init__.c: replaced_color_value defaults to INT_MAX "
        "(the colour at x, y)",
    ),
    *(
        Deviation(
            "bitmaptools",
            "alphablend",
            name,
            "renamed",
            "shared-bindings/bitmaptools/__init__.c parses MP_QSTR_factor_1/MP_QSTR_factor_2; "
            "the stub writes factor1/factor2",
        )
        for name in ("factor1", "factor2")
    ),
    Deviation(
        "bitmaptools",
        "dither",
        "source_bitmapp",
        "renamed",
        "the stub's 'source_bitmapp' is a typo; shared-bindings/bitmaptools/__init__.c parses "
        "MP_QSTR_source_bitmap",
    ),
    Deviation(
        "synthio",
        "Note.__init__",
        "frequency",
        "positional",
        "shared-bindings/synthio/Note.c parses frequency as MP_ARG_OBJ | MP_ARG_REQUIRED "
        "(not KW_ONLY): Learn guides write synthio.Note(synthio.midi_to_hz(52), bend=lfo)",
    ),
)


def accepted(module: str, member: str, param: str | None, accept: Accept) -> Deviation | None:
    """The deviation that accepts this difference, or None."""
    for deviation in DEVIATIONS:
        if deviation.applies(module, member, param, accept):
            return deviation
    return None


# Read/write-ness of properties whose stub docstring does not say "(read-only)" or
# "(write-only)": taken from the MP_PROPERTY_GETTER (ro) / MP_PROPERTY_GETSET (rw) macros in
# shared-bindings/<module>/*.c (same commit as above). Processor.frequency is left out on
# purpose: it is GETSET on ports with CIRCUITPY_SETTABLE_PROCESSOR_FREQUENCY, else GETTER.
C_ACCESS: dict[str, dict[str, str]] = {
    "digitalio": {
        "DigitalInOut.direction": "rw",
        "DigitalInOut.value": "rw",
        "DigitalInOut.drive_mode": "rw",
        "DigitalInOut.pull": "rw",
    },
    "busio": {
        "SPI.frequency": "ro",
        "UART.baudrate": "rw",
        "UART.in_waiting": "ro",
        "UART.timeout": "rw",
    },
    "pwmio": {"PWMOut.duty_cycle": "rw", "PWMOut.frequency": "rw"},
    "keypad": {
        "Event.key_number": "ro",
        "Event.pressed": "ro",
        "Event.released": "ro",
        "Event.timestamp": "ro",
    },
    "rotaryio": {"IncrementalEncoder.divisor": "rw", "IncrementalEncoder.position": "rw"},
    "countio": {"Counter.count": "rw"},
    "microcontroller": {"Processor.reset_reason": "ro"},
}
