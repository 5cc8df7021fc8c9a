"""Hypothesis-generated hostile JSON (deep, huge numbers, lone surrogates, wrong types, raw bytes)
against the JSON and form endpoints and the caller hub.

Hypothesis runs in a worker thread; each example is sent on the test's event loop."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import recv_until
from tests.hostile import corpus
from tests.hostile.harness import Problems, STATS, TIMEOUT_S, http_case
from tests.hostile.test_http import credentials
from tests.hostile.test_ws import frame_case

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))

texts = st.text(st.characters() | st.characters(categories=["Cs"]), max_size=12)
keys = st.sampled_from(corpus.FIELDS) | texts
scalars = st.one_of(
    st.sampled_from(["null", "true", "false", "NaN", "-Infinity", "1e999", "-0", "1E-400"]),
    st.integers().map(str),
    st.integers(min_value=60, max_value=6000).map(lambda n: "9" * n),
    texts.map(json.dumps),
)
values = st.recursive(
    scalars,
    lambda inner: (st.lists(inner, max_size=4).map(lambda xs: "[" + ",".join(xs) + "]")
                   | st.lists(st.tuples(keys, inner), max_size=4).map(
                       lambda kv: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in kv) + "}")),
    max_leaves=12,
)
deep = st.integers(min_value=30, max_value=1500).map(lambda n: "[" * n + "]" * n)
objects = st.lists(st.tuples(keys, values | deep), min_size=1, max_size=6).map(
    lambda kv: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in kv) + "}")

ENDPOINTS = ["/api/v1/sessions", "/api/v1/auth/login", "/api/v1/translate", "/api/v1/detect", "/api/v1/drafts",
             "/api/v1/tickets", "/api/v1/kiosk/events", "/api/v1/miniapp/requests", "/api/v1/tickets/x/merge",
             "/api/v1/sessions/x/media", "/open311/v2/requests.json"]
CTYPES = ["application/json", "text/plain", None, "application/x-www-form-urlencoded", corpus.M]
bodies = st.one_of(
    st.tuples(objects.map(str.encode), st.just("application/json")),
    st.tuples(values.map(str.encode), st.just("application/json")),
    st.tuples(st.binary(max_size=300), st.sampled_from(CTYPES)),
)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_generated_bodies(gateway_factory, caplog):
    gw = await gateway_factory(mt_enabled=True)
    cred = await credentials(gw)
    loop = asyncio.get_running_loop()
    problems, n0 = Problems(), STATS["http"]

    @SETTINGS
    @given(path=st.sampled_from(ENDPOINTS), body=bodies)
    def one(path: str, body: tuple[bytes, str | None]) -> None:
        data, ctype = body
        headers = {"Authorization": f"Bearer {cred['token']}", "X-Api-Key": cred["key"]}
        if ctype:
            headers["Content-Type"] = ctype
        asyncio.run_coroutine_threadsafe(http_case(gw, caplog, problems, "generated", "POST", path, data=data,
                                                   headers=headers), loop).result(TIMEOUT_S * 2)

    await asyncio.to_thread(one)
    n = STATS["http"] - n0
    print(f"hostile generated HTTP bodies: {n} cases, {len(problems.items)} failures")
    problems.check(n)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_generated_frames(gateway_factory, caplog):
    gw = await gateway_factory()
    sess = await gw.new_session("en")
    caller = await gw.caller_ws(sess)
    await recv_until(caller, "hello")
    loop = asyncio.get_running_loop()
    problems, n0 = Problems(), STATS["ws"]
    typed = st.lists(st.tuples(keys, values), max_size=4).flatmap(
        lambda kv: st.sampled_from(["msg", "rtc", "card", "rtt", "end-not", "\\ud800"]).map(
            lambda t: '{"type":"' + t + '","client_id":"g"' + "".join(f",{json.dumps(k)}:{v}" for k, v in kv) + "}"))

    @SETTINGS
    @given(frame=typed | objects | values | deep)
    def one(frame: str) -> None:
        asyncio.run_coroutine_threadsafe(frame_case(gw, caplog, problems, caller, "caller", "generated", frame),
                                         loop).result(TIMEOUT_S * 2)

    await asyncio.to_thread(one)
    n = STATS["ws"] - n0
    print(f"hostile generated WebSocket frames: {n} frames, {len(problems.items)} failures")
    problems.check(n)
