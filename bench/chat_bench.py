"""Chat load benchmark: N caller/seat pairs chatting through the gateway, against a bare echo.

    .venv/bin/python bench/chat_bench.py --sessions 1000 --duration 30

What it does, all on loopback:
1. Creates N seats (``lang:en=5``) and their bearer tokens in a fresh store (``--db``: a
   SQLite file by default, or PostgreSQL, see bench/dbspec.py; repeat --db to measure both).
2. Starts ``hotline-gateway serve`` on it in its own process (SQLite synchronous=FULL,
   PostgreSQL synchronous_commit=on: every message is committed before it is acknowledged
   or relayed).
3. Starts the load generator in a *separate* process (clients sharing the server's
   event loop would measure themselves, see OFFLINE_NOTES).  It connects N seats,
   creates N chat sessions, lets the ACD pair them, then every caller sends
   ``--rate`` messages a second for ``--duration`` seconds.  Relay latency is the time
   from the caller's send to the seat's receipt of the stored, relayed message.
4. Runs the same load generator against a bare aiohttp WebSocket echo server
   (no storage, no routing) and prints the ratio.

Prints figures; asserts nothing.  Timing belongs here, not in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


# ---------------------------------------------------------------- load generator
async def _gateway_load(base: str, tokens: list[str], duration: float, rate: float, ramp: float) -> dict:
    import aiohttp

    n = len(tokens)
    lat: list[float] = []
    sent_at: dict[str, float] = {}
    received = 0
    errors = 0
    conn = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(base, connector=conn) as http:
        seats = []
        for i, tok in enumerate(tokens):
            ws = await http.ws_connect(f"/ws/seat?token={tok}", heartbeat=None)
            seats.append(ws)
        for ws in seats:
            await ws.send_json({"type": "set_state", "state": "available"})
        paired = asyncio.Event()
        accepted = 0

        async def seat_loop(ws) -> None:
            nonlocal accepted, received, errors
            async for frame in ws:
                m = json.loads(frame.data)
                t = m.get("type")
                if t == "offer":
                    await ws.send_json({"type": "accept", "session": m["session"]["id"]})
                elif t == "session":
                    accepted += 1
                    if accepted == n:
                        paired.set()
                elif t == "msg" and m.get("from") == "caller":
                    t0 = sent_at.pop(m.get("client_id"), None)
                    if t0 is not None:
                        lat.append(time.perf_counter() - t0)
                        received += 1
                elif t == "error":
                    errors += 1

        seat_tasks = [asyncio.create_task(seat_loop(ws)) for ws in seats]
        callers = []
        t_conn = time.perf_counter()
        for _ in range(n):
            async with http.post("/api/v1/sessions", json={"channel": "chat", "lang": "en"}) as r:
                body = await r.json()
            callers.append(await http.ws_connect(body["ws_url"], heartbeat=None))
        try:
            await asyncio.wait_for(paired.wait(), timeout=120)
        except asyncio.TimeoutError:
            pass
        setup_s = time.perf_counter() - t_conn

        async def caller_loop(ws) -> None:
            async def drain() -> None:
                async for _frame in ws:
                    pass
            d = asyncio.create_task(drain())
            await asyncio.sleep(random.random() / rate)        # spread the sends
            end = time.perf_counter() + duration
            while time.perf_counter() < end:
                cid = uuid.uuid4().hex
                sent_at[cid] = time.perf_counter()
                await ws.send_json({"type": "msg", "client_id": cid, "text": "Hello, I need help with my visa."})
                await asyncio.sleep(1.0 / rate)
            await asyncio.sleep(1.0)
            d.cancel()

        lat.clear()
        t0 = time.perf_counter()
        await asyncio.gather(*(caller_loop(ws) for ws in callers))
        wall = time.perf_counter() - t0
        steady = lat[int(len(lat) * ramp):]   # drop the first part while send phases settle
        for ws in callers + seats:
            await ws.close()
        for t in seat_tasks:
            t.cancel()
    return {"sessions": n, "paired": accepted, "setup_s": setup_s, "messages": received, "errors": errors,
            "wall_s": wall, "msgs_per_s": received / wall if wall else 0.0, "lat": steady,
            "lost": len(sent_at)}


async def _echo_load(base: str, n: int, duration: float, rate: float, ramp: float) -> dict:
    import aiohttp

    lat: list[float] = []
    received = 0
    async with aiohttp.ClientSession(base, connector=aiohttp.TCPConnector(limit=0)) as http:
        conns = [await http.ws_connect("/echo", heartbeat=None) for _ in range(n)]

        async def one(ws) -> None:
            nonlocal received
            pending: dict[str, float] = {}

            async def reader() -> None:
                nonlocal received
                async for frame in ws:
                    m = json.loads(frame.data)
                    t0 = pending.pop(m["client_id"], None)
                    if t0 is not None:
                        lat.append(time.perf_counter() - t0)
                        received += 1
            r = asyncio.create_task(reader())
            await asyncio.sleep(random.random() / rate)
            end = time.perf_counter() + duration
            while time.perf_counter() < end:
                cid = uuid.uuid4().hex
                pending[cid] = time.perf_counter()
                await ws.send_json({"type": "msg", "client_id": cid, "text": "Hello, I need help with my visa."})
                await asyncio.sleep(1.0 / rate)
            await asyncio.sleep(1.0)
            r.cancel()

        t0 = time.perf_counter()
        await asyncio.gather(*(one(ws) for ws in conns))
        wall = time.perf_counter() - t0
        for ws in conns:
            await ws.close()
    return {"sessions": n, "messages": received, "wall_s": wall, "msgs_per_s": received / wall,
            "lat": lat[int(len(lat) * ramp):]}


def loadgen_main(spec: dict) -> None:
    if spec["kind"] == "gateway":
        res = asyncio.run(_gateway_load(spec["base"], spec["tokens"], spec["duration"], spec["rate"], spec["ramp"]))
    else:
        res = asyncio.run(_echo_load(spec["base"], spec["n"], spec["duration"], spec["rate"], spec["ramp"]))
    print(json.dumps(res))


def echo_server_main(port: int) -> None:
    from aiohttp import web

    async def echo(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for frame in ws:
            await ws.send_str(frame.data)
        return ws

    app = web.Application()
    app.router.add_get("/echo", echo)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# ---------------------------------------------------------------- orchestration
def wait_http(url: str, timeout: float = 30.0) -> None:
    import urllib.error
    import urllib.request
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status < 500:
                    return
        except urllib.error.HTTPError as exc:      # it answered: it is up
            if exc.code < 500:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not come up")


def seed(db: str, n: int) -> list[str]:
    from bench.seeding import seed_seats
    return seed_seats(db, n, {"lang:en": 5}, "bench")


def run_loadgen(spec: dict) -> dict:
    out = subprocess.run([sys.executable, __file__, "--loadgen", json.dumps(spec)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"load generator failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(name: str, r: dict) -> dict:
    lat_ms = [x * 1000 for x in r["lat"]]
    row = {"name": name, "sessions": r["sessions"], "messages": r["messages"], "msgs_per_s": r["msgs_per_s"],
           "p50_ms": pct(lat_ms, 50), "p99_ms": pct(lat_ms, 99), "max_ms": max(lat_ms) if lat_ms else float("nan"),
           "mean_ms": statistics.fmean(lat_ms) if lat_ms else float("nan")}
    print(f"{name:<22} sessions={row['sessions']:<5} messages={row['messages']:<7} "
          f"msg/s={row['msgs_per_s']:8.1f}  p50={row['p50_ms']:7.2f} ms  p99={row['p99_ms']:7.2f} ms  "
          f"max={row['max_ms']:7.2f} ms")
    return row


def run_gateway(spec: str, args: argparse.Namespace) -> dict:
    """Serve the gateway on one store (``bench/dbspec.py``) and chat through it."""
    from bench.dbspec import database, label
    exe = ROOT / ".venv" / "bin" / "hotline-gateway"
    with tempfile.TemporaryDirectory(prefix="chat-bench-") as tmp, database(spec) as db:
        tokens = seed(db, args.sessions)
        port = free_port()
        env = {**os.environ, "HOTLINE_LOG_LEVEL": "WARNING"}
        server = subprocess.Popen([str(exe), "serve", "--port", str(port), "--db", db,
                                   "--sqlite-synchronous", args.synchronous, "--secret-file", f"{tmp}/secret.key",
                                   # every simulated caller comes from 127.0.0.1: lift the flood limits
                                   "--session-rate-per-address-per-min", "1000000",
                                   "--max-unconnected-sessions", "1000000",
                                   "--translate-dir", f"{tmp}/translate"], env=env, cwd=tmp)
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz")
            store = (f"sqlite synchronous={args.synchronous}" if label(spec) == "sqlite"
                     else "postgresql synchronous_commit=on" + (", fsync=on" if spec == "temp-postgresql" else ""))
            print(f"chat_bench: {args.sessions} pairs, {args.rate} msg/s per caller, {args.duration:.0f} s, "
                  f"{store}, {os.cpu_count()} cores")
            cpu0 = _cpu(server.pid)
            g = run_loadgen({"kind": "gateway", "base": f"http://127.0.0.1:{port}", "tokens": tokens,
                             "duration": args.duration, "rate": args.rate, "ramp": args.ramp})
            cpu1 = _cpu(server.pid)
            commits = _commit_histogram(f"http://127.0.0.1:{port}/metrics")
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"pairing: {g['paired']}/{g['sessions']} sessions answered in {g['setup_s']:.1f} s; "
          f"errors={g['errors']} unacknowledged/lost={g['lost']}; gateway CPU {cpu1 - cpu0:.1f} s")
    print(f"commits: {commits}")
    return {**summary(f"gateway relay ({label(spec)})", g), "backend": label(spec)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of steady chatting")
    ap.add_argument("--rate", type=float, default=1.0, help="messages per second per caller")
    ap.add_argument("--ramp", type=float, default=0.1, help="share of the earliest samples dropped")
    ap.add_argument("--synchronous", default="FULL", help="SQLite synchronous setting for the gateway")
    ap.add_argument("--skip-echo", action="store_true")
    ap.add_argument("--db", action="append", metavar="STORE",
                    help="sqlite (default), temp-postgresql, or an empty postgresql:// database; "
                         "repeat to compare backends in one run (bench/dbspec.py)")
    ap.add_argument("--loadgen", help=argparse.SUPPRESS)
    ap.add_argument("--echo-server", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.loadgen:
        return loadgen_main(json.loads(args.loadgen))
    if args.echo_server:
        return echo_server_main(args.echo_server)

    results = [run_gateway(spec, args) for spec in (args.db or ["sqlite"])]
    if args.skip_echo:
        return
    port = free_port()
    echo = subprocess.Popen([sys.executable, __file__, "--echo-server", str(port)])
    try:
        wait_http(f"http://127.0.0.1:{port}/nothing")
        e = run_loadgen({"kind": "echo", "base": f"http://127.0.0.1:{port}", "n": args.sessions,
                         "duration": args.duration, "rate": args.rate, "ramp": args.ramp})
    finally:
        echo.terminate()
        echo.wait(timeout=30)
    eb = summary("bare aiohttp echo", e)
    for gw in results[1:]:
        print(f"ratio gateway ({gw['backend']})/echo: p50 x{gw['p50_ms'] / eb['p50_ms']:.2f}, "
              f"p99 x{gw['p99_ms'] / eb['p99_ms']:.2f}")
    gw = results[0]           # the last line keeps its format, for the first --db
    print(f"ratio gateway/echo: p50 x{gw['p50_ms'] / eb['p50_ms']:.2f}, p99 x{gw['p99_ms'] / eb['p99_ms']:.2f}")


def _commit_histogram(url: str) -> str:
    """Summarise hotline_db_commit_seconds and the batch sizes from the gateway's own /metrics."""
    import urllib.request
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    buckets, count, total, ops = [], 0.0, 0.0, 0.0
    for line in text.splitlines():
        if line.startswith("hotline_db_commit_seconds_bucket"):
            le = line.split('le="')[1].split('"')[0]
            buckets.append((float(le), float(line.rsplit(" ", 1)[1])))
        elif line.startswith("hotline_db_commit_seconds_count"):
            count = float(line.rsplit(" ", 1)[1])
        elif line.startswith("hotline_db_commit_seconds_sum"):
            total = float(line.rsplit(" ", 1)[1])
        elif line.startswith("hotline_db_batch_operations_sum"):
            ops = float(line.rsplit(" ", 1)[1])
    if not count:
        return "none"
    p99 = next((le for le, n in buckets if n >= 0.99 * count), float("inf"))
    slow = count - next((n for le, n in buckets if le >= 0.05), count)
    return (f"{int(count)} batches, {ops / count:.1f} operations each, mean {total / count * 1000:.2f} ms, "
            f"p99 <= {p99 * 1000:g} ms, {int(slow)} slower than 50 ms")


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


if __name__ == "__main__":
    main()
