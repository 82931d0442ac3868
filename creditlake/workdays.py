"""Dates the law counts: Civil Code periods and official working days (工作日).

Two kinds of deadline run through the regulations this platform implements:

* periods in months or years (publicity periods, 公示期限; repair waiting periods), counted
  by Civil Code Art 201-203: `add_months`, `add_years`, then `roll_to_working_day`;
* periods in working days (objections, corrections, repairs, forwarding: docs/law.md#deadlines-deadlines-working-days-on-the-official-calendar),
  which follow the official Chinese calendar, public holidays and make-up working days
  (调休上班) included, never plain Monday-Friday: `add_working_days`,
  `add_working_days_array`, `working_days_between`, `is_working_day`.

Where the official calendar comes from (docs/domain.md#working-days-and-date-arithmetic), first match wins, per year:

1. the operator override file, `creditlake/calendars/overrides.yml` or the file named by the
   environment variable ``CREDITLAKE_CALENDAR_OVERRIDES``; an entry there replaces the whole
   year, so an operator can add a year before the package knows it, or correct one it has;
2. the ``chinesecalendar`` package (import ``chinese_calendar``), which carries the State
   Council holiday notices for 2004-2026 in the installed version and raises
   ``NotImplementedError`` for any other year;
3. Monday-Friday, with a loud `CalendarFallbackWarning` (and a log warning) once per year
   per process, because deadlines counted that way ignore the year's holidays.

Each year's calendar is built once per process and kept as a sorted array of working days,
so the per-record calls are a dictionary lookup and a binary search. After editing the
override file in a running process, call `clear_calendar_caches`.
"""

from __future__ import annotations

import calendar
import logging
import os
import re
import sys
import threading
import warnings
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import numpy as np
import yaml

logger = logging.getLogger(__name__)

