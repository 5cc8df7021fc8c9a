"""The event date of a hotline case: text + reference time → ISO date or None.

Own rules come first, from ``translate/data/drafting/dates.json`` (19 languages):

* relative day words: yesterday / hier / вчера / 昨日 / 어제 / أمس / دیروز / เมื่อวาน / dün /
  hôm qua / kemarin / semalam ...; Hindi कल (yesterday *or* tomorrow) is decided by verb tense;
* "N days ago" in each language;
* weekday names: bare or with "last" → the most recent *past* occurrence ("on Tuesday" said on
  Saturday 2026-11-28 → 2026-11-24, "seit Montag" → 2026-11-23); "next" → the next one;
  "last week"/"next week" + weekday → that day in the previous/next calendar week
  (先週の金曜日, 다음 주 월요일); a future word in the same clause ("expires on Monday")
  makes a bare weekday future;
* explicit dates: "December 3", "3rd of December", "le 25 novembre", "10. Dezember",
  "20 ноября", "3 Aralık", "20 tháng 11", "12月20日", "11월 25일", "2026-11-20", "20/11",
  Persian solar-calendar months; a date without a year goes to the nearest past year, or the
  nearest future year when the clause talks about an expiry/appointment
  ("expires on December 3" → 2026-12-03);
* holiday names (元旦, Christmas, 春节, 中秋节 ...), resolved like weekdays (``holidays.py``).

Durations ("for a week", "two months", "三天没人清运") and times ("2 a.m.") produce nothing.
Only when the own rules find nothing and the text holds a digit is ``dateparser.search_dates``
asked (``languages=[lang]``, ``RELATIVE_BASE``, ``PREFER_DATES_FROM`` past or future, day and
month required), and its answers are filtered and re-dated with the same year rule.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from translate.drafting._data import load_json
from translate.drafting.holidays import holiday_mentions
from translate.drafting.textnorm import fold, fold_str

SHANGHAI = ZoneInfo("Asia/Shanghai")
_LANGS: dict[str, Any] = load_json("dates.json")["langs"]
_BOUNDARY = {
    "word": (r"(?<!\w)", r"(?!\w)"),
    "devanagari": (r"(?<![\u0900-\u097F])", r"(?![\u0900-\u097F])"),
    "arabic": (r"(?<![\u0600-\u06FF])(?:وال|بال|فال|لل|ال|و|ف|ب|ل)?", r"(?![\u0600-\u06FF])"),
    "none": ("", ""),
}
_CLAUSE_END = re.compile(r"[!?。！？\n;।؟]|(?<=[^\W\d])\.(?=\s|$)")
_CJK_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
               "七": 7, "八": 8, "九": 9}
_ISO = re.compile(r"(?<!\d)(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)")
_CJK_MD = re.compile(r"(?:(?P<y>\d{4})\s*年\s*)?(?P<m>[0-9一二三四五六七八九十]{1,3})\s*月\s*"
                     r"(?P<d>[0-9一二三四五六七八九十]{1,3})\s*(?:日|号)")
_KO_MD = re.compile(r"(?:(?P<y>\d{4})\s*년\s*)?(?P<m>\d{1,2})\s*월\s*(?P<d>\d{1,2})\s*일")
_SLASH = re.compile(r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{2,4}))?(?![\d/])")
_DOTTED = re.compile(r"(?<![\d.])(?P<a>\d{1,2})\.(?P<b>\d{1,2})\.(?P<y>\d{4}|\d{2}(?!\d))?")
_TIMEISH = re.compile(r"\d\s*(?::|a\.?m\b|p\.?m\b|h\b|点|時|시)", re.IGNORECASE)
# Durations and quantities that dateparser happily turns into dates ("183 days", "3 Monate").
_DURATION = re.compile(
    r"(?i)\d+\s*(?:days?|weeks?|months?|years?|hours?|minutes?|jours?|semaines?|mois|ans?|heures?|"
    r"tage?n?|wochen?|monate?n?|jahre?n?|stunden?|d[ií]as?|semanas?|mes(?:es)?|a[ñn]os?|horas?|giorni|"
    r"settimane|mesi|anni|ore|gün|hafta|ay|yıl|saat|hari|minggu|bulan|tahun|jam|ngày|tuần|năm|giờ|"
    r"дн\w*|недел\w*|месяц\w*|год\w*|лет|час\w*|тиж\w*|місяц\w*|рок\w*|天|周|个月|年|小时|日間|週間|"
    r"か月|時間|일|주|개월|년|시간|दिन|हफ्त\w*|महीन\w*|साल|घंट\w*|يوم|ايام|أيام|اسبوع|أسبوع|شهر|"
    r"سنة|ساعة|روز|هفته|ماه|سال|ساعت|วัน|สัปดาห์|เดือน|ปี|ชั่วโมง)(?!\w)")


@dataclass(frozen=True)
class DateResult:
    """The chosen date (or None), a confidence in [0, 1], the phrase and how it was read."""

    date: dt.date | None
    confidence: float
    text: str | None
    kind: str | None

    @property
    def iso(self) -> str | None:
        return self.date.isoformat() if self.date else None


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    date: dt.date | None
    kind: str          # absolute | relative | ago | weekday | holiday | dateparser
    priority: int


def reference_date(reference_time: str | dt.datetime | None) -> dt.date:
    """The calendar date in Shanghai of an ISO reference time (naive = Shanghai); None = now."""
    if reference_time is None:
        return dt.datetime.now(SHANGHAI).date()
    when = reference_time if isinstance(reference_time, dt.datetime) else \
        dt.datetime.fromisoformat(str(reference_time).replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=SHANGHAI)
    return when.astimezone(SHANGHAI).date()


def _alts(words: list[str], spaced: str) -> str:
    folded = sorted({fold_str(w) for w in words if w}, key=len, reverse=True)
    return "|".join(w.replace(" ", spaced) for w in folded)


class _Lexicon:
    """One language's date words, compiled."""

    def __init__(self, code: str, raw: dict[str, Any]) -> None:
        self.code = code
        left, right = _BOUNDARY[raw["boundary"]]
        self.bounds = (left, right)
        sp = r"\s*" if raw["boundary"] == "none" else r"\s+"
        self.relative = {re.sub(r"\s+", "", fold_str(k)): v for k, v in raw["relative"].items()}
        self.rx_relative = re.compile(f"{left}(?P<w>{_alts(list(raw['relative']), sp)}){right}")
        nums = {fold_str(k): v for k, v in raw["numbers"].items()}
        self.numbers = nums
        num_alt = "|".join(sorted(map(re.escape, nums), key=len, reverse=True))
        n_rx = rf"(?P<n>\d+{'|' + num_alt if num_alt else ''})\s*"
        self.rx_ago = [re.compile(left + fold_str(p).replace("(?p<", "(?P<").replace("{n}", n_rx) + right)
                       for p in raw["ago"]]
        self.units = {fold_str(k): v for k, v in raw["units"].items()}
        groups = "|".join(f"(?P<w{i}>{_alts(names, sp)})" for i, names in enumerate(raw["weekdays"]))
        self.rx_weekday = re.compile(f"{left}(?:{groups}){right}")
        self.mods = {kind: re.compile(f"{left}(?:{_alts(words, sp)}){right}")
                     for kind, words in raw["mods"].items() if words}
        self.rx_dm: list[re.Pattern[str]] = []
        self.rx_jalali: re.Pattern[str] | None = None
        if raw["months"]:
            months = "|".join(f"(?P<m{i}>{_alts(n, sp)})" for i, n in enumerate(raw["months"]))
            year = r"(?:,?\s*(?:de\s+|del\s+)?(?P<y>\d{4})(?!\d))?"
            if "DM" in raw["orders"]:
                self.rx_dm.append(re.compile(
                    rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|e|\.|º|ª)?\s*{raw['filler']}"
                    rf"(?:{months})(?!\w){year}"))
            if "MD" in raw["orders"]:
                self.rx_dm.append(re.compile(
                    rf"{left}(?:{months})\.?\s*(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?!\d){year}"))
        if raw.get("jalali"):
            jal = "|".join(f"(?P<m{i}>{_alts(n, sp)})" for i, n in enumerate(raw["jalali"]))
            self.rx_jalali = re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})\s*(?:{jal})(?!\w)(?:\s*(?P<y>\d{{4}}))?")
        self.rx_future = re.compile(f"{left}(?:{_alts(raw['future'], sp)})") if raw["future"] else None
        self.rx_future_verbs = re.compile(raw["future_verbs"]) if raw.get("future_verbs") else None
        self.rx_past_verbs = re.compile(raw["past_verbs"]) if raw.get("past_verbs") else None
        self.dotted = code not in ("en", "zh", "ja", "ko")
        self.modifier_before_only = code in ("zh", "ja", "ko")
        self.month_first = code == "en"


