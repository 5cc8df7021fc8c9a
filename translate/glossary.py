"""Protected terms: Shanghai place names, departments and hotline vocabulary.

Before translating, the engine asks :meth:`Glossary.segments` to cut a text into pieces: a
recognised term is ``(original_piece, fixed_translation)`` and never reaches the model; the rest
is ``(piece, None)``.  Drafting uses :meth:`Glossary.terms_in` to find places and departments.

Matching: case-insensitive (Turkish İ/ı fold to i); whitespace runs, hyphens and ZWNJ are one
space; curly apostrophes, full-width forms, Arabic letter variants and vowel marks are folded.
The longest form wins at each position.  Forms that start or end in an alphabetic script
(Latin, Cyrillic, Arabic, Devanagari) must sit on a word boundary *of that script* ("Bund" is not
in "Bundesamt", "Pudong" is in "Pudongに"); Han, Kana, Hangul and Thai forms need none (Korean
particles attach: "푸둥에서").  Cyrillic forms take up to three inflection letters ("Шанхае");
Arabic forms may carry a clitic in front ("وشنغهاي").  Text is NFC-normalised first and the
pieces concatenate to that NFC text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import languages
from gateway.errors import InvalidField, UnknownLanguage
from translate.quality import SCRIPT_OF, char_script

DATA_FILE = Path(__file__).resolve().parent / "data" / "glossary.json"
KINDS: tuple[str, ...] = ("district", "place", "department", "term")
NAME_KINDS = frozenset({"district", "place", "department"})
_RESERVED = frozenset({"key", "kind", "zh", "latin", "en_only", "district", "department", "note"})
_ID_RE = re.compile(r"^[a-z0-9_]+$")
_BOUNDED_SCRIPTS = frozenset({"Latin", "Cyrillic", "Greek", "Arabic", "Devanagari", "Hebrew",
                              "Armenian"})
_SPACE_CHARS = frozenset("-‐‑‒–—_\u200c\u00a0")
_APOSTROPHES = frozenset("’‘ʼ`´′ʻ")
_SPECIAL = {"İ": "i", "ı": "i", "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ی", "ي": "ی",
            "ك": "ک", "ة": "ه", "ۀ": "ه"}
_ARABIC_CLITICS = frozenset({"و", "ف", "ب", "ل", "ک", "ال", "وال", "بال", "فال", "لل", "ول", "وب"})
_CYRILLIC_STRIP, _CYRILLIC_SUFFIX = frozenset("йьая"), 3   # Шанхай → Шанха + е/я/ю/ем


@dataclass(frozen=True)
class Term:
    """One protected term.  ``forms`` holds each language's forms (canonical first), not zh."""

    id: str
    kind: str
    zh: tuple[str, ...]
    forms: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    latin: tuple[str, ...] = ()
    en_only: frozenset[str] = frozenset()
    district: str | None = None
    department: str | None = None
    note: str = ""

    @property
    def name_like(self) -> bool:
        return self.kind in NAME_KINDS

    @property
    def languages(self) -> list[str]:
        """Languages with an explicit form (zh included)."""
        return ["zh", *(code for code, forms in self.forms.items() if forms)]

    def name(self, lang: str) -> str | None:
        """The fixed translation into ``lang``, or None when the glossary has none.

        Names fall back to the Chinese characters for Japanese and to the English (or
        romanised) name elsewhere; hotline terms only fall back to a romanised form
        ("fapiao") in Latin-script languages.
        """
        own = self.zh if lang == "zh" else self.forms.get(lang)
        if own:
            return own[0]
        if not self.name_like:
            return self.latin[0] if self.latin and SCRIPT_OF.get(lang) == "Latin" else None
        if lang == "ja":
            return self.zh[0]
        fallback = self.forms.get("en") or self.latin
        return fallback[0] if fallback else None

    def recognised(self, lang: str) -> list[tuple[str, int]]:
        """(form, priority) pairs recognised in text of ``lang``; lower priority wins ties."""
        own = self.zh if lang == "zh" else self.forms.get(lang, ())
        found = [(f, 0) for f in own] + [(f, 1) for f in self.latin]
        if self.name_like:
            if lang != "en":
                skip = {_fold(f)[0] for f in self.en_only}
                found += [(f, 2) for f in self.forms.get("en", ()) if _fold(f)[0] not in skip]
            if lang != "zh":
                found += [(f, 3) for f in self.zh]
        return found


@dataclass(frozen=True)
class Match:
    """A term found in a text: ``text[start:end]`` is the piece (NFC text offsets)."""
    start: int
    end: int
    piece: str
    term: Term


@dataclass(frozen=True)
class _Pattern:
    folded: str
    term: Term
    left: str | None     # boundary kind of the first character ("Latin", "digit", ... or None)
    right: str | None
    suffix: int          # inflection letters allowed after the pattern (Cyrillic)


def _fold_char(ch: str) -> str:
    if ch.isspace() or ch in _SPACE_CHARS:
        return " "
    if ch in _APOSTROPHES:
        return "'"
    cp = ord(ch)
    if 0x064B <= cp <= 0x065F or cp in (0x0670, 0x0640):
        return ""
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    k = unicodedata.normalize("NFKC", ch)
    k = k if len(k) == 1 else ch
    for folded in (k.casefold(), k.lower()):
        if len(folded) == 1:
            return folded
    return k


