"""Dates the law counts: Civil Code periods and official working days.

(Being extended: working-day calendar on chinesecalendar with an operator override file.)
"""

from __future__ import annotations

import calendar
from datetime import date


def add_months(d: date, months: int) -> date:
    """Civil Code Art 201-203: a month period ends on the same-numbered day of the last
    month, or on that month's last day when it has none (2023-11-30 + 3 months = 2024-02-29)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def add_years(d: date, years: int) -> date:
    """Civil Code Art 201-203 for years: 2024-02-29 + 1 year = 2025-02-28."""
    return add_months(d, 12 * years)
