"""Translation memory: fixed, reviewed translations of the phrases seats use every day.

The file is JSON Lines, one pair a line::

    {"source": "en", "target": "zh", "text": "Please wait a moment.", "translation": "请稍等。"}

A pair serves both directions.  Lookups are exact after normalisation: Unicode compatibility
forms (full-width "？" is "?"), case, runs of whitespace, quotes, and trailing punctuation do not
matter.  When neither side is Chinese, a lookup may pivot through Chinese (ja → zh → en) if both
halves are in memory.  Explicit pairs win over reversed ones; later explicit pairs replace earlier
ones with the same key.  ``save`` writes atomically (temporary file, fsync, rename).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import languages
from gateway.errors import InvalidField

DATA_FILE = Path(__file__).resolve().parent / "data" / "memory.jsonl"
PIVOT = "zh"
_CODE_RE = re.compile(r"^[a-z]{2,3}$")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"', "«": '"', "»": '"',
                         "「": '"', "」": '"', "『": '"', "』": '"'})
_TRAILING = ".!?。！？…;；:：,，、~ \t\r\n\"'"
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class MemoryEntry:
    source: str
    target: str
    text: str
    translation: str


def normalise(text: str) -> str:
    """The lookup key of a phrase: NFKC, case-folded, one space between words, no trailing
    punctuation, no spaces before punctuation."""
    key = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    key = _SPACE_RE.sub(" ", key).strip().rstrip(_TRAILING).lstrip("¿¡ ")
    return re.sub(r" (?=[,.!?;:])", "", key)


def _code(code: str) -> str:
    return languages.get(code).code


class TranslationMemory:
    """Exact-match memory, in process; ``save`` persists it."""

    def __init__(self, entries: Iterable[MemoryEntry] = ()) -> None:
        self._entries: dict[tuple[str, str, str], MemoryEntry] = {}
        self._forward: dict[tuple[str, str, str], str] = {}
        self._reverse: dict[tuple[str, str, str], str] = {}
        for entry in entries:
            self._put(entry)

    @classmethod
    def load(cls, path: str | Path | None = None) -> TranslationMemory:
        """Read a JSONL file (default ``translate/data/memory.jsonl``); blank lines and lines
        starting with ``#`` are skipped.  A malformed line raises InvalidField naming it."""
        where = Path(path) if path is not None else DATA_FILE
        try:
            lines = where.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InvalidField(f"cannot read translation memory {where}: "
                               f"{exc.strerror or exc}") from exc
        entries: list[MemoryEntry] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            entries.append(_parse_line(line, f"{where.name} line {number}"))
        return cls(entries)

    def _put(self, entry: MemoryEntry) -> None:
        src_key, tgt_key = normalise(entry.text), normalise(entry.translation)
        self._entries[(entry.source, entry.target, src_key)] = entry
        self._forward[(entry.source, entry.target, src_key)] = entry.translation
        self._reverse.setdefault((entry.target, entry.source, tgt_key), entry.text)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[MemoryEntry]:
        return iter(self._entries.values())

    def languages(self) -> set[str]:
        return {code for e in self._entries.values() for code in (e.source, e.target)}

    def _direct(self, key: str, source: str, target: str) -> str | None:
        found = self._forward.get((source, target, key))
        return found if found is not None else self._reverse.get((source, target, key))

    def lookup(self, text: str, source: str, target: str) -> str | None:
        """The stored translation of ``text``, or None."""
        src, tgt = _code(source), _code(target)
        key = normalise(text)
        if not key:
            return None
        if src == tgt:
            return text
        found = self._direct(key, src, tgt)
        if found is None and PIVOT not in (src, tgt):
            middle = self._direct(key, src, PIVOT)
            if middle is not None:
                found = self._direct(normalise(middle), PIVOT, tgt)
        return found

    def add(self, text: str, source: str, target: str, translation: str) -> MemoryEntry:
        """Remember a reviewed translation (in memory only; call ``save`` to keep it)."""
        src, tgt = _code(source), _code(target)
        for name, value in (("text", text), ("translation", translation)):
            if not isinstance(value, str) or not normalise(value):
                raise InvalidField(f"translation memory: '{name}' must be non-blank text")
        if src == tgt:
            raise InvalidField("translation memory: source and target languages are the same")
        entry = MemoryEntry(src, tgt, text.strip(), translation.strip())
        replaced = self._entries.pop((src, tgt, normalise(entry.text)), None)
        self._put(entry)
        if replaced is not None:
            self._reindex()
        return entry

    def _reindex(self) -> None:
        entries = list(self._entries.values())
        self._entries.clear()
        self._forward.clear()
        self._reverse.clear()
        for entry in entries:
            self._put(entry)

    def save(self, path: str | Path) -> None:
        """Write every pair as JSON Lines, atomically."""
        where = Path(path)
        where.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{where.name}.", suffix=".tmp", dir=where.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                for entry in self._entries.values():
                    out.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, where)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise


def _parse_line(line: str, where: str) -> MemoryEntry:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidField(f"{where}: not valid JSON ({exc.msg})") from exc
    if not isinstance(raw, dict):
        raise InvalidField(f"{where}: must be a JSON object")
    values: dict[str, str] = {}
    for name in ("source", "target", "text", "translation"):
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidField(f"{where}: '{name}' must be a non-empty string")
        values[name] = value.strip()
    for name in ("source", "target"):
        values[name] = values[name].lower()
        if not _CODE_RE.match(values[name]):
            raise InvalidField(f"{where}: '{name}' is not a language code: {values[name]!r}")
    if values["source"] == values["target"]:
        raise InvalidField(f"{where}: source and target languages are the same")
    return MemoryEntry(**values)
