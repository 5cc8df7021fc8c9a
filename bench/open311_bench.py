"""Open311 submission load benchmark: POST /open311/v2/requests.json with a durable commit,
against a bare aiohttp + SQLite baseline.

    .venv/bin/python bench/open311_bench.py            # 32 clients, 20 s per server
    .venv/bin/python bench/open311_bench.py --quick    # 32 clients, 8 s per server

What it does, all on loopback:
1. Creates an API key with ``hotline-gateway apikeys create`` in a fresh store (``--db``:
   a SQLite file by default, or PostgreSQL, see bench/dbspec.py; repeat --db to measure both
   in one run) and starts ``hotline-gateway serve`` on it in its own process (SQLite
   synchronous=FULL, PostgreSQL synchronous_commit=on:
   every accepted submission is committed and fsynced before its 201; rate limits raised
   so they never trigger; a fresh, empty ``--translate-dir`` so drafting runs on rules only).
2. Runs the load generator in a *separate* process (clients sharing the server's event
   loop would measure themselves): C clients (aiohttp, connector limit = C), each posting
   form-encoded GeoReport v2 requests back to back for D seconds.  Descriptions come from
   30 English templates filled with Shanghai districts (gateway/data/districts.json) and
   street names; a valid service_code, lat/long inside Shanghai, a distinct device_id per
   request.  Latency is send -> full response body read.  Three priming requests, sent one
   at a time, absorb the gateway's lazy start-up (~3 s: language detector, dateparser,
   lexicons; their latencies are printed); then the first ``--warmup`` seconds of full load
   are not in the figures either.  Both are in the durability check.
3. Runs the same load generator against a bare aiohttp server (its own process) with ONE
   handler: parse the form, INSERT the fields as JSON into one table (WAL,
   synchronous=FULL), one transaction + commit per request on a SINGLE writer thread
   (``--baseline-writer writer``, the default: a one-thread executor that owns the
   connection), or on asyncio.to_thread with a connection per pool thread
   (``--baseline-writer to_thread``; the pool threads then contend for SQLite's write lock).
4. Prints throughput, p50/p90/p99/max, the server process's CPU time per request (utime+stime of
   /proc/<pid>/stat, all threads, over the measured window) for both, the ratios,
   the row count of the gateway's service_requests table against the 201s received, and
   one summary line.

Prints figures; asserts nothing.  Timing belongs here, not in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PATH = "/open311/v2/requests.json"

# ---------------------------------------------------------------- realistic submissions
STREETS = [
    "Nanjing West Road", "Huaihai Middle Road", "Zhaojiabang Road", "Hengshan Road", "Wukang Road",
    "Yan'an East Road", "Century Avenue", "Zhangyang Road", "Siping Road", "Changshou Road",
    "Wuning Road", "Hongqiao Road", "Tianshan Road", "Xinzha Road", "Fuxing Middle Road",
    "Lujiabang Road", "Dapu Road", "Caoxi North Road", "Longhua Middle Road", "Pudong South Road",
    "Dongfang Road", "Jinqiao Road", "Songhu Road", "Guoding Road", "Handan Road",
    "Gonghexin Road", "Yanchang Road", "Humin Road", "Qixin Road", "Jiangchang Road",
]

# (service_code, template).  {district} and {street} are filled in; {n} is a house number.
TEMPLATES = [
    ("URBAN_MANAGEMENT", "A street vendor has been blocking the pavement on {street} in {district} every evening this week, pedestrians have to walk in the road."),
    ("URBAN_MANAGEMENT", "There is a large pile of construction waste dumped next to number {n} {street}, {district}. It has been there for five days."),
    ("URBAN_MANAGEMENT", "Illegal advertising posters cover the bus shelter on {street} near the metro exit in {district}."),
    ("ECOLOGY_ENVIRONMENT", "A construction site on {street} in {district} keeps working with loud machinery after 11 pm, nobody in our building can sleep."),
    ("ECOLOGY_ENVIRONMENT", "The restaurant at {n} {street}, {district} vents thick cooking smoke straight into our windows every day."),
    ("ECOLOGY_ENVIRONMENT", "There is a strong chemical smell from the canal near {street} in {district} since Monday morning."),
    ("WATER", "A water main seems to be leaking on {street} in {district}; water has been running down the road since last night."),
    ("WATER", "Our building at {n} {street}, {district} has had no running water since 7 am and there was no notice."),
    ("WATER", "The storm drain at the corner of {street} in {district} is blocked and the street floods whenever it rains."),
    ("TRANSPORT", "The traffic light at the crossing of {street} in {district} has been stuck on red for pedestrians for two days."),
    ("TRANSPORT", "Shared bicycles are piled up across the tactile paving outside {n} {street}, {district}; my white cane keeps hitting them."),
    ("TRANSPORT", "The bus stop on {street} in {district} was moved without any sign, and the announcement is only in Chinese."),
    ("TRANSPORT", "A taxi driver refused to use the meter from {street} in {district} and charged me 200 yuan for a short trip."),
    ("GREENING_CITY_APPEARANCE", "A tree branch fell on the pavement on {street} in {district} during the storm and is still blocking the wheelchair ramp."),
    ("GREENING_CITY_APPEARANCE", "The street lights along {street} in {district} have been off for a week, it is very dark to walk home."),
    ("HOUSING", "My landlord at {n} {street}, {district} refuses to return my deposit although I left the flat in good condition."),
    ("HOUSING", "The lift in our residential compound on {street}, {district} has been broken for three weeks; elderly residents cannot go out."),
    ("HOUSING", "Water leaks from the flat upstairs at {n} {street}, {district} and the property management does not respond."),
    ("MARKET_REGULATION", "A shop at {n} {street}, {district} sold me expired milk and refuses to refund it."),
    ("MARKET_REGULATION", "The pharmacy on {street} in {district} charges foreigners higher prices than the price tags show."),
    ("MARKET_REGULATION", "A gym on {street} in {district} closed suddenly and I cannot get my prepaid membership back."),
    ("EXIT_ENTRY", "I need to extend my residence permit but the office in {district} near {street} says my housing registration is missing."),
    ("EXIT_ENTRY", "My hotel on {street} in {district} did not register my stay and now the police station asks me for the form."),
    ("POLICE", "My wallet with my passport was stolen on the metro near {street}, {district} this afternoon; how do I report it?"),
    ("POLICE", "Someone keeps parking a car across the fire exit of our building at {n} {street}, {district}."),
    ("HEALTH", "The community health centre on {street} in {district} could not give me a vaccination appointment in English."),
    ("HEALTH", "There is no sign language interpreter at the hospital on {street} in {district} and I am deaf."),
    ("HR_SOCIAL_SECURITY", "My employer on {street} in {district} has not paid my salary for two months and does not pay social insurance."),
    ("CULTURE_TOURISM", "A tour guide near {street} in {district} took our group to a shop and forced us to buy tea."),
    ("COMMUNICATIONS", "There has been no mobile signal in our building at {n} {street}, {district} since the antenna was removed."),
]

# Central Shanghai, well inside the Open311 bounding box (30.66-31.89 N, 120.85-122.25 E).
LAT_RANGE = (31.10, 31.35)
LONG_RANGE = (121.30, 121.60)


def district_names() -> list[str]:
    data = json.loads((ROOT / "gateway" / "data" / "districts.json").read_text(encoding="utf-8"))
    return [d["en"] for d in data["districts"]]


def make_bodies(api_key: str, n: int, seed: int) -> list[bytes]:
    """``n`` form bodies without device_id (appended per request so every request has its own)."""
    rnd = random.Random(seed)
    districts = district_names()
    out = []
    for _ in range(n):
        code, tpl = rnd.choice(TEMPLATES)
        street, district = rnd.choice(STREETS), rnd.choice(districts)
        house = rnd.randint(1, 1800)
        fields = {
            "api_key": api_key,
            "service_code": code,
            "description": tpl.format(street=street, district=district, n=house),
            "lat": f"{rnd.uniform(*LAT_RANGE):.6f}",
            "long": f"{rnd.uniform(*LONG_RANGE):.6f}",
        }
        if rnd.random() < 0.5:
            fields["address_string"] = f"{house} {street}, {district}, Shanghai"
        if rnd.random() < 0.3:
            fields["first_name"] = rnd.choice(["Anna", "Tom", "Yuki", "Maria", "Ahmed", "Olga", "Lee", "Sam"])
        out.append(urlencode(fields).encode())
    return out


# ---------------------------------------------------------------- load generator
async def _load(base: str, api_key: str, clients: int, duration: float, warmup: float, seed: int,
                tag: str, server_pid: int, prime: int = 3) -> dict:
    import aiohttp

    bodies = make_bodies(api_key, 4000, seed)
    lat: list[float] = []
    ok = ok_warm = 0
    statuses: dict[str, int] = {}
    sample_error = ""
    counter = 0
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    conn = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(base, connector=conn, timeout=timeout) as http:
        # Prime: a few requests one at a time, so one-off lazy start-up work (the language
        # detector, dateparser, the drafting lexicons: about 3 s on the gateway) is not
        # charged to the first C requests of the warm-up.  Reported separately.
        prime_ms: list[float] = []
        prime_ok = 0
        for k in range(prime):
            t0 = time.perf_counter()
            async with http.post(PATH, data=bodies[-1 - k] + f"&device_id={tag}-prime-{k}".encode(),
                                 headers=headers) as r:
                payload = await r.read()
                if r.status == 201:
                    prime_ok += 1
                else:
                    statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
                    sample_error = sample_error or f"{r.status}: {payload[:300].decode(errors='replace')}"
            prime_ms.append((time.perf_counter() - t0) * 1000)
        t_start = time.perf_counter()
        measure_from = t_start + warmup
        end = measure_from + duration

        server_cpu: list[float] = []

        async def sample_server_cpu() -> None:      # the server's CPU over the measured window only
            await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
            server_cpu.append(cpu_s(server_pid))

        async def client(i: int) -> None:
            nonlocal ok, ok_warm, counter, sample_error
            while True:
                t0 = time.perf_counter()
                if t0 >= end:
                    return
                counter += 1
                body = bodies[counter % len(bodies)] + f"&device_id={tag}-{i}-{counter}".encode()
                try:
                    async with http.post(PATH, data=body, headers=headers) as r:
                        payload = await r.read()
                        status = r.status
                except Exception as exc:                 # counted, never raised: figures, not asserts
                    status, payload = type(exc).__name__, b""
                t1 = time.perf_counter()
                if status == 201:
                    if t0 >= measure_from:
                        ok += 1
                        lat.append(t1 - t0)
                    else:
                        ok_warm += 1
                else:
                    statuses[str(status)] = statuses.get(str(status), 0) + 1
                    if not sample_error:
                        sample_error = f"{status}: {payload[:300].decode(errors='replace')}"

        cpu0 = time.process_time()
        await asyncio.gather(sample_server_cpu(), *(client(i) for i in range(clients)))
        wall = time.perf_counter() - measure_from
        server_cpu.append(cpu_s(server_pid))
        cpu = time.process_time() - cpu0
    return {"ok": ok, "ok_warmup": ok_warm + prime_ok, "prime_ms": prime_ms, "errors": sum(statuses.values()),
            "statuses": statuses, "sample_error": sample_error, "wall_s": wall, "rps": ok / wall if wall > 0 else 0.0,
            "lat": lat, "client_cpu_s": cpu, "server_cpu_s": server_cpu[1] - server_cpu[0]}


def loadgen_main(spec: dict) -> None:
    res = asyncio.run(_load(spec["base"], spec["api_key"], spec["clients"], spec["duration"], spec["warmup"],
                            spec["seed"], spec["tag"], spec["server_pid"]))
    print(json.dumps(res))


# ---------------------------------------------------------------- the bare baseline server
def baseline_server_main(port: int, db: str, mode: str) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from aiohttp import web

    def connect() -> sqlite3.Connection:
        c = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=FULL")
        c.execute("PRAGMA busy_timeout=10000")
        return c

    setup = connect()
    setup.execute("CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY, created_at REAL NOT NULL,"
                  " body TEXT NOT NULL)")
    setup.close()
    local = threading.local()

    def insert(body: str) -> int:
        c = getattr(local, "conn", None)
        if c is None:
            c = local.conn = connect()
        c.execute("BEGIN IMMEDIATE")
        try:
            cur = c.execute("INSERT INTO requests (created_at, body) VALUES (?, ?)", (time.time(), body))
            c.execute("COMMIT")                 # one fsynced commit per request (synchronous=FULL)
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return int(cur.lastrowid)

    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")

    async def post(request: web.Request) -> web.Response:
        form = await request.post()
        body = json.dumps({k: v for k, v in form.items() if isinstance(v, str)}, ensure_ascii=False)
        if mode == "writer":
            row = await asyncio.get_running_loop().run_in_executor(writer, insert, body)
        else:
            row = await asyncio.to_thread(insert, body)
        return web.json_response([{"service_request_id": str(row), "token": None, "service_notice": ""}],
                                 status=201)

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post(PATH, post)
    app.router.add_get("/healthz", health)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# ---------------------------------------------------------------- orchestration helpers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    import urllib.error
    import urllib.request
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not come up")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def cpu_s(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def commit_histogram(url: str) -> str:
    """Group-commit batches from the gateway's own /metrics (as bench/chat_bench.py)."""
    import urllib.request
    try:
        text = urllib.request.urlopen(url, timeout=5).read().decode()
    except OSError as exc:
        return f"unavailable ({exc})"
    count = total = ops = 0.0
    for line in text.splitlines():
        if line.startswith("hotline_db_commit_seconds_count"):
            count = float(line.rsplit(" ", 1)[1])
        elif line.startswith("hotline_db_commit_seconds_sum"):
            total = float(line.rsplit(" ", 1)[1])
        elif line.startswith("hotline_db_batch_operations_sum"):
            ops = float(line.rsplit(" ", 1)[1])
    if not count:
        return "none"
    return f"{int(count)} batches, {ops / count:.1f} operations each, mean {total / count * 1000:.2f} ms"


