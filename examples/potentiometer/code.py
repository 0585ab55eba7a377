# Read a knob (potentiometer) on A1 and print its voltage.
# On the simulated board nothing is wired to A1, so it reads 0 V until a part drives it.
# While `protoboard run` runs this, from another terminal:
#   protoboard sim add Potentiometer --name knob --pin A1     (the knob, half way)
#   protoboard sim set knob.position 0.25
# or wire it at every start with a parts.toml on the drive (docs: "Parts on a running board");
# in a test, sim.add("Potentiometer", pin="A1", position=0.5).
import time

import analogio
import board

knob = analogio.AnalogIn(board.A1)

while True:
    volts = knob.value / 65535 * knob.reference_voltage
    print(f"A1: {knob.value:5d}  ({volts:.2f} V)")
    time.sleep(0.5)
