"""Request types, departments, districts and ticket states, read once from ``gateway/data``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.errors import InvalidField

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Category:
    """A request type (诉求类型) with its time limit in working days."""

    code: str
    zh: str
    en: str
    limit_working_days: int
    meaning: str


@dataclass(frozen=True)
class Department:
    """A dispatch target and the matters it owns."""

    code: str
    zh: str
    en: str
    handles: tuple[str, ...]


@dataclass(frozen=True)
class District:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class SatisfactionLevel:
    code: int
    zh: str
    en: str


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return data


_CATEGORIES_RAW = _read("categories.json")

CATEGORIES: tuple[Category, ...] = tuple(
    Category(code=c["code"], zh=c["zh"], en=c["en"],
             limit_working_days=int(c["limit_working_days"]), meaning=c["meaning"])
    for c in _CATEGORIES_RAW["categories"])
DEPARTMENTS: tuple[Department, ...] = tuple(
    Department(code=d["code"], zh=d["zh"], en=d["en"], handles=tuple(d["handles"]))
    for d in _read("departments.json")["departments"])
DISTRICTS: tuple[District, ...] = tuple(
    District(code=d["code"], zh=d["zh"], en=d["en"]) for d in _read("districts.json")["districts"])
SATISFACTION_SCALE: list[SatisfactionLevel] = [
    SatisfactionLevel(code=int(s["code"]), zh=s["zh"], en=s["en"])
    for s in _CATEGORIES_RAW["satisfaction_scale"]]

#: The 8 ticket states in lifecycle order, and what each means.
TICKET_STATE_MEANINGS: dict[str, str] = dict(_CATEGORIES_RAW["ticket_states"])
TICKET_STATES: list[str] = list(TICKET_STATE_MEANINGS)
COMPLEX_LIMIT_WORKING_DAYS: int = int(_CATEGORIES_RAW["complex_limit_working_days"])
CALLBACK_REVIEW_LIMIT_WORKING_DAYS: int = int(_CATEGORIES_RAW["callback_review_limit_working_days"])

_BY_CATEGORY = {c.code: c for c in CATEGORIES}
_BY_DEPARTMENT = {d.code: d for d in DEPARTMENTS}
_BY_DISTRICT = {d.code: d for d in DISTRICTS}
_BY_SATISFACTION = {s.code: s for s in SATISFACTION_SCALE}


def _key(field: str, code: object, upper: bool) -> str:
    if not isinstance(code, str):
        raise InvalidField(f"{field} must be a string code")
    key = code.strip()
    return key.upper() if upper else key.lower()


def _unknown(field: str, code: str, codes: list[str]) -> InvalidField:
    shown = code if len(code) <= 40 else code[:40] + "..."
    return InvalidField(f"unknown {field} '{shown}'; expected one of: {', '.join(codes)}")


def category(code: str) -> Category:
    key = _key("category", code, upper=True)
    if key not in _BY_CATEGORY:
        raise _unknown("category", key, list(_BY_CATEGORY))
    return _BY_CATEGORY[key]


def department(code: str) -> Department:
    key = _key("department", code, upper=True)
    if key not in _BY_DEPARTMENT:
        raise _unknown("department", key, list(_BY_DEPARTMENT))
    return _BY_DEPARTMENT[key]


def district(code: str) -> District:
    key = _key("district", code, upper=False)
    if key not in _BY_DISTRICT:
        raise _unknown("district", key, list(_BY_DISTRICT))
    return _BY_DISTRICT[key]


def satisfaction(code: int) -> SatisfactionLevel:
    if isinstance(code, bool) or not isinstance(code, int) or code not in _BY_SATISFACTION:
        raise InvalidField("satisfaction must be an integer from 1 (very dissatisfied) to 5 (very satisfied)")
    return _BY_SATISFACTION[code]


def categories() -> list[Category]:
    return list(CATEGORIES)


def departments() -> list[Department]:
    return list(DEPARTMENTS)


def districts() -> list[District]:
    return list(DISTRICTS)
