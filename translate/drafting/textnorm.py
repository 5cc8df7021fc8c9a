"""Folding text for matching, with a map from every folded character back to the source.

Two views of a text are used:

* ``loose``: case-folded; Latin, Cyrillic and Greek letters lose their diacritics
  (``Jìng'ān`` → ``jing'an``, ``ё`` → ``е``, Turkish ``ı``/``İ`` → ``i``); Arabic-script
  letter variants are unified (``ي``/``ی``, ``ك``/``ک``, ``أ``/``إ``/``آ`` → ``ا``, ``ة`` → ``ه``)
  and short vowels, tatweel and ZWNJ dropped; Devanagari nukta and candrabindu are unified;
  traditional and Japanese CJK variants fold to simplified (``徐家匯`` → ``徐家汇``); all
  native digits become ASCII digits; full-width forms become ASCII (NFKC).
* ``strict``: the same, but Latin diacritics are kept. Vietnamese needs it: ``thuê`` (rent)
  and ``thuế`` (tax) differ only by a tone mark.

Marks that are part of a letter in other scripts (Thai vowels and tones, Devanagari vowel
signs, Japanese dakuten) are never removed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from translate.drafting._data import load_json

_VARIANTS: dict[str, str] = {}
for _src, _dst in load_json("cjk_variants.json")["pairs"]:
    for _a, _b in zip(_src, _dst, strict=True):
        _VARIANTS.setdefault(_a, _b)

_APOSTROPHES = "\u2019\u2018\u02bc\u02bb`\u00b4\u2032"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"
_ARABIC_MAP = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ئ": "ي", "ۀ": "ه",
               "ك": "ک", "ة": "ه", "ؤ": "و", "ڭ": "گ"}
_DROP = {"\u0640", "\u200c", "\u200d", "\u200e", "\u200f", "\ufeff", "\u00ad"}
_DEVANAGARI_MAP = {"\u0901": "\u0902", "\u093c": ""}  # candrabindu → anusvara; nukta dropped
_DIGIT_BLOCKS = (0x0660, 0x06F0, 0x0966, 0x0E50, 0xFF10)


def _is_latinlike(ch: str) -> bool:
    cp = ord(ch)
    return cp < 0x0250 or 0x1E00 <= cp < 0x1F00 or 0x0370 <= cp < 0x0530


@lru_cache(maxsize=8192)
def fold_char(ch: str, strict: bool = False) -> str:
    """Fold one source character to zero or more matching characters."""
    if ch in _DROP:
        return ""
    if ch in _APOSTROPHES:
        return "'"
    if ch in _DASHES:
        return "-"
    if ch == "\u3000" or ch == "\u00a0":
        return " "
    cp = ord(ch)
    for base in _DIGIT_BLOCKS:
        if base <= cp <= base + 9:
            return chr(0x30 + cp - base)
    if 0x064B <= cp <= 0x065F or cp == 0x0670:
        return ""
    if ch in _ARABIC_MAP:
        return _ARABIC_MAP[ch]
    if ch in _DEVANAGARI_MAP:
        return _DEVANAGARI_MAP[ch]
    if ch in _VARIANTS:
        return _VARIANTS[ch]
    if ch in ("ı", "İ"):
        return "i"
    norm = unicodedata.normalize("NFKC", ch)
    if len(norm) != 1 or norm != ch:
        return "".join(fold_char(c, strict) for c in norm)
    if _is_latinlike(ch):
        low = ch.casefold()
        if strict:
            return low
        out = []
        for c in unicodedata.normalize("NFD", low):
            if unicodedata.category(c) != "Mn":
                out.append(c)
        return unicodedata.normalize("NFC", "".join(out))
    if unicodedata.category(ch) == "Mn" and 0x0300 <= cp < 0x0370 and not strict:
        return ""
    return ch.casefold()


@dataclass(frozen=True)
class Folded:
    """A folded text and, for each folded character, the index of its source character."""

    source: str
    text: str
    origin: tuple[int, ...]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the folded text back onto the source text."""
        if start >= end or not self.origin:
            return (0, 0)
        first = self.origin[min(start, len(self.origin) - 1)]
        last = self.origin[min(end, len(self.origin)) - 1]
        return (first, last + 1)

    def source_text(self, start: int, end: int) -> str:
        a, b = self.source_span(start, end)
        return self.source[a:b]


def fold(text: str, strict: bool = False) -> Folded:
    """Fold ``text`` (NFC-normalised first) for matching; see the module docstring."""
    source = unicodedata.normalize("NFC", text)
    parts: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(source):
        out = fold_char(ch, strict)
        if out:
            parts.append(out)
            origin.extend([i] * len(out))
    return Folded(source=source, text="".join(parts), origin=tuple(origin))


def fold_str(text: str, strict: bool = False) -> str:
    """Fold a data string (a keyword or a place name) the same way texts are folded."""
    return "".join(fold_char(ch, strict) for ch in unicodedata.normalize("NFC", text))


def script_of(text: str) -> str:
    """The dominant script of a text: han, kana, hangul, thai, arabic, devanagari, cyrillic or latin."""
    counts: dict[str, int] = {}
    for ch in text:
        cp = ord(ch)
        if 0x3040 <= cp <= 0x30FF:
            key = "kana"
        elif 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF:
            key = "han"
        elif 0xAC00 <= cp <= 0xD7AF or 0x1100 <= cp <= 0x11FF:
            key = "hangul"
        elif 0x0E00 <= cp <= 0x0E7F:
            key = "thai"
        elif 0x0600 <= cp <= 0x06FF or 0xFB50 <= cp <= 0xFEFF:
            key = "arabic"
        elif 0x0900 <= cp <= 0x097F:
            key = "devanagari"
        elif 0x0400 <= cp <= 0x04FF:
            key = "cyrillic"
        elif ch.isalpha():
            key = "latin"
        else:
            continue
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        return "latin"
    if counts.get("kana", 0) >= 2:
        return "kana"
    return max(counts, key=lambda k: counts[k])
