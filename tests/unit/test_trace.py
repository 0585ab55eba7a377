"""``exec --trace``: PWM, analog and I2C activity is shown, not only pin levels."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from protoboard.trace import Tracer

ROOT = Path(__file__).resolve().parents[2]


def test_pwm_analog_and_i2c_are_traced(sim, run_code):
    from protoboard.ports.sim.parts.bme280 import BME280

    sim.attach(BME280())
    sim.pin("A1").voltage = 1.65
    lines: list[str] = []
    Tracer(sim, lines.append).start()
    result = run_code(
        """
import board, pwmio, analogio, busio
led = pwmio.PWMOut(board.LED, frequency=500)
led.duty_cycle = 32768
knob = analogio.AnalogIn(board.A1)
for _ in range(3):
    knob.value
i2c = busio.I2C(board.SCL, board.SDA)
while not i2c.try_lock():
    pass
buffer = bytearray(1)
i2c.writeto_then_readfrom(0x77, bytes([0xD0]), buffer)
try:
    i2c.writeto(0x42, b"x")
except OSError:
    pass
"""
    )
    assert result.traceback is None
    text = "\n".join(lines)
    assert "D13/LED pwm 50.0% (32768/65535) at 500 Hz" in text
    assert text.count("A1 read 1.650 V") == 1  # a poll that reads the same value: shown once
    assert "SCL/SDA 0x77 write d0 read 60" in text  # the BME280's chip id
    assert "SCL/SDA 0x42 no answer" in text


def test_exec_trace_shows_the_fade_example_pwm():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "protoboard.cli",
            "exec",
            "examples/fade/code.py",
            "--trace",
            "--timeout",
            "0.5",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "D13/LED pwm 10.0% (6553/65535) at 1000 Hz" in out.stderr


def test_audio_plays_are_traced(sim, run_code):
    lines: list[str] = []
    Tracer(sim, lines.append).start()
    result = run_code(
        """
import array, audiocore, audioio, board
dac = audioio.AudioOut(board.A0)
dac.play(audiocore.RawSample(array.array("h", [0] * 16), sample_rate=16000), loop=True)
dac.stop()
"""
    )
    assert result.traceback is None
    text = "\n".join(lines)
    assert "A0 plays RawSample(16 frames) at 16000 Hz, looping" in text
    assert "A0 stops playing" in text
