# Run code.py on a simulated board with a TinyThermometer wired to its I2C bus.
from pathlib import Path

from thermometer import TinyThermometer

from protoboard.testing import simulated_board
from protoboard.vm import run_file

CODE = Path(__file__).parent.parent / "code.py"

with simulated_board() as sim:
    sensor = sim.attach(TinyThermometer(temperature=23.4))
    result = run_file(CODE, timeout=3.5)  # stop after 3.5 seconds
    if result.traceback:
        print(result.traceback)
