"""Possible duplicates of a ticket, for the reviewer deciding a merge (合并).

Several callers often report the same burst pipe or the same noisy site within days.  A
candidate is another *open* ticket created within ``days`` of this one; it is scored from
what they share:

================  ======  ==================================================================
reason            weight  when
================  ======  ==================================================================
same_address      0.35    addresses equal after normalisation (width, case, spaces,
                          punctuation, a leading "上海市"/"Shanghai" and district name)
similar_text      ≤ 0.30  0.30 × character-bigram Jaccard of the texts; listed at ≥ 0.30
same_department   0.15    same current department
same_district     0.10    same district
close_in_time     ≤ 0.10  0.10 × (1 − gap / window); listed when created within a day
================  ======  ==================================================================

A candidate needs a place or text in common (same district, same address or similar text):
same department and time alone are how every busy department looks, not a duplicate.

Why character bigrams and no library: Chinese has no spaces, so word-based measures need a
segmenter (jieba: a large dictionary dependency, and its splits differ between near-identical
phrasings); bigrams of characters are the usual baseline for Chinese near-duplicate detection,
also work for the Latin, Cyrillic and other scripts callers write in, are order-insensitive
(unlike difflib's SequenceMatcher, which is also quadratic), deterministic and a few lines.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from gateway.domain import catalog
from gateway.domain.ticket import Ticket

DAY = 86_400.0
TEXT_LISTED_FROM = 0.30
WEIGHTS: dict[str, float] = {"same_address": 0.35, "similar_text": 0.30, "same_department": 0.15,
                             "same_district": 0.10, "close_in_time": 0.10}
REASONS: tuple[str, ...] = ("same_department", "same_district", "same_address", "close_in_time", "similar_text")
_CITY_PREFIXES: tuple[str, ...] = ("上海市", "上海", "shanghaicity", "shanghai")


def _plain(text: str) -> str:
    """NFKC (full-width → ASCII), case-folded, without spaces, punctuation or symbols."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZSC")


def _district_prefixes() -> tuple[str, ...]:
    """Full district names only: "浦东新区", "pudongdistrict", "pudongnewarea" — never a bare
    "浦东", which also begins road names (浦东大道)."""
    names: list[str] = []
    for d in catalog.districts():
        names += [_plain(d.zh), _plain(d.en) + "district"]
        if _plain(d.en).endswith("area"):
            names.append(_plain(d.en))
    return tuple(sorted({n for n in names if n}, key=len, reverse=True))


_DISTRICTS = _district_prefixes()


def normalise_address(address: str | None) -> str:
    """A comparable form of an address: ``"上海市 浦东新区世纪大道１００号"`` → ``"世纪大道100号"``.

    Equality of this form is the test; containment is not (世纪大道 ⊂ 世纪大道100号 is another place).
    """
    text = _plain(address or "")
    for prefix in _CITY_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    for prefix in _DISTRICTS:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix):]
            break
    return text


def bigrams(text: str | None) -> frozenset[str]:
    """Character bigrams of the normalised text (a single character counts as itself)."""
    plain = _plain(text or "")
    if len(plain) < 2:
        return frozenset({plain}) if plain else frozenset()
    return frozenset(plain[i:i + 2] for i in range(len(plain) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def text_similarity(t: Ticket, other: Ticket) -> float:
    """The best of the Chinese texts' and the original texts' bigram Jaccard (both sides needed)."""
    pairs = [(t.text_zh, other.text_zh), (t.text_original, other.text_original)]
    return max((jaccard(bigrams(x), bigrams(y)) for x, y in pairs if x and y), default=0.0)


def _score(t: Ticket, c: Ticket, anchor: float, window: float) -> tuple[float, list[str]]:
    reasons: list[str] = []
    score = 0.0
    if t.department and c.department == t.department:
        reasons.append("same_department")
        score += WEIGHTS["same_department"]
    if t.district and c.district == t.district:
        reasons.append("same_district")
        score += WEIGHTS["same_district"]
    mine = normalise_address(t.address)
    if mine and normalise_address(c.address) == mine:
        reasons.append("same_address")
        score += WEIGHTS["same_address"]
    gap = abs(c.created_at - anchor)
    score += WEIGHTS["close_in_time"] * max(0.0, 1.0 - gap / window)
    if gap <= DAY:
        reasons.append("close_in_time")
    similar = text_similarity(t, c)
    score += WEIGHTS["similar_text"] * similar
    if similar >= TEXT_LISTED_FROM:
        reasons.append("similar_text")
    return min(1.0, score), reasons


def suggest(t: Ticket, candidates: Iterable[Ticket], now: float, *, days: int = 7,
            limit: int = 5) -> list[dict[str, Any]]:
    """Up to ``limit`` open tickets that may report the same matter as ``t``, best first.

    The window is ``days`` either side of ``t``'s creation (of ``now`` for a ticket without one),
    so a ticket that waited in review still finds the reports made alongside it.
    """
    if days <= 0 or limit <= 0:
        return []
    anchor = t.created_at or now
    window = days * DAY
    found: list[tuple[float, float, str, dict[str, Any]]] = []
    seen: set[str] = set()
    for c in candidates:
        if c.id == t.id or c.id in seen or c.status == "closed" or c.merged_into:
            continue
        seen.add(c.id)
        if abs(c.created_at - anchor) > window:
            continue
        score, reasons = _score(t, c, anchor, window)
        if not {"same_district", "same_address", "similar_text"} & set(reasons):
            continue
        ordered = [r for r in REASONS if r in reasons]
        found.append((-score, abs(c.created_at - anchor), c.number,
                      {"id": c.id, "number": c.number, "score": round(score, 3), "reasons": ordered}))
    found.sort(key=lambda row: row[:3])
    return [row[3] for row in found[:limit]]
