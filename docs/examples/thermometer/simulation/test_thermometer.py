# Check code.py against the simulated thermometer. Run: pytest
from pathlib import Path

from thermometer import TinyThermometer

CODE = Path(__file__).parent.parent / "code.py"


def test_prints_the_temperature(sim, run_code, capsys):
    sim.attach(TinyThermometer(temperature=-3.25))
    result = run_code(CODE, timeout=0.5)
    assert result.ok
    assert "Temperature: -3.25 C" in capsys.readouterr().out


def test_complains_about_another_chip(sim, run_code):
    sim.add("BME280", address=0x77)  # a chip, but not at 0x48
    result = run_code(CODE)
    assert "OSError: [Errno 19]" in result.traceback
