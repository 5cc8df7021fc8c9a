"""Tickets: drafts, validated edits with history, caller privacy, JSON round-trip."""

from __future__ import annotations

import json
from datetime import date

import pytest

from gateway.domain import audit
from gateway.domain.ticket import (
    Attachment,
    CallerInfo,
    Channel,
    HistoryEntry,
    Ticket,
    channel,
    ticket_number,
)
from gateway.errors import IllegalTransition, InvalidField, UnknownChannel, UnknownLanguage

SECRET = b"test-secret"
RAW_ID = "11010519491231002X"
RAW_CERT = RAW_ID + "21"
RAW_PHONE = "138 1234 5678"
T0 = 1_795_824_000.0


def draft(**fields: object) -> Ticket:
    return Ticket.new_draft("20261128000001", "chat", "en", "My landlord keeps my deposit.",
                            actor="system", now=T0, session_id="s1", **fields)


def test_ticket_number() -> None:
    assert ticket_number(date(2026, 11, 28), 123) == "20261128000123"
    assert ticket_number(date(2027, 1, 2), 999_999) == "20270102999999"
    for bad in (0, -1, 1_000_000):
        with pytest.raises(ValueError):
            ticket_number(date(2026, 11, 28), bad)


def test_channel_parsing() -> None:
    assert channel(" Video ") is Channel.VIDEO
    assert [c.value for c in Channel] == ["video", "chat", "voice", "miniapp", "kiosk"]
    with pytest.raises(UnknownChannel) as info:
        channel("fax")
    assert info.value.code == "unknown_channel"


def test_new_draft_records_suggestions() -> None:
    t = draft(category="complaint", department="HOUSING", district="Pudong", event_time="2026-11-27")
    assert t.status == "draft" and t.channel is Channel.CHAT and t.lang == "en"
    assert (t.category, t.department, t.district) == ("COMPLAINT", "HOUSING", "pudong")
    assert t.draft_fields == {"category": "COMPLAINT", "department": "HOUSING",
                              "district": "pudong", "event_time": "2026-11-27"}
    assert len(t.id) == 32 and int(t.id, 16) >= 0
    assert t.created_at == t.updated_at == T0
    # one creation row for the status, the language and each drafted value: the history alone rebuilds it
    assert [(h.action, h.field, h.old, h.new) for h in t.history] == [
        ("create", "status", None, "draft"), ("create", "lang", None, "en"),
        ("create", "category", None, "COMPLAINT"), ("create", "department", None, "HOUSING"),
        ("create", "district", None, "pudong"), ("create", "event_time", None, "2026-11-27")]
    assert audit.replay(t) == []
    assert t.draft_acceptance() == {"category": True, "department": True, "district": True, "event_time": True}


def test_new_draft_validates() -> None:
    with pytest.raises(InvalidField, match="unknown category 'NOISE'"):
        draft(category="NOISE")
    with pytest.raises(UnknownLanguage):
        Ticket.new_draft("1", "chat", "xx", "hi", actor="a", now=T0)
    with pytest.raises(UnknownChannel):
        Ticket.new_draft("1", "fax", "en", "hi", actor="a", now=T0)
    with pytest.raises(InvalidField, match="field 'status' cannot be edited"):
        draft(status="closed")


def test_edit_appends_one_entry_per_changed_field() -> None:
    t = draft(category="HELP", district="xuhui")
    added = t.edit({"category": "COMPLAINT", "district": "xuhui", "department": "market_regulation",
                    "address": "  1 Huaihai Rd ", "event_time": "2026-11-27T21:30:00+08:00"},
                   actor="agent-7", now=T0 + 60, reason="caller clarified")
    assert [(h.field, h.old, h.new) for h in added] == [
        ("category", "HELP", "COMPLAINT"),
        ("department", None, "MARKET_REGULATION"),
        ("address", None, "1 Huaihai Rd"),
        ("event_time", None, "2026-11-27T21:30:00+08:00"),
    ]
    assert all(h.actor == "agent-7" and h.at == T0 + 60 and h.action == "edit"
               and h.reason == "caller clarified" for h in added)
    assert t.history[-4:] == added and len(t.history) == 4 + 4     # 4 creation rows, 4 edits
    assert t.updated_at == T0 + 60
    assert t.draft_acceptance() == {"category": False, "district": True}


def test_edit_without_change_adds_nothing() -> None:
    t = draft(district="xuhui")
    assert t.edit({"district": "XUHUI"}, actor="a", now=T0 + 5) == []
    assert t.updated_at == T0 and len(t.history) == 3          # status, lang, district at creation


def test_edit_can_clear_and_change_language() -> None:
    t = draft(district="xuhui")
    t.edit({"district": None, "lang": "JA", "text_zh": "房东扣押押金"}, actor="a", now=T0 + 1)
    assert t.district is None and t.lang == "ja" and t.text_zh == "房东扣押押金"


