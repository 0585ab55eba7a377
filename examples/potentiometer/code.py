# Read a knob (potentiometer) on A1 and print its voltage.
# On the simulated board, A1 sits at half scale until a test or a part moves it.
import time

import analogio
import board

knob = analogio.AnalogIn(board.A1)

while True:
    volts = knob.value / 65535 * knob.reference_voltage
    print(f"A1: {knob.value:5d}  ({volts:.2f} V)")
    time.sleep(0.5)
