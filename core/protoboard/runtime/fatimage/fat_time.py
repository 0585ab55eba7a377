"""FAT timestamps: local time, 2-second resolution, 1980 to 2107."""

from __future__ import annotations

import time


def to_fat_time(timestamp: float) -> int:
    """A POSIX timestamp as DOS date << 16 | DOS time."""
    t = time.localtime(max(timestamp, 315532800))  # not before 1980
    year = min(max(t.tm_year, 1980), 2107)
    date = (year - 1980) << 9 | t.tm_mon << 5 | t.tm_mday
    return date << 16 | (t.tm_hour << 11 | t.tm_min << 5 | t.tm_sec // 2)


def from_fat_time(value: int) -> float:
    """DOS date << 16 | DOS time as a POSIX timestamp (1980-01-01 if it is not a valid date)."""
    date, clock = value >> 16, value & 0xFFFF
    year, month, day = (date >> 9) + 1980, (date >> 5) & 0xF, date & 0x1F
    hour, minute, second = clock >> 11, (clock >> 5) & 0x3F, (clock & 0x1F) * 2
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 60):
        year, month, day, hour, minute, second = 1980, 1, 1, 0, 0, 0
    return time.mktime((year, month, day, hour, minute, second, 0, 0, -1))
