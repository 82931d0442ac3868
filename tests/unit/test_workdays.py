"""The working-day calendar and Civil Code date arithmetic (creditlake/workdays.py).

Known answers come from the State Council holiday notices (国务院办公厅关于2024年/2025年部分节假日
安排的通知), not from the code under test; chinesecalendar is used as an independent oracle for
the properties. Years after 2026 are not covered by chinesecalendar 1.11: the schedules written
into temporary override files below are TEST FIXTURES, not the official 2027 calendar.
"""

from __future__ import annotations

import calendar
import logging
import warnings
from datetime import date, timedelta

import chinese_calendar
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditlake import workdays
from creditlake.workdays import (
    DEFAULT_OVERRIDES_PATH,
    OVERRIDES_ENV_VAR,
    CalendarFallbackWarning,
    add_months,
    add_working_days,
    add_working_days_array,
    add_years,
    clear_calendar_caches,
    is_working_day,
    roll_to_working_day,
    working_days_between,
)

# Dates whose n-th working day (n <= 30) stays inside chinesecalendar's 2004-2026 coverage.
covered_dates = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 9, 30))
any_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
small_n = st.integers(min_value=1, max_value=30)
# The autouse fixture below resets caches per test, not per example; that is all it needs.
# no per-example deadline: timings on a loaded 2-core CI machine are not what these tests check
properties = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(autouse=True)
def fresh_calendar(monkeypatch):
    """Each test starts with the shipped override file and no cached calendars or warnings."""
    monkeypatch.delenv(OVERRIDES_ENV_VAR, raising=False)
    clear_calendar_caches()
    yield
    clear_calendar_caches()


