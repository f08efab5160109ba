"""POSTing one webhook delivery: no redirects followed, a bounded wait, a short excerpt of the answer kept."""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class PostOutcome:
    status: int | None  # None: no HTTP answer (refused, timeout, TLS)
    error: str | None
    excerpt: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> PostOutcome:
    parts = urlsplit(url)
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.perf_counter()  # a duration for the history, not a scheduling decision
    conn = conn_class(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers={**headers, "Content-Type": "application/json",
                                                        "User-Agent": "Ordercare-Webhooks/1"})
        resp = conn.getresponse()
        excerpt = resp.read(500).decode("utf-8", "replace")
        status = resp.status
        error = None if 200 <= status < 300 else f"HTTP {status}"
    except (OSError, http.client.HTTPException) as exc:
        status, excerpt, error = None, None, f"{type(exc).__name__}: {exc}"[:500]
    finally:
        conn.close()
    return PostOutcome(status, error, excerpt or None, int((time.perf_counter() - started) * 1000))
