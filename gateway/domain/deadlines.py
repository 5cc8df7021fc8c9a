"""Deadlines in Chinese working days.

Sources, in order: ``gateway/data/holidays.json`` overrides (a year counts only once its lists
are filled in), then the ``chinese_calendar`` library (2004-2026 in 1.11.0), then an estimate:
weekends plus the fixed-date statutory holidays, with ``estimated=True``.
China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypedDict

import chinese_calendar

from gateway.domain import catalog

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
HOLIDAYS_FILE = Path(__file__).resolve().parent.parent / "data" / "holidays.json"
#: Fixed-date statutory holidays used when a year's official schedule is unknown.
FIXED_HOLIDAYS: tuple[tuple[int, int], ...] = ((1, 1), (5, 1), (10, 1), (10, 2), (10, 3))
MAX_WORKING_DAYS = 366
END_OF_DAY = time(23, 59, 59)

State = Literal["ok", "due_soon", "overdue"]


class TimeLeft(TypedDict):
    working_days_left: int
    seconds_left: float
    state: State
    estimated: bool


@dataclass(frozen=True)
class Deadline:
    """When a ticket is due, and whether any day on the way was estimated."""

    due: datetime
    estimated: bool

    @property
    def timestamp(self) -> float:
        return self.due.timestamp()


@lru_cache(maxsize=1)
def _overrides() -> dict[int, tuple[frozenset[date], frozenset[date]]]:
    """Years with a filled-in schedule: {year: (holidays, make-up workdays)}."""
    try:
        raw = json.loads(HOLIDAYS_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    years: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
    for key, entry in raw.items():
        if not (key.isdigit() and len(key) == 4 and isinstance(entry, dict)):
            continue
        holidays = frozenset(date.fromisoformat(d) for d in entry.get("holidays", []))
        workdays = frozenset(date.fromisoformat(d) for d in entry.get("workdays", []))
        if holidays or workdays:
            years[int(key)] = (holidays, workdays)
    return years


@lru_cache(maxsize=4096)
def is_working_day(d: date) -> tuple[bool, bool]:
    """``(working, estimated)`` for one calendar day."""
    override = _overrides().get(d.year)
    if override is not None:
        holidays, workdays = override
        if d in workdays:
            return True, False
        return d.weekday() < 5 and d not in holidays, False
    try:
        return bool(chinese_calendar.is_workday(d)), False
    except NotImplementedError:
        return d.weekday() < 5 and (d.month, d.day) not in FIXED_HOLIDAYS, True


def _local(moment: datetime | float) -> datetime:
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("deadline arithmetic needs a timezone-aware datetime")
        return moment.astimezone(SHANGHAI)
    return datetime.fromtimestamp(moment, SHANGHAI)


def add_working_days(start: datetime, n: int) -> Deadline:
    """Due at 23:59:59 Shanghai time on the n-th working day after ``start``'s day."""
    if not 1 <= n <= MAX_WORKING_DAYS:
        raise ValueError(f"a time limit runs from 1 to {MAX_WORKING_DAYS} working days")
    day = _local(start).date()
    estimated = False
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        working, guessed = is_working_day(day)
        estimated = estimated or guessed
        counted += working
    return Deadline(due=datetime.combine(day, END_OF_DAY, SHANGHAI), estimated=estimated)


def deadline_for(category_code: str, start: datetime, complex: bool = False) -> Deadline:
    """The deadline of a ticket of this category accepted or dispatched at ``start``."""
    limit = catalog.COMPLEX_LIMIT_WORKING_DAYS if complex else catalog.category(category_code).limit_working_days
    return add_working_days(start, limit)


def _working_days_between(first: date, last: date) -> tuple[int, bool]:
    """Working days in the closed range [first, last] (0 if empty), and whether any was estimated."""
    count, estimated, day = 0, False, first
    while day <= last:
        working, guessed = is_working_day(day)
        count += working
        estimated = estimated or guessed
        day += timedelta(days=1)
    return count, estimated


def time_left(deadline: Deadline | datetime | float, now: datetime | float) -> TimeLeft:
    """Working days and seconds left; ``due_soon`` when at most one working day is left.

    ``working_days_left`` counts the working days after today up to the due day, so it is 0
    on the due day itself, and minus the working days elapsed since the due day once overdue.
    """
    due = deadline.due if isinstance(deadline, Deadline) else _local(deadline)
    due = _local(due)
    current = _local(now)
    seconds = due.timestamp() - current.timestamp()
    if seconds < 0:
        late, estimated = _working_days_between(due.date() + timedelta(days=1), current.date())
        return {"working_days_left": -late, "seconds_left": seconds, "state": "overdue",
                "estimated": estimated}
    left, estimated = _working_days_between(current.date() + timedelta(days=1), due.date())
    state: State = "due_soon" if left <= 1 else "ok"
    return {"working_days_left": left, "seconds_left": seconds, "state": state, "estimated": estimated}