@lru_cache(maxsize=None)
def _lexicon(lang: str) -> _Lexicon:
    code = lang if lang in _LANGS else "en"
    return _Lexicon(code, _LANGS[code])


def _num(token: str | None, numbers: dict[str, int]) -> int:
    if not token:
        return 1
    if token.isdigit():
        return int(token)
    if token in numbers:
        return numbers[token]
    return _cjk_number(token) or 1


def _cjk_number(s: str) -> int:
    if s.isdigit():
        return int(s)
    if "十" in s:
        head, _, tail = s.partition("十")
        return (_CJK_DIGITS.get(head, 1) if head else 1) * 10 + (_CJK_DIGITS.get(tail, 0) if tail else 0)
    value = 0
    for ch in s:
        if ch not in _CJK_DIGITS:
            return 0
        value = value * 10 + _CJK_DIGITS[ch]
    return value


def _clause(text: str, start: int, end: int) -> str:
    a = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    m = _CLAUSE_END.search(text, end)
    return text[a:m.start() if m else len(text)]


def _infer_year(month: int, day: int, ref: dt.date, future: bool) -> dt.date | None:
    options = []
    for year in (ref.year - 1, ref.year, ref.year + 1):
        try:
            options.append(dt.date(year, month, day))
        except ValueError:
            continue
    if not options:
        return None
    if future:
        ahead = [d for d in options if d >= ref]
        return min(ahead) if ahead else max(options)
    past = [d for d in options if d <= ref]
    return max(past) if past else min(options)