@pytest.mark.parametrize("changes,exc,fragment", [
    ({"category": "NOISE"}, InvalidField, "unknown category"),
    ({"department": "FIRE"}, InvalidField, "unknown department"),
    ({"district": "manhattan"}, InvalidField, "unknown district"),
    ({"lang": "xx"}, UnknownLanguage, "unknown language"),
    ({"lang": None}, UnknownLanguage, "unknown language"),
    ({"event_time": "yesterday"}, InvalidField, "event_time"),
    ({"event_time": "2026-02-30"}, InvalidField, "event_time"),
    ({"event_time": 20261127}, InvalidField, "event_time"),
    ({"address": "x" * 501}, InvalidField, "address is longer than 500"),
    ({"text_zh": "字" * 10_001}, InvalidField, "text_zh is longer"),
    ({"address": 5}, InvalidField, "address must be a string"),
    ({"colour": "red"}, InvalidField, "unknown field 'colour'"),
    ({"status": "closed"}, InvalidField, "field 'status' cannot be edited"),
    ({"deadline": 1.0}, InvalidField, "field 'deadline' cannot be edited"),
    ({"text_original": "rewritten"}, InvalidField, "cannot be edited"),
])
def test_invalid_edits_change_nothing(changes: dict[str, object], exc: type[Exception], fragment: str) -> None:
    t = draft(category="HELP")
    before = t.to_dict()
    with pytest.raises(exc, match=fragment):
        t.edit({"district": "pudong", **changes}, actor="a", now=T0 + 9)
    assert t.to_dict() == before


def test_event_time_normalised() -> None:
    t = draft()
    t.edit({"event_time": " 2026-11-27 "}, actor="a", now=T0)
    assert t.event_time == "2026-11-27"
    t.edit({"event_time": "2026-11-27 21:30"}, actor="a", now=T0)
    assert t.event_time == "2026-11-27T21:30:00"


def test_closed_ticket_cannot_be_edited() -> None:
    t = draft()
    t.status = "closed"
    with pytest.raises(IllegalTransition):
        t.edit({"district": "pudong"}, actor="a", now=T0)


def test_caller_from_raw_keeps_no_raw_values() -> None:
    c = CallerInfo.from_raw(" Ana ", RAW_PHONE, RAW_ID.lower(), RAW_CERT, SECRET)
    assert c.name == "Ana"
    assert c.phone_masked == "+86 138****5678"
    assert c.id_masked == "110***********002X"
    assert c.disability_cert_masked == "110*************2X21"
    # Hashes are of the normalised values, so another spelling matches.
    assert c.id_hash == CallerInfo.from_raw(None, None, RAW_ID, None, SECRET).id_hash
    assert c.phone_hash == CallerInfo.from_raw(None, "+8613812345678", None, None, SECRET).phone_hash
    assert c.phone_hash != CallerInfo.from_raw(None, "+8613812345678", None, None, b"other").phone_hash
    assert CallerInfo.from_raw(None, None, None, None, SECRET) == CallerInfo()


def test_caller_from_raw_rejects_bad_values() -> None:
    with pytest.raises(InvalidField, match="id_number"):
        CallerInfo.from_raw(None, None, RAW_ID[:17] + "1", None, SECRET)
    with pytest.raises(InvalidField, match="disability_cert"):
        CallerInfo.from_raw(None, None, None, RAW_ID + "91", SECRET)
    with pytest.raises(InvalidField, match="phone"):
        CallerInfo.from_raw(None, "12345", None, None, SECRET)
    with pytest.raises(InvalidField, match="name"):
        CallerInfo.from_raw("n" * 101, None, None, None, SECRET)


def test_no_raw_pii_in_to_dict() -> None:
    caller = CallerInfo.from_raw("Ana", RAW_PHONE, RAW_ID, RAW_CERT, SECRET)
    t = draft(category="HELP")
    t.set_caller(caller, actor="agent-7", now=T0 + 1)
    dumped = json.dumps(t.to_dict(), ensure_ascii=False)
    for raw in (RAW_ID, RAW_ID.lower(), RAW_CERT, "13812345678", "1234 5678", RAW_ID[6:14]):
        assert raw not in dumped
    assert "110***********002X" in dumped and "+86 138****5678" in dumped
    assert t.history[-1].field == "caller" and t.history[-1].new["id_masked"] == "110***********002X"


def test_round_trip() -> None:
    t = draft(category="HELP", district="jingan")
    t.set_caller(CallerInfo.from_raw("Ana", RAW_PHONE, RAW_ID, None, SECRET), actor="a", now=T0 + 1)
    t.edit({"department": "HOUSING", "event_time": "2026-11-27"}, actor="a", now=T0 + 2, reason="r")
    t.add_attachment(Attachment(id="att1", kind="image", content_type="image/jpeg", size=1234,
                                name="leak.jpg"), actor="caller", now=T0 + 3)
    t.deadline = T0 + 86_400.5
    t.satisfaction = 4
    data = json.loads(json.dumps(t.to_dict()))
    assert data["channel"] == "chat"
    back = Ticket.from_dict(data)
    assert back == t
    assert back.to_dict() == t.to_dict()
    assert isinstance(back.channel, Channel)
    assert isinstance(back.history[0], HistoryEntry) and isinstance(back.attachments[0], Attachment)


def test_from_dict_without_history_and_with_bad_records() -> None:
    data = draft().to_dict()
    del data["history"]
    assert Ticket.from_dict(data).history == []
    with pytest.raises(InvalidField, match="missing 'number'"):
        Ticket.from_dict({k: v for k, v in data.items() if k != "number"})
    with pytest.raises(InvalidField, match="unknown ticket status"):
        Ticket.from_dict({**data, "status": "lost"})
    with pytest.raises(InvalidField, match="wrong type"):
        Ticket.from_dict({**data, "created_at": "yesterday"})
    with pytest.raises(UnknownChannel):
        Ticket.from_dict({**data, "channel": "fax"})
