"""The KPI trend through the real pipeline: per day with answers by hand, per week equal to the service report of
each week, one slice value or one customer at a time, a customer user kept to its own account, bad input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ordercare.domain.access import Actor, Role
from ordercare.domain.errors import ValidationFailed
from ordercare.metrics.periods import ReportRequest
from ordercare.services.kpi_trend import kpi_trend
from ordercare.services.measure_report import kpi_report
from tests.services.dashboard_history import service_history
from tests.services.service_helpers import snapshot
from tests.services.test_measures_flow import D0


@pytest.fixture
def history(env):
    return env, service_history(env)


def _trend(env, *, days: int = 14, start: date = D0, key: str | None = None, actor=None, **kw) -> dict:
    return kpi_trend(env.uow, env.clock, actor or env.actor,
                     ReportRequest(start, start + timedelta(days=days - 1), **kw), key)


def _rates(points, path) -> list:
    out = []
    for p in points:
        v = p
        for part in path:
            v = None if v is None else v[part]
        out.append(v)
    return out


def test_per_day_by_hand(history):
    env, _ = history
    r = _trend(env)
    assert r["bucket"] == "day" and len(r["points"]) == 14 and r["points"][0]["period"] == D0
    pts = r["points"]
    assert [p["volume"]["orders"] for p in pts] == [4, 2, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0]
    # Day 0: SMALL's back-ordered order is not filled and not settled; the three others came next day.
    assert pts[0]["fill"]["order"] == {"rate": 0.75, "count": 3, "of": 4}
    assert pts[0]["fill"]["unit"] == {"rate": 46 / 48, "count": 46, "of": 48}
    assert pts[0]["on_time"]["order"]["otif"] == {"rate": 1.0, "count": 3, "of": 3}
    # Day 1: both delivered three days after ordering against a next-day promise.
    assert pts[1]["on_time"]["order"]["otif"] == {"rate": 0.0, "count": 0, "of": 2}
    assert pts[1]["perfect_order"]["order"]["measured"] == {"rate": 0.0, "count": 0, "of": 2}
    assert pts[1]["cycle_time"]["ordered_to_delivered"] == {"n": 2, "mean": 3.0, "std": 0.0, "median": 3.0,
                                                            "p95": 3.0}
    assert pts[2]["fill"]["order"]["rate"] is None  # no orders that day: n/a, not zero
    # Cases by the day they were opened: day 1 answered within the hour, day 4 never (past due by day 14).
    assert [p["cases"]["cases"] for p in pts[:5]] == [0, 1, 0, 0, 1]
    assert pts[1]["cases"]["first_response_sla"] == {"rate": 1.0, "count": 1, "of": 1}
    assert pts[4]["cases"]["first_response_sla"] == {"rate": 0.0, "count": 0, "of": 1}
    # CSAT by the day it was answered.
    assert [p["csat"]["all"]["answers"] for p in pts[:5]] == [0, 1, 0, 0, 2]
    tps = {t["touchpoint"]: t for t in pts[4]["csat"]["touchpoints"]}
    assert (tps["delivery"]["negative"], tps["invoice"]["neutral"]) == (1, 1)


def test_each_week_is_the_report_of_that_week(history):
    env, _ = history
    r = _trend(env, trend="week")
    assert [(p["from"], p["to"]) for p in r["points"]] == [(D0, D0 + timedelta(days=6)),
                                                          (D0 + timedelta(days=7), D0 + timedelta(days=13))]
    for p in r["points"]:
        week = kpi_report(env.uow, env.clock, env.actor, ReportRequest(p["from"], p["to"]))["total"]
        for part in ("volume", "fill", "perfect_order", "on_time", "cycle_time", "cases", "csat"):
            expected = week[part]
            if part == "volume":
                expected = {k: v for k, v in expected.items() if k != "open_past_promise"}
            assert p[part] == expected, part
    first = r["points"][0]["cycle_time"]["ordered_to_delivered"]
    assert first["n"] == 5 and first["mean"] == pytest.approx((1 + 1 + 1 + 3 + 3) / 5)


def test_one_slice_value_or_one_customer(history):
    env, _ = history
    seg_b = _trend(env, slice="segment", key="B")
    assert [p["volume"]["orders"] for p in seg_b["points"][:8]] == [2, 2, 0, 0, 0, 0, 0, 0]
    assert [p["cases"]["cases"] for p in seg_b["points"][:5]] == [0, 1, 0, 0, 1]  # SMALL and ENGINEER are B
    seg_a = _trend(env, slice="segment", key="A")
    assert seg_a["points"][1]["csat"]["all"]["answers"] == 1 and seg_a["points"][4]["cases"]["cases"] == 0
    short = _trend(env, slice="product", key="SKU-SHORT")
    assert not short["order_level"]
    assert short["points"][0]["fill"]["line"] == {"rate": 0.0, "count": 0, "of": 1}
    assert short["points"][0]["fill"]["order"] is None and short["points"][0]["cases"] is None
    small = _trend(env, slice="customer", key="SMALL")
    assert (small["customer"], small["key"]) == ("SMALL", "SMALL")
    assert [p["volume"]["orders"] for p in small["points"][:2]] == [1, 1]
    assert [p["cases"]["cases"] for p in small["points"][:5]] == [0, 1, 0, 0, 0]
    portal = _trend(env, slice="channel", key="portal")
    assert [p["volume"]["orders"] for p in portal["points"]][:8] == [2, 0, 0, 0, 0, 0, 0, 2]
    assert portal["points"][1]["cases"] is None  # cases belong to customers, not channels
    near = _trend(env, slice="warehouse", key="NEAR", trend="week")
    assert [p["volume"]["lines"] for p in near["points"]] == [6, 2]
    external = _trend(env, slice="customer_kind", key="external", trend="week")
    assert [p["volume"]["orders"] for p in external["points"]] == [6, 2]


def test_a_customer_user_sees_its_own_account_only(history):
    env, _ = history
    from tests.services.billing_helpers import customer_id
    small = Actor(None, "small-user", Role.CUSTOMER, customer_id(env, "SMALL"))
    mine = _trend(env, actor=small, trend="week")
    assert mine["customer"] == "SMALL" and [p["volume"]["orders"] for p in mine["points"]] == [2, 0]
    seg = _trend(env, actor=small, slice="segment", key="B", trend="week")  # its own orders of segment B
    assert [p["volume"]["orders"] for p in seg["points"]] == [2, 0]
    errors = []
    for other in ("ENGINEER", "NOBODY"):
        with pytest.raises(ValidationFailed) as exc:
            _trend(env, actor=small, slice="customer", key=other)
        errors.append((exc.value.code, exc.value.field, exc.value.message.replace(other, "X")))
    assert errors[0] == errors[1] and errors[0][:2] == ("unknown_customer", "key")


@pytest.mark.parametrize(("kw", "code", "field"), [
    ({"slice": "segment", "key": "Z"}, "unknown_key", "key"),
    ({"slice": "product", "key": "NO-SUCH-SKU"}, "unknown_key", "key"),
    ({"slice": "channel", "key": "fax"}, "unknown_key", "key"),
    ({"slice": "warehouse"}, "key_required", "key"),
    ({"key": "B"}, "key_without_slice", "key"),
    ({"slice": "colour", "key": "B"}, "unknown_slice", "slice"),
    ({"trend": "decade"}, "unknown_trend", "trend"),
    ({"trend": "day", "days": 800}, "too_many_buckets", "trend"),
    ({"start": D0 + timedelta(days=3), "days": -5}, "invalid_period", "from"),
])
def test_bad_input_is_refused_with_its_field(history, kw, code, field):
    env, _ = history
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        _trend(env, **kw)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert snapshot(env) == before


@pytest.mark.parametrize(("days", "bucket"), [(1, "day"), (31, "day"), (32, "week"), (183, "week"),
                                              (184, "month"), (3000, "month")])
def test_the_bucket_follows_the_length_of_the_period(sqlite_env, days, bucket):
    r = _trend(sqlite_env, days=days)
    assert r["bucket"] == bucket and r["points"][-1]["to"] == D0 + timedelta(days=days - 1)
