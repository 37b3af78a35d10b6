"""Working days in England and Wales: Monday to Friday, bank holidays excepted.

Bank holidays come from the `holidays` library (maintained, offline, with substitute days and one-off holidays
such as coronations and state funerals), for England, whose bank holidays Wales shares.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import holidays


@cache
def _bank_holidays() -> holidays.HolidayBase:
    """Loaded on first use (importing the library and working out five years took about 120 ms, which every
    process paid at start) for the years around now; later years are added as they are asked about."""
    import holidays

    this_year = date.today().year
    return holidays.country_holidays("GB", subdiv="ENG", years=range(this_year - 2, this_year + 3))


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays()


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (the start itself not counted)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            days -= 1
    return current
