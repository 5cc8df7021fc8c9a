"""Cheap checks on machine-translation output, run before a translation reaches a seat or a ticket.

``check(source_text, output_text, source, target)`` returns flags, in this order:

- ``mt_empty``: the output is blank (no letter or digit) although the input is not.
- ``mt_identical``: the output is the input again (after case, space and punctuation
  normalisation) for a real language pair, and the input has enough letters to need translating.
  Argos returns its input unchanged when a package misbehaves.
- ``mt_repetition``: a token or n-gram repeats abnormally ("的的的的的", "visa visa visa visa",
  "我的护照，我的护照，我的护照"), another known Argos failure.  Repetition already present in the
  input is not blamed on the engine.
- ``mt_wrong_script``: most of the output is not written in the target's script.
- ``mt_length``: the output is absurdly long or short for its input (conservative bounds).

Scripts are compared on letters only; digits, punctuation and spaces never count.  Nothing here
does I/O.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections import Counter

from gateway.errors import UnknownLanguage

#: The script each served language is written in.  "Japanese" means Han or Kana.
SCRIPT_OF: dict[str, str] = {
    "zh": "Han", "ja": "Japanese", "ko": "Hangul", "ru": "Cyrillic", "uk": "Cyrillic",
    "ar": "Arabic", "fa": "Arabic", "th": "Thai", "hi": "Devanagari",
    "en": "Latin", "fr": "Latin", "de": "Latin", "es": "Latin", "it": "Latin", "pt": "Latin",
    "id": "Latin", "ms": "Latin", "vi": "Latin", "tr": "Latin",
}

#: Which base scripts a script name accepts.
SCRIPT_MEMBERS: dict[str, frozenset[str]] = {
    "Japanese": frozenset({"Han", "Kana"}),
    **{name: frozenset({name}) for name in
       ("Han", "Kana", "Hangul", "Cyrillic", "Arabic", "Thai", "Devanagari", "Latin", "Greek",
        "Hebrew", "Armenian")},
}

#: Scripts whose words are not separated by spaces (each character counts as a unit).
UNSPACED_SCRIPTS: frozenset[str] = frozenset({"Han", "Kana", "Thai"})

# One logographic character carries roughly what three alphabetic letters carry; used for
# comparing lengths and weighting script shares across writing systems.
_WEIGHT = {"Han": 3.0, "Kana": 1.5, "Hangul": 2.0}

_RANGES: list[tuple[int, int, str]] = sorted([
    (0x0041, 0x005A, "Latin"), (0x0061, 0x007A, "Latin"), (0x00AA, 0x00AA, "Latin"),
    (0x00BA, 0x00BA, "Latin"), (0x00C0, 0x024F, "Latin"), (0x0250, 0x02AF, "Latin"),
    (0x0300, 0x036F, "Inherited"), (0x0370, 0x03FF, "Greek"), (0x0400, 0x052F, "Cyrillic"),
    (0x0530, 0x058F, "Armenian"), (0x0590, 0x05FF, "Hebrew"), (0x0600, 0x06FF, "Arabic"),
    (0x0750, 0x077F, "Arabic"), (0x08A0, 0x08FF, "Arabic"), (0x0900, 0x097F, "Devanagari"),
    (0x0E00, 0x0E7F, "Thai"), (0x1100, 0x11FF, "Hangul"), (0x1AB0, 0x1AFF, "Inherited"),
    (0x1DC0, 0x1DFF, "Inherited"), (0x1E00, 0x1EFF, "Latin"), (0x2C60, 0x2C7F, "Latin"),
    (0x3005, 0x3007, "Han"), (0x3021, 0x3029, "Han"), (0x3040, 0x309F, "Kana"),
    (0x30A0, 0x30FF, "Kana"), (0x3130, 0x318F, "Hangul"), (0x31F0, 0x31FF, "Kana"),
    (0x3400, 0x4DBF, "Han"), (0x4E00, 0x9FFF, "Han"), (0xA720, 0xA7FF, "Latin"),
    (0xA8E0, 0xA8FF, "Devanagari"), (0xA960, 0xA97F, "Hangul"), (0xAB30, 0xAB6F, "Latin"),
    (0xAC00, 0xD7AF, "Hangul"), (0xD7B0, 0xD7FF, "Hangul"), (0xF900, 0xFAFF, "Han"),
    (0xFB00, 0xFB06, "Latin"), (0xFB1D, 0xFB4F, "Hebrew"), (0xFB50, 0xFDFF, "Arabic"),
    (0xFE20, 0xFE2F, "Inherited"), (0xFE70, 0xFEFF, "Arabic"), (0xFF21, 0xFF3A, "Latin"),
    (0xFF41, 0xFF5A, "Latin"), (0xFF66, 0xFF9F, "Kana"), (0xFFA0, 0xFFDC, "Hangul"),
    (0x1B000, 0x1B16F, "Kana"), (0x20000, 0x3134F, "Han"),
])
_STARTS = [start for start, _, _ in _RANGES]


def char_script(ch: str) -> str | None:
    """The script of one character by code point ("Latin", "Han", ...; "Inherited" for combining
    marks), or None for characters outside the scripts we know (digits and punctuation of
    ASCII included)."""
    cp = ord(ch)
    i = bisect_right(_STARTS, cp) - 1
    if i >= 0 and _RANGES[i][0] <= cp <= _RANGES[i][1]:
        return _RANGES[i][2]
    return None


def is_letter(ch: str) -> bool:
    return ch.isalpha()


def letter_scripts(text: str) -> Counter[str]:
    """How many letters of each script the text holds (unknown-script letters count as "Other")."""
    counts: Counter[str] = Counter()
    for ch in text:
        if ch.isalpha():
            counts[char_script(ch) or "Other"] += 1
    return counts


def _members(script: str) -> frozenset[str]:
    try:
        return SCRIPT_MEMBERS[script]
    except KeyError:
        raise ValueError(f"unknown script {script!r}; known: {', '.join(sorted(SCRIPT_MEMBERS))}")


def script_share(text: str, script: str, *, weighted: bool = False) -> float:
    """Share (0..1) of the text's letters written in ``script`` (a name from SCRIPT_MEMBERS or a
    value of SCRIPT_OF).  Text without letters has share 1.0: nothing in it is in another script.

    With ``weighted=True`` a Han character counts as 3 letters, Hangul 2 and Kana 1.5, so that a
    Latin brand name inside a Chinese sentence does not outweigh the sentence.
    """
    members = _members(script)
    counts = letter_scripts(text)
    total = 0.0
    inside = 0.0
    for name, n in counts.items():
        w = _WEIGHT.get(name, 1.0) * n if weighted else float(n)
        total += w
        if name in members:
            inside += w
    return 1.0 if total == 0 else inside / total


def weighted_length(text: str) -> float:
    """Length in script-comparable units: letters weighted by script, digits count 1."""
    total = 0.0
    for ch in text:
        if ch.isalpha():
            total += _WEIGHT.get(char_script(ch) or "", 1.0)
        elif ch.isdigit():
            total += 1.0
    return total


def units(text: str) -> list[str]:
    """Tokens for repetition checks: words of spaced scripts (case-folded), single characters of
    unspaced scripts.  Punctuation, digits-only runs and spaces are dropped."""
    out: list[str] = []
    word: list[str] = []

    def flush() -> None:
        if word:
            out.append("".join(word).casefold())
            word.clear()

    for ch in text:
        script = char_script(ch)
        if ch.isalpha() and script in UNSPACED_SCRIPTS:
            flush()
            out.append(ch)
        elif ch.isalpha() or (word and (unicodedata.category(ch).startswith("M") or ch in "'’")):
            word.append(ch)
        else:
            flush()
    flush()
    return out


def _code(code: str) -> str:
    key = code.strip().lower() if isinstance(code, str) else ""
    if key not in SCRIPT_OF:
        raise UnknownLanguage(f"no script known for language '{str(code)[:20]}'")
    return key


def _identity_key(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def _has_letters_enough(text: str) -> bool:
    """Enough to need translating: two words, or four letters of an unspaced script.  A lone
    name or number may legitimately come back unchanged."""
    toks = units(text)
    unspaced = sum(1 for t in toks if len(t) == 1 and char_script(t) in UNSPACED_SCRIPTS)
    words = sum(1 for t in toks if not (len(t) == 1 and char_script(t) in UNSPACED_SCRIPTS)
                and len(t) >= 2)
    letters = sum(1 for ch in text if ch.isalpha())
    return unspaced >= 4 or (words >= 2 and letters >= 6)


def _char_run(text: str) -> int:
    """Longest run of one repeated letter (spaces ignored inside unspaced scripts)."""
    best = 0
    run = 0
    prev = ""
    for ch in text:
        if ch.isspace():
            continue
        if ch == prev and ch.isalpha():
            run += 1
        else:
            run = 1
        prev = ch
        best = max(best, run)
    return best


def _tandem(tokens: list[str], max_n: int = 20) -> dict[int, int]:
    """For each n-gram size, the largest number of back-to-back copies of one n-gram."""
    found: dict[int, int] = {}
    size = len(tokens)
    for n in range(1, min(max_n, size // 2) + 1):
        best = 1
        for start in range(0, size - n):
            copies = 1
            pos = start + n
            while pos + n <= size and tokens[pos:pos + n] == tokens[start:start + n]:
                copies += 1
                pos += n
            best = max(best, copies)
        found[n] = best
    return found


def _repetitive(text: str) -> bool:
    toks = units(text)
    if _char_run(text) >= (4 if any(char_script(c) in UNSPACED_SCRIPTS | {"Hangul"}
                                    for c in text if c.isalpha()) else 5):
        return True
    for n, copies in _tandem(toks).items():
        if (n == 1 and copies >= 4) or (n >= 2 and copies >= 3):
            return True
    if len(toks) >= 12:
        token, count = Counter(toks).most_common(1)[0]
        if count / len(toks) > 0.4:
            return True
    return False


def _length_absurd(source_text: str, output_text: str) -> bool:
    src = weighted_length(source_text)
    out = weighted_length(output_text)
    if out > 4.0 * src + 40.0:
        return True
    return src >= 30.0 and out < src / 5.0


def check(source_text: str, output_text: str, source: str, target: str) -> list[str]:
    """Flags for one translation of ``source_text`` (in ``source``) into ``output_text``."""
    src_code = _code(source)
    tgt_code = _code(target)
    src_blank = not any(ch.isalnum() for ch in source_text)
    if src_blank:
        return []
    if not any(ch.isalnum() for ch in output_text):
        return ["mt_empty"]
    flags: list[str] = []
    if (src_code != tgt_code and _identity_key(source_text) == _identity_key(output_text)
            and _has_letters_enough(source_text)):
        flags.append("mt_identical")
    if _repetitive(output_text) and not _repetitive(source_text):
        flags.append("mt_repetition")
    letters = sum(1 for ch in output_text if ch.isalpha())
    if letters >= 3 and script_share(output_text, SCRIPT_OF[tgt_code], weighted=True) < 0.5:
        flags.append("mt_wrong_script")
    if _length_absurd(source_text, output_text):
        flags.append("mt_length")
    return flags
