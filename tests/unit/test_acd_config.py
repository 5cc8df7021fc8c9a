"""Skill strings and routing configuration of the ACD."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from gateway.acd import DEFAULT_ROUTING, RoutingConfig, Tier, default_routing, format_skills, parse_skills
from gateway.acd.skills import validate_skills
from gateway.errors import InvalidField, NoRoute


def test_parse_skills_basic() -> None:
    assert parse_skills("lang:ja=4, sign:csl=5") == {"lang:ja": 4, "sign:csl": 5}
    assert parse_skills("  LANG:zh-Hans = 3 ") == {"lang:zh-hans": 3}
    assert parse_skills("") == {}
    assert parse_skills("   ") == {}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("lang:ja", "name=level"),
        ("lang:ja=6", "between 1 and 5"),
        ("lang:ja=0", "between 1 and 5"),
        ("lang:ja=x", "must be an integer"),
        ("lang:ja=4.5", "must be an integer"),
        ("=4", "must not be empty"),
        ("lang:ja=4,,sign:csl=5", "item 2 is empty"),
        ("lang:ja=4, LANG:JA=3", "listed twice"),
        ("lang ja=4", "not a skill name"),
        ("lang::ja=4", "not a skill name"),
    ],
)
def test_parse_skills_errors(text: str, needle: str) -> None:
    with pytest.raises(InvalidField, match=needle):
        parse_skills(text)


def test_format_and_validate_skills() -> None:
    skills = {"sign:csl": 5, "lang:ja": 4}
    assert format_skills(skills) == "lang:ja=4, sign:csl=5"
    assert parse_skills(format_skills(skills)) == skills
    assert validate_skills({"Lang:EN": 2}) == {"lang:en": 2}
    with pytest.raises(InvalidField, match="between 1 and 5"):
        validate_skills({"lang:en": 7})
    with pytest.raises(InvalidField, match="integer"):
        validate_skills({"lang:en": True})


def test_default_routing_routes() -> None:
    cfg = default_routing()
    assert [q.name for q in cfg.queues] == ["chat", "video", "voice", "interpret"]
    q, skill = cfg.route("chat", "ja")
    assert (q.name, skill) == ("chat", "lang:ja")
    q, skill = cfg.route("video", None)
    assert (q.name, skill) == ("video", "sign:csl")
    assert q.tiers == (
        Tier(0.0, 4, ("agent",)),
        Tier(45.0, 3, ("agent",)),
        Tier(90.0, 1, ("agent", "volunteer")),
    )
    assert cfg.route("voice", "EN")[1] == "lang:en"
    assert cfg.priority_for("video") == 10
    assert cfg.priority_for("kiosk") == 5
    assert cfg.priority_for("chat") == 0
    chat = cfg.queue("chat")
    assert (chat.ring_timeout_s, chat.wrap_up_s, chat.default_handle_s) == (20.0, 30.0, 240.0)
    assert [t.after_s for t in chat.tiers] == [0.0, 60.0, 120.0]
    q, skill = cfg.route("interpret", "uk")
    assert (q.name, skill) == ("interpret", "lang:uk")
    assert q.tiers[0] == Tier(0.0, 2, ("volunteer",))      # volunteers are rung first
    assert cfg.priority_for("interpret") > cfg.priority_for("video")


def test_route_errors() -> None:
    cfg = default_routing()
    with pytest.raises(NoRoute, match="fax"):
        cfg.route("fax", "ja")
    with pytest.raises(InvalidField, match="lang is required"):
        cfg.route("chat", None)
    with pytest.raises(InvalidField, match="not a language code"):
        cfg.route("chat", "ja jp")


def test_config_round_trip_and_constant_untouched() -> None:
    before = copy.deepcopy(DEFAULT_ROUTING)
    cfg = RoutingConfig.from_dict(DEFAULT_ROUTING)
    assert RoutingConfig.from_dict(cfg.to_dict()) == cfg
    assert DEFAULT_ROUTING == before


def test_queue_defaults_apply() -> None:
    cfg = RoutingConfig.from_dict(
        {"queues": [{"name": "q", "channels": ["chat"], "skill": "lang:{lang}", "tiers": [
            {"after_s": 0, "min_level": 1, "kinds": ["agent"]}]}]}
    )
    q = cfg.queue("q")
    assert (q.ring_timeout_s, q.wrap_up_s, q.default_handle_s) == (20.0, 30.0, 240.0)
    assert cfg.priorities == {}


def _chat(d: dict[str, Any]) -> dict[str, Any]:
    return d["queues"][0]


Mutation = Callable[[dict[str, Any]], None]

BAD_CONFIGS: list[tuple[str, Mutation, str]] = [
    ("unknown top key", lambda d: d.update(queue=[]), "unknown key 'queue'"),
    ("missing queues", lambda d: d.pop("queues"), "'queues' is required"),
    ("empty queues", lambda d: d.update(queues=[]), "non-empty list"),
    ("unknown queue key", lambda d: _chat(d).update(ring_s=3), r"queues\[0\]: unknown key 'ring_s'"),
    ("missing skill", lambda d: _chat(d).pop("skill"), r"queues\[0\]\.skill is required"),
    ("unknown tier key", lambda d: _chat(d)["tiers"][1].update(level=2), r"queues\[0\]\.tiers\[1\]: unknown key"),
    ("level 7", lambda d: _chat(d)["tiers"][2].update(min_level=7), r"queues\[0\]\.tiers\[2\]\.min_level"),
    ("first not 0", lambda d: _chat(d)["tiers"][0].update(after_s=5), r"tiers\[0\]\.after_s: the first tier"),
    ("not increasing", lambda d: _chat(d)["tiers"][2].update(after_s=60), r"tiers\[2\]\.after_s must be greater"),
    ("narrowing level", lambda d: _chat(d)["tiers"][1].update(min_level=5), r"tiers\[1\]\.min_level 5 is stricter"),
    ("dropping kind", lambda d: _chat(d)["tiers"][2].update(kinds=["volunteer"]), r"tiers\[2\]\.kinds drops agent"),
    ("unknown kind", lambda d: _chat(d)["tiers"][0].update(kinds=["robot"]), r"tiers\[0\]\.kinds: 'robot'"),
    ("empty kinds", lambda d: _chat(d)["tiers"][0].update(kinds=[]), r"tiers\[0\]\.kinds must be a non-empty"),
    ("no tiers", lambda d: _chat(d).update(tiers=[]), r"queues\[0\]\.tiers must be a non-empty list"),
    ("dup channel", lambda d: d["queues"][1].update(channels=["chat"]), r"queues\[1\]\.channels: channel 'chat'"),
    ("dup name", lambda d: d["queues"][2].update(name="chat"), r"queues\[2\]\.name 'chat' is used"),
    ("bad placeholder", lambda d: _chat(d).update(skill="lang:{language}"), r"queues\[0\]\.skill.*only placeholder"),
    ("bad skill", lambda d: _chat(d).update(skill="lang ja"), r"queues\[0\]\.skill"),
    ("neg ring", lambda d: _chat(d).update(ring_timeout_s=0), r"queues\[0\]\.ring_timeout_s must be > 0"),
    ("neg wrap", lambda d: _chat(d).update(wrap_up_s=-1), r"queues\[0\]\.wrap_up_s must be >= 0"),
    ("bool handle", lambda d: _chat(d).update(default_handle_s=True), r"default_handle_s must be a number"),
    ("bad channel", lambda d: _chat(d).update(channels=["Chat Room"]), r"queues\[0\]\.channels\[0\]"),
    ("priority str", lambda d: d["priorities"].update(video="high"), r"priorities\.video must be an integer"),
    ("priorities list", lambda d: d.update(priorities=[1]), r"priorities must be an object"),
]


@pytest.mark.parametrize(("label", "mutate", "needle"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_config_validation_errors(label: str, mutate: Mutation, needle: str) -> None:
    data = copy.deepcopy(DEFAULT_ROUTING)
    mutate(data)
    with pytest.raises(InvalidField, match=needle):
        RoutingConfig.from_dict(data)


def test_config_not_a_mapping() -> None:
    with pytest.raises(InvalidField, match="must be an object"):
        RoutingConfig.from_dict([])  # type: ignore[arg-type]
