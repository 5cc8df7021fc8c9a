"""Holiday names → dates, for ``translate.drafting.dates`` (data: ``translate/data/drafting/holidays.json``).

Fixed holidays (New Year's Day and Eve, Christmas Eve and Day, Orthodox Christmas, Labour Day,
National Day, Valentine's Day, Halloween) fall on the same month/day every year. The Chinese
lunar holidays (除夕, 春节, 元宵节, 端午节, 中秋节) and Qingming (a solar term) come from a
per-year table; outside its years they resolve to no date rather than a guess.

A holiday name is resolved like a bare weekday:

* with an explicit year ("Christmas 2025", "2025年春节") → that year's;
* with a modifier: "last"/"上个" → the latest one strictly before the reference day, "next"/"下个"/
  "this coming" → the first one strictly after it, "this"/"今年"/"去年"/"明年" → the one in that
  calendar year;
* bare → the most recent one on or before the reference day, or the next one on or after it when
  the clause is about the future: a strong future cue of ``holidays.json`` ("will", "打算"), or
  else one of the ``future`` words of ``dates.json`` (expiry, appointment ...) with no past cue
  of ``holidays.json`` ("was", "那天") in the clause.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from translate.drafting._data import load_json
from translate.drafting.textnorm import fold_str

_RAW: dict[str, Any] = load_json("holidays.json")
FIXED: dict[str, tuple[int, int]] = {k: (v[0], v[1]) for k, v in _RAW["fixed"].items()}
TABLE: dict[str, dict[int, dt.date]] = {
    key: {int(y): dt.date.fromisoformat(d) for y, d in years.items()} for key, years in _RAW["table"].items()}
for _key, (_base, _days) in _RAW["derived"].items():
    _shifted = (d + dt.timedelta(days=_days) for d in TABLE[_base].values())
    TABLE[_key] = {d.year: d for d in _shifted}
_OFFSETS = {"last": "last", "next": "next", "year-2": -2, "year-1": -1, "year0": 0, "year+1": 1, "year+2": 2}
_YEAR_BEFORE = re.compile(r"(?<!\d)(?P<y>\d{4})\s*(?:年|년)?\s*(?:的|の|의)?\s*$")
_YEAR_AFTER = re.compile(rf"\s*,?\s*(?:{fold_str(_RAW['years_after'])}\s*)?(?P<y>\d{{4}})(?!\d)"
                         r"(?!\s*(?:元|块|yuan|rmb|cny|usd|dollars?|euros?|\$|%))")


def holiday_date(key: str, year: int) -> dt.date | None:
    """The date of holiday ``key`` in ``year``, or None when the table does not know that year."""
    if key in FIXED:
        month, day = FIXED[key]
        return dt.date(year, month, day) if 1 <= year <= 9999 else None
    return TABLE.get(key, {}).get(year)


def resolve(key: str, ref: dt.date, mode: str | int = "past") -> dt.date | None:
    """Holiday ``key`` seen from ``ref``: ``mode`` is past, future, last, next or a year offset."""
    if isinstance(mode, int):
        return holiday_date(key, ref.year + mode)
    this_year = holiday_date(key, ref.year)
    if this_year is None:
        return None
    if mode in ("past", "last"):
        return this_year if this_year < ref or (mode == "past" and this_year == ref) \
            else holiday_date(key, ref.year - 1)
    return this_year if this_year > ref or (mode == "future" and this_year == ref) \
        else holiday_date(key, ref.year + 1)


def _alts(words: list[str], sp: str) -> str:
    folded = sorted({fold_str(w) for w in words if w}, key=len, reverse=True)
    return "|".join(w.replace(" ", sp) for w in folded)


def _groups(mods: dict[str, list[str]], sp: str, tag: str) -> str:
    return "|".join(f"(?P<{tag}{i}>{_alts(words, sp)})" for i, words in enumerate(mods.values()) if words)


@dataclass(frozen=True)
class _Lexicon:
    names: tuple[tuple[str, re.Pattern[str]], ...]
    before: re.Pattern[str] | None
    after: re.Pattern[str] | None
    future: re.Pattern[str] | None
    past: re.Pattern[str] | None
    blocked: re.Pattern[str] | None


@lru_cache(maxsize=None)
def _lexicon(code: str, left: str, right: str) -> _Lexicon | None:
    raw = _RAW["langs"].get(code)
    if raw is None:
        return None
    sp = r"\s*" if not right else r"[\s-]+"
    names = tuple((key, re.compile(f"{left}(?:{_alts(words, sp)}){right}"))
                  for key, words in raw["names"].items() if words)
    link = rf"(?:{fold_str(raw['link'])})?\s*" if raw["link"] else ""
    before = after = None
    if raw["before"]:
        before = re.compile(f"{left}(?:{_groups(raw['before'], sp, 'm')})\\s*{link}$")
    if raw["after"]:
        after = re.compile(f"\\s*{link}{left}(?:{_groups(raw['after'], sp, 'n')}){right}")
    cue = {k: re.compile(f"{left}(?:{_alts(raw[k], sp)}){right}") if raw[k] else None for k in ("future", "past")}
    blocked = re.compile(f"\\s*(?:{_alts(raw['not_before'], sp)}){right}") if raw["not_before"] else None
    return _Lexicon(names, before, after, cue["future"], cue["past"], blocked)


def _modifier(lex: _Lexicon, text: str, start: int, end: int, raw: dict[str, Any]) -> str | int | None:
    """The modifier right before or right after a name, as a ``resolve`` mode."""
    m = lex.before.search(text, max(0, start - 40), start) if lex.before is not None else None
    side = "before"
    if m is None and lex.after is not None:
        m, side = lex.after.match(text, end), "after"
    if m is None or not m.lastgroup:
        return None
    return _OFFSETS[list(raw[side])[int(m.lastgroup[1:])]]


def _explicit_year(text: str, start: int, end: int) -> int | None:
    m = _YEAR_BEFORE.search(text, max(0, start - 12), start) or _YEAR_AFTER.match(text, end)
    if not m:
        return None
    year = int(m.group("y"))
    year = year - 543 if year > 2400 else year          # Thai Buddhist era
    return year if 1900 <= year <= 2100 else None


def _future(lex: _Lexicon, span: str, lex_future: Any, future_verbs: Any, past_verbs: Any) -> bool:
    """Strong future cues (holidays.json, Hindi verb endings) > past cues > the dates.json future words."""
    if (lex.future and lex.future.search(span)) or \
            (future_verbs and future_verbs.search(span) and not (past_verbs and past_verbs.search(span))):
        return True
    if lex.past and lex.past.search(span):
        return False
    return bool(lex_future and lex_future.search(span))


def holiday_mentions(text: str, code: str, bounds: tuple[str, str], ref: dt.date,
                     clause: Callable[[int, int], str], lex_future: Any = None,
                     future_verbs: Any = None, past_verbs: Any = None) -> list[tuple[int, int, dt.date | None]]:
    """Holiday names in folded ``text`` as (start, end, date); date None = a year the table lacks.

    ``clause(start, end)`` gives the clause around a span; ``lex_future`` (and Hindi-style
    ``future_verbs``/``past_verbs``) are the tense cues of the ``dates.json`` lexicon.
    """
    lex = _lexicon(code, *bounds)
    if lex is None:
        return []
    raw = _RAW["langs"][code]
    found = [(m.start(), m.end(), key) for key, rx in lex.names for m in rx.finditer(text)]
    found.sort(key=lambda f: (f[0], f[0] - f[1]))
    out: list[tuple[int, int, dt.date | None]] = []
    last_end = -1
    for start, end, key in found:
        if start < last_end:
            continue
        last_end = end                      # a blocked name ("Christmas Eve gifts") hides shorter ones too
        if lex.blocked is not None and lex.blocked.match(text, end):
            continue
        year = _explicit_year(text, start, end)
        if year is not None:
            out.append((start, end, holiday_date(key, year)))
            continue
        mode = _modifier(lex, text, start, end, raw)
        if mode is None:
            mode = "future" if _future(lex, clause(start, end), lex_future, future_verbs, past_verbs) else "past"
        out.append((start, end, resolve(key, ref, mode)))
    return out
