# SPDX-FileCopyrightText: 2026 The Protoboard team
#
# SPDX-License-Identifier: MIT
"""
`protoboard_blink`
================================================================================

Blink LEDs without stopping your program: a non-blocking blinker and pattern player.

``time.sleep()`` in a loop is the first thing everyone writes, and the first thing that gets in
the way: while the board sleeps it cannot read a button or a sensor. A :class:`Blinker` instead
remembers when the LED should change next; call :meth:`Blinker.update` often in your main loop
and it switches the LED when the time has come.

.. code-block:: python

    import board
    from protoboard_blink import Blinker

    led = Blinker(board.LED)
    led.blink(0.5)                   # on 0.5 s, off 0.5 s
    while True:
        led.update()                 # ...and do anything else here

Patterns are lists of durations in seconds, alternately on and off, starting with on:
``led.play((0.1, 0.1, 0.1, 0.7))`` is a double flash. :func:`morse` turns text into a pattern.

Uses only ``time`` and ``digitalio``, so it runs unchanged on any CircuitPython board, on
Blinka, and on Protoboard's simulated board.

* Author(s): The Protoboard team
"""

import time

try:
    import digitalio
except ImportError:  # pragma: no cover - only on a port without digitalio
    digitalio = None

__version__ = "0.0.0+auto.0"

_MORSE = {
    "A": ".-",
    "B": "-...",
    "C": "-.-.",
    "D": "-..",
    "E": ".",
    "F": "..-.",
    "G": "--.",
    "H": "....",
    "I": "..",
    "J": ".---",
    "K": "-.-",
    "L": ".-..",
    "M": "--",
    "N": "-.",
    "O": "---",
    "P": ".--.",
    "Q": "--.-",
    "R": ".-.",
    "S": "...",
    "T": "-",
    "U": "..-",
    "V": "...-",
    "W": ".--",
    "X": "-..-",
    "Y": "-.--",
    "Z": "--..",
    "0": "-----",
    "1": ".----",
    "2": "..---",
    "3": "...--",
    "4": "....-",
    "5": ".....",
    "6": "-....",
    "7": "--...",
    "8": "---..",
    "9": "----.",
}


def morse(text, unit=0.15):
    """A pattern (for :meth:`Blinker.play`) that spells ``text`` in Morse code.

    A dot is on for ``unit`` seconds, a dash for 3 units; 1 unit off between signals, 3 between
    letters, 7 between words (and after the last word, so a repeated message stays readable).
    Characters other than letters, digits and spaces raise ``ValueError``.
    """
    if unit <= 0:
        raise ValueError("unit must be more than 0")
    pattern = []
    for word in text.upper().split():
        for letter in word:
            code = _MORSE.get(letter)
            if code is None:
                raise ValueError(f"no Morse code for {letter!r}")
            for signal in code:
                pattern.append(unit if signal == "." else 3 * unit)
                pattern.append(unit)
            pattern[-1] = 3 * unit
        pattern[-1] = 7 * unit
    if not pattern:
        raise ValueError("text has nothing to spell")
    return tuple(pattern)


class Blinker:
    """Switches an LED on and off on a schedule, without blocking.

    :param pin_or_output: a pin such as ``board.LED`` (a ``DigitalInOut`` is made and switched
        to output), or anything with a boolean ``value`` attribute (a ``DigitalInOut`` you made,
        a NeoPixel wrapper...), which is then left for you to deinit.
    :param bool invert: set for LEDs wired to light when the pin is low.
    :param clock: a function returning seconds, ``time.monotonic`` by default (tests can pass
        their own).
    """

    def __init__(self, pin_or_output, *, invert=False, clock=None):
        if hasattr(pin_or_output, "value"):
            self._output = pin_or_output
            self._owned = False
        else:
            if digitalio is None:
                raise RuntimeError("digitalio is not available; pass an object with .value")
            self._output = digitalio.DigitalInOut(pin_or_output)
            self._output.switch_to_output(value=invert)
            self._owned = True
        self._invert = bool(invert)
        self._clock = clock or time.monotonic
        self._pattern = ()
        self._step = 0
        self._repeat = True
        self._next_change = None
        self._lit = False
        self._write(False)

    # -- simple control -------------------------------------------------------------------

    @property
    def lit(self):
        """True while the LED is on (whatever the wiring: ``invert`` is already applied)."""
        return self._lit

    @property
    def playing(self):
        """True while a blink or pattern is running."""
        return self._next_change is not None

    def on(self):
        """Stop any pattern and turn the LED on."""
        self.stop()
        self._write(True)

    def off(self):
        """Stop any pattern and turn the LED off."""
        self.stop()
        self._write(False)

    def stop(self):
        """Stop the pattern, leaving the LED as it is."""
        self._next_change = None

    # -- patterns -------------------------------------------------------------------------

    def blink(self, on_time=0.5, off_time=None, *, repeat=True):
        """Blink: on for ``on_time`` seconds, off for ``off_time`` (default: the same)."""
        self.play((on_time, on_time if off_time is None else off_time), repeat=repeat)

    def play(self, pattern, *, repeat=True):
        """Play a pattern: durations in seconds, alternately on and off, starting with on.

        With ``repeat=False`` the pattern plays once and the LED ends off.
        """
        pattern = tuple(pattern)
        if not pattern:
            raise ValueError("pattern is empty")
        for duration in pattern:
            if not duration > 0:
                raise ValueError("pattern durations must be more than 0 seconds")
        self._pattern = pattern
        self._repeat = repeat
        self._step = 0
        self._write(True)
        self._next_change = self._clock() + pattern[0]

    def update(self):
        """Switch the LED if its time has come. Call this often, e.g. once per loop.

        Returns ``lit``. If the loop was slow, the missed steps are caught up so the rhythm
        keeps its timing instead of drifting.
        """
        if self._next_change is None:
            return self._lit
        now = self._clock()
        while self._next_change is not None and now >= self._next_change:
            self._advance()
        return self._lit

    def _advance(self):
        self._step += 1
        if self._step >= len(self._pattern):
            if not self._repeat:
                self._next_change = None
                self._write(False)
                return
            self._step = 0
        self._write(self._step % 2 == 0)
        self._next_change += self._pattern[self._step]

    def _write(self, lit):
        self._lit = bool(lit)
        self._output.value = self._lit != self._invert

    # -- clean up -------------------------------------------------------------------------

    def deinit(self):
        """Stop, turn the LED off and release the pin (if the Blinker made it)."""
        self.off()
        if self._owned:
            self._output.deinit()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.deinit()
