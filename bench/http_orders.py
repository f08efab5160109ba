"""POST /api/v1/orders over real HTTP: latency percentiles and throughput.

A uvicorn server runs as a subprocess on 127.0.0.1 (a free port) against a fresh, migrated,
seeded database (``ORDERCARE_DATABASE_URL``); N client threads, each with its own keep-alive
httpx connection, post 5-line orders (the same workload as bench/order_placement.py) until a
request count or a time limit is reached, whichever comes first. Only 201 answers count as
orders; anything else is reported. The server is stopped and the database dropped afterwards.
Loopback only, bounded in count and time.

    python bench/http_orders.py [--backend sqlite|postgres|both] [--clients 8] [--requests 600] [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import check_books, fresh_database, seed, workload

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """uvicorn serving ordercare.api.asgi:app, started and stopped by this process only."""

    def __init__(self, url: str):
        self.port = _free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        env = dict(os.environ, ORDERCARE_DATABASE_URL=url)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "ordercare.api.asgi:app", "--host", HOST, "--port", str(self.port),
             "--log-level", "warning", "--no-access-log"],
            env=env, cwd=tempfile.gettempdir(), stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout} s: {self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


def _body(customer: str, lines) -> dict:
    return {"customer": customer, "channel": "api", "lines": [{"sku": s, "qty": q} for s, q in lines]}


def _percentile(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return float("nan")
    k = max(0, min(len(sorted_ms) - 1, round(p / 100 * len(sorted_ms) + 0.5) - 1))  # nearest rank
    return sorted_ms[k]


def load(base: str, token: str, bodies: list[dict], *, clients: int, seconds: float) -> dict:
    """clients threads share the list of bodies; each request's latency is recorded."""
    lock = threading.Lock()
    nxt = iter(range(len(bodies)))
    latencies: list[float] = []
    failures: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    start = threading.Barrier(clients + 1)

    def client() -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            start.wait()
            while time.monotonic() < deadline:
                with lock:
                    i = next(nxt, None)
                if i is None:
                    return
                t0 = time.perf_counter()
                try:
                    r = http.post("/api/v1/orders", json=bodies[i])
                    status = str(r.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    if status == "201":
                        latencies.append(ms)
                    else:
                        failures[status] = failures.get(status, 0) + 1

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join(seconds + 60)
    elapsed = time.perf_counter() - t0
    ms = sorted(latencies)
    return {"clients": clients, "ok": len(ms), "failures": failures, "seconds": elapsed,
            "throughput": len(ms) / elapsed if elapsed else 0.0,
            "p50": _percentile(ms, 50), "p95": _percentile(ms, 95), "p99": _percentile(ms, 99),
            "mean": statistics.fmean(ms) if ms else float("nan")}


def run(kind: str, *, clients: int = 8, requests: int = 600, seconds: float = 60, warmup: int = 40) -> dict:
    with fresh_database(kind) as url:
        seeded = seed(url, token=True)
        server = Server(url)
        try:
            server.wait_ready()
            load(server.base, seeded.token, [_body(c, ln) for c, ln in workload(seeded, warmup, 11)],
                 clients=min(clients, 4), seconds=seconds)
            result = load(server.base, seeded.token, [_body(c, ln) for c, ln in workload(seeded, requests, 12)],
                          clients=clients, seconds=seconds)
        finally:
            server.stop()
        violations = check_books(url)
        if violations:
            raise AssertionError(f"{kind}: the books do not balance after the HTTP benchmark: {violations[:5]}")
    return {"backend": kind, "requests": requests, "limit_s": seconds, **result}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=600)
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args(argv)
    for kind in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        r = run(kind, clients=args.clients, requests=args.requests, seconds=args.seconds)
        print(f"{kind:9s} {r['clients']} clients: {r['ok']} orders in {r['seconds']:.1f} s = {r['throughput']:.1f}/s  "
              f"p50 {r['p50']:.1f} ms  p95 {r['p95']:.1f} ms  p99 {r['p99']:.1f} ms  failures {r['failures'] or 0}")


if __name__ == "__main__":
    main()
