"""Stage 5, the periods of rule calls: a year, a date or none, and their calendar.

A rule is called for a year (an ``int``), a date or no period; its citations are read
on the period's date (1 January of a year). Date and year arithmetic that leaves the
calendar (years 1 to 9999) stops with CPF-R008 instead of Python's OverflowError.
"""

from __future__ import annotations

import datetime
from typing import Any

from .diagnostics import Span
from .evaluation_errors import outside_calendar


def in_calendar(period: Any) -> bool:
    """False for a year period outside 1..9999 (its 1 January does not exist)."""
    return not isinstance(period, int) or datetime.MINYEAR <= period <= datetime.MAXYEAR


def shift(day: datetime.date, days: Any, span: Span) -> datetime.date:
    """``day`` plus a whole number of days, or CPF-R008 past the calendar's ends."""
    try:
        return day + datetime.timedelta(days=int(days))
    except OverflowError:
        raise outside_calendar(f"{day.isoformat()} + {int(days)} days", span) from None


def period_text(period: Any) -> str | None:
    if period is None:
        return None
    if isinstance(period, datetime.date):
        return period.isoformat()
    return str(period)


def period_date(period: Any, as_of: datetime.date) -> datetime.date:
    """The date on which a rule's citations are read: 1 January of a year, the date itself."""
    if period is None:
        return as_of
    if isinstance(period, datetime.date):
        return period
    return datetime.date(int(period), 1, 1)
