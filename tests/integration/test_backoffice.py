"""The back office end to end over HTTP (docs/BACKOFFICE.md): dispatch, returns and re-routing,
callbacks and review, role boundaries, working-day deadlines and the supervisor's figures."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from gateway.auth import new_token, token_hash
from gateway.clock import ManualClock
from gateway.domain.deadlines import SHANGHAI
from gateway.storage.records import UserRecord
from gateway.web.app import create_app
from gateway.web.keys import REPO
from tests.conftest import Gateway, make_config, recv_until


async def _user(gw, role: str, department: str | None = None) -> dict[str, str]:
    uid = uuid.uuid4().hex
    await gw.app[REPO].create_user(UserRecord(id=uid, login=f"{role}-{uid[:6]}", name=f"{role} {uid[:4]}", role=role,
                                              department=department, created_at=gw.clock.now()))
    token = new_token()
    await gw.app[REPO].add_token(token_hash(token), uid, gw.clock.now(), None)
    return {"Authorization": f"Bearer {token}"}


async def _call(gw, who, path, body=None, method="POST"):
    r = await gw.client.request(method, path, json=body, headers=who)
    return r.status, await r.json()


async def _team(gw):
    agent = {"Authorization": f"Bearer {await gw.add_seat('agent-zh', {'lang:zh': 5})}"}
    return {"agent": agent, "reviewer": await _user(gw, "reviewer"), "callback": await _user(gw, "callback"),
            "supervisor": await _user(gw, "supervisor"), "WATER": await _user(gw, "department", "WATER"),
            "ECO": await _user(gw, "department", "ECOLOGY_ENVIRONMENT"),
            "DISTRICT": await _user(gw, "department", "DISTRICT")}


async def _accepted(gw, who, **extra) -> dict:
    body = {"lang": "zh", "text": "有人在河边用弹弓打鱼，已经好几天了", "category": "REPORT", "district": "pudong",
            "address": "浦东新区川沙河畔", **extra}
    status, t = await _call(gw, who, "/api/v1/tickets", body)
    assert status == 201 and t["status"] == "accepted", t
    return t


async def test_returned_twice_then_rerouted_to_the_district(gw):
    team = await _team(gw)
    t = await _accepted(gw, team["agent"])
    tid = t["id"]
    s, t = await _call(gw, team["agent"], f"/api/v1/tickets/{tid}/dispatch", {"department": "WATER"})
    assert s == 200 and t["status"] == "dispatched" and t["deadline_info"]["state"] in ("ok", "due_soon")
    s, t = await _call(gw, team["WATER"], f"/api/v1/tickets/{tid}/sign", {})
    assert s == 200 and t["signed_at"]
    s, t = await _call(gw, team["WATER"], f"/api/v1/tickets/{tid}/return", {"reason": "not_our_remit"})
    assert s == 200 and t["status"] == "returned" and t["return_count"] == 1
    s, queue = await _call(gw, team["reviewer"], "/api/v1/review/queue", method="GET")
    assert [x["id"] for x in queue] == [tid]
    s, t = await _call(gw, team["reviewer"], f"/api/v1/tickets/{tid}/reroute",
                       {"department": "ECOLOGY_ENVIRONMENT", "reason": "fishing in a river: the environment bureau"})
    assert s == 200 and t["status"] == "dispatched" and t["department"] == "ECOLOGY_ENVIRONMENT"
    s, t = await _call(gw, team["ECO"], f"/api/v1/tickets/{tid}/return", {"reason": "not_our_remit"})
    assert s == 200 and t["return_count"] == 2 and "returned_repeatedly" in t["flags"]
    s, t = await _call(gw, team["reviewer"], f"/api/v1/tickets/{tid}/reroute",
                       {"department": "DISTRICT", "reason": "no department owns it: the district government"})
    assert s == 200 and t["status"] == "dispatched" and t["department"] == "DISTRICT" and t["district"] == "pudong"
    s, q = await _call(gw, team["DISTRICT"], "/api/v1/department/queue", method="GET")
    assert [x["id"] for x in q] == [tid]
    s, t = await _call(gw, team["supervisor"], f"/api/v1/tickets/{tid}", method="GET")
    routing = [(h["action"], h["new"]) for h in t["history"] if h["field"] == "department"]
    assert [d for _, d in routing][-3:] == ["WATER", "ECOLOGY_ENVIRONMENT", "DISTRICT"]
    returns = [h for h in t["history"] if h["action"] == "return" and h["field"] == "status"]
    assert len(returns) == 2 and all(h["actor"].startswith("department:") and h["reason"] for h in returns)


async def test_dissatisfied_callback_goes_to_review_and_round_again_until_closed(gw):
    team = await _team(gw)
    tid = (await _accepted(gw, team["agent"]))["id"]
    await _call(gw, team["agent"], f"/api/v1/tickets/{tid}/dispatch", {"department": "WATER"})
    s, t = await _call(gw, team["WATER"], f"/api/v1/tickets/{tid}/reply", {"text": "已派人巡查，未发现打鱼行为。"})
    assert s == 200 and t["status"] == "replied" and t["replies"][-1]["text"].startswith("已派人")
    s, q = await _call(gw, team["callback"], "/api/v1/callback/queue", method="GET")
    assert [x["id"] for x in q] == [tid]
    s, t = await _call(gw, team["callback"], f"/api/v1/tickets/{tid}/callback", {"resolved": False, "satisfaction": 2})
    assert s == 200 and t["status"] == "review" and t["survey"]["satisfaction"] == 2
    s, t = await _call(gw, team["reviewer"], f"/api/v1/tickets/{tid}/dispatch", {"department": "WATER"})
    assert s == 200 and t["status"] == "dispatched"
    s, t = await _call(gw, team["WATER"], f"/api/v1/tickets/{tid}/reply", {"text": "已联合执法，没收弹弓并劝离。"})
    assert t["status"] == "replied"
    s, t = await _call(gw, team["callback"], f"/api/v1/tickets/{tid}/callback", {"resolved": True, "satisfaction": 5})
    assert s == 200 and t["status"] == "callback"
    s, t = await _call(gw, team["callback"], f"/api/v1/tickets/{tid}/close", {})
    assert s == 200 and t["status"] == "closed"
    statuses = [h["new"] for h in t["history"] if h["field"] == "status"]
    assert statuses == ["draft", "accepted", "dispatched", "replied", "review", "dispatched", "replied", "callback",
                        "closed"] or statuses[-7:] == ["dispatched", "replied", "review", "dispatched", "replied",
                                                       "callback", "closed"]
    s, stats = await _call(gw, team["supervisor"], "/api/v1/stats", method="GET")
    assert s == 200 and stats["satisfaction"]["count"] == 1 and stats["satisfaction"]["average"] == 5


async def test_bad_input_is_refused_and_the_ticket_is_unchanged(gw):
    team = await _team(gw)
    tid = (await _accepted(gw, team["agent"]))["id"]
    await _call(gw, team["agent"], f"/api/v1/tickets/{tid}/dispatch", {"department": "WATER"})
    _, before = await _call(gw, team["supervisor"], f"/api/v1/tickets/{tid}", method="GET")
    attempts = [
        (team["callback"], "close", {}, 409),                                    # never replied to
        (team["ECO"], "reply", {"text": "不是我们的"}, 403),                      # another department's ticket
        (team["WATER"], "return", {}, 422),                                      # no reason
        (team["WATER"], "return", {"reason": "because"}, 422),                   # not a listed reason
        (team["agent"], "reroute", {"department": "POLICE", "reason": "x"}, 403),
        (team["callback"], "dispatch", {"department": "POLICE"}, 403),
        (team["reviewer"], "reroute", {"department": "POLICE", "reason": "x"}, 409),   # not returned
        (team["WATER"], "extend", {"working_days": 0, "reason": "x"}, 422),
        (team["WATER"], "callback", {"resolved": True, "satisfaction": 5}, 403),
    ]
    for who, action, body, status in attempts:
        s, err = await _call(gw, who, f"/api/v1/tickets/{tid}/{action}", body)
        assert s == status, (action, body, err)
        assert "error" in err and err["error"]["message"]
    tid2 = (await _accepted(gw, team["agent"]))["id"]
    s, err = await _call(gw, team["agent"], f"/api/v1/tickets/{tid2}/dispatch", {"department": "NOPE"})
    assert s == 422 and "NOPE" in err["error"]["message"]
    s, err = await _call(gw, team["agent"], f"/api/v1/tickets/{tid2}/close", {})
    assert s == 409
    _, after = await _call(gw, team["supervisor"], f"/api/v1/tickets/{tid}", method="GET")
    assert after == before


async def test_roles_see_what_they_should(gw):
    team = await _team(gw)
    tid = (await _accepted(gw, team["agent"]))["id"]
    await _call(gw, team["agent"], f"/api/v1/tickets/{tid}/dispatch", {"department": "WATER"})
    s, _ = await _call(gw, team["ECO"], f"/api/v1/tickets/{tid}", method="GET")
    assert s == 403
    s, listed = await _call(gw, team["ECO"], "/api/v1/tickets?department=WATER", method="GET")
    assert s == 200 and listed == []                         # asking for another department gives nothing
    s, listed = await _call(gw, team["WATER"], "/api/v1/tickets", method="GET")
    assert [x["id"] for x in listed] == [tid]
    for who in ("agent", "callback", "WATER", "reviewer"):
        s, _ = await _call(gw, team[who], "/api/v1/stats", method="GET")
        assert s == 403, who
    s, _ = await _call(gw, team["WATER"], "/api/v1/review/queue", method="GET")
    assert s == 403
    s, _ = await _call(gw, team["ECO"], f"/api/v1/tickets/{tid}/transcript", method="GET")
    assert s == 403
    s, _ = await _call(gw, {}, f"/api/v1/tickets/{tid}", method="GET")
    assert s == 401
    s, me = await _call(gw, team["WATER"], "/api/v1/auth/me", method="GET")
    assert me["role"] == "department" and me["department"] == "WATER"


async def test_extension_is_requested_by_the_department_and_decided_by_a_supervisor(gw):
    team = await _team(gw)
    tid = (await _accepted(gw, team["agent"]))["id"]
    _, t = await _call(gw, team["agent"], f"/api/v1/tickets/{tid}/dispatch", {"department": "WATER"})
    due = t["deadline"]
    s, t = await _call(gw, team["WATER"], f"/api/v1/tickets/{tid}/extend", {"working_days": 3, "reason": "需要取证"})
    assert s == 200 and t["extension_request"]["working_days"] == 3 and t["deadline"] == due
    s, _ = await _call(gw, team["WATER"], f"/api/v1/tickets/{tid}/extend", {"working_days": 2, "reason": "again"})
    assert s == 409
    s, _ = await _call(gw, team["WATER"], f"/api/v1/tickets/{tid}/extension", {"approve": True})
    assert s == 403
    s, t = await _call(gw, team["supervisor"], f"/api/v1/tickets/{tid}/extension", {"approve": True})
    assert s == 200 and t["deadline"] > due and not t["extension_request"]


@pytest.mark.parametrize(("start", "category", "due_day"), [
    # National Day 2026: Oct 1-7 off, Sat Oct 10 is a make-up working day.
    ("2026-09-30T10:00:00", "HELP", "2026-10-13"),
    # Spring Festival 2026: Sat Feb 14 is a make-up working day, Feb 15-23 off.
    ("2026-02-13T10:00:00", "HELP", "2026-02-27"),
    ("2026-09-30T10:00:00", "CONSULTATION", "2026-10-08"),
])
async def test_deadlines_count_chinese_working_days_across_holidays(aiohttp_client, tmp_path, start, category, due_day):
    clock = ManualClock(start=datetime.fromisoformat(start).replace(tzinfo=SHANGHAI).timestamp())
    app = create_app(make_config(tmp_path), clock=clock, run_ticker=False)
    gw = Gateway(await aiohttp_client(app), clock)
    team = await _team(gw)
    tid = (await _accepted(gw, team["agent"], category=category))["id"]
    s, t = await _call(gw, team["agent"], f"/api/v1/tickets/{tid}/dispatch", {"department": "WATER"})
    assert s == 200
    assert t["deadline_info"]["due"].startswith(due_day), t["deadline_info"]
    clock.advance(40 * 86400)
    s, t = await _call(gw, team["supervisor"], f"/api/v1/tickets/{tid}", method="GET")
    assert t["deadline_info"]["state"] == "overdue" and t["deadline_info"]["working_days_left"] < 0
    s, stats = await _call(gw, team["supervisor"], "/api/v1/stats", method="GET")
    assert stats["overdue"]["count"] == 1 and stats["overdue"]["tickets"][0]["id"] == tid


async def test_stats_measure_answer_speed_handling_time_and_draft_acceptance(gw):
    team = await _team(gw)
    seat_token = team["agent"]["Authorization"].split()[-1]
    seat = await gw.seat_ws(seat_token)
    await recv_until(seat, "hello")
    await seat.send_json({"type": "set_state", "state": "available"})
    times = []
    for wait in (10, 50):                          # one answered in 10 s, one in 50 s
        sess = await gw.new_session("zh")
        caller = await gw.caller_ws(sess)
        await recv_until(caller, "hello")
        offer = await recv_until(seat, "offer")
        gw.clock.advance(wait)
        await seat.send_json({"type": "accept", "session": offer["session"]["id"]})
        await recv_until(seat, "session")
        await caller.send_json({"type": "msg", "client_id": "c", "text": "浦东新区世纪大道有个井盖坏了"})
        await recv_until(seat, "msg")
        gw.clock.advance(120)
        await seat.send_json({"type": "end", "session": sess["id"]})
        ended = await recv_until(seat, "ended")
        times.append(ended["ticket"]["id"])
        await caller.close()
        gw.clock.advance(31)                       # past wrap-up
        await gw.service.tick()
        await seat.send_json({"type": "set_state", "state": "available"})
    s, stats = await _call(gw, team["supervisor"], "/api/v1/stats", method="GET")
    assert s == 200
    assert stats["answered_within_30s"] == 0.5 and stats["answered_within_120s"] == 1.0
    assert stats["aht_seconds"] == 120
    assert {"answered_within_30s", "answered_within_120s", "aht_seconds", "draft_acceptance", "returns_by_department",
            "satisfaction", "overdue", "queues", "seats"} <= set(stats)
    r = await gw.client.get("/api/v1/stats?format=csv", headers=team["supervisor"])
    text = await r.text()
    assert r.status == 200 and text.splitlines()[0] == "metric,key,value" and "answered_within_30s,,0.5" in text
    for bad in ("from=yesterday", "from=2026-11-28&to=2026-11-01", "from=2024-01-01&to=2026-01-01", "format=xml"):
        r = await gw.client.get(f"/api/v1/stats?{bad}", headers=team["supervisor"])
        assert r.status == 422, bad


async def test_a_mini_program_resident_answers_the_callback_survey_in_their_language(gw):
    from miniapp_api import apikeys
    team = await _team(gw)
    key = apikeys.new_key()
    await gw.app[REPO].create_api_key(apikeys.new_record("mp", gw.clock.now()), apikeys.key_hash(key))
    r = await gw.client.post("/api/v1/miniapp/requests", headers={"X-Api-Key": key}, json={
        "service_code": "WATER", "lang": "ja", "description": "川で違法な釣りをしている人がいます", "address": "浦東新区川沙"})
    sub = await r.json()
    me = {"Authorization": f"Bearer {sub['access_token']}"}
    number = sub["id"]
    s, _ = await _call(gw, me, f"/api/v1/miniapp/requests/{number}/survey", {"resolved": True, "satisfaction": 5})
    assert s == 409                                               # nothing to rate yet
    tid = (await gw.app[REPO].service_request(number=number)).ticket_id
    await _call(gw, team["agent"], f"/api/v1/tickets/{tid}", {"category": "REPORT", "district": "pudong"}, "PATCH")
    s, t = await _call(gw, team["agent"], f"/api/v1/tickets/{tid}/submit", {})
    assert s == 200 and t["status"] == "accepted", t
    await _call(gw, team["agent"], f"/api/v1/tickets/{tid}/dispatch", {"department": "WATER"})
    await _call(gw, team["WATER"], f"/api/v1/tickets/{tid}/reply", {"text": "已劝离并加强巡查。"})
    s, q = await _call(gw, me, f"/api/v1/miniapp/requests/{number}/survey", method="GET")
    assert s == 200 and q["open"] and q["reply"]["text"] == "已劝离并加强巡查。"
    assert q["questions"]["resolved_question"].endswith("か？")              # Japanese
    s, err = await _call(gw, me, f"/api/v1/miniapp/requests/{number}/survey", {"resolved": "yes", "satisfaction": 5})
    assert s == 422
    r = await gw.client.post(f"/api/v1/miniapp/requests/{number}/survey", data="resolved=true&satisfaction=5",
                             headers={**me, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 415 and (await r.json())["error"]["code"] == "unsupported_media_type"   # JSON only
    s, view = await _call(gw, me, f"/api/v1/miniapp/requests/{number}/survey", {"resolved": False, "satisfaction": 1,
                                                                              "note": "まだ釣りをしています"})
    assert s == 200 and view["status"] == "in_progress" and not view["survey_open"]
    s, t = await _call(gw, team["reviewer"], f"/api/v1/tickets/{tid}", method="GET")
    assert t["status"] == "review" and t["survey"]["channel"] == "miniapp" and t["survey"]["satisfaction"] == 1
    s, _ = await _call(gw, {"Authorization": "Bearer nope"}, f"/api/v1/miniapp/requests/{number}/survey", method="GET")
    assert s == 404
