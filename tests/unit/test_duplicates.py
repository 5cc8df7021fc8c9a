"""Duplicate suggestions: scoring reasons, the time window, open-only, normalised addresses, bigram text."""

from __future__ import annotations

import pytest

from gateway.domain import duplicates
from gateway.domain.duplicates import bigrams, jaccard, normalise_address, suggest
from gateway.domain.ticket import Ticket

DAY = 86_400.0
T0 = 1_790_000_000.0
TEXT = "浦东新区世纪大道100号门口的井盖坏了，很危险"


def ticket(number: str, *, text_zh: str | None = TEXT, original: str = "The manhole cover is broken",
           department: str | None = "URBAN_MANAGEMENT", district: str | None = "pudong",
           address: str | None = "浦东新区世纪大道100号", created: float = T0, status: str = "dispatched") -> Ticket:
    t = Ticket.new_draft(number, "chat", "en", original, actor="system", now=created, department=department,
                         district=district, address=address, text_zh=text_zh)
    t.status = status
    return t


def test_normalise_address() -> None:
    assert normalise_address("上海市 浦东新区世纪大道１００号") == "世纪大道100号"
    assert normalise_address("浦东新区世纪大道100号。") == normalise_address("世纪大道 100 号")
    assert normalise_address("浦东大道100号") == "浦东大道100号"        # a road named after the district stays
    assert normalise_address("100 Century Avenue, Pudong New Area") == "100centuryavenuepudongnewarea"
    assert normalise_address("Shanghai, Pudong New Area, 100 Century Ave") == "100centuryave"
    assert normalise_address(None) == ""


def test_bigram_jaccard() -> None:
    assert bigrams("井盖坏了") == {"井盖", "盖坏", "坏了"}
    assert bigrams("井") == {"井"} and bigrams("  ") == frozenset()
    assert jaccard(bigrams("井盖坏了"), bigrams("井盖坏了！")) == 1.0
    assert jaccard(bigrams("井盖坏了"), bigrams("路灯不亮")) == 0.0
    assert jaccard(frozenset(), bigrams("x")) == 0.0
    assert jaccard(bigrams("abcd"), bigrams("abce")) == pytest.approx(2 / 4)


def test_the_same_matter_scores_high_with_all_reasons() -> None:
    t = ticket("1")
    same = ticket("2", text_zh="世纪大道100号门口井盖坏了，很危险！", original="Dangerous: no lid on the drain",
                  address="上海市世纪大道100号", created=T0 + 3600)
    similar = duplicates.text_similarity(t, same)
    assert 0.6 < similar < 1.0                         # from the Chinese texts; the originals share little
    [hit] = suggest(t, [same], T0)
    assert hit["id"] == same.id and hit["number"] == "2"
    assert hit["reasons"] == ["same_department", "same_district", "same_address", "close_in_time", "similar_text"]
    assert hit["score"] == pytest.approx(0.35 + 0.15 + 0.10 + 0.10 * (1 - 3600 / (7 * DAY)) + 0.30 * similar, abs=1e-3)


def test_ranking_and_limit() -> None:
    t = ticket("1")
    exact = ticket("2", created=T0 + 60)
    place_only = ticket("3", text_zh="这里晚上很吵", original="noisy at night", created=T0 + 2 * DAY)
    district_only = ticket("4", text_zh="公园垃圾没人清理", original="litter", address="张江路1号",
                           department="GREENING_CITY_APPEARANCE", created=T0 + 3 * DAY)
    found = suggest(t, [district_only, place_only, exact], T0)
    assert [f["number"] for f in found] == ["2", "3", "4"]
    assert found[0]["score"] > found[1]["score"] > found[2]["score"]
    assert found[2]["reasons"] == ["same_district"]
    assert [f["number"] for f in suggest(t, [district_only, place_only, exact], T0, limit=2)] == ["2", "3"]
    assert suggest(t, [exact], T0, limit=0) == []


def test_filters_closed_self_merged_old_and_unrelated() -> None:
    t = ticket("1")
    closed = ticket("2", status="closed")
    merged = ticket("3")
    merged.merged_into = "somewhere"
    old = ticket("4", created=T0 - 8 * DAY)
    unrelated = ticket("5", text_zh="出租车拒载", original="taxi refused", district="xuhui", address="衡山路1号")
    later = ticket("6", created=T0 + 6 * DAY)
    assert [f["number"] for f in suggest(t, [t, closed, merged, old, unrelated, later], T0)] == ["6"]
    assert [f["number"] for f in suggest(t, [old], T0, days=10)] == ["4"]
    assert "close_in_time" not in suggest(t, [later], T0)[0]["reasons"]


def test_same_department_and_time_alone_are_not_a_duplicate() -> None:
    t = ticket("1")
    busy = ticket("2", text_zh="违章搭建", original="illegal building", district="jingan", address="南京西路1号")
    assert suggest(t, [busy], T0) == []


def test_original_text_counts_when_there_is_no_chinese() -> None:
    t = ticket("1", text_zh=None, district=None, address=None, original="The manhole cover on Century Avenue is broken")
    c = ticket("2", text_zh=None, district=None, address=None, department="WATER",
               original="the manhole cover on century avenue is broken!")
    [hit] = suggest(t, [c], T0)
    assert hit["reasons"] == ["close_in_time", "similar_text"]
    assert hit["score"] == pytest.approx(duplicates.WEIGHTS["similar_text"] + duplicates.WEIGHTS["close_in_time"])


def test_anchor_is_now_for_a_ticket_without_creation_time() -> None:
    t = ticket("1")
    t.created_at = 0.0
    assert [f["number"] for f in suggest(t, [ticket("2", created=T0)], T0 + DAY)] == ["2"]
    assert suggest(t, [ticket("2", created=T0)], T0 + 30 * DAY) == []
