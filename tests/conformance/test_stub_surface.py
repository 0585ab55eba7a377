"""Our public API matches CircuitPython's stubs (circuitpython-stubs), module by module.

The comparison itself lives in :mod:`protoboard.conformance` (also ``python -m
protoboard.conformance``); accepted stub inaccuracies are listed in
:mod:`protoboard.conformance.deviations` with their reasons.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
import types
import typing

import pytest

from protoboard.boards import stub_board_ids
from protoboard.conformance import boards, checker, deviations, scope, signatures, stubs
from protoboard.conformance import report as conformance_report


def _details(report: checker.ModuleReport) -> str:
    lines = [f"{report.module}: {report.coverage:.1f}% of {report.total} stub names"]
    if report.error:
        lines.append(f"error: {report.error}")
    if report.missing:
        lines.append("missing: " + ", ".join(report.missing))
    for mismatch in report.mismatches:
        lines.append(f"mismatch {mismatch.name}: " + "; ".join(mismatch.problems))
    return "\n".join(lines)


def test_stubs_are_installed():
    assert stubs.stubs_version() is not None, "pip install circuitpython-stubs"
    for module in scope.MODULES:
        assert stubs.stub_path(module) is not None or module in stubs.FALLBACK_STUBS


@pytest.mark.parametrize("module", scope.MODULES)
def test_module_matches_stub(module):
    report = checker.check_module(module)
    if report.error or report.missing or report.mismatches or report.coverage < 100.0:
        pytest.fail(_details(report), pytrace=False)


# --- board pin names ---------------------------------------------------------------------------

REAL_BOARDS = ["adafruit_feather_rp2040", "raspberry_pi_pico", "adafruit_qtpy_esp32s2"]


@pytest.mark.parametrize("board_id", ["protoboard_sim", *REAL_BOARDS])
def test_board_exposes_exactly_its_pin_names(board_id):
    if board_id != "protoboard_sim" and board_id not in stub_board_ids():
        pytest.skip(f"{board_id} is not in this circuitpython-stubs")
    report = boards.check_board(board_id)
    assert report.error is None, report.error
    assert report.expected, f"no pin names found in {report.source}"
    assert not report.missing, f"missing pins: {report.missing}"
    assert not report.extra, f"extra pins: {report.extra}"
    assert report.board_id_ok


def test_default_board_pins_come_from_its_toml():
    report = boards.check_board("protoboard_sim")
    assert report.source.endswith("protoboard_sim.toml")
    assert {"D13", "LED", "SCL", "SDA", "NEOPIXEL", "A0"} <= set(report.expected)
    assert not report.bus_functions_missing


def test_cli_json_and_exit_code(capsys):
    assert conformance_report.main(["--board", "protoboard_sim", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    assert data["boards"][0]["board_id"] == "protoboard_sim"
    assert conformance_report.main(["--board", "no_such_board"]) == 1


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
    module_checker = checker.ModuleChecker("busio", _fake_busio(), stubs.load_stub("busio"))
    report = module_checker.run()
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


def test_typing_imports_are_not_extras():
    module = types.ModuleType("nvm")
    exec("from typing import TYPE_CHECKING, Any\nLIMIT = 3\n", module.__dict__)
    empty_stub = stubs.parse_stub("nvm", "", source="test")
    assert checker.ModuleChecker("nvm", module, empty_stub).run().extras == ["LIMIT"]


def test_every_deviation_gives_a_reason():
    for deviation in deviations.DEVIATIONS:
        assert deviation.module in scope.MODULES
        assert deviation.accept in typing.get_args(deviations.Accept)
        assert len(deviation.reason) > 20


def test_stub_self_and_c_default_deviations_are_narrow():
    assert deviations.accepted("usb_midi", "set_names", "self", "stub-self") is not None
    assert deviations.accepted("usb_midi", "disable", "self", "stub-self") is None
    found = deviations.accepted("adafruit_pixelbuf", "PixelBuf.__init__", "brightness", "c-default")
    assert found is not None
    assert (
        deviations.accepted("adafruit_pixelbuf", "PixelBuf.__init__", "size", "c-default") is None
    )


def test_micropython_falls_back_to_documented_names(monkeypatch):
    monkeypatch.setattr(stubs, "stub_path", lambda module: None)
    stub = stubs.load_stub("micropython")
    assert set(stub.members) == {"const", "native", "viper", "asm_thumb"}
    assert "MicroPython documentation" in stub.source


# --- the pieces on their own ---------------------------------------------------------------------


def test_deviations_match_by_glob_parameter_and_kind():
    exit_deviation = deviations.accepted("busio", "I2C.__exit__", None, "extra-varargs")
    assert exit_deviation is not None and exit_deviation.member == "*.__exit__"
    assert deviations.accepted("busio", "SPI.__init__", "half_duplex", "keyword-only")
    assert deviations.accepted("busio", "SPI.__init__", "half_duplex", "extra-varargs") is None
    assert deviations.accepted("busio", "SPI.__init__", "baudrate", "keyword-only") is None


def _signature_of(source: str) -> inspect.Signature:
    namespace: dict[str, object] = {}
    exec(f"def f{source}: ...", namespace)
    function = namespace["f"]
    assert callable(function)
    return inspect.signature(function)


def _stub_params(source: str) -> list[stubs.StubParam]:
    params = stubs.parse_stub("busio", f"def f{source}: ...", source="test").members["f"].params
    assert params is not None
    return params


def test_signature_comparison_on_its_own():
    module = types.ModuleType("busio")

    def compare(stub: str, ours: str) -> signatures.Comparison:
        return signatures.compare_params(
            "busio", module, "f", _stub_params(stub), _signature_of(ours)
        )

    # a positional-only name is not part of the API; **kwargs takes keyword parameters
    assert compare("(a, /, *, b=1)", "(x, **kw)").problems == []
    assert compare("(*args)", "()").problems == ["takes no *args (stub: *args)"]
    assert compare("(a)", "(a, b)").problems == ["extra required parameter 'b'"]
    assert compare("(a)", "(a, *more)").extras == ["f: extra *more"]
    # 1 is not True: a bool default must be the same bool
    assert compare("(a=True)", "(a=1)").problems == ["'a' defaults to 1 (stub: True)"]
    # a default naming a module attribute is resolved (sys.maxsize) or, if unknown, not compared
    assert compare("(a=sys.maxsize)", f"(a={sys.maxsize})").problems == []
    assert compare("(a=Unknown.X)", "(a=3)").problems == []


def test_keyword_only_deviation_is_recorded_once_per_member():
    module = types.ModuleType("busio")
    comparison = signatures.compare_params(
        "busio",
        module,
        "SPI.__init__",
        _stub_params("(clock, half_duplex=False)"),
        _signature_of("(clock, *, half_duplex=False)"),
    )
    assert comparison.problems == []
    assert [d.param for d in comparison.deviations] == ["half_duplex"]


def test_report_checks_only_what_was_asked():
    failing = boards.BoardReport("x", error="unknown")
    report = conformance_report.ConformanceReport(boards=[failing])
    data = report.as_dict()
    assert list(data) == ["stubs_version", "python", "boards", "ok"]
    assert data["ok"] is False and not report.ok
    assert report.text() == (
        "board x: FAIL (0 pin names, source -)\n  error: unknown\n"
        "0/1 boards expose exactly their pin names"
    )


def test_python_dash_m_runs_the_same_report():
    result = subprocess.run(
        [sys.executable, "-m", "protoboard.conformance", "--board", "no_such_board", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["boards"][0]["error"].startswith("unknown board id")


def test_stub_only_optional_and_renamed_deviations_are_used():
    """The displayio family's accepted deviations each match a real stub difference."""
    from protoboard.conformance.checker import check_modules

    reports = {r.module: r for r in check_modules(["displayio", "fontio", "bitmaptools"])}
    used = "\n".join(d for r in reports.values() for d in r.deviations)
    assert "AnyDisplay: the stub says" in used
    assert "FontProtocol: a typing.Protocol" in used
    assert "Group.sort:" in used
    assert "alphablend:" in used and "dither:" in used and "rotozoom:" in used
    assert all(not r.missing and not r.mismatches for r in reports.values())