def _fold(text: str) -> tuple[str, list[int]]:
    """Folded text plus, for each folded character, its offset in ``text`` (and a sentinel)."""
    chars: list[str] = []
    starts: list[int] = []
    for i, ch in enumerate(text):
        f = _fold_char(ch)
        if not f or (f == " " and (not chars or chars[-1] == " ")):
            continue
        chars.append(f)
        starts.append(i)
    starts.append(len(text))
    return "".join(chars), starts


def _edge(ch: str) -> str | None:
    script = char_script(ch)
    if ch.isdigit() and script is None:
        return "digit"
    return script if script in _BOUNDED_SCRIPTS else None


def _continues(ch: str, kind: str) -> bool:
    """Whether ``ch`` next to an edge of boundary ``kind`` continues the same word."""
    if ch.isdigit() or kind == "digit":
        return ch.isdigit()
    if not (ch.isalpha() or unicodedata.category(ch).startswith("M")):
        return False
    return char_script(ch) in (kind, "Inherited")


def _pattern(form: str, term: Term) -> _Pattern | None:
    folded = _fold(form)[0].strip()
    if not folded:
        return None
    left, right = _edge(folded[0]), _edge(folded[-1])
    suffix = 0
    if right == "Cyrillic":
        suffix = _CYRILLIC_SUFFIX
        last_word = folded.rsplit(" ", 1)[-1]
        if len(last_word) >= 4 and folded[-1] in _CYRILLIC_STRIP:
            folded = folded[:-1]
    return _Pattern(folded, term, left, right, suffix)


def _left_ok(text: str, start: int, kind: str | None) -> bool:
    if kind is None or start == 0 or not _continues(text[start - 1], kind):
        return True
    return kind == "Arabic" and any(   # a clitic such as و or ال glued in front
        text[j:start] in _ARABIC_CLITICS and (j == 0 or not _continues(text[j - 1], kind))
        for j in range(max(0, start - 3), start))


def _right_end(text: str, end: int, pat: _Pattern) -> int | None:
    """Where the match really ends (after allowed inflection), or None if no boundary there."""
    if pat.right is None:
        return end
    extra = 0
    while (end + extra < len(text) and extra < pat.suffix and text[end + extra].isalpha()
           and char_script(text[end + extra]) == "Cyrillic"):
        extra += 1
    stop = end + extra
    return None if stop < len(text) and _continues(text[stop], pat.right) else stop


def _lang(code: str) -> str:
    key = languages.get(code).code
    if key not in SCRIPT_OF:
        raise UnknownLanguage(f"language '{key}' has no written form to match terms in")
    return key


