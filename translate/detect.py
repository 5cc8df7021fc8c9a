"""Language identification among the 18 served languages and Chinese, with lingua.

One lingua detector is built lazily, on first use, from exactly those 19 languages (its models
ship inside the wheel: nothing is downloaded).  Models are *not* preloaded: lingua loads each
n-gram model the first time it needs it, so the first call costs about 2–3 s and the process
keeps roughly 250 MB instead of 420 MB; call :func:`warm_up` at start-up to pay that cost early.

lingua is adjusted where it is weak:

- **Han-only text**: lingua calls almost any Kanji-only string Chinese ("新宿駅").  Without kana
  or Hangul we look for characters that only Japanese writes (駅, 気, 円, 広 ...) or only Chinese
  writes (们, 这, 东, 车 ... and 吗, 呢, 您); with neither, a short string ("上海", "東京") is
  reported as ambiguous (zh 0.55, ja 0.45) so that :func:`best` returns None.  Kana ⇒ ja and
  Hangul ⇒ ko are decided by script.
- **Malay and Indonesian** are near-identical; marker words (boleh, kerana, sila ... against
  bisa, karena, silakan ...) move the pair's confidence to one side.  :func:`best` treats the
  pair as one block when comparing with other languages.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from translate.quality import char_script, letter_scripts

LINGUA: dict[str, Language] = {
    "en": Language.ENGLISH, "ja": Language.JAPANESE, "ko": Language.KOREAN,
    "fr": Language.FRENCH, "de": Language.GERMAN, "es": Language.SPANISH,
    "ru": Language.RUSSIAN, "it": Language.ITALIAN, "fa": Language.PERSIAN,
    "th": Language.THAI, "ar": Language.ARABIC, "pt": Language.PORTUGUESE,
    "id": Language.INDONESIAN, "ms": Language.MALAY, "vi": Language.VIETNAMESE,
    "tr": Language.TURKISH, "uk": Language.UKRAINIAN, "hi": Language.HINDI,
    "zh": Language.CHINESE,
}
_CODE_OF: dict[Language, str] = {lang: code for code, lang in LINGUA.items()}
SIBLINGS: dict[str, str] = {"id": "ms", "ms": "id"}

MIN_CONFIDENCE = 0.35
MIN_RATIO = 1.6
_MIN_LETTERS_SPACED = 3
_MIN_LETTERS_CJK = 2

# Shinjitai and kokuji that Chinese (simplified or traditional) does not write.
_JA_ONLY = frozenset("駅気円広払図営県楽薬戻辺沢売読続帰変転伝関発歳込働畑峠様団鉄黒歩険"
                     "験検恵単厳拡済従竜桜価権観歓両労栄実対満焼処仏乗渋霊稲隠")
# Simplified-only characters, plus Chinese function words Japanese does not use.
_ZH_ONLY = frozenset("们这个说时东车门见问间长马鸟鱼书买卖钱电话语请谢对为么没还过进给让吗呢吧"
                     "哪您你她啊边场铁务热线办业证签护邻码费疗报诉欢觉应该头乐药广图营县气样团变读"
                     "续归转传关岁实满两劳价权观龙单严济从习乡亲产开闭闹們這說嗎麼沒讓")
_MS_MARKERS = frozenset("nak tak boleh kerana sahaja wang kereta awak mahu semalam esok sila "
                        "percuma bilik kedai telefon pejabat polis kerajaan pasport antarabangsa "
                        "stesen keretapi cuti macam dah encik teksi bas akaun maklumat jabatan "
                        "perkhidmatan isnin khamis jumaat ogos disember julai iaitu hospital "
                        "talian".split())
_ID_MARKERS = frozenset("bisa uang karena saja mobil kamu mau kemarin besok silakan gratis kamar "
                        "toko telepon kantor polisi pemerintah paspor bandara nggak gak enggak aja "
                        "gimana udah yaitu akun informasi layanan senin kamis jumat agustus "
                        "desember maret juni juli dong sih banget bis rumah".split())
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)

_lock = threading.Lock()
_detector: LanguageDetector | None = None


def detector() -> LanguageDetector:
    """The shared lingua detector for the 19 languages, built on first use."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = LanguageDetectorBuilder.from_languages(*LINGUA.values()).build()
    return _detector


def warm_up() -> float:
    """Build the detector and load its models now; returns the seconds it took."""
    started = time.perf_counter()
    for sample in ("Hello, how can I help you?", "您好，请问有什么可以帮您？", "こんにちは",
                   "Здравствуйте", "Xin chào", "Saya mahu bertanya"):
        detector().compute_language_confidence_values(sample)
    return time.perf_counter() - started


def _letters(text: str) -> Counter[str]:
    return letter_scripts(text)


