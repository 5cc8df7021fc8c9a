"""Request type (category) and department from weighted multilingual cues.

Each served language (and Chinese) has ``translate/data/drafting/keywords/<lang>.json``:
cues per department code and per category code, written from the departments' ``handles``
and the categories' ``meaning`` in ``gateway/data``.  A cue is a word, a stem or a phrase:

* in spaced languages, tokens match whole words; ``tax*`` is a stem (tax, taxes, taxi!),
  ``*feld`` a suffix; ``...`` lets up to three words in between (``not ... paid``);
* in unspaced scripts (zh, ja, ko, th) a cue is a substring; ``...`` skips up to six characters;
* ``=3`` sets the weight (default 2; negative weights are allowed);
* a key ``A+B*0.5`` sends the weight to code A and half of it to code B.

Overlapping cues do not add up: the longest wins, so ``visa card`` (Commerce) hides ``visa``
(Exit-Entry) and ``neighbourhood committee`` hides ``neighbour``.  Each distinct cue counts
once.  A matter that no functional department claims strongly enough goes to ``DISTRICT``
(the district government), as the department rules say, and is flagged as low-confidence.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from gateway.domain import catalog
from translate.drafting._data import keyword_languages, load_json
from translate.drafting.textnorm import fold, fold_str

CATEGORY_CODES: tuple[str, ...] = tuple(c.code for c in catalog.categories())
DEPARTMENT_CODES: tuple[str, ...] = tuple(d.code for d in catalog.departments())
FALLBACK_DEPARTMENT = "DISTRICT"
DEFAULT_WEIGHT = 2.0
MIN_DEPARTMENT_SCORE = 1.5
LOW_CONFIDENCE = 0.5
_QUESTION = re.compile(r"[?？؟]")
_FREE_GAP = r"[^。.!?！？\n]{0,6}?"
_WORD_GAP = r"(?:\W+\w+){0,3}?\W+"


@dataclass(frozen=True)
class _Cue:
    text: str
    rx: re.Pattern[str]
    targets: tuple[tuple[str, float], ...]


@dataclass
class Scores:
    """Accumulated scores per category and per department, with the cues that fired."""

    category: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    department: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    hits: list[tuple[str, str, float]] = field(default_factory=list)

    def add(self, other: Scores, factor: float = 1.0) -> None:
        for code, value in other.category.items():
            self.category[code] += value * factor
        for code, value in other.department.items():
            self.department[code] += value * factor
        self.hits.extend((t, c, w * factor) for t, c, w in other.hits)


@dataclass(frozen=True)
class Decision:
    code: str
    confidence: float
    low: bool
    ranking: tuple[tuple[str, float], ...]


def _targets(key: str, weight: float) -> tuple[tuple[str, float], ...]:
    out = []
    for part in key.split("+"):
        code, _, factor = part.partition("*")
        code = code.strip()
        if code not in CATEGORY_CODES and code not in DEPARTMENT_CODES:
            raise ValueError(f"keywords: unknown code {code!r}")
        out.append((code, weight * (float(factor) if factor else 1.0)))
    return tuple(out)


def _word_pattern(term: str) -> str:
    out = ""
    previous_was_word = False
    for tok in term.split():
        if tok == "...":
            out += _WORD_GAP
            previous_was_word = False
            continue
        left = "" if tok.startswith("*") else r"(?<!\w)"
        right = "" if tok.endswith("*") else r"(?!\w)"
        core = re.escape(tok.strip("*")).replace(r"\*", r"\w*")
        stem = r"\w*" if tok.endswith("*") else ""
        out += (r"[\s'\-]*" if previous_was_word else "") + left + core + stem + right
        previous_was_word = True
    return out


def _free_pattern(term: str) -> str:
    pieces = [re.escape(p.strip()).replace(r"\ ", r"\s*") for p in term.split("...")]
    return _FREE_GAP.join(pieces)


#: Left boundaries for scripts whose words attach clitics or suffixes: a cue must start a
#: word (Arabic may carry و ف ب ل ك ال before it), and may be followed by any suffix.
_LEFT_EDGE = {
    "free": "",
    "arabic": r"(?<![\u0600-\u06FF])(?:وال|بال|فال|كال|لل|ال|و|ف|ب|ل|ك)?",
    "devanagari": r"(?<![\u0900-\u097F])",
}


@dataclass(frozen=True)
class _Lexicon:
    lang: str
    strict: bool
    cues: tuple[_Cue, ...]


@lru_cache(maxsize=None)
def lexicon(lang: str) -> _Lexicon:
    """The compiled cues of one language (``en`` when the language has no file)."""
    code = lang if lang in keyword_languages() else "en"
    raw = load_json(f"keywords/{code}.json")
    strict = bool(raw.get("strict", False))
    mode = raw.get("match", "word")
    cues: list[_Cue] = []
    for key, terms in raw["cues"].items():
        for item in terms.split("|"):
            item = item.strip()
            if not item:
                continue
            text, _, weight = item.rpartition("=") if re.search(r"=-?[\d.]+$", item) else (item, "", "")
            folded = fold_str(text.strip(), strict=strict)
            if not folded.strip("*. "):
                continue
            pattern = _word_pattern(folded) if mode == "word" else _LEFT_EDGE[mode] + _free_pattern(folded)
            rx = re.compile(pattern)
            cues.append(_Cue(folded, rx, _targets(key, float(weight) if weight else DEFAULT_WEIGHT)))
    return _Lexicon(code, strict, tuple(cues))


def _resolve(found: list[tuple[int, int, _Cue]], codes: tuple[str, ...]) -> list[tuple[_Cue, str, float]]:
    pool = [f for f in found if any(c in codes for c, _ in f[2].targets)]
    pool.sort(key=lambda f: (-(f[1] - f[0]), -len(f[2].text), -max(abs(w) for _, w in f[2].targets), f[0]))
    taken: list[tuple[int, int]] = []
    seen: set[str] = set()
    out = []
    for a, b, cue in pool:
        if any(a < tb and b > ta for ta, tb in taken):
            continue
        taken.append((a, b))
        if cue.text in seen:
            continue
        seen.add(cue.text)
        out.extend((cue, code, w) for code, w in cue.targets if code in codes)
    return out


def score(text: str, lang: str, *, departments_only: bool = False,
          skip: frozenset[str] = frozenset()) -> Scores:
    """Cue scores of ``text`` with the cues of ``lang``; cues whose text is in ``skip`` are ignored
    (used so that an English loanword already counted by the caller's language counts once)."""
    lex = lexicon(lang)
    view = fold(text, strict=lex.strict).text
    found = [(m.start(), m.end(), cue) for cue in lex.cues if cue.text not in skip
             for m in cue.rx.finditer(view) if m.end() > m.start()]
    result = Scores()
    groups = [DEPARTMENT_CODES] if departments_only else [DEPARTMENT_CODES, CATEGORY_CODES]
    for codes in groups:
        for cue, code, weight in _resolve(found, codes):
            if code in CATEGORY_CODES:
                result.category[code] += weight
            else:
                result.department[code] += weight
            result.hits.append((cue.text, code, weight))
    if not departments_only and _QUESTION.search(text):
        result.category["CONSULTATION"] += 1.0
        result.hits.append(("?", "CONSULTATION", 1.0))
    return result


def _confidence(top: float, second: float) -> float:
    if top <= 0:
        return 0.0
    strength = 1.0 - math.exp(-top / 2.5)
    margin = max(0.0, (top - second) / top)
    return round(strength * (0.5 + 0.5 * margin), 3)


def _ranking(scores: dict[str, float], codes: tuple[str, ...]) -> list[tuple[str, float]]:
    return sorted(((c, round(scores.get(c, 0.0), 3)) for c in codes), key=lambda cv: -cv[1])


def decide_department(scores: dict[str, float]) -> Decision:
    """Best department; ``DISTRICT`` (low confidence) when no department claims the matter."""
    ranking = _ranking(scores, DEPARTMENT_CODES)
    (top_code, top), (_, second) = ranking[0], ranking[1]
    if top < MIN_DEPARTMENT_SCORE:
        return Decision(FALLBACK_DEPARTMENT, round(0.3 + 0.1 * top, 3), True, tuple(ranking))
    conf = _confidence(top, second)
    return Decision(top_code, conf, conf < LOW_CONFIDENCE, tuple(ranking))


#: Request types that a department's matters lean to when the words say little: pollution
#: by a business harms the public (a report, by the categories' definitions).
DEPARTMENT_CATEGORY_PRIOR: dict[str, dict[str, float]] = {
    "ECOLOGY_ENVIRONMENT": {"REPORT": 1.5},
}


def decide_category(scores: dict[str, float], department: str | None = None) -> Decision:
    """Best request type; a plain statement with no cue is read as a complaint (low confidence)."""
    adjusted = dict(scores)
    for code, weight in DEPARTMENT_CATEGORY_PRIOR.get(department or "", {}).items():
        adjusted[code] = adjusted.get(code, 0.0) + weight
    adjusted["COMPLAINT"] = adjusted.get("COMPLAINT", 0.0) + 0.3
    ranking = _ranking(adjusted, CATEGORY_CODES)
    (top_code, top), (_, second) = ranking[0], ranking[1]
    conf = _confidence(top - 0.3 if top_code == "COMPLAINT" else top, second)
    return Decision(top_code, conf, conf < LOW_CONFIDENCE, tuple(ranking))


def cue_count(lang: str) -> int:
    return len(lexicon(lang).cues)


__all__ = ["Decision", "Scores", "decide_category", "decide_department", "keyword_languages", "lexicon",
           "score"]
