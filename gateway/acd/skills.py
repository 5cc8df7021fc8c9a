"""Seat kinds, seat states and skill strings such as ``lang:ja=4, sign:csl=5``.

A skill is a lower-case name made of ``:``-separated segments (``lang:ja``,
``sign:csl``, ``lang:zh-hans``); a proficiency is an integer 1 (can cope) to
5 (native / certified interpreter).  Skill names are case-insensitive and are
stored lower-case, so ``lang:JA`` and ``lang:ja`` are the same skill.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Final, Literal

from gateway.errors import InvalidField

SeatKind = Literal["agent", "volunteer"]
SeatState = Literal["available", "busy", "wrap_up", "away", "offline"]

SEAT_KINDS: Final[tuple[str, ...]] = ("agent", "volunteer")
SEAT_STATES: Final[tuple[str, ...]] = ("available", "busy", "wrap_up", "away", "offline")
MIN_LEVEL: Final = 1
MAX_LEVEL: Final = 5

_SEGMENT = r"[a-z0-9][a-z0-9_.\-]*"
_SKILL_NAME_RE: Final = re.compile(rf"^{_SEGMENT}(?::{_SEGMENT})*$")
_LEVEL_RE: Final = re.compile(r"^[0-9]+$")


def normalize_skill_name(name: object, *, field: str = "skill") -> str:
    """Return ``name`` stripped and lower-cased, or raise InvalidField if it is not a skill name."""
    if not isinstance(name, str):
        raise InvalidField(f"{field} must be a string like 'lang:ja', got {type(name).__name__}")
    norm = name.strip().lower()
    if not norm:
        raise InvalidField(f"{field} must not be empty")
    if not _SKILL_NAME_RE.match(norm):
        raise InvalidField(
            f"{field} {name!r} is not a skill name: use letters, digits, '_', '-', '.' "
            "in ':'-separated parts, e.g. 'lang:ja' or 'sign:csl'"
        )
    return norm


def check_level(level: object, *, field: str = "level") -> int:
    """Return ``level`` if it is an int in 1..5 (bools are refused), else raise InvalidField."""
    if isinstance(level, bool) or not isinstance(level, int):
        raise InvalidField(f"{field} must be an integer {MIN_LEVEL}..{MAX_LEVEL}, got {level!r}")
    if not MIN_LEVEL <= level <= MAX_LEVEL:
        raise InvalidField(f"{field} must be between {MIN_LEVEL} and {MAX_LEVEL}, got {level}")
    return level


def parse_skills(text: str) -> dict[str, int]:
    """Parse ``"lang:ja=4, sign:csl=5"`` into ``{"lang:ja": 4, "sign:csl": 5}``.

    An empty (or all-blank) string is an empty skill set.  Every comma-separated
    item must be ``name=level``; a duplicated skill is an error.
    """
    if not isinstance(text, str):
        raise InvalidField(f"skills must be a string like 'lang:ja=4, sign:csl=5', got {type(text).__name__}")
    if not text.strip():
        return {}
    out: dict[str, int] = {}
    for index, raw in enumerate(text.split(","), start=1):
        item = raw.strip()
        if not item:
            raise InvalidField(f"skills: item {index} is empty (stray comma?) in {text!r}")
        name, sep, level_text = item.partition("=")
        if not sep:
            raise InvalidField(f"skills: item {index} {item!r} must look like 'name=level', e.g. 'lang:ja=4'")
        skill = normalize_skill_name(name, field=f"skills: item {index} name")
        level_text = level_text.strip()
        if not _LEVEL_RE.match(level_text):
            raise InvalidField(
                f"skills: level of {skill!r} must be an integer {MIN_LEVEL}..{MAX_LEVEL}, got {level_text!r}"
            )
        level = check_level(int(level_text), field=f"skills: level of {skill!r}")
        if skill in out:
            raise InvalidField(f"skills: {skill!r} is listed twice")
        out[skill] = level
    return out


def validate_skills(skills: Mapping[str, int]) -> dict[str, int]:
    """Check an already-parsed skill mapping; returns a normalized copy."""
    if not isinstance(skills, Mapping):
        raise InvalidField(f"skills must be a mapping of skill name to level, got {type(skills).__name__}")
    out: dict[str, int] = {}
    for name, level in skills.items():
        skill = normalize_skill_name(name, field="skills: name")
        if skill in out:
            raise InvalidField(f"skills: {skill!r} is listed twice")
        out[skill] = check_level(level, field=f"skills: level of {skill!r}")
    return out


def format_skills(skills: Mapping[str, int]) -> str:
    """Inverse of parse_skills, sorted by name: ``{"sign:csl": 5, "lang:ja": 4}`` -> ``"lang:ja=4, sign:csl=5"``."""
    return ", ".join(f"{name}={level}" for name, level in sorted(skills.items()))


def check_kind(kind: object) -> str:
    if kind not in SEAT_KINDS:
        raise InvalidField(f"kind must be one of {', '.join(SEAT_KINDS)}, got {kind!r}")
    return str(kind)


def check_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(f"{what} must be a non-empty string, got {value!r}")
    return value


def check_priority(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidField(f"priority must be an integer, got {value!r}")
    return value


def check_epoch(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidField(f"{what} must be an epoch time in seconds, got {value!r}")
    return float(value)
