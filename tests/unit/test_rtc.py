"""rtc on the simulated board: a settable clock part, CircuitPython's struct_time and errors."""

from __future__ import annotations

import time

import pytest

from protoboard.ports.sim.parts.clock import Clock


def test_rtc_is_a_singleton_reading_the_board_clock(sim):
    import rtc

    clock = sim.part("RTC")
    assert isinstance(clock, Clock)
    clock.datetime = "2024-02-29 23:59:58"
    r = rtc.RTC()
    assert rtc.RTC() is r
    now = r.datetime
    assert isinstance(now, time.struct_time)
    assert now[:3] == (2024, 2, 29)
    assert now.tm_wday == 3  # a Thursday (0 is Monday)
    assert now.tm_yday == 60
    assert now.tm_isdst == -1


def test_program_sets_the_clock_and_it_keeps_counting(sim):
    import rtc

    r = rtc.RTC()
    r.datetime = time.struct_time((2019, 5, 29, 15, 14, 15, 0, -1, -1))
    assert sim.part("RTC").datetime[:6] == (2019, 5, 29, 15, 14, 15)
    assert r.datetime[:5] == (2019, 5, 29, 15, 14)
    assert r.datetime.tm_wday == 2  # worked out, not the 0 the program passed
    sim.part("RTC").seconds += 3600
    assert r.datetime.tm_hour == 16


def test_a_plain_tuple_and_carried_months(sim):
    import rtc

    r = rtc.RTC()
    r.datetime = (2023, 13, 1, 0, 0, 0, 0, 0, 0)  # month 13 carries into the next year
    assert r.datetime[:3] == (2024, 1, 1)


def test_calibration(sim):
    import rtc

    r = rtc.RTC()
    assert r.calibration == 0
    r.calibration = -5
    assert r.calibration == -5
    assert sim.part("RTC").calibration == -5


def test_time_source_is_what_localtime_reads(sim):
    import rtc

    from protoboard.bindings.rtc import _time_source_time

    sim.part("RTC").datetime = (2030, 1, 2, 3, 4, 5)
    assert _time_source_time()[:6] == (2030, 1, 2, 3, 4, 5)

    class Fixed:
        @property
        def datetime(self):
            return time.struct_time((2018, 3, 17, 21, 1, 47, 0, 0, 0))

    rtc.set_time_source(Fixed())
    assert tuple(_time_source_time()) == (2018, 3, 17, 21, 1, 47, 5, 76, -1)


def test_a_board_without_a_clock_part_gets_one():
    from protoboard.testing import simulated_board

    with simulated_board("feather_m0_express") as board_sim:
        import rtc

        assert "RTC" not in board_sim.parts
        rtc.RTC().datetime = (2021, 6, 1, 12, 0, 0, 0, 0, 0)
        assert board_sim.part("RTC").datetime[:4] == (2021, 6, 1, 12)


def test_a_program_reads_and_sets_it(sim, run_code, capsys):
    code = (
        "import rtc, time\n"
        "r = rtc.RTC()\n"
        "r.datetime = time.struct_time((2020, 1, 1, 0, 0, 0, 0, -1, -1))\n"
        "print(r.datetime.tm_year, r.datetime.tm_yday)\n"
    )
    result = run_code(code)
    assert result.ok, result.traceback
    assert capsys.readouterr().out.split() == ["2020", "1"]
    assert sim.part("RTC").datetime.tm_year == 2020


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("value", "error", "text"),
    [
        ([2020, 1, 1, 0, 0, 0, 0, 0, 0], TypeError, "value must be of type struct_time, not list"),
        ((2020, 1, 1), TypeError, "function takes 9 positional arguments but 3 were given"),
        ((2020.0, 1, 1, 0, 0, 0, 0, 0, 0), TypeError, "can't convert float to int"),
        ((2**40, 1, 1, 0, 0, 0, 0, 0, 0), OverflowError, "overflow converting long int"),
        ("2020-01-01", TypeError, "value must be of type struct_time, not str"),
    ],
)
def test_bad_datetimes(sim, value, error, text):
    import rtc

    with pytest.raises(error, match=text):
        rtc.RTC().datetime = value


@pytest.mark.hostile
def test_bad_calibration_and_constructor_arguments(sim):
    import rtc

    r = rtc.RTC()
    with pytest.raises(ValueError, match="^calibration must be -127-127$"):
        r.calibration = 128
    with pytest.raises(TypeError, match="^can't convert float to int$"):
        r.calibration = 1.5
    with pytest.raises(TypeError, match="^function takes 0 positional arguments but 1 were given$"):
        rtc.RTC(1)
    with pytest.raises(TypeError, match="^function doesn't take keyword arguments$"):
        rtc.RTC(x=1)


@pytest.mark.hostile
def test_clock_part_rejects_bad_settings(sim):
    clock = sim.part("RTC")
    with pytest.raises(ValueError, match="write it like 2024-05-29 15:14:15"):
        clock.datetime = "yesterday"
    with pytest.raises(TypeError):
        clock.seconds = "5"
    with pytest.raises(TypeError):
        clock.datetime = (1, 2)
