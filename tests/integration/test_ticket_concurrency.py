"""No lost update, over HTTP: versions and ETags, If-Match and 412, and many concurrent changes
to one ticket, on the real store (both backends, through the ``gw`` fixture), with the audit
trail replayed after every round."""

from __future__ import annotations

import asyncio
import uuid

from gateway.auth import new_token, token_hash
from gateway.domain import audit
from gateway.storage.records import UserRecord
from gateway.web.keys import REPO


async def _user(gw, role: str, department: str | None = None) -> dict[str, str]:
    uid = uuid.uuid4().hex
    await gw.app[REPO].create_user(UserRecord(id=uid, login=f"{role}-{uid[:6]}", name=role, role=role,
                                              department=department, created_at=gw.clock.now()))
    token = new_token()
    await gw.app[REPO].add_token(token_hash(token), uid, gw.clock.now(), None)
    return {"Authorization": f"Bearer {token}"}


async def _agent(gw, login: str = "agent-zh") -> dict[str, str]:
    return {"Authorization": f"Bearer {await gw.add_seat(login, {'lang:zh': 5})}"}


async def _draft(gw, who) -> dict:
    """A draft the seat is still editing: created accepted, so first one is made, then checked."""
    r = await gw.client.post("/api/v1/tickets", json={"lang": "zh", "text": "小区里的路灯坏了一个星期", "category": "REPORT"},
                             headers=who)
    assert r.status == 201, await r.text()
    return await r.json()


async def _stored(gw, tid: str):
    t = await gw.app[REPO].get_ticket(tid)
    assert t is not None
    assert audit.replay(t) == [], audit.replay(t)        # the history alone rebuilds the stored ticket
    return t


async def _patch(gw, who, tid, body, etag=None):
    headers = {**who, **({"If-Match": etag} if etag is not None else {})}
    r = await gw.client.patch(f"/api/v1/tickets/{tid}", json=body, headers=headers)
    return r.status, await r.json(), r.headers.get("ETag")


async def test_get_gives_version_and_etag_and_each_change_bumps_it(gw):
    agent = await _agent(gw)
    t = await _draft(gw, agent)
    assert t["version"] == 1
    r = await gw.client.get(f"/api/v1/tickets/{t['id']}", headers=agent)
    assert r.status == 200 and r.headers["ETag"] == '"1"' and (await r.json())["version"] == 1
    status, body, etag = await _patch(gw, agent, t["id"], {"district": "xuhui"}, '"1"')
    assert (status, body["version"], etag) == (200, 2, '"2"')
    status, body, etag = await _patch(gw, agent, t["id"], {"district": "xuhui"}, '"2"')   # no change: no bump
    assert (status, body["version"], etag) == (200, 2, '"2"')
    await _stored(gw, t["id"])


async def test_a_stale_if_match_is_412_and_changes_nothing(gw):
    agent = await _agent(gw)
    t = await _draft(gw, agent)
    assert (await _patch(gw, agent, t["id"], {"district": "pudong"}))[0] == 200     # someone else: now v2
    before = (await gw.app[REPO].get_ticket(t["id"])).to_dict()
    status, body, _ = await _patch(gw, agent, t["id"], {"district": "xuhui", "address": "1 Huaihai Rd"}, '"1"')
    assert status == 412
    assert body["error"]["code"] == "precondition_failed" and body["error"]["current_version"] == 2
    assert "someone else" in body["error"]["message"]
    assert body["current"]["district"] == "pudong" and body["current"]["version"] == 2   # what it is now
    assert (await gw.app[REPO].get_ticket(t["id"])).to_dict() == before                 # nothing written
    # the same for a workflow action
    r = await gw.client.post(f"/api/v1/tickets/{t['id']}/dispatch", json={"department": "WATER"},
                             headers={**agent, "If-Match": '"1"'})
    assert r.status == 412 and (await r.json())["error"]["code"] == "precondition_failed"
    assert (await gw.app[REPO].get_ticket(t["id"])).to_dict() == before


async def test_if_match_forms(gw):
    agent = await _agent(gw)
    t = await _draft(gw, agent)
    assert (await _patch(gw, agent, t["id"], {"address": "a"}, 'W/"1"'))[0] == 412     # weak never matches
    assert (await _patch(gw, agent, t["id"], {"address": "a"}, '"abc"'))[0] == 412     # not one of ours
    status, body, _ = await _patch(gw, agent, t["id"], {"address": "a"}, 'nonsense here')
    assert status == 400 and body["error"]["code"] == "bad_if_match"
    assert (await _patch(gw, agent, t["id"], {"address": "a"}, '"7", "1"'))[0] == 200  # any listed version
    assert (await _patch(gw, agent, t["id"], {"address": "b"}, '*'))[0] == 200
    assert (await _stored(gw, t["id"])).version == 3