def _han_only(counts: Counter[str], text: str) -> list[tuple[str, float]] | None:
    total = sum(counts.values())
    if counts["Han"] == 0 or counts["Kana"] or counts["Hangul"] or counts["Han"] * 2 < total:
        return None
    ja = sum(1 for ch in text if ch in _JA_ONLY)
    zh = sum(1 for ch in text if ch in _ZH_ONLY)
    if ja > zh:
        return [("ja", 0.95 if zh == 0 else 0.8), ("zh", 0.05 if zh == 0 else 0.2)]
    if zh > ja:
        return [("zh", 0.95 if ja == 0 else 0.8), ("ja", 0.05 if ja == 0 else 0.2)]
    if counts["Han"] >= 6:
        return [("zh", 0.85), ("ja", 0.15)]
    return [("zh", 0.55), ("ja", 0.45)]


def _malay_or_indonesian(text: str, scores: dict[str, float]) -> None:
    pair = scores.get("id", 0.0) + scores.get("ms", 0.0)
    if pair <= 0.0:
        return
    words = [w.casefold() for w in _WORD_RE.findall(text)]
    ms = sum(1 for w in words if w in _MS_MARKERS)
    ind = sum(1 for w in words if w in _ID_MARKERS)
    if ms == ind:
        return
    winner, loser = ("ms", "id") if ms > ind else ("id", "ms")
    share = 0.9 if min(ms, ind) == 0 else 0.75
    scores[winner], scores[loser] = pair * share, pair * (1.0 - share)


def detect(text: str, candidates: list[str] | None = None) -> list[tuple[str, float]]:
    """(code, confidence) pairs, most likely first; confidences sum to about 1.  Empty when the
    text has no letters.  ``candidates`` restricts the answer to those codes (renormalised)."""
    counts = _letters(text)
    if not counts:
        return []
    scores: dict[str, float]
    han = _han_only(counts, text)
    if han is not None:
        scores = dict(han)
    elif counts["Kana"] and counts["Kana"] + counts["Han"] >= counts.total() / 2:
        scores = {"ja": 1.0}
    elif counts["Hangul"] * 2 >= counts.total():
        scores = {"ko": 1.0}
    else:
        values = detector().compute_language_confidence_values(text)
        scores = {_CODE_OF[v.language]: v.value for v in values if v.value > 0.0}
        _malay_or_indonesian(text, scores)
    if candidates is not None:
        wanted = {c.strip().lower() for c in candidates}
        scores = {code: v for code, v in scores.items() if code in wanted}
        total = sum(scores.values())
        scores = {code: v / total for code, v in scores.items()} if total > 0 else {}
    return sorted(scores.items(), key=lambda item: -item[1])


def _enough_letters(counts: Counter[str]) -> bool:
    cjk = counts["Han"] + counts["Kana"] + counts["Hangul"]
    if cjk:
        return cjk >= _MIN_LETTERS_CJK
    return counts.total() >= _MIN_LETTERS_SPACED


def best(text: str, default: str | None = None, *, candidates: list[str] | None = None,
         min_confidence: float = MIN_CONFIDENCE) -> str | None:
    """The language of ``text`` when the detector is reasonably sure, else ``default``.

    Sure means: enough letters (3, or 2 Han/Kana/Hangul), the top language (with its sibling,
    for Malay/Indonesian) has at least ``min_confidence`` and at least 1.6 times the best
    other language.
    """
    if not _enough_letters(_letters(text)):
        return default
    ranked = detect(text, candidates)
    if not ranked:
        return default
    top, top_value = ranked[0]
    sibling = SIBLINGS.get(top)
    block = top_value + sum(v for code, v in ranked if code == sibling)
    rivals = [v for code, v in ranked[1:] if code != sibling]
    rival = rivals[0] if rivals else 0.0
    if block >= min_confidence and block >= MIN_RATIO * rival:
        return top
    return default


def _group(ch: str) -> str | None:
    script = char_script(ch)
    if script in ("Han", "Kana"):
        return "CJ"
    return script if script in ("Latin", "Cyrillic", "Arabic", "Hangul", "Thai",
                                "Devanagari") else None


def _script_runs(text: str) -> list[tuple[str, str]]:
    """Split text into runs of one script group; non-letters stick to the run before them."""
    runs: list[list[str]] = []
    lead = ""
    for ch in text:
        group = _group(ch) if ch.isalpha() else None
        if group is None:
            if runs:
                runs[-1][1] += ch
            else:
                lead += ch
            continue
        if runs and runs[-1][0] == group:
            runs[-1][1] += ch
        else:
            runs.append([group, lead + ch])
            lead = ""
    return [(g, s) for g, s in runs]


def _small(group: str, chunk: str) -> bool:
    """A run too small to be its own language: a name or a word inside other text."""
    counts = _letters(chunk)
    if group in ("CJ", "Hangul"):
        return counts.total() <= 2
    return len(_WORD_RE.findall(chunk)) <= 2 and counts.total() <= 20


