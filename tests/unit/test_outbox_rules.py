"""Outbox and webhook rules without a database: which events are published as what, which e-mails they
trigger, subscription matching, signatures, backoff, URL and event-type checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercare.domain.errors import ValidationFailed
from ordercare.domain.outbox import (
    CUSTOMER_TOUCHPOINTS,
    EVENT_TYPES,
    ROUTES,
    TOUCHPOINTS,
    event_types_for,
    subscribed,
    touchpoints_for,
)
from ordercare.domain.webhooks import check_event_types, check_url, retry_delay, sign, verify
from ordercare.store.outbox import outbox_rows


def ev(kind, **kw):
    return {"kind": kind, "order_id": 1, "at": None, "actor": "a", "payload": kw.pop("payload", None), **kw}


@pytest.mark.parametrize("event,types", [
    (ev("placed"), ["order.placed"]),
    (ev("status_changed", from_status="new", to_status="allocated"), ["order.status_changed", "order.confirmed"]),
    (ev("status_changed", from_status="new", to_status="credit_hold"), ["order.status_changed", "order.credit_hold"]),
    (ev("status_changed", from_status="credit_hold", to_status="backordered"),
     ["order.status_changed", "order.confirmed"]),  # released by finance: now it is confirmed
    (ev("status_changed", from_status="credit_hold", to_status="cancelled"),
     ["order.status_changed", "order.cancelled"]),
    (ev("status_changed", from_status="allocated", to_status="released"), ["order.status_changed"]),
    (ev("shipped"), ["order.shipped"]),
    (ev("case_escalated"), []),  # the order timeline's copy: the case timeline publishes it
    (ev("return_authorised"), ["return.authorised"]),
    (ev("invoiced"), ["order.invoiced"]),
    (ev("installation_scheduled"), []),  # internal
    (ev("receipt_arrived"), []),
])
def test_event_kinds_become_webhook_types_in_the_domains_words(event, types):
    assert event_types_for(event) == types


@pytest.mark.parametrize("event,types", [
    (ev("logged"), ["case.opened"]),
    (ev("status_changed", from_status="logged", to_status="acknowledged"), ["case.updated", "case.acknowledged"]),
    (ev("status_changed", from_status="investigating", to_status="resolved"), ["case.updated", "case.resolved"]),
    (ev("escalated"), ["case.escalated"]),
    (ev("survey_sent"), ["survey.sent"]),
    (ev("note"), []),
])
def test_case_events_are_published_from_the_case_timeline(event, types):
    assert event_types_for(event, timeline="case") == types
    assert event_types_for(event) == ([] if event["kind"] != "status_changed" else ["order.status_changed"])


def test_outbox_rows_carry_the_event_facts_and_skip_internal_kinds():
    rows = outbox_rows([ev("status_changed", from_status="new", to_status="allocated", reason="placed",
                           payload={"promised_date": "2026-03-04"}), ev("receipt_arrived")])
    assert [r["event_type"] for r in rows] == ["order.status_changed", "order.confirmed"]
    assert rows[0]["data"] == {"promised_date": "2026-03-04", "from_status": "new", "to_status": "allocated",
                               "reason": "placed"}
    assert {r["state"] for r in rows} == {"pending"}


def test_every_route_and_touchpoint_names_a_known_type_and_every_touchpoint_has_a_template():
    from ordercare.notifications.render import render_email
    assert {r.event_type for r in ROUTES} | {"ping"} == set(EVENT_TYPES)
    for tp in TOUCHPOINTS:
        assert tp.event_type in EVENT_TYPES
        mail = render_email(tp.name, {"customer": {"code": "C", "name": "Name"}, "order": None, "data": {},
                                      "company": "X"})
        assert mail.subject and "\n" not in mail.subject and mail.text.strip()
    assert "case_escalated" not in CUSTOMER_TOUCHPOINTS  # staff only


def test_html_is_escaped_and_text_is_not():
    from ordercare.notifications.render import render_email
    mail = render_email("case_resolved", {"customer": {"name": "Bob <b>&</b>"}, "order": None,
                                          "data": {"case": "CS-1", "resolution": "<script>x</script>"}})
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert "What we did: <script>x</script>" in mail.text


@pytest.mark.parametrize("data,sent", [
    ({"old": "2026-03-04", "new": "2026-03-09"}, True),
    ({"old": "2026-03-04", "new": None}, True),  # lost its date: back-ordered
    ({"old": "2026-03-09", "new": "2026-03-04"}, False),  # earlier: good news, no delay notice
    ({"old": None, "new": "2026-03-04"}, False),  # first date for a back-order
])
def test_a_delay_notice_is_for_later_or_lost_dates_only(data, sent):
    assert bool(touchpoints_for("order.promised_date_changed", data)) is sent


@pytest.mark.parametrize("types,event,match", [
    (["*"], "order.shipped", True), (["order.*"], "order.shipped", True), (["order.*"], "case.escalated", False),
    (["order.shipped"], "order.shipped", True), (["order.shipped"], "order.shipped_late", False),
    (["order.ship*"], "order.shipped", False),
])
def test_subscriptions_match_types_families_and_all(types, event, match):
    assert subscribed(types, event) is match


@given(secret=st.text(min_size=1, max_size=40), body=st.binary(max_size=200), t=st.integers(0, 2**33))
def test_a_signature_verifies_with_its_secret_body_and_time_only(secret, body, t):
    header = sign(secret, body, t)
    assert verify(secret, header, body, t)
    assert not verify(secret + "x", header, body, t)
    assert not verify(secret, header, body + b"x", t)
    assert not verify(secret, header, body, t + 301)  # too old: a replay
    assert not verify(secret, header.replace(f"t={t}", f"t={t + 1}"), body, t)  # the time is signed


def test_signature_header_format_is_documented():
    assert sign("whsec_test", b'{"id":"1"}', 1767225600) == (
        "t=1767225600,v1=" + __import__("hmac").new(b"whsec_test", b'1767225600.{"id":"1"}', "sha256").hexdigest())
    assert not verify("s", "garbage", b"", 0) and not verify("s", "t=x,v1=y", b"", 0)


@given(attempt=st.integers(1, 40), jitter=st.floats(0, 1, exclude_max=True))
def test_backoff_grows_exponentially_within_half_to_full_step_up_to_the_cap(attempt, jitter):
    step = min(3600, 30 * 2 ** (attempt - 1))
    d = retry_delay(attempt, base_seconds=30, cap_seconds=3600, jitter=jitter)
    assert timedelta(seconds=step / 2) <= d < timedelta(seconds=step) + timedelta(microseconds=1)


@pytest.mark.parametrize("url,allow,code", [
    ("https://erp.example/hooks", False, None),
    ("http://127.0.0.1:9000/h", True, None),
    ("http://127.0.0.1:9000/h", False, "private_url"),
    ("http://localhost/h", False, "private_url"),
    ("http://10.1.2.3/h", False, "private_url"),
    ("http://[::1]/h", False, "private_url"),
    ("http://169.254.169.254/latest", False, "private_url"),  # cloud metadata
    ("mailto:x@y.example", True, "invalid_url"),
    ("https:///nohost", True, "invalid_url"),
    ("https://x.example:99999/", True, "invalid_url"),
])
def test_urls(url, allow, code):
    if code is None:
        assert check_url(url, allow_private=allow) == url
    else:
        with pytest.raises(ValidationFailed) as e:
            check_url(url, allow_private=allow)
        assert (e.value.code, e.value.field) == (code, "url")


def test_event_types_are_known_families_or_all_without_repeats():
    assert check_event_types(["order.*", "case.escalated", "order.*"]) == ["order.*", "case.escalated"]
    with pytest.raises(ValidationFailed) as e:
        check_event_types(["bogus.*"])
    assert e.value.field == "event_types[0]"