def _make_date(y: str | None, month: int, day: int, ref: dt.date, future: bool) -> dt.date | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    if y:
        year = int(y)
        year = year + 2000 if year < 100 else year - 543 if year > 2400 else year
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    return _infer_year(month, day, ref, future)


def _jalali_to_gregorian(jy: int, jm: int, jd: int) -> dt.date:
    """Solar Hijri (Persian) date to Gregorian, by the 33-year arithmetic rule."""
    jy += 1595
    days = -355668 + 365 * jy + (jy // 33) * 8 + ((jy % 33) + 3) // 4 + jd
    days += (jm - 1) * 31 if jm < 7 else (jm - 7) * 30 + 186
    gy = 400 * (days // 146097)
    days %= 146097
    if days > 36524:
        days -= 1
        gy += 100 * (days // 36524)
        days %= 36524
        if days >= 365:
            days += 1
    gy += 4 * (days // 1461)
    days %= 1461
    if days > 365:
        gy += (days - 1) // 365
        days = (days - 1) % 365
    return dt.date(gy, 1, 1) + dt.timedelta(days=days)


def _weekday_date(idx: int, mod: str | None, ref: dt.date, future: bool) -> dt.date:
    today = ref.weekday()
    monday = ref - dt.timedelta(days=today)
    if mod == "last_week":
        return monday - dt.timedelta(days=7 - idx)
    if mod == "next_week":
        return monday + dt.timedelta(days=7 + idx)
    if mod == "this_week" or (mod == "this" and not future):
        return monday + dt.timedelta(days=idx)
    if mod == "next" or (future and mod != "last"):
        return ref + dt.timedelta(days=(idx - today - 1) % 7 + 1)
    return ref - dt.timedelta(days=(today - idx - 1) % 7 + 1)


def _modifier(lex: _Lexicon, text: str, start: int, end: int) -> str | None:
    best: tuple[int, str] | None = None
    order = ("last_week", "next_week", "this_week", "last", "next", "this")
    for rank, kind in enumerate(order):
        rx = lex.mods.get(kind)
        if rx is None:
            continue
        for m in rx.finditer(text, max(0, start - 30), min(len(text), end + 30)):
            if m.end() <= start:
                gap = text[m.end():start]
            elif m.start() >= end and not lex.modifier_before_only:
                gap = text[end:m.start()]
            else:
                continue
            if len(gap) > 12 or len(gap.split()) > 2 or re.search(r"[.,;!?。，！？]", gap):
                continue
            key = (len(gap.strip()) * 10 + rank, kind)
            if best is None or key < (best[0], best[1]):
                best = key
    return best[1] if best else None


def _mentions(text: str, lex: _Lexicon, ref: dt.date) -> list[_Mention]:
    out: list[_Mention] = []

    def future_at(a: int, b: int) -> bool:
        return bool(lex.rx_future and lex.rx_future.search(_clause(text, a, b)))

    def absolute(m: re.Match[str], month: int, day: int, year: str | None) -> None:
        date = _make_date(year, month, day, ref, future_at(m.start(), m.end()))
        if date:
            out.append(_Mention(m.start(), m.end(), date, "absolute", 3))

    for rx in lex.rx_dm:
        for m in rx.finditer(text):
            idx = next(i for i in range(12) if m.group(f"m{i}"))
            absolute(m, idx + 1, int(m.group("d")), m.group("y"))
    if lex.rx_jalali:
        for m in lex.rx_jalali.finditer(text):
            jm = next(i for i in range(12) if m.group(f"m{i}")) + 1
            years = [int(m.group("y"))] if m.group("y") else [ref.year - 622 + k for k in (-1, 0, 1)]
            options = []
            for jy in years:
                try:
                    options.append(_jalali_to_gregorian(jy, jm, int(m.group("d"))))
                except (ValueError, OverflowError):
                    continue
            if options:
                fut = future_at(m.start(), m.end())
                ok = [d for d in options if (d >= ref if fut else d <= ref)] or options
                out.append(_Mention(m.start(), m.end(), min(ok) if fut else max(ok), "absolute", 3))
    for m in _ISO.finditer(text):
        absolute(m, int(m.group("m")), int(m.group("d")), m.group("y"))
    for m in _CJK_MD.finditer(text):
        absolute(m, _cjk_number(m.group("m")), _cjk_number(m.group("d")), m.group("y"))
    for m in _KO_MD.finditer(text):
        absolute(m, int(m.group("m")), int(m.group("d")), m.group("y"))
    for m in _SLASH.finditer(text):
        a, b = int(m.group("a")), int(m.group("b"))
        month, day = (a, b) if (lex.month_first and a <= 12) or b > 12 else (b, a)
        absolute(m, month, day, m.group("y"))
    if lex.dotted:
        for m in _DOTTED.finditer(text):
            absolute(m, int(m.group("b")), int(m.group("a")), m.group("y"))
    for m in lex.rx_relative.finditer(text):
        offset = lex.relative.get(re.sub(r"\s+", "", m.group("w")))
        if offset is None:
            out.append(_Mention(m.start(), m.end(), None, "relative", 0))
            continue
        if isinstance(offset, str):          # Hindi कल / परसों: tense decides
            clause = _clause(text, m.start(), m.end())
            fut = bool(lex.rx_future_verbs and lex.rx_future_verbs.search(clause))
            past = bool(lex.rx_past_verbs and lex.rx_past_verbs.search(clause))
            offset = int(offset[1:]) * (1 if fut and not past else -1)
        out.append(_Mention(m.start(), m.end(), ref + dt.timedelta(days=offset), "relative",
                            2 if offset < 0 else 1))
    for rx in lex.rx_ago:
        for m in rx.finditer(text):
            unit = m.group("u") or ""
            per = next((v for k, v in lex.units.items() if unit.startswith(k)), 1)
            days = _num(m.group("n"), lex.numbers) * per
            out.append(_Mention(m.start(), m.end(), ref - dt.timedelta(days=days), "ago", 2))
    for m in lex.rx_weekday.finditer(text):
        idx = next(i for i in range(7) if m.group(f"w{i}"))
        mod = _modifier(lex, text, m.start(), m.end())
        date = _weekday_date(idx, mod, ref, future_at(m.start(), m.end()))
        out.append(_Mention(m.start(), m.end(), date, "weekday", 2))
    for a, b, date in holiday_mentions(text, lex.code, lex.bounds, ref, lambda a, b: _clause(text, a, b),
                                       lex.rx_future, lex.rx_future_verbs, lex.rx_past_verbs):
        out.append(_Mention(a, b, date, "holiday", 2))
    return out


def _dateparser_mentions(source: str, lang: str, ref: dt.date, future: bool) -> list[_Mention]:
    try:
        from dateparser.search import search_dates
        found = search_dates(source, languages=[lang], settings={
            "RELATIVE_BASE": dt.datetime(ref.year, ref.month, ref.day, 12, 0),
            "PREFER_DATES_FROM": "future" if future else "past",
            "REQUIRE_PARTS": ["day", "month"],
            "RETURN_AS_TIMEZONE_AWARE": False})
    except Exception:  # noqa: BLE001 - dateparser raises assorted errors on odd input
        return []
    out = []
    for phrase, when in found or []:
        if (not re.search(r"\d", phrase) or not re.search(r"[^\W\d_]{3,}", phrase)
                or _TIMEISH.search(phrase) or _DURATION.search(phrase)):
            continue
        year = re.search(r"\d{4}", phrase)
        date = when.date() if year else _infer_year(when.month, when.day, ref, future)
        if date:
            pos = source.find(phrase)
            out.append(_Mention(pos, pos + len(phrase), date, "dateparser", 1))
    return out


def extract_date(text: str, lang: str | None, reference_time: str | dt.datetime | None = None) -> DateResult:
    """The event date mentioned in ``text`` (language ``lang``), relative to ``reference_time``."""
    ref = reference_date(reference_time)
    code = (lang or "en").lower()
    folded = fold(text or "")
    lexicons = [_lexicon(code)]
    if code not in ("zh", "ja") and re.search(r"[\u4e00-\u9fff]", folded.text):
        lexicons.append(_lexicon("zh"))
    mentions: list[_Mention] = []
    for lex in lexicons:
        mentions.extend(_mentions(folded.text, lex, ref))
    dated = [m for m in mentions if m.date is not None]
    source_spans = [(folded.source_span(m.start, m.end), m) for m in dated]
    if not dated and re.search(r"\d", folded.text):
        lex = lexicons[0]
        future = bool(lex.rx_future and lex.rx_future.search(folded.text))
        source_spans = [((m.start, m.end), m)
                        for m in _dateparser_mentions(folded.source, code, ref, future)]
    if not source_spans:
        return DateResult(None, 0.9 if not mentions else 0.7, None, None)
    (a, b), best = max(source_spans, key=lambda sm: (sm[1].priority, -sm[1].start))
    rivals = {m.date for _, m in source_spans if m.priority == best.priority}
    confidence = {3: 0.95, 2: 0.9, 1: 0.6}.get(best.priority, 0.5) - (0.2 if len(rivals) > 1 else 0.0)
    return DateResult(best.date, round(confidence, 2), folded.source[a:b], best.kind)


def event_date(text: str, lang: str | None, reference_time: str | dt.datetime | None = None) -> str | None:
    """ISO date (``YYYY-MM-DD``) of the event, or None when the text names no day."""
    return extract_date(text, lang, reference_time).iso