class Glossary:
    """An immutable set of terms with per-language match indexes built on first use."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms: tuple[Term, ...] = tuple(terms)
        self._by_id = {t.id: t for t in self.terms}
        self._indexes: dict[str, dict[str, list[_Pattern]]] = {}

    @classmethod
    def load(cls, path: str | Path | None = None) -> Glossary:
        """Read a glossary file (default: ``translate/data/glossary.json``)."""
        where = Path(path) if path is not None else DATA_FILE
        try:
            raw = json.loads(where.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InvalidField(f"cannot read glossary {where}: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise InvalidField(f"glossary {where.name} is not valid JSON: {exc}") from exc
        return cls.from_data(raw, origin=where.name)

    @classmethod
    def from_data(cls, raw: Any, origin: str = "glossary") -> Glossary:
        items = raw.get("terms") if isinstance(raw, dict) else raw
        if not isinstance(items, list):
            raise InvalidField(f"{origin}: expected an object with a 'terms' list")
        terms: list[Term] = []
        seen: dict[str, int] = {}
        owners: dict[tuple[str, str], str] = {}
        for index, item in enumerate(items):
            term = _parse_term(item, f"{origin}: entry {index}")
            where = f"{origin}: entry {index} ({term.id!r})"
            if term.id in seen:
                raise InvalidField(f"{where}: key repeats entry {seen[term.id]}")
            seen[term.id] = index
            for lang in ("zh", *term.forms):
                forms = term.zh if lang == "zh" else term.forms[lang]
                for form in forms:
                    key = (lang, _fold(form)[0].strip())
                    if owners.get(key, term.id) != term.id:
                        raise InvalidField(f"{where}: {lang} form {form!r} is already used by "
                                           f"entry {owners[key]!r}")
                    owners[key] = term.id
            terms.append(term)
        return cls(terms)

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def get(self, term_id: str) -> Term | None:
        return self._by_id.get(term_id)

    def coverage(self) -> dict[str, int]:
        """How many terms have an explicit form in each language."""
        return dict(Counter(lang for term in self.terms for lang in term.languages))

    def _index(self, lang: str) -> dict[str, list[_Pattern]]:
        if lang in self._indexes:
            return self._indexes[lang]
        best: dict[str, tuple[int, int, _Pattern]] = {}
        order = 0
        for term in self.terms:
            for form, priority in term.recognised(lang):
                pat = _pattern(form, term)
                order += 1
                if pat is not None and (pat.folded not in best
                                        or (priority, order) < best[pat.folded][:2]):
                    best[pat.folded] = (priority, order, pat)
        index: dict[str, list[_Pattern]] = {}
        for _, _, pat in best.values():
            index.setdefault(pat.folded[0], []).append(pat)
        for bucket in index.values():
            bucket.sort(key=lambda p: -len(p.folded))
        self._indexes[lang] = index
        return index

    def matches(self, text: str, lang: str) -> list[Match]:
        """Every term found in ``text`` written in ``lang``, left to right, non-overlapping."""
        code = _lang(lang)
        text = unicodedata.normalize("NFC", text)
        folded, starts = _fold(text)
        index = self._index(code)
        found: list[Match] = []
        i = 0
        while i < len(folded):
            hit: tuple[int, Term] | None = None
            for pat in index.get(folded[i], ()):
                if not folded.startswith(pat.folded, i) or not _left_ok(folded, i, pat.left):
                    continue
                end = _right_end(folded, i + len(pat.folded), pat)
                if end is not None:
                    hit = (end, pat.term)
                    break
            if hit is None:
                i += 1
                continue
            end, term = hit
            a, b = starts[i], starts[end]
            found.append(Match(a, b, text[a:b], term))
            i = end
        return found

    def segments(self, text: str, source: str, target: str) -> list[tuple[str, str | None]]:
        """Cut ``text`` into pieces: ``(term_piece, fixed_translation)`` for protected terms,
        ``(other_piece, None)`` for the rest.  The pieces concatenate to the (NFC) text.  A term
        with no translation in ``target`` is left to the translator."""
        src, tgt = _lang(source), _lang(target)
        text = unicodedata.normalize("NFC", text)
        if not text:
            return []
        if src == tgt:
            return [(text, None)]
        pieces: list[tuple[str, str | None]] = []
        pos = 0
        for match in self.matches(text, src):
            fixed = match.term.name(tgt)
            if fixed is None:
                continue
            if match.start > pos:
                pieces.append((text[pos:match.start], None))
            pieces.append((match.piece, fixed))
            pos = match.end
        if pos < len(text):
            pieces.append((text[pos:], None))
        return pieces

    def terms_in(self, text: str, lang: str) -> list[Term]:
        """Distinct terms found in ``text``, in order of first appearance."""
        out: list[Term] = []
        for match in self.matches(text, lang):
            if match.term not in out:
                out.append(match.term)
        return out

    def translate_term(self, text: str, source: str, target: str) -> str | None:
        """The fixed translation when the whole of ``text`` is one known term, else None."""
        tgt = _lang(target)
        stripped = unicodedata.normalize("NFC", text).strip()
        found = self.matches(stripped, source)
        whole = len(found) == 1 and (found[0].start, found[0].end) == (0, len(stripped))
        return found[0].term.name(tgt) if whole else None


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if (not isinstance(items, list) or not items
            or not all(isinstance(s, str) and s.strip() for s in items)):
        raise InvalidField(f"{where}: '{key}' must be a non-empty string or list of strings")
    return tuple(s.strip() for s in items)


def _parse_term(item: Any, where: str) -> Term:
    if not isinstance(item, dict):
        raise InvalidField(f"{where}: must be an object")
    term_id = item.get("key")
    if not isinstance(term_id, str) or not _ID_RE.match(term_id):
        raise InvalidField(f"{where}: 'key' must be lower-case letters, digits or '_' "
                           "(the entry's identifier; 'id' is the Indonesian language code)")
    where = f"{where} ({term_id!r})"
    kind = item.get("kind")
    if kind not in KINDS:
        raise InvalidField(f"{where}: 'kind' must be one of {', '.join(KINDS)}")
    if "zh" not in item:
        raise InvalidField(f"{where}: 'zh' is required")
    forms: dict[str, tuple[str, ...]] = {}
    for key, value in item.items():
        if key in _RESERVED:
            continue
        if key not in SCRIPT_OF:
            raise InvalidField(f"{where}: unknown key or language code {key!r}")
        forms[key] = _strings(value, where, key)
    latin = _strings(item["latin"], where, "latin") if item.get("latin") else ()
    en_only = _strings(item["en_only"], where, "en_only") if item.get("en_only") else ()
    english = {_fold(f)[0] for f in forms.get("en", ())}
    if any(_fold(f)[0] not in english for f in en_only):
        raise InvalidField(f"{where}: every 'en_only' form must also be listed under 'en'")
    refs = {key: item.get(key) for key in ("district", "department", "note")}
    for key, value in refs.items():
        if value is not None and not isinstance(value, str):
            raise InvalidField(f"{where}: '{key}' must be a string")
    return Term(id=term_id, kind=kind, zh=_strings(item["zh"], where, "zh"), forms=MappingProxyType(forms), latin=latin,
                en_only=frozenset(en_only), district=refs["district"],
                department=refs["department"], note=refs["note"] or "")


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    """The shipped glossary, loaded once."""
    return Glossary.load()
