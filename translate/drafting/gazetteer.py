"""Shanghai places in any served language → district code, plus the address phrase.

The data (``translate/data/drafting/gazetteer.json``) lists districts and several hundred
landmarks, roads, stations, airports, campuses and towns with their names in Chinese,
pinyin/English and the forms used in other scripts.  Matching:

* texts and names are folded (:mod:`translate.drafting.textnorm`): case and Latin diacritics
  do not matter, nor do traditional/Japanese CJK variants (徐家匯 = 徐家汇);
* Latin names match at word boundaries (``Putuo`` not inside ``Putuoshan``), with
  ``'``/``-``/space interchangeable (``Jing'an`` = ``Jingan`` = ``Jing An``) and
  ``Road`` = ``Rd`` = ``Lu``; Cyrillic names accept up to three inflection letters per word
  (``аэропорту Хунцяо``); names in unspaced scripts match anywhere;
* all overlapping candidates are found and the longest wins (``Hongqiao Railway Station``
  beats ``Hongqiao``; ``普陀山`` (outside Shanghai) hides ``普陀``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from translate.drafting._data import load_json
from translate.drafting.textnorm import Folded, fold, fold_str

def _is_spaced(name: str) -> bool:
    """Latin/Cyrillic/Greek names are matched at word boundaries."""
    return all(ord(c) < 0x0530 or 0x1E00 <= ord(c) < 0x1F00 for c in name if c.isalpha())


def _is_cyrillic(name: str) -> bool:
    return any(0x0400 <= ord(c) < 0x0530 for c in name)


def _latin_pattern(folded: str, cyrillic: bool) -> str:
    parts: list[str] = []
    for token in folded.split():
        pieces = re.split(r"['\-]", token)
        tok = r"['\-\s]?".join(re.escape(p) for p in pieces if p)
        if token in ("road", "rd", "rd."):
            tok = r"(?:road|rd\.?|lu)"
        elif token in ("avenue", "ave"):
            tok = r"(?:avenue|ave\.?)"
        elif cyrillic:
            # case endings: аэропорт-у, Пудун-е; a final soft sign may drop (Цзіньшань → у Цзіньшані)
            tok = (tok[:-1] + "ь?" if tok.endswith("ь") else tok) + r"\w{0,3}"
        parts.append(tok)
    return r"(?<!\w)" + r"[\s\-]+".join(parts) + r"(?!\w)"


def _free_pattern(folded: str) -> str:
    return r"\s*".join(re.escape(p) for p in folded.split())


@dataclass(frozen=True)
class _Name:
    regex: re.Pattern[str]
    strict: bool
    entry: int          # index into _ENTRIES


@dataclass(frozen=True)
class _Entry:
    district: str | None
    confidence: float
    kind: str
    qualified: dict[str, tuple[str, float]] | None = None


@dataclass(frozen=True)
class PlaceMatch:
    """One place name found in a text; ``start``/``end`` index the NFC source text."""

    district: str | None
    confidence: float
    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class DistrictResult:
    district: str | None
    confidence: float
    matched: str | None
    address: str | None
    matches: tuple[PlaceMatch, ...]


_RAW = load_json("gazetteer.json")
_ENTRIES: list[_Entry] = []
_SPACED: dict[tuple[bool, str], list[_Name]] = defaultdict(list)   # (strict, first 2 letters)
_FREE: dict[tuple[bool, str], list[_Name]] = defaultdict(list)     # (strict, first char)
KIND_HINTS: dict[str, dict[str, float]] = {k: dict(v) for k, v in _RAW["kind_hints"].items()}


def _add_names(names: str, entry_index: int) -> int:
    count = 0
    for raw in names.split("|"):
        raw = raw.strip()
        if not raw:
            continue
        strict = raw.startswith("=")
        name = raw[1:] if strict else raw
        folded = fold_str(name, strict=strict).strip()
        if not folded:
            continue
        if _is_spaced(name):
            rx = re.compile(_latin_pattern(folded, _is_cyrillic(name)))
            key = re.sub(r"[\s'\-]", "", folded)[:2]
            _SPACED[(strict, key)].append(_Name(rx, strict, entry_index))
        else:
            rx = re.compile(_free_pattern(folded))
            _FREE[(strict, folded[0])].append(_Name(rx, strict, entry_index))
        count += 1
    return count


NAME_COUNT = 0
for _district, _conf, _kind, _names in _RAW["entries"]:
    _ENTRIES.append(_Entry(_district, float(_conf), _kind))
    NAME_COUNT += _add_names(_names, len(_ENTRIES) - 1)
for _q in _RAW["qualified"]:
    _near = {k: (v[0], float(v[1])) for k, v in _q["near"].items()}
    _ENTRIES.append(_Entry(_q["default"][0], float(_q["default"][1]), _q["kind"], _near))
    NAME_COUNT += _add_names(_q["names"], len(_ENTRIES) - 1)

_QUALIFIERS: dict[str, re.Pattern[str]] = {}
for _qkind, _words in _RAW["qualifiers"].items():
    _alts = []
    for _w in _words.split("|"):
        _f = fold_str(_w.lstrip("="))
        _alts.append((r"(?<!\w)" if _is_spaced(_w.lstrip("=")) else "") + re.escape(_f))
    _QUALIFIERS[_qkind] = re.compile("|".join(sorted(_alts, key=len, reverse=True)))

PLACE_COUNT = len(_ENTRIES)


def _candidates(view: Folded, strict: bool) -> list[tuple[int, int, int]]:
    """All (fold_start, fold_end, entry) matches in one folded view."""
    text = view.text
    found: list[tuple[int, int, int]] = []
    prev_word = False
    for pos, ch in enumerate(text):
        is_word = ch.isalnum()
        names = _FREE.get((strict, ch), ())
        if is_word and not prev_word:
            names = [*names, *_SPACED.get((strict, text[pos:pos + 2]), ())]
        prev_word = is_word
        for name in names:
            m = name.regex.match(text, pos)
            if m and m.end() > pos:
                found.append((pos, m.end(), name.entry))
    return found


def _qualify(entry: _Entry, view: Folded, start: int, end: int) -> tuple[str | None, float]:
    assert entry.qualified is not None
    best: tuple[int, str] | None = None
    window_a, window_b = max(0, start - 24), min(len(view.text), end + 24)
    for qkind, rx in _QUALIFIERS.items():
        for m in rx.finditer(view.text, window_a, window_b):
            if m.start() < end and m.end() > start:
                continue
            dist = start - m.end() if m.end() <= start else m.start() - end
            if best is None or dist < best[0]:
                best = (dist, qkind)
    if best is not None and best[1] in entry.qualified:
        return entry.qualified[best[1]]
    return entry.district, entry.confidence


def find_places(text: str) -> list[PlaceMatch]:
    """Non-overlapping place names in ``text``, in text order (longest name wins)."""
    loose = fold(text)
    views = [(loose, False)]
    if any(ord(c) > 0x7F and c.isalpha() and ord(c) < 0x2000 for c in text):
        views.append((fold(text, strict=True), True))
    spans: list[tuple[int, int, int, Folded, int, int]] = []
    for view, strict in views:
        for fs, fe, idx in _candidates(view, strict):
            a, b = view.source_span(fs, fe)
            spans.append((a, b, idx, view, fs, fe))
    spans.sort(key=lambda s: (-(s[1] - s[0]), -_ENTRIES[s[2]].confidence, s[0]))
    taken: list[tuple[int, int]] = []
    out: list[PlaceMatch] = []
    for a, b, idx, view, fs, fe in spans:
        if any(a < tb and b > ta for ta, tb in taken):
            continue
        taken.append((a, b))
        entry = _ENTRIES[idx]
        district, conf = entry.district, entry.confidence
        if entry.qualified is not None:
            district, conf = _qualify(entry, view, fs, fe)
        out.append(PlaceMatch(district, conf, entry.kind, loose.source[a:b], a, b))
    out.sort(key=lambda m: m.start)
    return out


_ZH_ROAD = re.compile(r"(?:(?<=[在是于住到从近至：:，,\s区镇])|^)([\u4e00-\u9fa5]{1,6}?(?:路|大道|公路|大街|街))"
                      r"(?:[0-9一二三四五六七八九十百零]+(?:弄|号|號))*")
_ZH_NUMBER = re.compile(r"(?:[0-9一二三四五六七八九十百零]+(?:弄|号|號|栋|幢|室|楼)|镇|街道|新村|小区|路口)+")
_LATIN_ROAD = re.compile(
    r"(?:(?:No\.?\s*)?\d{1,5}[A-Za-z]?,?\s+)?(?:[A-Z][\w'\u2019\-]*\s+){1,3}"
    r"(?:Road|Rd\.?|Street|St\.|Avenue|Ave\.?|Lu|Lane|Boulevard|Highway|Dadao)\b"
    r"(?:,?\s+(?:No\.?\s*)?\d{1,5}\b)?")
_LATIN_NUMBER = re.compile(r"^\s*(?:No\.?\s*)?\d{1,5}\b")


def _address_spans(text: str, places: list[PlaceMatch]) -> list[tuple[int, int, bool]]:
    """(start, end, specific) spans that look like parts of an address."""
    spans = [(p.start, p.end, p.kind not in ("district",)) for p in places if p.kind != "block"]
    for m in _ZH_ROAD.finditer(text):
        spans.append((m.start(1), m.end(), True))
    for m in _LATIN_ROAD.finditer(text):
        spans.append((m.start(), m.end(), True))
    extended = []
    for a, b, specific in spans:
        m = _ZH_NUMBER.match(text, b) or _LATIN_NUMBER.match(text[b:])
        if m and specific:
            b = m.end() if m.re is _ZH_NUMBER else b + m.end()
        extended.append((a, b, specific))
    return sorted(extended)


def _address(text: str, places: list[PlaceMatch]) -> str | None:
    spans = _address_spans(text, places)
    if not spans:
        return None
    groups: list[list[int | bool]] = []
    for a, b, specific in spans:
        if groups:
            ga, gb, gspec = groups[-1]
            gap = text[int(gb):a] if a > int(gb) else ""
            if a <= int(gb) or (len(gap) <= 2 and not gap.strip(" ,，、")):
                groups[-1] = [ga, max(int(gb), b), bool(gspec) or specific]
                continue
        groups.append([a, b, specific])
    best = max(groups, key=lambda g: (bool(g[2]), int(g[1]) - int(g[0])))
    phrase = text[int(best[0]):int(best[1])].strip(" ,，、.")
    return phrase or None


_NEGATION_BEFORE = re.compile(
    r"(?:\b(?:not|n't|no|never|nicht|kein\w*|pas|non|nao|não|no es|не|ні|degil|değil|bukan|tidak|khong|không)"
    r"|不是|不在|并非|而不是|ليس|نه|नहीं)[\s,:]*(?:in|at|à|a|en|im|in der|в|у|di|ở|在|ở quận)?\s*$", re.IGNORECASE)
_NEGATION_AFTER = re.compile(r"^\s*(?:じゃなく|ではなく|じゃない|가 아니라|이 아니라|아니라|아니고|ไม่ใช่)")


def _negated(text: str, start: int, end: int) -> bool:
    """'not Xuhui', '不是徐汇', '徐汇じゃなくて': a place the caller rules out."""
    return bool(_NEGATION_BEFORE.search(text[max(0, start - 16):start])
                or _NEGATION_AFTER.match(text[end:end + 8]))


def resolve(text: str) -> DistrictResult:
    """District, its confidence, the phrase that decided it, and an address phrase."""
    source = unicodedata.normalize("NFC", text or "")
    places = find_places(source)
    scores: dict[str, float] = defaultdict(float)
    best_conf: dict[str, float] = defaultdict(float)
    first: dict[str, int] = {}
    phrase: dict[str, str] = {}
    for p in places:
        if p.district is None:
            continue
        weight = p.confidence * (0.2 if _negated(source, p.start, p.end) else 1.0)
        scores[p.district] += weight
        if weight > best_conf[p.district]:
            best_conf[p.district] = weight
            phrase[p.district] = p.text
        first.setdefault(p.district, p.start)
    address = _address(source, places)
    if not scores:
        return DistrictResult(None, 0.0, None, address, tuple(places))
    district = max(scores, key=lambda d: (scores[d], -first[d]))
    total = sum(scores.values())
    confidence = round(min(1.0, best_conf[district]) * scores[district] / total, 3)
    return DistrictResult(district, confidence, phrase[district], address, tuple(places))


def district_of(text: str) -> tuple[str | None, str | None, float]:
    """``(district, matched text, confidence)`` for a text; ``(None, None, 0.0)`` if no place."""
    r = resolve(text)
    return r.district, r.matched, r.confidence
