"""Benchmarks run INSIDE the test VM (benchmarks/bench_linux_vm.py boots it): each anchor and
ours in one run, alternating rounds, medians; prints one JSON line per figure."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

CONFIG = Path("/sys/kernel/config/gpio-sim/chip0")
ROUNDS = 7


def rate(loop: Callable[[int], None], count: int) -> float:
    started = time.perf_counter()
    loop(count)
    return count / (time.perf_counter() - started)


def compare(name: str, anchor: Callable[[int], None], ours: Callable[[int], None], n: int) -> None:
    anchor(n // 10)
    ours(n // 10)  # warm up both
    a, o = [], []
    for _ in range(ROUNDS):
        a.append(rate(anchor, n))
        o.append(rate(ours, n))
    result = {
        "figure": name,
        "anchor_per_s": round(statistics.median(a)),
        "ours_per_s": round(statistics.median(o)),
        "ratio": round(statistics.median(o) / statistics.median(a), 3),
    }
    print(json.dumps(result), flush=True)


def digitalio_writes() -> None:
    from adafruit_blinka.microcontroller.generic_linux.libgpiod.libgpiod_pin_2_x import Pin

    from protoboard import machine, testing

    chip = "/dev/" + (CONFIG / "bank0" / "chip_name").read_text().strip()
    blinka = Pin((chip, 12))  # Blinka's libgpiod v2 backend, as its digitalio drives it
    blinka.init(mode=Pin.OUT)

    def anchor(count: int) -> None:
        value = blinka.value
        for i in range(count):
            value(i & 1)

    with testing.activated(machine.create("linux", "linux_gpio_sim")):
        import board
        import digitalio

        led = digitalio.DigitalInOut(board.D13)
        led.switch_to_output()

        def ours(count: int) -> None:
            for i in range(count):
                led.value = bool(i & 1)

        compare("DigitalInOut.value writes/s (ours vs Blinka's gpiod v2 Pin)", anchor, ours, 20000)
    blinka.deinit()


def i2c_reads() -> None:
    import json as _json

    from smbus2 import SMBus

    from protoboard import machine, testing

    registers = _json.loads(Path("/mnt/bme280_registers.json").read_text())
    number = next(
        int(p.name.rpartition("-")[2])
        for p in Path("/sys/class/i2c-dev").iterdir()
        if "SMBus stub" in (p / "name").read_text()
    )
    smbus = SMBus(number)
    for register, value in registers.items():
        smbus.write_byte_data(0x77, int(register), value)

    def anchor(count: int) -> None:
        read = smbus.read_i2c_block_data
        for _ in range(count):
            read(0x77, 0xF7, 8)

    import sys

    sys.path.insert(0, "/drive/lib")
    with testing.activated(machine.create("linux", "linux_gpio_sim")):
        import board
        import busio
        from adafruit_bus_device.i2c_device import I2CDevice

        device = I2CDevice(busio.I2C(board.SCL, board.SDA), 0x77)
        out, into = bytes([0xF7]), bytearray(8)

        def ours(count: int) -> None:
            for _ in range(count):
                with device as bus:
                    bus.write_then_readinto(out, into)

        compare(
            "I2C register reads/s (adafruit_bus_device on ours vs raw smbus2)", anchor, ours, 3000
        )
    smbus.close()


if __name__ == "__main__":
    digitalio_writes()
    i2c_reads()
