"""Property test: random operation sequences keep the ACD consistent."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.acd import (
    ACD,
    Abandoned,
    Event,
    Finished,
    Offered,
    OfferWithdrawn,
    Requeued,
    SeatView,
    default_routing,
)
from gateway.clock import ManualClock
from gateway.errors import GatewayError

SEATS = ["s0", "s1", "s2", "s3", "s4"]
SKILLS = ["lang:ja", "lang:en", "sign:csl"]
CHANNELS = [("chat", "ja"), ("chat", "en"), ("voice", "ja"), ("video", None)]

seat_ids = st.sampled_from(SEATS)
skill_sets = st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=3)
initial_seats = st.lists(
    st.tuples(st.sampled_from(["agent", "agent", "volunteer"]),
              st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), min_size=1, max_size=3)),
    min_size=1, max_size=len(SEATS),
)
any_session = st.integers(0, 1000)  # picks one of the sessions seen so far (modulo), or an unknown id
ops = st.one_of(
    st.tuples(st.just("login"), seat_ids, st.sampled_from(["agent", "volunteer"]), skill_sets),
    st.tuples(st.just("logout"), seat_ids),
    st.tuples(st.just("set_state"), seat_ids, st.sampled_from(["available", "available", "away"])),
    st.tuples(st.just("enqueue"), st.sampled_from(CHANNELS), st.none() | st.integers(0, 3)),
    st.tuples(st.just("cancel"), any_session),
    st.tuples(st.just("accept"), seat_ids),
    st.tuples(st.just("accept"), seat_ids),
    st.tuples(st.just("reject"), seat_ids),
    st.tuples(st.just("finish"), seat_ids),
    st.tuples(st.just("finish"), seat_ids),
    st.tuples(st.just("seat_lost"), seat_ids),
    st.tuples(st.just("requeue"), any_session, st.sampled_from(["seat_no_answer", "seat_disconnected"])),
    st.tuples(st.just("tick"), st.sampled_from([0.0, 1.0, 5.0, 19.9, 20.0, 30.0, 45.0, 60.0, 120.0])),
)

class Model:
    """What the event stream says: which seat holds which session, and each session's queue facts."""

    def __init__(self) -> None:
        self.holder: dict[str, str] = {}  # session -> seat (offered or connected)
        self.sessions: dict[str, tuple[str, str | None, float]] = {}  # session -> (channel, lang, enqueued_at)

    def apply(self, events: list[Event]) -> None:
        for ev in events:
            if isinstance(ev, Offered):
                assert ev.session_id not in self.holder, f"{ev.session_id} offered twice"
                assert ev.seat_id not in self.holder.values(), f"{ev.seat_id} offered a second session"
                self.holder[ev.session_id] = ev.seat_id
            elif isinstance(ev, (OfferWithdrawn, Requeued)):
                self.holder.pop(ev.session_id, None)
            elif isinstance(ev, (Finished, Abandoned)):
                self.holder.pop(ev.session_id, None)
                del self.sessions[ev.session_id]


def run_op(acd: ACD, clock: ManualClock, model: Model, op: tuple[Any, ...], counter: list[int]) -> list[Event]:
    name = op[0]
    if name == "login":
        return acd.login(op[1], op[1], op[2], op[3])
    if name in ("logout", "seat_lost"):
        return getattr(acd, name)(op[1])
    if name == "set_state":
        return acd.set_state(op[1], op[2])
    if name == "enqueue":
        counter[0] += 1
        sid = f"c{counter[0]}"
        (channel, lang), priority = op[1], op[2]
        events = acd.enqueue(sid, channel, lang, priority=priority)
        model.sessions[sid] = (channel, lang, clock.now())
        return events
    if name in ("cancel", "requeue"):
        known = sorted(model.sessions)
        sid = known[op[1] % len(known)] if known and op[1] % 7 else f"c{op[1]}"
        return acd.cancel(sid) if name == "cancel" else acd.requeue(sid, op[2])
    if name in ("accept", "reject", "finish"):
        held = acd.seat(op[1]).session_id if op[1] in {v.seat_id for v in acd.seats()} else None
        return getattr(acd, name)(op[1], held or "c0")
    clock.advance(op[1])
    return acd.tick()


def check_invariants(acd: ACD, clock: ManualClock, model: Model) -> None:
    cfg = acd.config
    views: list[SeatView] = acd.seats()
    holding = {v.session_id: v.seat_id for v in views if v.session_id is not None}
    # One seat, one session; one session, one seat; the event stream agrees with the views.
    assert len(holding) == sum(1 for v in views if v.session_id is not None)
    assert holding == model.holder
    for v in views:
        if v.state == "busy":
            assert v.session_id is not None and acd.status(v.session_id).state == "connected"
        elif v.state == "available":
            assert v.ringing == (v.session_id is not None)
            if v.session_id is not None:
                assert acd.status(v.session_id).state == "offered"
        else:
            assert v.session_id is None
    now = clock.now()
    idle = [v for v in views if v.state == "available" and v.session_id is None]
    for sid, (channel, lang, enqueued_at) in model.sessions.items():
        status = acd.status(sid)
        if status.state != "waiting":
            assert holding.get(sid) is not None
            continue
        assert sid not in holding
        queue, skill = cfg.route(channel, lang)
        tier = queue.tiers[queue.tier_index(enqueued_at, now)]
        for v in idle:
            assert not tier.admits(v.kind, v.skills.get(skill, 0)), f"{sid} waits while {v.seat_id} is idle"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial_seats, st.lists(ops, min_size=1, max_size=60))
def test_random_operations_keep_acd_consistent(
    seats: list[tuple[str, dict[str, int]]], sequence: list[tuple[Any, ...]]
) -> None:
    clock = ManualClock(1_795_824_000.0)
    acd = ACD(default_routing(), clock)
    model = Model()
    counter = [0]
    for seat_id, (kind, skills) in zip(SEATS, seats):
        acd.login(seat_id, seat_id, kind, skills)
        model.apply(acd.set_state(seat_id, "available"))
    for op in sequence:
        before = (acd.snapshot(), acd.seats())
        try:
            events = run_op(acd, clock, model, op, counter)
        except GatewayError:
            # A refused operation changes nothing.
            assert (acd.snapshot(), acd.seats()) == before
            continue
        model.apply(events)
        check_invariants(acd, clock, model)