@pytest.fixture
def no_fallback():
    """Inside covered years a CalendarFallbackWarning is a bug: make it fail the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarFallbackWarning)
        yield


def use_overrides(monkeypatch, path, text: str):
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv(OVERRIDES_ENV_VAR, str(path))
    clear_calendar_caches()
    return path


def month_end(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


# --- Civil Code Art 201-203: months and years -----------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # no 30 February, leap year (docs/domain.md#working-days-and-date-arithmetic)
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 4, 30), 1, date(2024, 5, 30)),  # Art 202: the corresponding day, not month end
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
    ],
)
def test_add_months_known_answers(start, months, expected):
    assert add_months(start, months) == expected


def test_add_years_from_a_leap_day():
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


@properties
@given(d=any_dates, months=st.integers(min_value=-600, max_value=600))
def test_add_months_lands_in_the_target_month_on_the_same_day_or_its_last_day(d, months):
    result = add_months(d, months)
    index = d.year * 12 + d.month - 1 + months
    assert (result.year, result.month) == (index // 12, index % 12 + 1)  # never overshoots
    last = month_end(result.year, result.month)
    assert result.day == min(d.day, last)
    assert result.day == d.day or result.day == last


@properties
@given(d=any_dates, a=st.integers(-120, 120), b=st.integers(-120, 120))
def test_add_months_composes_unless_an_intermediate_month_is_short(d, a, b):
    direct, chained = add_months(d, a + b), add_months(add_months(d, a), b)
    assert (chained.year, chained.month) == (direct.year, direct.month)
    assert chained <= direct  # clamping in the middle can only pull the day earlier
    if add_months(d, a).day == d.day:
        assert chained == direct


@properties
@given(year=st.integers(1900, 2200), month=st.integers(1, 12), months=st.integers(-240, 240))
def test_add_months_from_the_31st_or_month_end(year, month, months):
    d = date(year, month, month_end(year, month))
    result = add_months(d, months)
    if d.day == 31:
        assert result.day == month_end(result.year, result.month)
    assert result.day == min(d.day, month_end(result.year, result.month))


@properties
@given(year=st.sampled_from([y for y in range(1904, 2200) if calendar.isleap(y)]), years=st.integers(-50, 50))
def test_add_years_from_a_leap_day_lands_on_29_or_28_february(year, years):
    result = add_years(date(year, 2, 29), years)
    assert result == date(year + years, 2, 29 if calendar.isleap(year + years) else 28)


# --- the official calendar: known answers ---------------------------------------------------


@pytest.mark.parametrize("day", [date(2024, 10, d) for d in range(1, 8)])
def test_national_day_2024_is_not_working(day, no_fallback):
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2024, 9, 29),  # Sunday, 调休上班 for National Day 2024
        date(2024, 10, 12),  # Saturday, 调休上班 for National Day 2024
        date(2025, 1, 26),  # Sunday, 调休上班 for Spring Festival 2025
        date(2025, 2, 8),  # Saturday, 调休上班 for Spring Festival 2025
    ],
)
def test_make_up_weekend_days_are_working(day, no_fallback):
    assert day.weekday() >= 5
    assert is_working_day(day)


def test_ordinary_days(no_fallback):
    assert is_working_day(date(2024, 10, 8))  # Tuesday after the break
    assert not is_working_day(date(2024, 9, 28))  # an ordinary Saturday
    assert not is_working_day(date(2025, 1, 28))  # 除夕 2025, a Tuesday


def test_next_working_day_after_national_day_2024(no_fallback):
    assert add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 8)


def test_correction_within_3_working_days_across_national_day(no_fallback):
    # hl-2022 Art 38: errors corrected within 3 working days.
    assert add_working_days(date(2024, 9, 30), 3) == date(2024, 10, 10)


def test_3_working_day_deadline_across_spring_festival_2025(no_fallback):
    # 2025 notice: 1月28日(除夕)至2月4日放假, 1月26日(周日)、2月8日(周六)上班.
    assert add_working_days(date(2025, 1, 24), 3) == date(2025, 2, 5)  # Sun 26, Mon 27, Wed 5 Feb
    assert add_working_days(date(2025, 1, 27), 3) == date(2025, 2, 7)
    assert add_working_days(date(2025, 2, 7), 1) == date(2025, 2, 8)  # the make-up Saturday counts
    assert working_days_between(date(2025, 1, 24), date(2025, 2, 5)) == 3


def test_counting_starts_the_day_after_even_on_a_holiday(no_fallback):
    # Civil Code Art 201: the event's day is not counted.
    assert add_working_days(date(2024, 10, 3), 1) == date(2024, 10, 8)


def test_roll_to_working_day_known_answers(no_fallback):
    # Civil Code Art 203: a last day on a rest day moves to the day after the rest.
    assert roll_to_working_day(date(2024, 10, 1)) == date(2024, 10, 8)
    assert roll_to_working_day(date(2024, 10, 12)) == date(2024, 10, 12)  # make-up Saturday
    assert roll_to_working_day(date(2024, 10, 13)) == date(2024, 10, 14)
    # A 3-month publicity period from 2024-07-01 ends on 1 October, so on 8 October.
    assert roll_to_working_day(add_months(date(2024, 7, 1), 3)) == date(2024, 10, 8)


def test_working_days_between_known_answers(no_fallback):
    assert working_days_between(date(2024, 9, 27), date(2024, 9, 30)) == 2  # Sun 29 (调休) and Mon 30
    assert working_days_between(date(2024, 9, 30), date(2024, 10, 7)) == 0
    assert working_days_between(date(2024, 9, 30), date(2024, 9, 30)) == 0
    assert working_days_between(date(2024, 9, 30), date(2024, 9, 27)) == -2


def test_counting_from_31_december_2003_needs_no_2003_calendar(no_fallback):
    # The first day counted is 1 January 2004 (a holiday): 2003, which chinesecalendar lacks,
    # is never consulted, so no fallback warning.
    assert add_working_days(date(2003, 12, 31), 1) == date(2004, 1, 2)
    assert working_days_between(date(2003, 12, 31), date(2004, 1, 2)) == 1
    assert list(add_working_days_array(np.array(["2003-12-31"], dtype="datetime64[D]"), 1)) == [
        np.datetime64("2004-01-02")
    ]


def test_crosses_a_year_boundary(no_fallback):
    # 2025 notice: 1月1日放假; 2024-12-31 is a Tuesday.
    assert add_working_days(date(2024, 12, 31), 1) == date(2025, 1, 2)
    assert working_days_between(date(2024, 12, 30), date(2025, 1, 2)) == 2


@pytest.mark.parametrize("n", [0, -1, True, 1.5])
def test_n_must_be_a_positive_integer(n):
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        add_working_days(date(2024, 9, 30), n)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        add_working_days_array(np.array(["2024-09-30"], dtype="datetime64[D]"), n)


# --- properties against chinesecalendar as an oracle ----------------------------------------


def test_agrees_with_chinesecalendar_on_every_covered_day(no_fallback):
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


@properties
@given(d=covered_dates, n=small_n)
def test_add_working_days_lands_on_the_nth_working_day(d, n):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarFallbackWarning)
        result = add_working_days(d, n)
        assert result > d
        assert is_working_day(result)
        assert working_days_between(d, result) == n
        assert working_days_between(d, result - timedelta(days=1)) == n - 1
        # find_workday(k, x): the k-th working day after the first working day on or after x.
        assert result == chinese_calendar.find_workday(n - 1, d + timedelta(days=1))


@properties
@given(d=st.dates(min_value=date(2004, 1, 2), max_value=date(2026, 9, 30)))
def test_roll_to_working_day_is_idempotent_and_never_goes_back(d):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarFallbackWarning)
        rolled = roll_to_working_day(d)
        assert rolled >= d
        assert is_working_day(rolled)
        assert roll_to_working_day(rolled) == rolled
        assert working_days_between(d - timedelta(days=1), rolled) == 1  # nothing skipped


@properties
@given(a=covered_dates, b=covered_dates)
def test_working_days_between_is_antisymmetric_and_counts_days(a, b):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarFallbackWarning)
        assert working_days_between(a, b) == -working_days_between(b, a)
        lo, hi = min(a, b), max(a, b)
        if (hi - lo).days <= 60:
            expected = sum(
                chinese_calendar.is_workday(lo + timedelta(i)) for i in range(1, (hi - lo).days + 1)
            )
            assert working_days_between(lo, hi) == expected


@properties
@given(year=st.sampled_from([y for y in range(2004, 2027) if calendar.isleap(y)]), n=small_n)
def test_leap_days(year, n):
    leap_day = date(year, 2, 29)
    result = add_working_days(leap_day, n)
    assert working_days_between(leap_day, result) == n
    assert is_working_day(leap_day) == chinese_calendar.is_workday(leap_day)
    assert roll_to_working_day(leap_day) >= leap_day


@properties
@given(ds=st.lists(st.one_of(covered_dates, st.none()), min_size=1, max_size=40), n=small_n)
def test_array_version_agrees_with_the_scalar_one(ds, n):
    expected = [add_working_days(d, n) if d is not None else None for d in ds]
    values = np.array([np.datetime64(d, "D") if d is not None else np.datetime64("NaT") for d in ds])
    result = add_working_days_array(values, n)
    assert result.dtype == np.dtype("datetime64[D]")
    assert [None if np.isnat(r) else r.astype(object) for r in result] == expected

    series = pd.Series(pd.to_datetime(ds), index=range(10, 10 + len(ds)), name="decided_on")
    shifted = add_working_days_array(series, n)
    assert shifted.index.equals(series.index) and shifted.name == "decided_on"
    assert shifted.dtype == series.dtype
    assert [None if pd.isna(r) else r.date() for r in shifted] == expected


def test_array_version_handles_date_objects_and_a_large_column(no_fallback):
    assert list(add_working_days_array(pd.Series([date(2024, 9, 30)]), 1)) == [pd.Timestamp(2024, 10, 8)]
    days = np.arange(np.datetime64("2004-01-01"), np.datetime64("2026-06-30"))
    result = add_working_days_array(np.tile(days, 12), 5)  # ~100,000 rows
    assert result[0] == np.datetime64(add_working_days(date(2004, 1, 1), 5))
    assert result[-1] == np.datetime64(add_working_days(date(2026, 6, 29), 5))


def test_per_record_calls_do_not_hit_chinesecalendar_once_the_year_is_built(monkeypatch, no_fallback):
    add_working_days(date(2024, 3, 1), 1)  # builds 2024

    def forbidden(day):
        raise AssertionError(f"chinese_calendar.is_workday({day}) called in the hot path")

    monkeypatch.setattr(chinese_calendar, "is_workday", forbidden)
    day = date(2024, 1, 1)
    for _ in range(300):
        is_working_day(day)
        add_working_days(day, 3)
        roll_to_working_day(day)
        day += timedelta(days=1)


# --- years chinesecalendar does not cover: fallback and the override file -------------------


EMPTY_OVERRIDES = "years:\n  # 2027: not filled\n"

# TEST FIXTURE, not the official 2027 schedule (which is not published at the time of writing).
FIXTURE_2027 = """\
years:
  2027:
    source: "test fixture, not the official schedule"
    holidays: [2027-01-01, 2027-10-01, 2027-10-02, 2027-10-03, 2027-10-04, 2027-10-05, 2027-10-06, 2027-10-07]
    make_up_working_days:
      - 2027-10-09  # a Saturday
