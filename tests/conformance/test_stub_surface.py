"""Our public API matches CircuitPython's stubs (circuitpython-stubs), module by module.

The comparison itself lives in :mod:`protoboard.conformance` (also ``python -m
protoboard.conformance``); accepted stub inaccuracies are listed there with their reasons.
"""

from __future__ import annotations

import json
import textwrap
import types

import pytest

from protoboard import conformance
from protoboard.boards import stub_board_ids


def _details(report: conformance.ModuleReport) -> str:
    lines = [f"{report.module}: {report.coverage:.1f}% of {report.total} stub names"]
    if report.error:
        lines.append(f"error: {report.error}")
    if report.missing:
        lines.append("missing: " + ", ".join(report.missing))
    for mismatch in report.mismatches:
        lines.append(f"mismatch {mismatch.name}: " + "; ".join(mismatch.problems))
    return "\n".join(lines)


def test_stubs_are_installed():
    assert conformance.stubs_version() is not None, "pip install circuitpython-stubs"
    for module in conformance.MODULES:
        assert conformance.stub_path(module) is not None or module in conformance.FALLBACK_STUBS


@pytest.mark.parametrize("module", conformance.MODULES)
def test_module_matches_stub(module):
    report = conformance.check_module(module)
    if report.error or report.missing or report.mismatches or report.coverage < 100.0:
        pytest.fail(_details(report), pytrace=False)


# --- board pin names ---------------------------------------------------------------------------

REAL_BOARDS = ["adafruit_feather_rp2040", "raspberry_pi_pico", "adafruit_qtpy_esp32s2"]


@pytest.mark.parametrize("board_id", ["protoboard_sim", *REAL_BOARDS])
def test_board_exposes_exactly_its_pin_names(board_id):
    if board_id != "protoboard_sim" and board_id not in stub_board_ids():
        pytest.skip(f"{board_id} is not in this circuitpython-stubs")
    report = conformance.check_board(board_id)
    assert report.error is None, report.error
    assert report.expected, f"no pin names found in {report.source}"
    assert not report.missing, f"missing pins: {report.missing}"
    assert not report.extra, f"extra pins: {report.extra}"
    assert report.board_id_ok


def test_default_board_pins_come_from_its_toml():
    report = conformance.check_board("protoboard_sim")
    assert report.source.endswith("protoboard_sim.toml")
    assert {"D13", "LED", "SCL", "SDA", "NEOPIXEL", "A0"} <= set(report.expected)
    assert not report.bus_functions_missing


def test_cli_json_and_exit_code(capsys):
    assert conformance.main(["--board", "protoboard_sim", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    assert data["boards"][0]["board_id"] == "protoboard_sim"
    assert conformance.main(["--board", "no_such_board"]) == 1


# --- the checker finds what it should (so a green run means something) -------------------------


def _fake_busio() -> types.ModuleType:
    module = types.ModuleType("busio")
    exec(
        textwrap.dedent(
            """
            import sys

            class I2C:
                def __init__(self, scl, sda, frequency=100000, *, timeout=254): ...
                def deinit(self): ...
                def __enter__(self): return self
                def __exit__(self, *exc): ...
                def probe(self, addr): ...
                def try_lock(self): ...
                def unlock(self): ...
                def readfrom_into(self, address, buffer, *, start=0, end=sys.maxsize, x=1): ...
                def writeto(self, address, buffer, *, start=0): ...
                def writeto_then_readfrom(self, address, out_buffer, in_buffer, *,
                                          out_start=0, out_end=sys.maxsize, in_start=0,
                                          in_end=10): ...
                scan = 5

            class SPI:
                def __init__(self, clock, MOSI=None, MISO=None, *, half_duplex=False): ...
                @property
                def frequency(self): return 1
                @frequency.setter
                def frequency(self, value): ...
            """
        ),
        module.__dict__,
    )
    for value in vars(module).values():
        if isinstance(value, type):
            value.__module__ = "busio"
    return module


def test_checker_reports_missing_mismatched_and_extra_names():
    checker = conformance._Checker("busio", _fake_busio(), conformance.load_stub("busio"))
    report = checker.run()
    problems = {m.name: " | ".join(m.problems) for m in report.mismatches}
    assert "UART" in report.missing and "SPI.write" in report.missing
    assert "'frequency' is positional-or-keyword (stub: keyword-only)" in problems["I2C"]
    assert "'timeout' defaults to 254" in problems["I2C"]
    assert "parameter 1 is 'addr' (stub: 'address')" in problems["I2C.probe"]
    assert "missing parameter 'end'" in problems["I2C.writeto"]
    assert "'in_end' defaults to 10" in problems["I2C.writeto_then_readfrom"]
    assert "not a function" in problems["I2C.scan"]
    assert "writable" in problems["SPI.frequency"]  # read-only in C (MP_PROPERTY_GETTER)
    assert "I2C.readfrom_into: extra optional parameter 'x'" in report.extras
    # Accepted deviations: SPI(half_duplex=) keyword-only, __exit__(*exc).
    assert "SPI" not in problems
    assert any(d.startswith("SPI.__init__: ") for d in report.deviations)
    assert report.coverage < 100.0


def test_every_deviation_gives_a_reason():
    for deviation in conformance.DEVIATIONS:
        assert deviation.module in conformance.MODULES
        assert deviation.accept in ("keyword-only", "extra-varargs")
        assert len(deviation.reason) > 20


def test_micropython_falls_back_to_documented_names(monkeypatch):
    monkeypatch.setattr(conformance, "stub_path", lambda module: None)
    stub = conformance.load_stub("micropython")
    assert set(stub.members) == {"const", "native", "viper", "asm_thumb"}
    assert "MicroPython documentation" in stub.source