async def test_concurrent_edits_of_different_fields_all_land(gw):
    """The reported bug: five concurrent PATCHes all 200, yet fields lost.  Now each lands."""
    agents = [await _agent(gw, f"agent-{i}") for i in range(3)]
    t = await _draft(gw, agents[0])
    tid = t["id"]
    for rnd in range(4):
        edits = [{"district": ["xuhui", "pudong", "jingan", "huangpu"][rnd]},
                 {"department": ["WATER", "HOUSING", "TRANSPORT", "DISTRICT"][rnd]},
                 {"text_zh": f"第{rnd}轮：路灯坏了"},
                 {"address": f"{rnd} Huaihai Rd"},
                 {"event_time": f"2026-11-2{rnd}"}]
        before = (await _stored(gw, tid)).version
        results = await asyncio.gather(*(_patch(gw, agents[i % 3], tid, e) for i, e in enumerate(edits)))
        assert [s for s, _, _ in results] == [200] * 5
        stored = await _stored(gw, tid)
        assert stored.version == before + 5                                   # one bump per change
        for e in edits:
            (field, value), = e.items()
            assert getattr(stored, field) == value, (rnd, field)
        assert sorted(int(etag.strip('"')) for _, _, etag in results) == list(range(before + 1, before + 6))


async def test_concurrent_conditional_edits_one_wins_the_rest_get_412(gw):
    agent = await _agent(gw)
    t = await _draft(gw, agent)
    tid = t["id"]
    for rnd in range(3):
        v = (await _stored(gw, tid)).version
        values = [f"{rnd}-{i} Nanjing Rd" for i in range(6)]
        results = await asyncio.gather(*(_patch(gw, agent, tid, {"address": a}, f'"{v}"') for a in values))
        statuses = [s for s, _, _ in results]
        assert statuses.count(200) == 1 and statuses.count(412) == 5
        winner = values[statuses.index(200)]
        stored = await _stored(gw, tid)
        assert (stored.address, stored.version) == (winner, v + 1)


async def test_concurrent_workflow_actions_are_serialised(gw):
    """Two department users sign at once: one signs, the other is told it is already signed; a reply
    racing an extension request never loses either's history."""
    agent = await _agent(gw)
    water = [await _user(gw, "department", "WATER") for _ in range(2)]
    for _ in range(3):
        t = await _draft(gw, agent)
        tid = t["id"]
        r = await gw.client.post(f"/api/v1/tickets/{tid}/dispatch", json={"department": "WATER"}, headers=agent)
        assert r.status == 200
        signs = await asyncio.gather(*(gw.client.post(f"/api/v1/tickets/{tid}/sign", json={}, headers=w)
                                       for w in water))
        assert sorted(r.status for r in signs) == [200, 409]
        ext, reply = await asyncio.gather(
            gw.client.post(f"/api/v1/tickets/{tid}/extend", json={"working_days": 3, "reason": "parts"},
                           headers=water[0]),
            gw.client.post(f"/api/v1/tickets/{tid}/reply", json={"text": "已修复"}, headers=water[1]))
        stored = await _stored(gw, tid)
        assert reply.status == 200 and stored.status == "replied" and len(stored.replies) == 1
        # the extension either came first (and lapsed with the reply) or was refused after it
        assert ext.status in (200, 409) and stored.extension_request is None
        actions = [h.action for h in stored.history if h.field == "status"]
        assert actions[-1] == "reply"


async def test_concurrent_merge_and_edit_keep_both_histories(gw):
    agent = await _agent(gw)
    reviewer = await _user(gw, "reviewer")
    a, b = await _draft(gw, agent), await _draft(gw, agent)
    merge, edit = await asyncio.gather(
        gw.client.post(f"/api/v1/tickets/{a['id']}/merge", json={"into": b["id"], "reason": "same lamp"},
                       headers=reviewer),
        gw.client.patch(f"/api/v1/tickets/{b['id']}", json={"district": "minhang"}, headers=agent))
    assert merge.status == 200 and edit.status == 200
    kept, gone = await _stored(gw, b["id"]), await _stored(gw, a["id"])
    assert kept.merged_from == [a["id"]] and kept.district == "minhang"
    assert gone.status == "closed" and gone.merged_into == b["id"]
    r = await gw.client.post(f"/api/v1/tickets/{a['id']}/merge", json={"into": b["id"], "reason": "x"},
                             headers=reviewer)
    assert r.status == 409                                      # already closed: refused, not repeated
    r = await gw.client.post(f"/api/v1/tickets/{b['id']}/merge", json={"into": b["id"], "reason": "x"},
                             headers=reviewer)
    assert r.status == 422
