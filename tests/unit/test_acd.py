"""Behaviour of the ACD engine, driven by a ManualClock."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from gateway.acd import (
    ACD,
    DEFAULT_ROUTING,
    Abandoned,
    Answered,
    Enqueued,
    Event,
    Finished,
    Offered,
    OfferWithdrawn,
    QueueChanged,
    Requeued,
    RoutingConfig,
    SeatStateChanged,
    default_routing,
)
from gateway.clock import ManualClock
from gateway.errors import Conflict, InvalidField, NoRoute, NotFound, UnknownSession

T0 = 1_795_824_000.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def acd(clock: ManualClock) -> ACD:
    return ACD(default_routing(), clock)


def online(acd: ACD, seat_id: str, skills: dict[str, int], kind: str = "agent") -> list[Event]:
    acd.login(seat_id, seat_id.upper(), kind, skills)
    return acd.set_state(seat_id, "available")


def offers(events: Sequence[Event]) -> list[tuple[str, str]]:
    return [(e.seat_id, e.session_id) for e in events if isinstance(e, Offered)]


def of_type(events: Sequence[Event], cls: type) -> list[Event]:
    return [e for e in events if isinstance(e, cls)]


# ----------------------------------------------------------------- seats


def test_login_starts_away_and_takes_no_calls(acd: ACD) -> None:
    ev = acd.login("s1", "Aiko", "agent", {"lang:ja": 5})
    assert ev == [SeatStateChanged("s1", "offline", "away", "login", None)]
    assert acd.seat("s1").state == "away"
    assert offers(acd.enqueue("c1", "chat", "ja")) == []
    ev = acd.set_state("s1", "available")
    assert ev[0] == SeatStateChanged("s1", "away", "available", "manual", None)
    assert offers(ev) == [("s1", "c1")]


def test_longest_idle_seat_wins(acd: ACD, clock: ManualClock) -> None:
    online(acd, "b", {"lang:ja": 4})
    clock.advance(5)
    online(acd, "a", {"lang:ja": 5})
    online(acd, "c", {"lang:ja": 5})  # same idle_since as "a": tie broken by seat id
    assert offers(acd.enqueue("c1", "chat", "ja")) == [("b", "c1")]
    assert offers(acd.enqueue("c2", "chat", "ja")) == [("a", "c2")]
    assert offers(acd.enqueue("c3", "chat", "ja")) == [("c", "c3")]
    assert acd.seat("b").ringing and acd.seat("b").state == "available"


def test_cancel_while_offered_keeps_idle_since(acd: ACD, clock: ManualClock) -> None:
    online(acd, "a", {"lang:ja": 5})
    clock.advance(3)
    online(acd, "b", {"lang:ja": 5})
    acd.enqueue("c1", "chat", "ja")
    clock.advance(4)
    ev = acd.cancel("c1")
    assert ev[:2] == [OfferWithdrawn("a", "c1", "caller_left"), Abandoned("c1", 4.0)]
    view = acd.seat("a")
    assert (view.state, view.idle_since, view.session_id) == ("available", T0, None)
    assert offers(acd.enqueue("c2", "chat", "ja")) == [("a", "c2")]
    with pytest.raises(UnknownSession):
        acd.status("c1")


def test_proficiency_tiers_widen_at_60_and_volunteers_at_120(acd: ACD, clock: ManualClock) -> None:
    online(acd, "low", {"lang:ja": 2})
    clock.advance(1)
    online(acd, "vol", {"lang:ja": 5}, kind="volunteer")
    clock.advance(1)
    online(acd, "one", {"lang:ja": 1})
    assert offers(acd.enqueue("c1", "chat", "ja")) == []
    assert offers(acd.enqueue("c2", "chat", "ja")) == []
    clock.advance(59.9)
    assert offers(acd.tick()) == []
    clock.advance(0.1)
    assert offers(acd.tick()) == [("low", "c1")]  # level 2 agents now; c2 still can't use "one" or "vol"
    acd.accept("low", "c1")
    clock.advance(59.9)
    assert offers(acd.tick()) == []
    clock.advance(0.1)
    assert offers(acd.tick()) == [("vol", "c2")]  # volunteer idle longer than "one"


def test_video_tiers(acd: ACD, clock: ManualClock) -> None:
    online(acd, "vol", {"sign:csl": 5}, kind="volunteer")
    online(acd, "ag3", {"sign:csl": 3})
    acd.enqueue("v1", "video", None)
    clock.advance(44)
    assert offers(acd.tick()) == []
    clock.advance(1)
    assert offers(acd.tick()) == [("ag3", "v1")]
    acd.accept("ag3", "v1")
    acd.enqueue("v2", "video", None)
    clock.advance(90)
    assert offers(acd.tick()) == [("vol", "v2")]


def test_priority_ordering(acd: ACD, clock: ManualClock) -> None:
    acd.enqueue("low", "chat", "ja")
    clock.advance(1)
    acd.enqueue("high", "chat", "ja", priority=5)
    clock.advance(1)
    acd.enqueue("low2", "chat", "ja")
    assert [acd.status(s).position for s in ("high", "low", "low2")] == [1, 2, 3]
    assert offers(online(acd, "a", {"lang:ja": 5})) == [("a", "high")]
    assert offers(online(acd, "b", {"lang:ja": 5})) == [("b", "low")]


def test_channel_priority_from_config(clock: ManualClock) -> None:
    raw = {
        "queues": [
            {"name": "chat", "channels": ["chat", "kiosk"], "skill": "lang:{lang}",
             "tiers": [{"after_s": 0, "min_level": 1, "kinds": ["agent"]}]},
        ],
        "priorities": {"kiosk": 5},
    }
    acd = ACD(RoutingConfig.from_dict(raw), clock)
    ev = acd.enqueue("walk-in", "chat", "en")
    assert of_type(ev, Enqueued) == [Enqueued("walk-in", "chat", "lang:en", 0, T0)]
    clock.advance(10)
    ev = acd.enqueue("kiosk", "kiosk", "en")
    assert of_type(ev, Enqueued)[0].priority == 5  # type: ignore[attr-defined]
    assert offers(online(acd, "a", {"lang:en": 1})) == [("a", "kiosk")]


def test_other_skills_are_not_blocked(acd: ACD, clock: ManualClock) -> None:
    acd.enqueue("ja", "video", None)  # priority 10, nobody signs
    clock.advance(1)
    acd.enqueue("old-ja", "chat", "ja")
    clock.advance(1)
    assert offers(acd.enqueue("en", "chat", "en")) == []
    assert offers(online(acd, "a", {"lang:en": 5, "lang:ja": 1})) == [("a", "en")]


def test_entry_in_wider_tier_is_not_blocked_by_stricter_one(acd: ACD, clock: ManualClock) -> None:
    acd.enqueue("old", "chat", "ja")
    clock.advance(70)  # "old" is in the level-2 tier now
    acd.enqueue("vip", "chat", "ja", priority=9)  # routed first, but needs level 4 for now
    assert offers(online(acd, "mid", {"lang:ja": 2})) == [("mid", "old")]
    assert acd.status("vip").state == "waiting"


def test_ring_timeout_sends_seat_away_and_caller_back_to_head(acd: ACD, clock: ManualClock) -> None:
    online(acd, "a", {"lang:ja": 5})
    acd.enqueue("c1", "chat", "ja")
    assert acd.next_deadline() == T0 + 20
    clock.advance(5)
    acd.enqueue("c2", "chat", "ja")
    clock.advance(14.9)
    assert acd.tick() == []
    clock.advance(0.1)
    ev = acd.tick()
    assert ev == [
        OfferWithdrawn("a", "c1", "timeout"),
        SeatStateChanged("a", "available", "away", "no_answer", None),
        Requeued("c1", "seat_no_answer"),
        QueueChanged("chat", "lang:ja"),
    ]
    assert acd.status("c1").position == 1
    assert acd.status("c2").position == 2
    assert acd.status("c1").waiting_s == 20.0
    assert offers(online(acd, "b", {"lang:ja": 4})) == [("b", "c1")]


def test_reject(acd: ACD, clock: ManualClock) -> None:
    online(acd, "a", {"lang:ja": 5})
    clock.advance(1)
    online(acd, "b", {"lang:ja": 5})
    acd.login("c", "C", "agent", {"lang:ja": 5})
    acd.enqueue("c1", "chat", "ja")
    acd.enqueue("c2", "chat", "ja")  # goes to b
    clock.advance(3)
    with pytest.raises(Conflict, match="no pending offer"):
        acd.reject("a", "c2")
    ev = acd.reject("a", "c1")
    assert ev[:3] == [
        OfferWithdrawn("a", "c1", "rejected"),
        SeatStateChanged("a", "available", "away", "rejected", None),
        Requeued("c1", "seat_rejected"),
    ]
    assert acd.seat("a").reason == "rejected"
    assert acd.status("c1").waiting_s == 3.0  # kept its enqueued_at
    assert offers(acd.set_state("c", "available")) == [("c", "c1")]


def test_accept_wrap_up_then_auto_available(acd: ACD, clock: ManualClock) -> None:
    online(acd, "a", {"lang:ja": 5})
    acd.enqueue("c1", "chat", "ja")
    clock.advance(7)
    with pytest.raises(Conflict):
        acd.finish("a", "c1")  # not answered yet
    ev = acd.accept("a", "c1")
    assert ev == [SeatStateChanged("a", "available", "busy", "answered", None), Answered("a", "c1", 7.0)]
    assert acd.status("c1").state == "connected"
    acd.enqueue("c2", "chat", "ja")
    clock.advance(100)
    ev = acd.finish("a", "c1")
    assert ev[:2] == [Finished("a", "c1", 100.0), SeatStateChanged("a", "busy", "wrap_up", "finished", clock.now() + 30)]
    assert acd.next_deadline() == T0 + 7 + 120  # c2 reaches the volunteer tier before wrap-up ends
    acd.tick()
    assert acd.average_handle_s("chat", "lang:ja") == pytest.approx(240 + 0.2 * (100 - 240))
    clock.advance(29)
    assert acd.tick() == []
    assert acd.next_deadline() == clock.now() + 1
    clock.advance(1)
    ev = acd.tick()
    assert ev[0] == SeatStateChanged("a", "wrap_up", "available", "wrap_up_done", None)
    assert offers(ev) == [("a", "c2")]


def test_set_state_rules(acd: ACD, clock: ManualClock) -> None:
    with pytest.raises(NotFound, match="unknown seat 'ghost'"):
        acd.set_state("ghost", "available")
    acd.login("a", "A", "agent", {"lang:ja": 5})
    with pytest.raises(InvalidField):
        acd.set_state("a", "busy")
    acd.set_state("a", "available")
    acd.enqueue("c1", "chat", "ja")
    with pytest.raises(Conflict, match="ringing"):
        acd.set_state("a", "available")
    acd.accept("a", "c1")
    with pytest.raises(Conflict, match="busy"):
        acd.set_state("a", "available")
    with pytest.raises(Conflict, match="busy"):
        acd.set_state("a", "away")
    acd.finish("a", "c1")
    ev = acd.set_state("a", "away")  # during wrap-up is fine
    assert ev == [SeatStateChanged("a", "wrap_up", "away", "manual", None)]
    assert acd.next_deadline() is None
    assert acd.set_state("a", "away") == []
    acd.logout("a")
    with pytest.raises(Conflict, match="log in"):
        acd.set_state("a", "available")


def test_away_while_ringing_declines(acd: ACD) -> None:
    online(acd, "a", {"lang:ja": 5})
    acd.enqueue("c1", "chat", "ja")
    ev = acd.set_state("a", "away")
    assert ev[:3] == [
        OfferWithdrawn("a", "c1", "rejected"),
        SeatStateChanged("a", "available", "away", "manual", None),
        Requeued("c1", "seat_rejected"),
    ]


def test_seat_lost_requeues_at_head(acd: ACD, clock: ManualClock) -> None:
    online(acd, "a", {"lang:ja": 5})
    acd.enqueue("c1", "chat", "ja")
    acd.accept("a", "c1")
    clock.advance(10)
    acd.enqueue("c2", "chat", "ja")
    ev = acd.seat_lost("a")
    assert ev[:2] == [
        SeatStateChanged("a", "busy", "away", "disconnected", None),
        Requeued("c1", "seat_disconnected"),
    ]
    assert [acd.status(s).position for s in ("c1", "c2")] == [1, 2]
    assert acd.seat_lost("a") == []
    assert offers(online(acd, "b", {"lang:ja": 5})) == [("b", "c1")]
    # Answered again later: waited_s counts from the original enqueue.
    clock.advance(2)
    assert of_type(acd.accept("b", "c1"), Answered) == [Answered("b", "c1", 12.0)]


def test_logout_requeues_and_goes_offline(acd: ACD) -> None:
    online(acd, "a", {"lang:ja": 5})
    acd.enqueue("c1", "chat", "ja")
    ev = acd.logout("a")
    assert ev[:3] == [
        OfferWithdrawn("a", "c1", "seat_lost"),
        SeatStateChanged("a", "available", "offline", "logout", None),
        Requeued("c1", "seat_disconnected"),
    ]
    assert acd.logout("a") == []
    assert acd.status("c1").seats_online is False
    ev = acd.login("a", "A", "agent", {"lang:ja": 5})
    assert ev[0].new == "away"  # type: ignore[attr-defined]
    assert QueueChanged("chat", "lang:ja") in ev


def test_relogin_updates_skills(acd: ACD) -> None:
    online(acd, "a", {"lang:en": 5})
    acd.enqueue("c1", "chat", "ja")
    ev = acd.login("a", "A", "agent", {"lang:ja": 5})
    assert offers(ev) == [("a", "c1")]
    with pytest.raises(Conflict, match="holds session"):
        acd.login("a", "A", "agent", {"lang:ja": 5})
    with pytest.raises(InvalidField, match="kind"):
        acd.login("b", "B", "robot", {})


def test_cancel_waiting_and_connected(acd: ACD, clock: ManualClock) -> None:
    acd.enqueue("c1", "chat", "ja")
    clock.advance(12)
    assert acd.cancel("c1") == [Abandoned("c1", 12.0), QueueChanged("chat", "lang:ja")]
    online(acd, "a", {"lang:ja": 5})
    acd.enqueue("c2", "chat", "ja")
    acd.accept("a", "c2")
    clock.advance(50)
    ev = acd.cancel("c2")  # caller hung up mid-conversation
    assert ev[0] == Finished("a", "c2", 50.0)
    assert acd.seat("a").state == "wrap_up"
    with pytest.raises(UnknownSession, match="c2"):
        acd.cancel("c2")


def test_errors(acd: ACD) -> None:
    acd.enqueue("c1", "chat", "ja")
    with pytest.raises(Conflict, match="already"):
        acd.enqueue("c1", "chat", "ja")
    with pytest.raises(NoRoute):
        acd.enqueue("c2", "fax", "ja")
    with pytest.raises(InvalidField, match="priority"):
        acd.enqueue("c2", "chat", "ja", priority="high")  # type: ignore[arg-type]
    with pytest.raises(InvalidField, match="enqueued_at"):
        acd.enqueue("c2", "chat", "ja", enqueued_at=float("nan"))
    with pytest.raises(NotFound, match="unknown seat"):
        acd.accept("ghost", "c1")
    with pytest.raises(NotFound, match="'c9'"):
        acd.status("c9")
    acd.login("a", "A", "agent", {})
    with pytest.raises(Conflict, match="no pending offer"):
        acd.accept("a", "c1")
    with pytest.raises(Conflict, match="not connected"):
        acd.finish("a", "c1")
    with pytest.raises(InvalidField, match="reason"):
        acd.requeue("c1", "bored")
    with pytest.raises(Conflict, match="already waiting"):
        acd.requeue("c1", "seat_disconnected")


def test_requeue_api(acd: ACD) -> None:
    online(acd, "a", {"lang:ja": 5})
    acd.enqueue("c1", "chat", "ja")
    acd.accept("a", "c1")
    ev = acd.requeue("c1", "seat_disconnected")
    assert ev[:2] == [
        SeatStateChanged("a", "busy", "away", "disconnected", None),
        Requeued("c1", "seat_disconnected"),
    ]
    assert acd.status("c1").state == "waiting"


# --------------------------------------------------------- position / ETA


def test_position_and_eta_update(acd: ACD, clock: ManualClock) -> None:
    online(acd, "a", {"lang:ja": 5})
    acd.enqueue("c0", "chat", "ja")
    acd.accept("a", "c0")
    for i in (1, 2, 3):
        clock.advance(1)
        acd.enqueue(f"c{i}", "chat", "ja")
    st = [acd.status(f"c{i}") for i in (1, 2, 3)]
    assert [s.position for s in st] == [1, 2, 3]
    assert [s.eta_s for s in st] == [240.0, 480.0, 720.0]
    assert [s.waiting_s for s in st] == [2.0, 1.0, 0.0]
    assert all(s.seats_online and s.state == "waiting" for s in st)
    acd.login("b", "B", "agent", {"lang:ja": 4})  # logged in (away) still counts for the ETA
    assert acd.status("c2").eta_s == 240.0
    acd.login("v", "V", "volunteer", {"lang:ja": 5})  # away volunteer counts too (later tier)
    assert acd.status("c2").eta_s == pytest.approx(2 * 240 / 3)
    acd.logout("v")
    acd.logout("b")
    acd.finish("a", "c0")
    clock.advance(30)
    ev = acd.tick()
    assert offers(ev) == [("a", "c1")]
    assert QueueChanged("chat", "lang:ja") in ev
    assert acd.status("c2").position == 1
    assert acd.status("c3").position == 2
    assert acd.status("c1").position == 0 and acd.status("c1").state == "offered"


def test_eta_none_without_capable_seats(acd: ACD) -> None:
    acd.enqueue("c1", "chat", "ja")
    st = acd.status("c1")
    assert (st.position, st.eta_s, st.seats_online) == (1, None, False)
    acd.login("en", "EN", "agent", {"lang:en": 5})  # wrong skill
    assert acd.status("c1").eta_s is None
    acd.login("ja", "JA", "agent", {"lang:ja": 5})
    assert acd.status("c1").eta_s == 240.0
    acd.logout("ja")
    assert acd.status("c1").seats_online is False


def test_eta_capped_by_idle_volunteer_tier(acd: ACD, clock: ManualClock) -> None:
    online(acd, "a", {"lang:ja": 5})
    acd.enqueue("c0", "chat", "ja")
    acd.accept("a", "c0")
    online(acd, "vol", {"lang:ja": 3}, kind="volunteer")
    acd.enqueue("c1", "chat", "ja")
    assert acd.status("c1").eta_s == 120.0  # 1 * 240 / 2 seats; the volunteer tier opens in 120 s too
    clock.advance(30)
    assert acd.status("c1").eta_s == 90.0  # capped at the time until the volunteer tier opens
    acd.set_state("vol", "away")
    assert acd.status("c1").eta_s == 120.0  # not idle -> no cap
    acd.set_state("vol", "available")
    clock.advance(90)
    assert offers(acd.tick()) == [("vol", "c1")]


def test_restart_restores_order_with_enqueued_at(clock: ManualClock) -> None:
    acd = ACD(default_routing(), clock)
    now = clock.now()
    acd.enqueue("second", "chat", "ja", enqueued_at=now - 50)
    acd.enqueue("first", "chat", "ja", enqueued_at=now - 100)
    acd.enqueue("future", "chat", "ja", enqueued_at=now + 999)  # clamped to now
    assert [acd.status(s).position for s in ("first", "second", "future")] == [1, 2, 3]
    assert acd.status("first").waiting_s == 100.0
    assert acd.status("future").waiting_s == 0.0
    # "first" has waited 100 s so it is already in the level-2 tier.
    assert offers(online(acd, "mid", {"lang:ja": 2})) == [("mid", "first")]
    assert acd.next_deadline() == now + 10  # "second" reaches 60 s


def test_next_deadline(acd: ACD, clock: ManualClock) -> None:
    assert acd.next_deadline() is None
    acd.enqueue("c1", "chat", "ja")
    assert acd.next_deadline() == T0 + 60
    clock.advance(60)
    acd.tick()
    assert acd.next_deadline() == T0 + 120
    clock.advance(60)
    acd.tick()
    assert acd.next_deadline() is None  # last tier: nothing timed
    online(acd, "a", {"lang:ja": 1})
    assert acd.next_deadline() == clock.now() + 20  # ring timeout
    acd.accept("a", "c1")
    assert acd.next_deadline() is None
    acd.finish("a", "c1")
    assert acd.next_deadline() == clock.now() + 30


def test_snapshot(acd: ACD, clock: ManualClock) -> None:
    online(acd, "a", {"lang:ja": 5})
    acd.login("b", "B", "volunteer", {"sign:csl": 2})
    acd.enqueue("c1", "chat", "ja")
    acd.enqueue("v1", "video", None)
    clock.advance(5)
    acd.enqueue("c2", "chat", "en")
    snap = acd.snapshot()
    assert snap["queues"] == [
        {"queue": "chat", "skill": "lang:en", "waiting": 1, "offered": 0, "connected": 0, "oldest_wait_s": 0.0},
        {"queue": "chat", "skill": "lang:ja", "waiting": 0, "offered": 1, "connected": 0, "oldest_wait_s": 0.0},
        {"queue": "video", "skill": "sign:csl", "waiting": 1, "offered": 0, "connected": 0, "oldest_wait_s": 5.0},
    ]
    assert snap["queue_totals"]["voice"]["waiting"] == 0
    assert snap["seats"]["by_state"] == {"available": 1, "busy": 0, "wrap_up": 0, "away": 1, "offline": 0}
    assert snap["seats"]["ringing"] == 1
    assert snap["sessions"] == {"waiting": 2, "offered": 1, "connected": 0}
    assert acd.seats()[0].to_dict()["session"] == "c1"


def test_event_to_dict() -> None:
    assert Requeued("c1", "seat_no_answer").to_dict() == {
        "type": "requeued", "session_id": "c1", "reason": "seat_no_answer"}
    assert SeatStateChanged("a", "busy", "wrap_up", "finished", 1.0).to_dict()["type"] == "seat_state_changed"
    assert OfferWithdrawn("a", "c", "timeout").type == "offer_withdrawn"


def test_default_routing_constant_is_usable_directly(clock: ManualClock) -> None:
    acd = ACD(RoutingConfig.from_dict(DEFAULT_ROUTING), clock)
    assert of_type(acd.enqueue("v", "video", None), Enqueued)[0].priority == 10  # type: ignore[attr-defined]
