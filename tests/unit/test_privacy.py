"""Resident ID, disability certificate and phone validation; masking, hashing and redaction."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain import privacy
from gateway.domain.privacy import (
    hash_identifier,
    mask_id,
    mask_phone,
    redact,
    validate_cn_id,
    validate_disability_cert,
    validate_phone,
)
from gateway.errors import InvalidField

GOOD_ID = "11010519491231002X"  # the GB 11643-1999 standard's own example
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def check_char(body: str) -> str:
    """Independent re-implementation of the check character, for the tests."""
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS))
    return {0: "1", 1: "0", 2: "X"}.get(total % 11, str(12 - total % 11))


def make_id(region: str = "310104", born: date = date(1985, 7, 12), seq: str = "123") -> str:
    body = region + born.strftime("%Y%m%d") + seq
    return body + check_char(body)


def test_known_good_id_check_character_by_hand() -> None:
    # 1*7+1*9+0*10+1*5+0*8+5*4+1*2+9*1+4*6+9*3+1*7+2*9+3*10+1*5+0*8+0*4+2*2 = 167; 167 % 11 = 2 -> 'X'
    assert sum(int(d) * w for d, w in zip(GOOD_ID[:17], WEIGHTS)) == 167
    assert check_char(GOOD_ID[:17]) == "X"
    assert privacy.id_check_char(GOOD_ID[:17]) == "X"
    assert validate_cn_id(GOOD_ID) == GOOD_ID


def test_lower_case_x_and_blanks_are_normalised() -> None:
    assert validate_cn_id("  11010519491231002x ") == GOOD_ID


def test_generated_ids_validate() -> None:
    for region in ("310115", "440305", "710000", "810000", "820000", "910000"):
        assert validate_cn_id(make_id(region=region)) == make_id(region=region)


def _fails(value: str, fragment: str, **kw: object) -> InvalidField:
    with pytest.raises(InvalidField) as info:
        validate_cn_id(value, **kw)  # type: ignore[arg-type]
    err = info.value
    assert err.code == "invalid_field"
    assert "id_number" in err.message
    assert fragment in err.message
    if value.strip():
        assert value.strip() not in err.message
    for i in range(len(value) - 5):  # not even a 6-character run of the number
        assert value[i:i + 6] not in err.message
    return err


def test_wrong_check_character() -> None:
    _fails(GOOD_ID[:17] + "1", "check character")
    _fails(make_id()[:17] + ("0" if make_id()[17] != "0" else "1"), "check character")


def test_bad_length_and_shape() -> None:
    _fails(GOOD_ID[:17], "18 characters")
    _fails(GOOD_ID + "1", "18 characters")
    _fails("1101051949123100XX", "17 digits")
    _fails("11010519491231Ａ02X", "17 digits")
    _fails("", "18 characters")


def test_non_ascii_digits_rejected() -> None:
    arabic_indic = GOOD_ID[:16].replace("1", "\u0661") + "2X"
    _fails(arabic_indic, "17 digits")


def test_bad_birth_dates() -> None:
    _fails(make_id(born=date(1985, 1, 1))[:10] + "0230" + "123" + "0", "date of birth")  # Feb 30
    body = "310104" + "19851301" + "123"
    _fails(body + check_char(body), "date of birth")  # month 13
    body = "310104" + "18991231" + "123"
    _fails(body + check_char(body), "impossible date of birth")


def test_future_birth_date_relative_to_today() -> None:
    today = date(2026, 11, 28)
    tomorrow = make_id(born=today + timedelta(days=1))
    _fails(tomorrow, "impossible date of birth", today=today)
    assert validate_cn_id(make_id(born=today), today=today)
    assert validate_cn_id(tomorrow) == tomorrow  # no today given: no future check


@pytest.mark.parametrize("region", ["000000", "100000", "160000", "240000", "300000", "660000", "720000", "990000"])
def test_bad_province_codes(region: str) -> None:
    _fails(make_id(region=region), "province code")


def test_non_string_input() -> None:
    with pytest.raises(InvalidField, match="id_number must be a string"):
        validate_cn_id(None)  # type: ignore[arg-type]


PROVINCES = sorted(privacy.PROVINCE_CODES)


@st.composite
def id_bodies(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(PROVINCES))
    rest = draw(st.integers(0, 9999))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 28)))
    seq = draw(st.integers(0, 999))
    return f"{province:02d}{rest:04d}{born:%Y%m%d}{seq:03d}"


@settings(max_examples=300)
@given(body=id_bodies(), position=st.integers(0, 16), delta=st.integers(1, 9))
def test_property_valid_ids_validate_and_one_digit_change_fails(body: str, position: int, delta: int) -> None:
    good = body + check_char(body)
    assert validate_cn_id(good, today=date(2026, 11, 28)) == good
    assert validate_cn_id(good.lower()) == good
    changed = body[:position] + str((int(body[position]) + delta) % 10) + body[position + 1:]
    with pytest.raises(InvalidField):
        validate_cn_id(changed + good[17])


@given(body=id_bodies(), wrong=st.sampled_from("0123456789X"))
def test_property_wrong_check_char_fails(body: str, wrong: str) -> None:
    if wrong == check_char(body):
        return
    with pytest.raises(InvalidField, match="check character"):
        validate_cn_id(body + wrong)


def test_disability_certificate() -> None:
    cert = GOOD_ID + "21"  # hearing, level 1
    assert validate_disability_cert(cert.lower()) == cert
    for category in "1234567":
        for level in "1234":
            assert validate_disability_cert(GOOD_ID + category + level)


@pytest.mark.parametrize("cert,fragment", [
    (GOOD_ID + "81", "category digit"),
    (GOOD_ID + "01", "category digit"),
    (GOOD_ID + "25", "level digit"),
    (GOOD_ID + "20", "level digit"),
    (GOOD_ID + "2", "20 characters"),
    (GOOD_ID + "21B", "20 characters"),
    (GOOD_ID[:17] + "121", "check character"),
])
def test_bad_disability_certificates(cert: str, fragment: str) -> None:
    with pytest.raises(InvalidField) as info:
        validate_disability_cert(cert)
    assert "disability_cert" in info.value.message and fragment in info.value.message
    assert cert not in info.value.message and GOOD_ID[:17] not in info.value.message


@pytest.mark.parametrize("raw,normal", [
    ("13812345678", "+8613812345678"),
    ("138 1234 5678", "+8613812345678"),
    ("+86 138-1234-5678", "+8613812345678"),
    ("0086 139 1234 5678", "+8613912345678"),
    ("021-62345678", "+862162345678"),
    ("(021) 6234 5678", "+862162345678"),
    ("62345678", "+862162345678"),
    ("+86 21 6234 5678", "+862162345678"),
    ("+44 20 7946 0958", "+442079460958"),
    ("+1 415-555-2671", "+14155552671"),
    ("0081 3 1234 5678", "+81312345678"),
])
def test_valid_phones(raw: str, normal: str) -> None:
    assert validate_phone(raw) == normal


@pytest.mark.parametrize("raw", [
    "12812345678", "1381234567", "138123456789", "12345678", "021-12345678", "+8662345678",
    "+86 1381234567", "+1234567", "+1234567890123456", "+0123456789", "hello", "", "13８12345678",
])
def test_invalid_phones(raw: str) -> None:
    with pytest.raises(InvalidField) as info:
        validate_phone(raw)
    assert "phone" in info.value.message
    if raw:
        assert raw not in info.value.message


def test_mask_id() -> None:
    assert mask_id("110105194912311234") == "110***********1234"
    assert mask_id(GOOD_ID.lower()) == "110***********002X"
    assert mask_id(GOOD_ID + "21") == "110*************2X21"
    assert mask_id("1234567") == "*******"


def test_mask_phone() -> None:
    assert mask_phone("138 1234 5678") == "+86 138****5678"
    assert mask_phone("+44 20 7946 0958") == "+44 207***0958"
    assert mask_phone("+1 415 555 2671") == "+1 415***2671"
    assert mask_phone("021-62345678") == "+86 216***5678"
    assert mask_phone("+852 9123 4567") == "+852 ******67"


def test_hash_identifier_is_keyed_and_stable() -> None:
    a = hash_identifier(GOOD_ID, b"secret-one")
    assert a == hash_identifier(GOOD_ID, b"secret-one")
    assert len(a) == 64 and int(a, 16) >= 0
    assert a != hash_identifier(GOOD_ID, b"secret-two")
    assert a != hash_identifier("110105194912310021", b"secret-one")
    assert GOOD_ID not in a
    with pytest.raises(ValueError):
        hash_identifier(GOOD_ID, b"")


def test_redact_masks_ids_certs_and_phones() -> None:
    text = (f"caller id {GOOD_ID}, cert {GOOD_ID}21, mobile 138 1234 5678, "
            "office (021) 6234-5678, home +44 20 7946 0958.")
    out = redact(text)
    assert GOOD_ID not in out and "1234 5678" not in out and "7946 0958" not in out
    assert "110***********002X" in out
    assert "110*************2X21" in out
    assert "+86 138****5678" in out
    assert "+86 216***5678" in out
    assert "+44 207***0958" in out


def test_redact_leaves_ordinary_numbers_alone() -> None:
    text = ("ticket 20261128000123 at 2026-11-28T10:00:00Z, ts 1795824000.25, "
            "session 3f2a1234567890123456789b, queue position 3, port 8080")
    assert redact(text) == text