def run_loadgen(spec: dict) -> dict:
    out = subprocess.run([sys.executable, __file__, "--loadgen", json.dumps(spec)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"load generator failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def figures(name: str, r: dict, cpu_total: float) -> dict:
    ms = [x * 1000 for x in r["lat"]]
    row = {"name": name, "rps": r["rps"], "ok": r["ok"], "errors": r["errors"],
           "p50": pct(ms, 50), "p90": pct(ms, 90), "p99": pct(ms, 99), "max": max(ms) if ms else float("nan"),
           "cpu": r["server_cpu_s"], "cpu_per_req_ms": r["server_cpu_s"] / r["ok"] * 1000 if r["ok"] else float("nan"),
           "client_cpu_s": r["client_cpu_s"]}
    print(f"{name}: {r['ok']} x 201 in {r['wall_s']:.1f} s (+{r['ok_warmup']} in priming and warm-up), "
          f"not 201: {r['errors']}{' ' + json.dumps(r['statuses']) if r['errors'] else ''}; "
          f"server CPU {r['server_cpu_s']:.1f} s in the measured window ({cpu_total:.1f} s in all), "
          f"load generator CPU {r['client_cpu_s']:.1f} s")
    print(f"  priming requests, one at a time (ms): {', '.join(f'{x:.0f}' for x in r['prime_ms'])}")
    if r["sample_error"]:
        print(f"  first error: {r['sample_error']}")
    return row


# ---------------------------------------------------------------- main
def run_gateway(spec: str, args: argparse.Namespace, duration: float) -> dict:
    """Serve the gateway on one store (``bench/dbspec.py``), load it, check durability."""
    from bench.dbspec import count_rows, database, label
    exe = ROOT / ".venv" / "bin" / "hotline-gateway"
    with tempfile.TemporaryDirectory(prefix="open311-bench-") as tmp, database(spec) as db:
        tmpd = Path(tmp)
        env = {**os.environ, "HOTLINE_LOG_LEVEL": "WARNING"}
        made = subprocess.run([str(exe), "apikeys", "create", "--name", "open311-bench", "--db", db],
                              capture_output=True, text=True, env=env, cwd=tmp)
        if made.returncode != 0:
            raise SystemExit(f"apikeys create failed:\n{made.stderr}")
        api_key = made.stdout.split()[-1]
        port = free_port()
        (tmpd / "translate").mkdir()
        log = open(tmpd / "serve.log", "wb")
        server = subprocess.Popen(
            [str(exe), "serve", "--port", str(port), "--db", db, "--sqlite-synchronous", "FULL",
             "--translate-dir", str(tmpd / "translate"), "--attachments-dir", str(tmpd / "attachments"),
             "--recordings-dir", str(tmpd / "recordings"), "--secret-file", str(tmpd / "secret.key"),
             "--miniapp-rate-per-client-per-min", "100000000",
             "--miniapp-rate-per-submitter-per-hour", "100000000"],
            env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=log)
        try:
            try:
                wait_http(f"http://127.0.0.1:{port}/healthz", server)
            except SystemExit:
                print((tmpd / "serve.log").read_text(errors="replace")[-3000:], file=sys.stderr)
                raise
            store = ("sqlite synchronous=FULL" if label(spec) == "sqlite"
                     else "postgresql synchronous_commit=on" + (", fsync=on" if spec == "temp-postgresql" else ""))
            print(f"open311_bench: {args.clients} clients, {duration:g} s (+{args.warmup:g} s warm-up) per server, "
                  f"POST {PATH} form-encoded, {store}, {os.cpu_count()} cores, "
                  f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            c0 = cpu_s(server.pid)
            g = run_loadgen({"base": f"http://127.0.0.1:{port}", "api_key": api_key, "clients": args.clients,
                             "duration": duration, "warmup": args.warmup, "seed": args.seed, "tag": "gw",
                             "server_pid": server.pid})
            c1 = cpu_s(server.pid)
            commits = commit_histogram(f"http://127.0.0.1:{port}/metrics")
            rows = count_rows(db, "service_requests")
            tickets = count_rows(db, "tickets")
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
        rows_after = count_rows(db, "service_requests")
    gw = figures(f"gateway ({label(spec)})", g, c1 - c0)
    print(f"  commits: {commits}")
    received = g["ok"] + g["ok_warmup"]
    print(f"  durability: service_requests rows={rows} (tickets={tickets}) vs 201s received={received} -> "
          f"{'MATCH' if rows == received else 'MISMATCH'}; after shutdown rows={rows_after}")
    return {**gw, "api_key": api_key, "backend": label(spec)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=32, help="concurrent clients (connector limit)")
    ap.add_argument("--duration", type=float, default=20.0, help="measured seconds per server")
    ap.add_argument("--quick", action="store_true", help="8 s per server")
    ap.add_argument("--db", action="append", metavar="STORE",
                    help="sqlite (default), temp-postgresql, or an empty postgresql:// database; "
                         "repeat to compare backends in one run (bench/dbspec.py)")
    ap.add_argument("--warmup", type=float, default=1.0, help="seconds of load before measuring")
    ap.add_argument("--baseline-writer", choices=("writer", "to_thread"), default="writer",
                    help="baseline commits on one writer thread (default) or on asyncio.to_thread")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--seed", type=int, default=311)
    ap.add_argument("--loadgen", help=argparse.SUPPRESS)
    ap.add_argument("--baseline-server", nargs=3, metavar=("PORT", "DB", "MODE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.loadgen:
        return loadgen_main(json.loads(args.loadgen))
    if args.baseline_server:
        port, db, mode = args.baseline_server
        return baseline_server_main(int(port), db, mode)
    duration = 8.0 if args.quick else args.duration

    runs = [run_gateway(spec, args, duration) for spec in (args.db or ["sqlite"])]
    gw = runs[0]
    api_key = gw["api_key"]
    if args.skip_baseline:
        print(f"open311: rps={gw['rps']:.1f} p50_ms={gw['p50']:.2f} p99_ms={gw['p99']:.2f} "
              f"baseline_rps=nan baseline_p99_ms=nan ratio_p99=nan")
        return
    with tempfile.TemporaryDirectory(prefix="open311-baseline-") as tmp:
        bdb = Path(tmp) / "baseline.sqlite3"
        port = free_port()
        base = subprocess.Popen([sys.executable, __file__, "--baseline-server", str(port), str(bdb),
                                 args.baseline_writer])
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", base)
            c0 = cpu_s(base.pid)
            b = run_loadgen({"base": f"http://127.0.0.1:{port}", "api_key": api_key, "clients": args.clients,
                             "duration": duration, "warmup": args.warmup, "seed": args.seed, "tag": "bl",
                             "server_pid": base.pid})
            c1 = cpu_s(base.pid)
            print(f"baseline run done; load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            from bench.dbspec import count_rows
            brows = count_rows(str(bdb), "requests")
        finally:
            base.terminate()
            base.wait(timeout=30)
    bl = figures(f"baseline ({args.baseline_writer})", b, c1 - c0)
    print(f"  durability: requests rows={brows} vs 201s received={b['ok'] + b['ok_warmup']} -> "
          f"{'MATCH' if brows == b['ok'] + b['ok_warmup'] else 'MISMATCH'}")

    print()
    print(f"{'':<26}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'CPU ms/req':>12}{'not 201':>9}")
    for r in (*runs, bl):
        print(f"{r['name']:<26}{r['rps']:9.1f}{r['p50']:9.2f}{r['p90']:9.2f}{r['p99']:9.2f}{r['max']:9.2f}"
              f"{r['cpu_per_req_ms']:12.2f}{r['errors']:9d}")

    def ratio(a: float, b: float) -> float:
        return a / b if b else float("nan")
    for r in runs:
        print(f"{'ratio ' + r['backend']:<26}{ratio(bl['rps'], r['rps']):8.2f}x" + "".join(
            f"{ratio(r[k], bl[k]):8.2f}x" for k in ("p50", "p90", "p99", "max"))
            + f"{ratio(r['cpu_per_req_ms'], bl['cpu_per_req_ms']):11.2f}x")
    for r in runs[1:]:
        print(f"open311[{r['backend']}]: rps={r['rps']:.1f} p50_ms={r['p50']:.2f} p99_ms={r['p99']:.2f} "
              f"baseline_rps={bl['rps']:.1f} baseline_p99_ms={bl['p99']:.2f} ratio_p99={ratio(r['p99'], bl['p99']):.2f}")
    print("  (throughput: baseline/gateway; latency and CPU: gateway/baseline)")
    print(f"open311: rps={gw['rps']:.1f} p50_ms={gw['p50']:.2f} p99_ms={gw['p99']:.2f} "
          f"baseline_rps={bl['rps']:.1f} baseline_p99_ms={bl['p99']:.2f} ratio_p99={ratio(gw['p99'], bl['p99']):.2f}")


if __name__ == "__main__":
    main()