"""


def test_2027_without_an_override_falls_back_to_weekdays_and_warns(tmp_path, monkeypatch, caplog):
    path = use_overrides(monkeypatch, tmp_path / "overrides.yml", EMPTY_OVERRIDES)
    with caplog.at_level(logging.WARNING, logger="creditlake.workdays"):
        with pytest.warns(CalendarFallbackWarning, match="2027") as caught:
            assert is_working_day(date(2027, 1, 1))  # a Friday, counted as a working day
    message = str(caught[0].message)
    assert str(path) in message and "chinesecalendar covers 2004-2026" in message
    assert any("2027" in r.getMessage() and str(path) in r.getMessage() for r in caplog.records)
    assert workdays.year_calendar(2027).source == "weekday fallback"
    assert not is_working_day(date(2027, 1, 2))  # Saturday
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert add_working_days(date(2027, 9, 30), 1) == date(2027, 10, 1)


def test_the_fallback_warning_is_given_once_per_year(tmp_path, monkeypatch):
    use_overrides(monkeypatch, tmp_path / "overrides.yml", EMPTY_OVERRIDES)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for day in range(1, 20):
            is_working_day(date(2027, 3, day))
            add_working_days(date(2027, 3, day), 2)
        working_days_between(date(2027, 1, 1), date(2028, 6, 1))
    fallbacks = [w for w in caught if issubclass(w.category, CalendarFallbackWarning)]
    assert [("2027" in str(w.message), "2028" in str(w.message)) for w in fallbacks] == [
        (True, False),
        (False, True),
    ]


def test_the_shipped_override_file_is_valid_and_named_in_the_warning():
    assert DEFAULT_OVERRIDES_PATH.exists()
    assert workdays.overrides_path() == DEFAULT_OVERRIDES_PATH
    with pytest.warns(CalendarFallbackWarning, match=str(DEFAULT_OVERRIDES_PATH)):
        is_working_day(date(2099, 6, 1))  # nobody will fill 2099 in the shipped file


def test_a_2027_override_is_honoured_without_a_warning(tmp_path, monkeypatch, no_fallback):
    use_overrides(monkeypatch, tmp_path / "overrides.yml", FIXTURE_2027)
    assert not is_working_day(date(2027, 1, 1))
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert add_working_days(date(2027, 9, 30), 1) == date(2027, 10, 8)
    assert add_working_days(date(2027, 9, 30), 2) == date(2027, 10, 9)  # the make-up Saturday
    assert is_working_day(date(2027, 10, 9)) and not is_working_day(date(2027, 10, 10))
    assert roll_to_working_day(date(2027, 10, 3)) == date(2027, 10, 8)
    assert working_days_between(date(2027, 9, 30), date(2027, 10, 11)) == 3
    assert workdays.year_calendar(2027).source.startswith("override ")
    arr = add_working_days_array(np.array(["2026-12-31", "2027-09-30"], dtype="datetime64[D]"), 1)
    assert list(arr) == [np.datetime64("2027-01-04"), np.datetime64("2027-10-08")]


def test_an_override_replaces_a_year_chinesecalendar_covers(tmp_path, monkeypatch, no_fallback):
    # An operator correction: the entry is the whole year's schedule (here deliberately not 2024's
    # official one, so the test can see which source won).
    use_overrides(
        monkeypatch,
        tmp_path / "overrides.yml",
        """\