OVERRIDES_ENV_VAR = "CREDITLAKE_CALENDAR_OVERRIDES"
DEFAULT_OVERRIDES_PATH = Path(__file__).resolve().parent / "calendars" / "overrides.yml"

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # numpy datetime64[D] counts days from 1970-01-01
_YEAR_KEYS = frozenset({"source", "holidays", "make_up_working_days"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CalendarFallbackWarning(UserWarning):
    """A year had no official calendar (neither chinesecalendar nor the override file) and is
    being counted as Monday-Friday: working-day deadlines in that year may be wrong."""


# --- Civil Code periods in months and years ---------------------------------------------


def add_months(d: date, months: int) -> date:
    """Civil Code Art 201-203: a month period ends on the same-numbered day of the last
    month, or on that month's last day when it has none (2023-11-30 + 3 months = 2024-02-29).

    Art 202 (到期月的对应日 / 月末日) is the clamp below. This does not apply Art 203: compose
    with `roll_to_working_day` when the period's last day must be a working day.
    """
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def add_years(d: date, years: int) -> date:
    """Civil Code Art 201-203 for years: 2024-02-29 + 1 year = 2025-02-28."""
    return add_months(d, 12 * years)


# --- the per-year official calendar --------------------------------------------------------


@dataclass(frozen=True)
class YearCalendar:
    """One year's working days, built once: where they came from, and the days themselves."""

    year: int
    source: str  # "chinesecalendar", "override <path>" or "weekday fallback"
    working_days: np.ndarray  # sorted int64, days since 1970-01-01 (numpy datetime64[D] ticks)
    is_working: np.ndarray  # bool per day of the year, index 0 = 1 January

    def contains(self, day: date) -> bool:
        return bool(self.is_working[day.toordinal() - date(self.year, 1, 1).toordinal()])


@dataclass(frozen=True)
class _YearOverride:
    source: str
    holidays: frozenset[date]
    make_up_working_days: frozenset[date]


_lock = threading.RLock()
_year_cache: dict[tuple[str, int], YearCalendar] = {}
_override_cache: dict[str, dict[int, _YearOverride]] = {}


def clear_calendar_caches() -> None:
    """Forget built calendars, loaded override files and which fallback years were warned
    about, so an edited override file (or a changed env var) takes effect in this process."""
    with _lock:
        _year_cache.clear()
        _override_cache.clear()


def overrides_path() -> Path:
    """The override file in force: ``$CREDITLAKE_CALENDAR_OVERRIDES`` or the shipped one."""
    return Path(_overrides_path_str())


def _overrides_path_str() -> str:
    return os.environ.get(OVERRIDES_ENV_VAR) or str(DEFAULT_OVERRIDES_PATH)


def year_calendar(year: int) -> YearCalendar:
    """The working-day calendar of one year (cached per override file and year)."""
    key = (_overrides_path_str(), year)
    cached = _year_cache.get(key)
    if cached is not None:
        return cached
    with _lock:
        if key not in _year_cache:
            _year_cache[key] = _build_year(*key)
        return _year_cache[key]


def _weekday_mask(year: int) -> np.ndarray:
    first = np.datetime64(f"{year:04d}-01-01", "D")
    days = np.arange(first, first + (366 if calendar.isleap(year) else 365))
    # 1970-01-01 was a Thursday: (ticks + 3) % 7 is 0 for Monday ... 6 for Sunday.
    return (days.astype(np.int64) + 3) % 7 < 5


def _chinesecalendar_mask(year: int) -> np.ndarray | None:
    """The package's calendar for the year, or None when it does not cover it.

    chinesecalendar raises NotImplementedError outside the years whose State Council notices
    it carries (2004-2026 in 1.11; docs/domain.md#working-days-and-date-arithmetic), so asking is the coverage test: a newer
    package version extends coverage with no change here.
    """
    jan1 = date(year, 1, 1)
    try:
        chinese_calendar.is_workday(jan1)
    except NotImplementedError:
        return None
    n_days = 366 if calendar.isleap(year) else 365
    # 365 library calls once per year per process, never per record.
    return np.array([chinese_calendar.is_workday(jan1 + timedelta(i)) for i in range(n_days)], dtype=bool)


def _chinesecalendar_years() -> str:
    years = sorted({d.year for d in chinese_calendar.holidays})
    return f"{years[0]}-{years[-1]}" if years else "no years"


def _build_year(path: str, year: int) -> YearCalendar:
    override = _load_overrides(path).get(year)
    if override is not None:
        # An operator entry wins even over chinesecalendar: it is how a wrong year is corrected.
        mask = _weekday_mask(year)
        jan1 = date(year, 1, 1).toordinal()
        for day in override.holidays:
            mask[day.toordinal() - jan1] = False
        for day in override.make_up_working_days:
            mask[day.toordinal() - jan1] = True
        source = f"override {path}"
        logger.info("working-day calendar %d from %s (%s)", year, path, override.source)
    else:
        mask = _chinesecalendar_mask(year)
        source = "chinesecalendar"
        if mask is None:
            mask = _weekday_mask(year)
            source = "weekday fallback"
            _warn_fallback(path, year)
    first = date(year, 1, 1).toordinal() - _EPOCH_ORDINAL
    working = (np.flatnonzero(mask) + first).astype(np.int64)
    mask.setflags(write=False)
    working.setflags(write=False)
    return YearCalendar(year=year, source=source, working_days=working, is_working=mask)


def _warn_fallback(path: str, year: int) -> None:
    """Say loudly, once per year per process, that a year is counted as Monday-Friday.

    docs/law.md#deadlines-deadlines-working-days-on-the-official-calendar: working-day deadlines follow the official calendar, not plain weekdays, so a
    silent weekday fallback would move deadlines across unknown holidays without anyone
    noticing; the message names the file where the operator fixes it.
    """
    message = (
        f"No official working-day calendar (工作日/调休) for {year}: chinesecalendar covers "
        f"{_chinesecalendar_years()} and the override file {path} has no {year} entry. "
        f"Counting Monday-Friday as working days, ignoring {year}'s public holidays and make-up "
        f"working days, so working-day deadlines in {year} may be wrong. Fill {year} in {path} "
        f"from the State Council notice (国务院办公厅关于{year}年部分节假日安排的通知) or point "
        f"{OVERRIDES_ENV_VAR} at a file that has it."
    )
    logger.warning(message)
    warnings.warn(message, CalendarFallbackWarning, stacklevel=5)  # the caller of the public function


# --- the operator override file ------------------------------------------------------------


def _load_overrides(path: str) -> dict[int, _YearOverride]:
    with _lock:
        if path not in _override_cache:
            _override_cache[path] = _parse_overrides(path)
        return _override_cache[path]


def _parse_overrides(path: str) -> dict[int, _YearOverride]:
    """Read and validate the override file; any problem is a ValueError naming file and key.

    The file is read with YAML's BaseLoader (every scalar a string) so that a bad date such as
    2027-02-30 reaches our own validation, which can name its key, instead of failing inside
    the YAML parser. A missing file is an error only when the env var names it: the shipped
    default always exists, and an operator who configured a path expects it to be used.
    """
    file = Path(path)
    if not file.exists():
        if path == str(DEFAULT_OVERRIDES_PATH):
            return {}
        raise ValueError(f"{path}: calendar override file named by {OVERRIDES_ENV_VAR} does not exist")
    try:
        document = yaml.load(file.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML: {err}") from err
    if document in (None, ""):
        return {}
    if not isinstance(document, dict):
        raise ValueError(f"{path}: top level must be a mapping with the key 'years'")
    unknown = sorted(set(document) - {"years"})
    if unknown:
        raise ValueError(f"{path}: unknown key {unknown[0]!r} at top level (allowed: years)")
    years = document.get("years")
    if years in (None, ""):
        return {}
    if not isinstance(years, dict):
        raise ValueError(f"{path}: 'years' must be a mapping of year -> entry, got {type(years).__name__}")
    return {_parse_year_key(path, key): _parse_year(path, key, entry) for key, entry in years.items()}


def _parse_year_key(path: str, key: str) -> int:
    if not (isinstance(key, str) and key.isdigit() and len(key) == 4 and key != "0000"):
        raise ValueError(f"{path}: years.{key}: a year key must be a four-digit year such as 2027")
    return int(key)


def _parse_year(path: str, key: str, entry: Any) -> _YearOverride:
    year = int(key)
    where = f"{path}: years.{key}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: must be a mapping with keys {sorted(_YEAR_KEYS)}")
    unknown = sorted(set(entry) - _YEAR_KEYS)
    if unknown:
        raise ValueError(f"{where}.{unknown[0]}: unknown key (allowed: {', '.join(sorted(_YEAR_KEYS))})")
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        # docs/law.md#where-a-value-comes-from: every rule cites its source; here, the State Council notice it was copied from.
        raise ValueError(f"{where}.source: required: the State Council notice's title and number")
    holidays = _parse_dates(where, "holidays", entry.get("holidays"), year)
    make_up = _parse_dates(where, "make_up_working_days", entry.get("make_up_working_days"), year)
    if not holidays:
        # Every year has statutory holidays (元旦, 春节, ...): an empty list means an unfilled
        # template, which would silently suppress the fallback warning.
        raise ValueError(f"{where}.holidays: empty; fill it from the notice or comment the year out")
    for i, day in enumerate(make_up):
        if day.weekday() < 5:
            raise ValueError(
                f"{where}.make_up_working_days[{i}]: {day} is a {day:%A}; make-up working days "
                f"(调休上班) are Saturdays or Sundays the notice declares working days"
            )
        if day in holidays:
            raise ValueError(f"{where}.make_up_working_days[{i}]: {day} is also listed under holidays")
    return _YearOverride(
        source=source.strip(), holidays=frozenset(holidays), make_up_working_days=frozenset(make_up)
    )


def _parse_dates(where: str, key: str, values: Any, year: int) -> list[date]:
    if values in (None, ""):
        return []
    if not isinstance(values, list):
        raise ValueError(f"{where}.{key}: must be a list of YYYY-MM-DD dates")
    days = []
    for i, value in enumerate(values):
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise ValueError(f"{where}.{key}[{i}]: {value!r} is not a YYYY-MM-DD date")
        try:
            day = date.fromisoformat(value)
        except ValueError as err:
            raise ValueError(f"{where}.{key}[{i}]: {value!r} is not a valid date ({err})") from None
        if day.year != year:
            raise ValueError(f"{where}.{key}[{i}]: {value} is not in {year}, the year it is listed under")
        days.append(day)
    return days


# --- working days ---------------------------------------------------------------------------


def _as_date(d: date) -> date:
    if isinstance(d, datetime):  # also pandas.Timestamp: the calendar day is what counts
        return d.date()
    if not isinstance(d, date):
        raise TypeError(f"expected a datetime.date, got {type(d).__name__}")
    return d


def _check_n(n: int) -> None:
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be an integer >= 1 (the n-th working day after d), got {n!r}")


def _from_ticks(ticks: int) -> date:
    return date.fromordinal(int(ticks) + _EPOCH_ORDINAL)


def is_working_day(d: date) -> bool:
    """Whether d is a working day (工作日) on the official Chinese calendar.

    Saturdays and Sundays are rest days except make-up working days (调休上班); weekdays are
    working days except public holidays. docs/law.md#deadlines-deadlines-working-days-on-the-official-calendar: deadlines follow this calendar.
    """
    d = _as_date(d)
    return year_calendar(d.year).contains(d)


def add_working_days(d: date, n: int) -> date:
    """The n-th working day after d: the last day of a deadline "within n working days of d".

    Civil Code Art 201: the day of the event is not counted, so counting starts the day after
    d whether or not d itself is a working day (hl-2022 Art 38: a correction within 3 working
    days of 2024-09-30 is due 2024-10-10, after the National Day holidays). n >= 1.
    """
    d = _as_date(d)
    _check_n(n)
    ticks = d.toordinal() - _EPOCH_ORDINAL
    remaining = int(n)
    year = (d + timedelta(days=1)).year  # the first day counted; from 31 December, next year's
    position = int(np.searchsorted(year_calendar(year).working_days, ticks, side="right"))
    while True:
        working = year_calendar(year).working_days
        available = len(working) - position
        if remaining <= available:
            return _from_ticks(working[position + remaining - 1])
        remaining -= available
        year += 1
        position = 0


def roll_to_working_day(d: date) -> date:
    """d if it is a working day, else the next working day.

    Civil Code Art 203: when the last day of a period is a statutory rest day (法定休假日), the
    day after the rest ends is the last day. Make-up working days are working days, so a
    period may end on a Saturday that the State Council notice made a working day.
    """
    d = _as_date(d)
    return d if is_working_day(d) else add_working_days(d, 1)


def working_days_between(start: date, end: date) -> int:
    """The number of working days in (start, end]: how many working days of a deadline have run.

    Counted like `add_working_days` (Civil Code Art 201: the start day is not counted), so
    working_days_between(d, add_working_days(d, n)) == n. Negative when end < start.
    """
    start, end = _as_date(start), _as_date(end)
    if end < start:
        return -working_days_between(end, start)
    lo, hi = start.toordinal() - _EPOCH_ORDINAL, end.toordinal() - _EPOCH_ORDINAL
    total = 0
    for year in range((start + timedelta(days=1)).year, end.year + 1):  # days counted: start+1 .. end
        working = year_calendar(year).working_days
        total += int(np.searchsorted(working, hi, side="right") - np.searchsorted(working, lo, side="right"))
    return total


def add_working_days_array(dates: Any, n: int) -> Any:
    """`add_working_days` over a whole column, without a Python loop per record.

    Takes a numpy array (datetime64 of any unit, or date objects) and returns datetime64[D];
    or a pandas Series (datetime64, or object dtype holding dates) and returns a Series with
    the same index and name, in the input's datetime64 dtype (datetime64[ns] for object input).
    Times of day are dropped: a deadline is a calendar day. NaT stays NaT.
    """
    _check_n(n)
    pd = sys.modules.get("pandas")  # only a caller that imported pandas can pass a Series
    if pd is not None and isinstance(dates, pd.Series):
        series = dates
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            raise TypeError(
                "timezone-aware dates: convert to naive local dates first, e.g. "
                "series.dt.tz_convert('Asia/Shanghai').dt.tz_localize(None)"
            )
        if series.dtype.kind != "M":
            series = pd.to_datetime(series)
        result = _add_working_days_ticks(series.to_numpy().astype("datetime64[D]"), int(n))
        dtype = dates.dtype if dates.dtype.kind == "M" else np.dtype("datetime64[ns]")
        return pd.Series(result.astype(dtype), index=dates.index, name=dates.name)
    values = np.asarray(dates)
    if values.dtype.kind != "M":
        values = values.astype("datetime64[D]")
    return _add_working_days_ticks(values.astype("datetime64[D]"), int(n))


def _add_working_days_ticks(values: np.ndarray, n: int) -> np.ndarray:
    out = np.full(values.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    valid = ~np.isnat(values)
    if not valid.any():
        return out
    ticks = values.astype(np.int64)
    # The year of the first day counted (the day after), as in add_working_days.
    years = (values + np.timedelta64(1, "D")).astype("datetime64[Y]").astype(np.int64) + 1970
    # One contiguous table per distinct starting year, long enough for the latest date of that
    # year plus n working days: no gap years, and no calendars built for years nobody needs.
    for year in np.unique(years[valid]):
        in_year = valid & (years == year)
        latest = ticks[in_year].max()
        parts = [year_calendar(int(year)).working_days]
        table = parts[0]
        next_year = int(year) + 1
        while len(table) - np.searchsorted(table, latest, side="right") < n:
            parts.append(year_calendar(next_year).working_days)
            table = np.concatenate(parts)
            next_year += 1
        positions = np.searchsorted(table, ticks[in_year], side="right") + (n - 1)
        out[in_year] = table[positions].astype("datetime64[D]")
    return out
