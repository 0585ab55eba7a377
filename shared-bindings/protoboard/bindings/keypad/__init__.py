"""Support for scanning keys and key matrices

The `keypad` module provides native support to scan sets of keys or buttons,
connected independently to individual pins,
connected to a shift register,
or connected in a row-and-column matrix.

For more information about working with the `keypad` module in CircuitPython,
see `this Learn guide <https://learn.adafruit.com/key-pad-matrix-scanning-in-circuitpython>`_.

Scanning happens in the background: each scanner object reads its keys every ``interval`` seconds
and queues an `Event` for every debounced change, which the program takes from the scanner's
`EventQueue`::

  import board
  import keypad

  keys = keypad.Keys((board.D5, board.D6), value_when_pressed=False, pull=True)
  while True:
      event = keys.events.get()
      if event:
          print(event)
"""

from protoboard.bindings import _enum
from protoboard.bindings.keypad.event import Event
from protoboard.bindings.keypad.eventqueue import EventQueue
from protoboard.bindings.keypad.keymatrix import KeyMatrix
from protoboard.bindings.keypad.keys import Keys
from protoboard.bindings.keypad.shiftregisterkeys import ShiftRegisterKeys

__all__ = ["Event", "EventQueue", "KeyMatrix", "Keys", "ShiftRegisterKeys"]

_enum.publish("keypad", Event, EventQueue, KeyMatrix, Keys, ShiftRegisterKeys)