years:
  2024:
    source: "test fixture"
    holidays: [2024-10-01, 2024-10-02, 2024-10-03, 2024-10-04, 2024-10-07, 2024-11-11]
    make_up_working_days: [2024-10-12]
""",
    )
    assert not is_working_day(date(2024, 11, 11))  # added
    assert is_working_day(date(2024, 10, 12))  # kept
    assert not is_working_day(date(2024, 9, 29))  # official make-up Sunday, not listed: rest day
    assert is_working_day(date(2024, 2, 12))  # official Spring Festival holiday, not listed
    assert is_working_day(date(2025, 1, 2))  # other years still come from chinesecalendar
    assert not is_working_day(date(2025, 1, 1))


def test_editing_the_file_takes_effect_after_clearing_the_caches(tmp_path, monkeypatch):
    path = use_overrides(monkeypatch, tmp_path / "overrides.yml", FIXTURE_2027)
    assert not is_working_day(date(2027, 1, 1))
    path.write_text(FIXTURE_2027.replace("2027-01-01, ", ""), encoding="utf-8")
    assert not is_working_day(date(2027, 1, 1))  # cached for the process
    clear_calendar_caches()
    assert is_working_day(date(2027, 1, 1))


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("calendar: {}\n", "calendar", "unknown key"),
        ("years:\n  2027:\n    source: x\n    holiday: [2027-01-01]\n", "years.2027.holiday", "unknown key"),
        (
            "years:\n  2027:\n    source: x\n    holidays: [2027-02-30]\n",
            "years.2027.holidays[0]",
            "not a valid date",
        ),
        (
            "years:\n  2027:\n    source: x\n    holidays: [27-1-1]\n",
            "years.2027.holidays[0]",
            "not a YYYY-MM-DD date",
        ),
        (
            "years:\n  2027:\n    source: x\n    holidays: [2026-12-31]\n",
            "years.2027.holidays[0]",
            "not in 2027",
        ),
        (
            "years:\n  2027:\n    source: x\n    holidays: [2027-01-01]\n    make_up_working_days: [2027-02-03]\n",
            "years.2027.make_up_working_days[0]",
            "is a Wednesday",
        ),
        (
            "years:\n  2027:\n    source: x\n    holidays: [2027-10-09]\n    make_up_working_days: [2027-10-09]\n",
            "years.2027.make_up_working_days[0]",
            "also listed under holidays",
        ),
        ("years:\n  2027:\n    holidays: [2027-01-01]\n", "years.2027.source", "required"),
        ("years:\n  2027:\n    source: x\n    holidays: []\n", "years.2027.holidays", "empty"),
        ("years:\n  27:\n    source: x\n", "years.27", "four-digit year"),
        ("years:\n  2027: [2027-01-01]\n", "years.2027", "must be a mapping"),
        ("years: [2027]\n", "years", "must be a mapping"),
    ],
)
def test_a_malformed_override_file_names_the_file_the_key_and_the_problem(
    tmp_path, monkeypatch, text, key, problem
):
    path = use_overrides(monkeypatch, tmp_path / "bad-overrides.yml", text)
    with pytest.raises(ValueError) as raised:
        is_working_day(date(2024, 5, 6))  # any use loads and checks the whole file
    message = str(raised.value)
    assert str(path) in message and key in message and problem in message, message


def test_invalid_yaml_and_a_missing_configured_file_are_errors(tmp_path, monkeypatch):
    path = use_overrides(monkeypatch, tmp_path / "broken.yml", "years: [unclosed\n")
    with pytest.raises(ValueError, match="not valid YAML") as raised:
        is_working_day(date(2024, 5, 6))
    assert str(path) in str(raised.value)
    monkeypatch.setenv(OVERRIDES_ENV_VAR, str(tmp_path / "missing.yml"))
    with pytest.raises(ValueError, match=f"{OVERRIDES_ENV_VAR} does not exist"):
        is_working_day(date(2024, 5, 6))
