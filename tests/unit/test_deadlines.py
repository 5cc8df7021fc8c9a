"""Working-day deadlines over the 2026 National Day holiday, make-up Saturdays and unknown years."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import chinese_calendar
import pytest

from gateway.domain import deadlines
from gateway.domain.deadlines import (
    SHANGHAI,
    Deadline,
    add_working_days,
    deadline_for,
    is_working_day,
    time_left,
)


def sh(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=SHANGHAI)


def test_library_facts_this_suite_relies_on() -> None:
    # National Day 2026: Oct 1-7 off, Saturday Oct 10 is a make-up working day.
    assert all(not chinese_calendar.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert chinese_calendar.is_workday(date(2026, 9, 30))
    assert chinese_calendar.is_workday(date(2026, 10, 8)) and chinese_calendar.is_workday(date(2026, 10, 9))
    assert date(2026, 10, 10).weekday() == 5 and chinese_calendar.is_workday(date(2026, 10, 10))
    assert not chinese_calendar.is_workday(date(2026, 10, 11))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 3, 1))


def test_golden_week_five_working_days() -> None:
    # Accepted Wed 2026-09-30: day 1 = Oct 8, 2 = Oct 9, 3 = Sat Oct 10 (make-up), 4 = Oct 12, 5 = Oct 13.
    d = add_working_days(sh(2026, 9, 30), 5)
    assert d == Deadline(due=end_of(2026, 10, 13), estimated=False)
    assert d.timestamp == end_of(2026, 10, 13).timestamp()


def test_make_up_saturday_counts() -> None:
    assert add_working_days(sh(2026, 10, 9), 1).due == end_of(2026, 10, 10)
    assert add_working_days(sh(2026, 10, 10), 1).due == end_of(2026, 10, 12)
    assert is_working_day(date(2026, 10, 10)) == (True, False)
    assert is_working_day(date(2026, 10, 3)) == (False, False)


def test_counting_starts_the_next_working_day() -> None:
    assert add_working_days(sh(2026, 9, 30, 0, 1), 1).due == end_of(2026, 10, 8)
    assert add_working_days(sh(2026, 9, 30, 23, 59), 1).due == end_of(2026, 10, 8)
    assert add_working_days(sh(2026, 10, 3), 1).due == end_of(2026, 10, 8)  # started on a holiday
    assert add_working_days(sh(2026, 11, 27), 1).due == end_of(2026, 11, 30)  # Friday -> Monday


def test_start_is_converted_to_shanghai_time() -> None:
    # 2026-11-26 17:00 UTC is Fri Nov 27 01:00 in Shanghai, so counting starts after Friday.
    utc = datetime(2026, 11, 26, 17, 0, tzinfo=timezone.utc)
    assert add_working_days(utc, 1).due == end_of(2026, 11, 30)
    assert add_working_days(sh(2026, 11, 26), 1).due == end_of(2026, 11, 27)
    assert add_working_days(utc, 1).due.utcoffset() == timedelta(hours=8)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_days(datetime(2026, 9, 30, 10), 5)
    with pytest.raises(ValueError):
        add_working_days(sh(2026, 9, 30), 0)


def test_deadline_for_categories() -> None:
    assert deadline_for("CONSULTATION", sh(2026, 9, 30)).due == end_of(2026, 10, 8)
    assert deadline_for("complaint", sh(2026, 9, 30)).due == end_of(2026, 10, 13)
    assert deadline_for("HELP", sh(2026, 9, 30), complex=True).due == end_of(2026, 10, 27)


def test_2027_is_estimated_from_weekends_and_fixed_holidays() -> None:
    # Mon 2026-12-28 + 5: Dec 29, 30, 31 (library), Jan 1 2027 is a fixed holiday, Jan 4, Jan 5.
    d = add_working_days(sh(2026, 12, 28), 5)
    assert d == Deadline(due=end_of(2027, 1, 5), estimated=True)
    assert add_working_days(sh(2026, 12, 21), 5).estimated is False  # all within 2026
    assert is_working_day(date(2027, 3, 1)) == (True, True)
    assert is_working_day(date(2027, 3, 6)) == (False, True)  # Saturday
    assert is_working_day(date(2027, 5, 1))[0] is False
    assert is_working_day(date(2027, 10, 3)) == (False, True)
    assert deadline_for("HELP", sh(2027, 9, 30)).due == end_of(2027, 10, 8)  # Oct 4, 5, 6, 7, 8


def test_holidays_file_has_no_invented_2027_schedule() -> None:
    raw = json.loads(deadlines.HOLIDAYS_FILE.read_text(encoding="utf-8"))
    assert raw["2027"] == {"holidays": [], "workdays": []}


def test_override_file_replaces_the_estimate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps({"about": "test", "2027": {"holidays": ["2027-03-01"],
                                                            "workdays": ["2027-03-06"]}}))
    monkeypatch.setattr(deadlines, "HOLIDAYS_FILE", path)
    deadlines._overrides.cache_clear()
    deadlines.is_working_day.cache_clear()
    try:
        assert is_working_day(date(2027, 3, 1)) == (False, False)
        assert is_working_day(date(2027, 3, 6)) == (True, False)
        assert is_working_day(date(2027, 3, 7)) == (False, False)
        assert is_working_day(date(2027, 3, 2)) == (True, False)
        # Fri 2027-02-26 + 2: Mon Mar 1 is off, Tue Mar 2, Wed Mar 3.
        assert add_working_days(sh(2027, 2, 26), 2) == Deadline(end_of(2027, 3, 3), False)
    finally:
        monkeypatch.undo()
        deadlines._overrides.cache_clear()
        deadlines.is_working_day.cache_clear()
    assert is_working_day(date(2027, 3, 1)) == (True, True)


def test_time_left_states() -> None:
    due = add_working_days(sh(2026, 9, 30), 5)  # 2026-10-13 23:59:59
    ok = time_left(due, sh(2026, 10, 9, 9))
    assert ok["state"] == "ok" and ok["working_days_left"] == 3  # Oct 10, 12, 13
    assert ok["seconds_left"] == pytest.approx(due.timestamp - sh(2026, 10, 9, 9).timestamp())
    soon = time_left(due, sh(2026, 10, 12, 9))
    assert soon["state"] == "due_soon" and soon["working_days_left"] == 1
    today = time_left(due.timestamp, sh(2026, 10, 13, 23, 59).timestamp())
    assert today["state"] == "due_soon" and today["working_days_left"] == 0
    assert 0 < today["seconds_left"] <= 60
    late = time_left(due.due, sh(2026, 10, 15, 9))
    assert late["state"] == "overdue" and late["working_days_left"] == -2  # Oct 14, 15
    assert late["seconds_left"] < 0
    assert time_left(due, sh(2026, 10, 3))["state"] == "ok"  # Oct 8, 9, 10, 12, 13 left
    assert time_left(due, sh(2026, 10, 3))["working_days_left"] == 5
