"""Calendar functions of the rule language (base layer): whole years and months elapsed.

The law counts ages ("âgée d'au moins seize ans", L5151-2), durations ("d'une durée
d'au moins six mois", D6323-4) and look-back periods ("au cours des cinq années
précédentes", D6323-6) in calendar years and months, which ``date ± days`` cannot
express. Two built-in functions, checked by :mod:`cpf_rules.check` and evaluated by
:mod:`cpf_rules.evaluate`, return a whole number:

- ``years_between(a, b)``: full calendar years from ``a`` to ``b`` (an age when ``a``
  is a birth date). A person born on 29 February reaches a new year of age on
  1 March in a common year.
- ``months_between(a, b)``: full calendar months from ``a`` to ``b``; a month is
  complete when the day of the month of ``a`` is reached again (from 31 January,
  the first full month is complete on 1 March, February having no 31st).

Both are negative when ``b`` is before ``a``.

>>> import datetime as dt
>>> years_between(dt.date(2008, 5, 10), dt.date(2024, 5, 9)), years_between(dt.date(2008, 5, 10), dt.date(2024, 5, 10))
(15, 16)
>>> years_between(dt.date(2008, 2, 29), dt.date(2025, 2, 28)), years_between(dt.date(2008, 2, 29), dt.date(2025, 3, 1))
(16, 17)
>>> months_between(dt.date(2026, 1, 15), dt.date(2026, 7, 14)), months_between(dt.date(2026, 1, 15), dt.date(2026, 7, 15))
(5, 6)
>>> months_between(dt.date(2026, 7, 15), dt.date(2026, 1, 15))
-6
"""

from __future__ import annotations

import datetime

CALENDAR_FUNCTIONS = ("years_between", "months_between")


def years_between(start: datetime.date, end: datetime.date) -> int:
    """Full calendar years from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -years_between(end, start)
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Full calendar months from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -months_between(end, start)
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


CALENDAR = {"years_between": years_between, "months_between": months_between}
