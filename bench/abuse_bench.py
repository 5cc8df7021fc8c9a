"""How much does a queue of idle callers slow the gateway down?  /healthz latency while 0, 1,500,
3,000 and 6,000 callers wait with their sockets open (issue 12, item 4).

    .venv/bin/python bench/abuse_bench.py            # 0 / 1500 / 3000 / 6000 waiting, 10 s each
    .venv/bin/python bench/abuse_bench.py --quick    # 0 / 1500 / 3000, 5 s each

The real ``hotline-gateway serve`` (SQLite, no seats online, so everyone waits and the ACD's
tick pushes queue updates every second) runs in its own process; a load process opens the
callers' sessions and sockets, keeps them open and reads what they are sent; the parent
measures ``GET /healthz`` at about 20 requests a second.  The quiet figure (0 waiting) is the
baseline measured in the same run; each line gives the ratio to it.  Only the idle-socket
scenario is here so far: the session, login and message floods, the slow reader and the photo
bombs of the issue are not yet in this benchmark.

Prints figures; asserts nothing.  The last line keeps its format:
``abuse: waiting=N healthz_p95_ms=X baseline_p95_ms=Y ratio_p95=Z``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.chat_bench import free_port, pct, wait_http  # noqa: E402


async def _hold(base: str) -> None:
    """Load process: read 'grow N' lines on stdin, open N more waiting callers, answer 'ready T'."""
    import asyncio

    import aiohttp
    conn = aiohttp.TCPConnector(limit=0)
    sockets = []
    async with aiohttp.ClientSession(base, connector=conn) as http:
        async def drain(ws) -> None:
            async for _ in ws:
                pass
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = (await reader.readline()).decode().strip()
            if not line or line == "quit":
                break
            n = int(line.split()[1])
            errors = 0
            for _ in range(n):
                async with http.post("/api/v1/sessions", json={"channel": "chat", "lang": "en"}) as r:
                    if r.status != 201:
                        errors += 1
                        continue
                    body = await r.json()
                ws = await http.ws_connect(body["ws_url"], heartbeat=None)
                sockets.append((ws, asyncio.create_task(drain(ws))))
            print(json.dumps({"ready": len(sockets), "errors": errors}), flush=True)
        for ws, task in sockets:
            task.cancel()
            await ws.close()


def healthz(base: str, seconds: float) -> list[float]:
    out, end = [], time.time() + seconds
    while time.time() < end:
        t0 = time.perf_counter()
        urllib.request.urlopen(base + "/healthz", timeout=30).read()
        out.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.05)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--hold", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.hold:
        import asyncio
        return asyncio.run(_hold(args.hold))
    steps = [0, 1500, 3000] if args.quick else [0, 1500, 3000, 6000]
    seconds = 5.0 if args.quick else 10.0
    exe = ROOT / ".venv" / "bin" / "hotline-gateway"
    with tempfile.TemporaryDirectory(prefix="abuse-bench-") as tmp:
        port = free_port()
        # The idle callers all come from 127.0.0.1: this measures queue size, not the flood limits
        # (which would refuse most of them).  Set through the environment, which a gateway from
        # before those limits ignores, so the same script measures the old code too.
        env = {**os.environ, "HOTLINE_LOG_LEVEL": "WARNING", "HOTLINE_SESSION_RATE_PER_ADDRESS_PER_MIN": "1000000",
               "HOTLINE_MAX_UNCONNECTED_SESSIONS": "1000000"}
        server = subprocess.Popen([str(exe), "serve", "--port", str(port), "--db", f"{tmp}/gw.sqlite3",
                                   "--no-mt-enabled", "--secret-file", f"{tmp}/secret.key",
                                   "--caller-abandon-s", "3600"], env=env, cwd=tmp,
                                  stdout=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        hold = None
        try:
            wait_http(base + "/healthz")
            hold = subprocess.Popen([sys.executable, __file__, "--hold", base], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True)
            print(f"abuse_bench: /healthz at ~20/s for {seconds:g} s per step, {os.cpu_count()} cores, "
                  f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            rows, have = [], 0
            for n in steps:
                if n > have:
                    hold.stdin.write(f"grow {n - have}\n")
                    hold.stdin.flush()
                    got = json.loads(hold.stdout.readline())
                    have = got["ready"]
                    time.sleep(2.0)              # let a few ticks run with everyone connected
                lat = healthz(base, seconds)
                rows.append((have, pct(lat, 50), pct(lat, 95), max(lat)))
        finally:
            if hold is not None:
                try:
                    hold.stdin.write("quit\n")
                    hold.stdin.flush()
                    hold.wait(timeout=60)
                except Exception:
                    hold.kill()
            server.terminate()
            server.wait(timeout=60)
    base_p50, base_p95 = rows[0][1], rows[0][2]
    print(f"{'waiting callers':>16}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'p95 ratio':>11}")
    for n, p50, p95, mx in rows:
        print(f"{n:>16}{p50:10.2f}{p95:10.2f}{mx:10.1f}{p95 / base_p95:10.1f}x")
    n, _p50, p95, _mx = rows[-1]
    print(f"abuse: waiting={n} healthz_p95_ms={p95:.2f} baseline_p95_ms={base_p95:.2f} "
          f"ratio_p95={p95 / base_p95:.1f}")


if __name__ == "__main__":
    main()