_SCRIPT_DEFAULT = {"Hangul": "ko", "Thai": "th", "Devanagari": "hi"}


_SENTENCE_RE = re.compile(r".*?(?:[.!?;。！？؟।]+[\"'”’»)]*\s+|\n+|$)", re.DOTALL)


def _sentences(chunk: str) -> list[str]:
    return [m.group(0) for m in _SENTENCE_RE.finditer(chunk) if m.group(0)]


@dataclass
class _Stretch:
    code: str    # "" while undecided
    text: str
    words: int

    def absorb(self, other: _Stretch, code: str) -> None:
        self.code, self.text, self.words = code, self.text + other.text, self.words + other.words


def _smooth(segs: list[_Stretch]) -> list[_Stretch]:
    """Merge stretches of three words or fewer into their neighbours."""
    changed = True
    while changed:   # a short stretch between two stretches of one language belongs to them
        changed = False
        for i in range(1, len(segs) - 1):
            if segs[i].words <= 3 and segs[i - 1].code == segs[i + 1].code:
                segs[i - 1].absorb(segs[i], segs[i - 1].code)
                segs[i - 1].absorb(segs[i + 1], segs[i - 1].code)
                del segs[i:i + 2]
                changed = True
                break
    merged: list[_Stretch] = []
    for seg in segs:
        last = merged[-1] if merged else None
        if last and (seg.words <= 3 or last.words <= 3 or last.code == seg.code):
            last.absorb(seg, last.code if last.words >= seg.words else seg.code)
        else:
            merged.append(seg)
    return merged


def _split_sentence(sentence: str) -> list[_Stretch]:
    """lingua's stretches of one sentence, smoothed and judged as wholes."""
    segs: list[_Stretch] = []
    pos = 0
    for part in detector().detect_multiple_languages_of(sentence):   # cover it end to end
        segs.append(_Stretch(_CODE_OF[part.language], sentence[pos:part.end_index],
                             part.word_count))
        pos = part.end_index
    words = len(_WORD_RE.findall(sentence))
    if not segs:
        return [_Stretch(best(sentence) or "", sentence, words)]
    segs[-1].text += sentence[pos:]
    segs = _smooth(segs)
    if len(segs) == 1:
        return [_Stretch(best(sentence, default=segs[0].code) or "", sentence, words)]
    for seg in segs:
        seg.code = best(seg.text, default=seg.code) or seg.code
    return segs


def _split_run(group: str, chunk: str) -> list[tuple[str, str]]:
    if group in _SCRIPT_DEFAULT:
        return [(_SCRIPT_DEFAULT[group], chunk)]
    if group == "CJ":
        ranked = detect(chunk)
        return [(ranked[0][0] if ranked else "zh", chunk)]
    segs = [seg for sentence in _sentences(chunk) for seg in _split_sentence(sentence)]
    # Undecided short sentences ("OK.") join their neighbour; then equal neighbours merge.
    out: list[_Stretch] = []
    for seg in segs:
        if out and (not seg.code or (seg.words <= 3 and best(seg.text) is None)):
            out[-1].absorb(seg, out[-1].code)
        elif out and (not out[-1].code or out[-1].code == seg.code):
            out[-1].absorb(seg, seg.code)
        else:
            out.append(seg)
    fallback = best(chunk) or "en"
    return [(seg.code or fallback, seg.text) for seg in out]


def detect_mixed(text: str) -> list[tuple[str, str]]:
    """Cut text written in several languages into (code, substring) stretches, in order.

    The text is first split by script (Chinese inside English is found by script, not by
    statistics); stretches in Latin, Cyrillic and Arabic script are then split with lingua's
    ``detect_multiple_languages_of`` and smoothed so that no stretch of three words or fewer
    stands alone.  The substrings concatenate to the text.  Text without letters gives [].
    """
    runs = _script_runs(text)
    if not runs:
        return []
    # Fold tiny runs (a Latin name inside Chinese, one Han character inside English) into
    # the run before them (or after, at the start).
    kept: list[tuple[str, str]] = []
    carry = ""
    for group, chunk in runs:
        if len(runs) > 1 and _small(group, chunk):
            if kept:
                kept[-1] = (kept[-1][0], kept[-1][1] + chunk)
            else:
                carry += chunk
            continue
        kept.append((group, carry + chunk))
        carry = ""
    if not kept:
        kept = [(runs[0][0], text)]
    elif carry:
        kept[-1] = (kept[-1][0], kept[-1][1] + carry)
    out: list[tuple[str, str]] = []
    for group, chunk in kept:
        for code, piece in _split_run(group, chunk):
            if out and out[-1][0] == code:
                out[-1] = (code, out[-1][1] + piece)
            else:
                out.append((code, piece))
    return out
