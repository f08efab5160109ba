"""A wide slice read as its largest or worst few values: `limit` and `sort`, with the values left out added up
into one `others` block whose numbers are those of its summed counts (metrics/slices.py, docs/kpis.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordercare.domain.errors import ValidationFailed
from ordercare.services import cases
from ordercare.services.csat import give_feedback
from tests.conftest import START
from tests.factories import carriers, world
from tests.services.measure_helpers import place_many, release_and_pick, report, ship_all

D0 = START.date()
OWN = ("key", "label", "slice_values")


def _history(env) -> None:
    """CUST1: 3 orders of SKU-A, shipped complete (filled). CUST2: 1 order of SKU-C, none in stock (back-ordered:
    not filled), one CSAT answer. CUST3: 2 orders of SKU-B not shipped yet (fill unknown), a case and two CSAT
    answers."""
    world(env, stock={("NEAR", "SKU-A"): 10, ("NEAR", "SKU-B"): 10}, customers=("CUST1", "CUST2", "CUST3"))
    carriers(env)
    place_many(env, [("CUST1", [("SKU-A", 1)])] * 3)
    ship_all(env, release_and_pick(env, "NEAR"))
    place_many(env, [("CUST2", [("SKU-C", 2)]), ("CUST3", [("SKU-B", 1)]), ("CUST3", [("SKU-B", 2)])])
    cases.open_case(env.uow, env.clock, env.actor, cases.CaseRequest(customer="CUST3", subject="where is it",
                                                                     category="late_delivery"))
    give_feedback(env.uow, env.clock, env.actor, customer="CUST2", touchpoint="delivery", score=2)
    give_feedback(env.uow, env.clock, env.actor, customer="CUST3", touchpoint="delivery", score=5)
    give_feedback(env.uow, env.clock, env.actor, customer="CUST3", touchpoint="invoice", score=4)


def _block(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in OWN}


def test_a_limit_shows_the_largest_values_and_adds_up_the_rest(env):
    _history(env)
    every = report(env, start=D0, slice="customer")
    assert (every["sort"], every["limit"], every["others"], every["slice_values"]) == ("label", None, None, 3)
    by_code = {r["label"].split()[0]: r for r in every["rows"]}
    assert list(by_code) == ["CUST1", "CUST2", "CUST3"]
    top = report(env, start=D0, slice="customer", limit=2)
    assert top["sort"] == "volume" and top["slice_values"] == 3
    assert top["rows"] == [by_code["CUST1"], by_code["CUST3"]]  # 3 and 2 orders: the same blocks as unlimited
    # One value left out: "others" is exactly that value's block.
    assert top["others"]["slice_values"] == 1 and top["others"]["key"] is None
    assert _block(top["others"]) == _block(by_code["CUST2"])
    # Two left out: their counts add up, and each rate is the rate of the summed counts.
    one = report(env, start=D0, slice="customer", limit=1)
    others, parts = one["others"], [by_code["CUST2"], by_code["CUST3"]]
    assert others["slice_values"] == 2 and others["label"] == "others (2)"
    assert others["volume"]["orders"] == 3 == sum(p["volume"]["orders"] for p in parts)
    assert others["fill"]["order"] == {"rate": 0.0, "count": 0, "of": 1}  # CUST2 back-ordered; CUST3 unknown
    assert others["cases"]["cases"] == 1 and others["cases"]["per_100_orders"] == 100 / 3
    assert others["csat"]["all"] == {"touchpoint": None, "answers": 3, "positive": 2, "neutral": 0, "negative": 1,
                                     "mean_score": 11 / 3, "csat": 2 / 3}
    assert others["dso"]["credit_sales"] == sum(p["dso"]["credit_sales"] for p in parts)
    for path in (("volume", "orders"), ("volume", "lines"), ("volume", "units"), ("cases", "cases")):
        shown_and_others = [r[path[0]][path[1]] for r in (*one["rows"], others)]
        assert sum(shown_and_others) == one["total"][path[0]][path[1]], path


def test_sorted_worst_first_by_a_kpi_with_nothing_measured_last(env):
    _history(env)
    worst = report(env, start=D0, slice="customer", sort="order_fill")
    assert [(r["label"].split()[0], r["fill"]["order"]["rate"]) for r in worst["rows"]] == [
        ("CUST2", 0.0), ("CUST1", 1.0), ("CUST3", None)]
    assert worst["others"] is None  # no limit: every value
    by_volume = report(env, start=D0, slice="product", limit=1)  # a line-level slice: most lines first
    assert [r["label"] for r in by_volume["rows"]] == ["SKU-A"]
    assert by_volume["others"]["volume"]["lines"] == 3 and by_volume["others"]["cases"] is None
    assert report(env, start=D0, slice="segment", limit=5)["others"] is None  # fewer values than the limit


@pytest.mark.parametrize("kw, code, field", [({"limit": 0}, "invalid_limit", "limit"),
                                              ({"sort": "colour"}, "unknown_sort", "sort")])
def test_bad_limits_and_sorts_are_refused(env, kw, code, field):
    with pytest.raises(ValidationFailed) as err:
        report(env, start=D0, slice="customer", **kw)
    assert (err.value.code, err.value.field) == (code, field)


def test_a_limit_changes_neither_the_total_nor_the_targets_nor_the_series(env):
    """Trend series and targets are about the whole report: a limit changes neither."""
    _history(env)
    full = report(env, start=D0 - timedelta(days=1), slice="customer", trend="week")
    top = report(env, start=D0 - timedelta(days=1), slice="customer", trend="week", limit=1)
    assert (top["total"], top["targets"], top["series"]) == (full["total"], full["targets"], full["series"])
