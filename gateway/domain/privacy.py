"""Validation, masking and keyed hashing of personal identifiers.

Error messages name the field and the rule that failed, never the value itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

from gateway.errors import InvalidField

#: GB 11643-1999 weights for the first 17 digits, and the check characters by remainder.
ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

#: First two digits of GB/T 2260 region codes: provinces, Taiwan (71), Hong Kong (81),
#: Macao (82), and 91 (foreigners' permanent residence ID cards issued since 2023).
PROVINCE_CODES: frozenset[int] = frozenset({
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
    50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 91})

#: 残疾人证 (third generation): the holder's 18-character ID number, then one digit for the
#: category and one for the level, 20 characters in all.
DISABILITY_CATEGORIES: dict[int, str] = {
    1: "visual", 2: "hearing", 3: "speech", 4: "physical", 5: "intellectual", 6: "mental", 7: "multiple"}
DISABILITY_LEVELS = range(1, 5)

_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_CERT_SHAPE = re.compile(r"[0-9]{17}[0-9X][0-9]{2}")
_PHONE_JUNK = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_SH_LANDLINE = re.compile(r"(?:021)?([2-9][0-9]{7})")
_SH_LANDLINE_INTL = re.compile(r"21([2-9][0-9]{7})")
_E164 = re.compile(r"\+([1-9][0-9]{7,14})")

# E.164 country codes are prefix-free: 1 and 7 are one digit, these are two, the rest three.
_TWO_DIGIT_CC = frozenset({
    20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55,
    56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98})


def id_check_char(body: str) -> str:
    """The GB 11643-1999 check character for a 17-digit body."""
    if len(body) != 17 or not body.isascii() or not body.isdigit():
        raise ValueError("the body of a resident ID number is 17 ASCII digits")
    return ID_CHECK_CHARS[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]


def _clean(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidField(f"{field} must be a string")
    return value.strip().upper()


def _check_id(s: str, field: str, today: date | None) -> None:
    if len(s) != 18:
        raise InvalidField(f"{field} must be 18 characters long")
    if not _ID_SHAPE.fullmatch(s):
        raise InvalidField(f"{field} must be 17 digits followed by a digit or X")
    if int(s[:2]) not in PROVINCE_CODES:
        raise InvalidField(f"{field} does not start with a valid province code")
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        raise InvalidField(f"{field} does not contain a valid date of birth") from None
    if born.year < 1900 or (today is not None and born > today):
        raise InvalidField(f"{field} contains an impossible date of birth")
    if id_check_char(s[:17]) != s[17]:
        raise InvalidField(f"{field} has a wrong check character")


def validate_cn_id(s: str, *, today: date | None = None, field: str = "id_number") -> str:
    """Check an 18-character resident ID number; return it with an upper-case X.

    ``today`` (if given) rejects birth dates after it.
    """
    value = _clean(s, field)
    _check_id(value, field, today)
    return value


def validate_disability_cert(s: str, *, today: date | None = None,
                             field: str = "disability_cert") -> str:
    """Check a 20-character disability certificate number (ID + category 1-7 + level 1-4)."""
    value = _clean(s, field)
    if len(value) != 20 or not _CERT_SHAPE.fullmatch(value):
        raise InvalidField(f"{field} must be 20 characters: the 18-character ID number, "
                           "then the disability category and level digits")
    _check_id(value[:18], field, today)
    if int(value[18]) not in DISABILITY_CATEGORIES:
        raise InvalidField(f"{field} has a disability category digit outside 1-7")
    if int(value[19]) not in DISABILITY_LEVELS:
        raise InvalidField(f"{field} has a disability level digit outside 1-4")
    return value


def validate_phone(s: str, *, field: str = "phone") -> str:
    """Normalise a mainland mobile, a Shanghai landline or an international number to E.164."""
    if not isinstance(s, str):
        raise InvalidField(f"{field} must be a string")
    value = _PHONE_JUNK.sub("", s)
    if value.startswith("00"):
        value = "+" + value[2:]
    if value.startswith("+86"):
        national = value[3:].removeprefix("0")
        if _MOBILE.fullmatch(national):
            return "+86" + national
        landline = _SH_LANDLINE_INTL.fullmatch(national)
        if landline:
            return "+8621" + landline.group(1)
    elif value.startswith("+"):
        if _E164.fullmatch(value):
            return value
    else:
        if _MOBILE.fullmatch(value):
            return "+86" + value
        landline = _SH_LANDLINE.fullmatch(value)
        if landline:
            return "+8621" + landline.group(1)
    raise InvalidField(f"{field} must be a mainland mobile number, a Shanghai landline, "
                       "or an international number starting with + and the country code")


def _country_code(digits: str) -> str:
    if digits[0] in "17":
        return digits[0]
    return digits[:2] if int(digits[:2]) in _TWO_DIGIT_CC else digits[:3]


def _mask_middle(s: str, keep_start: int, keep_end: int) -> str:
    if len(s) <= keep_start + keep_end + 1:
        return "*" * len(s)
    return s[:keep_start] + "*" * (len(s) - keep_start - keep_end) + s[-keep_end:]


def mask_id(s: str) -> str:
    """Keep the first 3 and last 4 characters: ``110**********1234``."""
    return _mask_middle(s.strip().upper(), 3, 4)


def mask_phone(s: str) -> str:
    """``+86 138****5678``: the country code, the first 3 and last 4 national digits."""
    digits = validate_phone(s)[1:]
    cc = _country_code(digits)
    national = digits[len(cc):]
    masked = _mask_middle(national, 3, 4) if len(national) >= 9 else _mask_middle(national, 0, 2)
    return f"+{cc} {masked}"


def hash_identifier(value: str, secret: bytes) -> str:
    """HMAC-SHA256 (hex) of a normalised identifier, for matching without storing it."""
    if not secret:
        raise ValueError("hash_identifier needs a non-empty secret")
    return hmac.new(secret, value.strip().encode("utf-8"), hashlib.sha256).hexdigest()


_B = r"(?<![0-9A-Za-z])"
_E = r"(?![0-9A-Za-z])"
_SEP = r"[ \-]?"
_PII = re.compile(
    rf"{_B}(?P<cert>[0-9]{{17}}[0-9Xx][1-7][1-4]){_E}"
    rf"|{_B}(?P<id>[0-9]{{17}}[0-9Xx]){_E}"
    rf"|(?<![0-9A-Za-z+])(?P<intl>(?:\+|00)[1-9](?:{_SEP}[0-9]){{6,14}}){_E}"
    rf"|{_B}(?P<mobile>1[3-9][0-9](?:{_SEP}[0-9]){{8}}){_E}"
    rf"|{_B}(?P<landline>(?:\(?021\)?{_SEP})?[2-9][0-9]{{3}}{_SEP}[0-9]{{4}}){_E}")


def _redact_match(m: re.Match[str]) -> str:
    text = m.group(0)
    if m.group("cert") or m.group("id"):
        return mask_id(text)
    try:
        return mask_phone(text)
    except InvalidField:
        return "*" * len(text)


def redact(text: str) -> str:
    """Mask anything in free text that looks like an ID, a disability certificate or a phone number."""
    return _PII.sub(_redact_match, text)
