"""Dates and times as CircuitPython's ``shared/timeutils`` computes them: no time zone,
seconds since 1970, CircuitPython's ``struct_time`` rules. Used by ``rtc`` and by the board's
``time`` (:mod:`protoboard.bindings.stdlib.time`)."""

from __future__ import annotations

import time
from typing import Any

from protoboard.bindings import _validate

SECONDS_PER_DAY = 86_400
WORD_MIN, WORD_MAX = -(1 << 31), (1 << 31) - 1


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to the date (proleptic Gregorian); a month outside 1-12 carries
    into the year, as ``mktime`` does."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def civil_from_days(days: int) -> tuple[int, int, int]:
    days += 719_468
    era = days // 146_097
    day_of_era = days - era * 146_097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    mp = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return year_of_era + era * 400 + (month <= 2), month, day


def to_struct_time(seconds: int) -> time.struct_time:
    """CircuitPython's ``struct_time`` for seconds since 1970 (weekday 0 is Monday; the day
    of the year counts from 1; ``tm_isdst`` is always -1)."""
    days, rest = divmod(seconds, SECONDS_PER_DAY)
    year, month, day = civil_from_days(days)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    yday = days - days_from_civil(year, 1, 1) + 1
    wday = (days + 3) % 7  # 1970-01-01 was a Thursday
    return time.struct_time((year, month, day, hour, minute, second, wday, yday, -1))


def _word(value: Any) -> int:
    number = _validate.to_int(value, "")
    if not WORD_MIN <= number <= WORD_MAX:
        raise OverflowError("overflow converting long int to machine word")
    return number


def struct_time_fields(value: Any) -> tuple[int, ...]:
    """CircuitPython's ``struct_time_to_tm``: a tuple or ``struct_time`` of 9 ints."""
    if not isinstance(value, tuple):
        raise TypeError(f"value must be of type struct_time, not {_validate.type_name(value)}")
    if len(value) != 9:
        raise TypeError(f"function takes 9 positional arguments but {len(value)} were given")
    return tuple(_word(field) for field in value)


def seconds_since_epoch(fields: tuple[int, ...]) -> int:
    """Seconds since 1970 of a struct_time's fields (no time zone)."""
    year, month, day, hour, minute, second = fields[:6]
    days = days_from_civil(year, month, day)
    return days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second
