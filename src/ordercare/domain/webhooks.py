"""Webhook rules: what a subscription may name, how a delivery is signed, when a failed one is retried."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import timedelta
from urllib.parse import urlsplit

from .errors import ValidationFailed
from .outbox import EVENT_TYPES

SIGNATURE_HEADER = "Ordercare-Signature"
EVENT_ID_HEADER = "Ordercare-Event-Id"
EVENT_TYPE_HEADER = "Ordercare-Event-Type"
DELIVERY_HEADER = "Ordercare-Delivery"
MAX_EVENT_TYPES = 50


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`: the time is signed too, so an old
    delivery cannot be replayed later as new."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: recompute the HMAC over the raw body and refuse stale timestamps."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - t) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


def retry_delay(attempt: int, *, base_seconds: float, cap_seconds: float, jitter: float) -> timedelta:
    """Exponential backoff with "equal jitter": half the step is fixed, half random (jitter in [0, 1)).

    Attempt 1 failed -> about base, 2 -> 2 × base, … up to the cap; the random half spreads retries of
    many deliveries that failed together (a receiver's outage) so they do not return in one burst.
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    step = min(cap_seconds, base_seconds * 2 ** (attempt - 1))
    return timedelta(seconds=step / 2 + step / 2 * jitter)


def check_url(url: str, *, allow_private: bool) -> str:
    """http(s) with a host; a customer's endpoint may not point into our own network (loopback, private
    and link-local addresses, 'localhost') unless the installation allows it."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a bad port
    except ValueError:
        raise ValidationFailed("invalid_url", "url: not a valid URL", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("invalid_url", "url: must be an http:// or https:// URL with a host", field="url")
    if parts.username or parts.password:
        raise ValidationFailed("invalid_url", "url: must not carry credentials; the signature authenticates us",
                               field="url")
    if not allow_private and _private_host(parts.hostname):
        raise ValidationFailed("private_url", "url: points to a local or private address", field="url",
                               host=parts.hostname, port=port)
    return url


def _private_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified


def check_event_types(types: list[str]) -> list[str]:
    """Known types, "*" for all, or a family such as "order.*"; at least one, no repeats."""
    if not types:
        raise ValidationFailed("event_types_required", "event_types: name at least one event type",
                               field="event_types")
    if len(types) > MAX_EVENT_TYPES:
        raise ValidationFailed("too_many_event_types", f"event_types: at most {MAX_EVENT_TYPES}",
                               field="event_types")
    families = {t.split(".")[0] + ".*" for t in EVENT_TYPES if "." in t}
    out: list[str] = []
    for i, t in enumerate(types):
        if t != "*" and t not in EVENT_TYPES and t not in families:
            raise ValidationFailed("unknown_event_type", f"event_types[{i}]: unknown event type {t!r}",
                                   field=f"event_types[{i}]", known=list(EVENT_TYPES))
        if t not in out:
            out.append(t)
    return out
