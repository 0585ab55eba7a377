# A plotter: print the knob's voltage as a tuple; Mu's plotter (and `protoboard run`'s
# serial console) draws a line from every "(...)" it sees.
import time

import analogio
import board

knob = analogio.AnalogIn(board.A1)


def volts(reading):
    return reading / 65535 * knob.reference_voltage


while True:
    print((round(volts(knob.value), 2),))
    time.sleep(0.1)
