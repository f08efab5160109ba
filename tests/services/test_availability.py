"""ATP inquiry: free supply by date per warehouse, and when it can reach the customer (ATD)."""

import pytest

from ordercare.domain.errors import ValidationFailed
from ordercare.services import receipts
from ordercare.services.availability import availability
from tests.factories import order, purchase, world
from tests.services.helpers import day, receipt_ids


def by_wh(result):
    return {w["warehouse"]: w for w in result["warehouses"]}


def profile(entry):
    return [(p["date"], p["atp"]) for p in entry["profile"]]


def scenario(env):
    """NEAR: 5 on hand with 2 reserved by an order, receipts of 10 (day 10), 4 (day 20) and 50 (day 200,
    beyond the horizon). MID: 20 on hand. FAR: nothing."""
    world(env, stock={("NEAR", "SKU-A"): 5, ("MID", "SKU-A"): 20})
    order(env, [("SKU-A", 2)])  # NEAR stock: reserved 2
    purchase(env, "PO-1", "NEAR", [("SKU-A", 10)], days_out=10)
    purchase(env, "PO-2", "NEAR", [("SKU-A", 4)], days_out=20)
    purchase(env, "PO-3", "NEAR", [("SKU-A", 50)], days_out=200)  # beyond the 120-day horizon


def test_atp_profile_and_atd_per_warehouse(env):
    scenario(env)
    r = availability(env.uow, env.clock, env.settings, env.actor, "SKU-A", qty=10, customer="CUST1")
    assert (r["sku"], r["qty"], r["today"], r["horizon_end"]) == ("SKU-A", 10, day(0), day(120))
    assert [w["warehouse"] for w in r["warehouses"]] == ["FAR", "MID", "NEAR"]
    w = by_wh(r)
    near = w["NEAR"]
    assert (near["on_hand"], near["reserved"], near["atp_now"]) == (5, 2, 3)
    assert profile(near) == [(day(0), 3), (day(10), 13), (day(20), 17)]
    assert near["earliest_date_for_qty"] == day(10)
    assert (near["ship_date"], near["delivery_date"]) == (day(11), day(12))
    assert near["distance_km"] < 1
    mid = w["MID"]
    assert profile(mid) == [(day(0), 20)]
    assert (mid["earliest_date_for_qty"], mid["ship_date"], mid["delivery_date"]) == (day(0), day(1), day(2))
    assert 295 < mid["distance_km"] < 305
    far = w["FAR"]
    assert (far["on_hand"], far["reserved"], far["atp_now"], profile(far)) == (0, 0, 0, [(day(0), 0)])
    assert far["earliest_date_for_qty"] is None
    assert "delivery_date" not in far


def test_promises_on_a_receipt_reduce_its_atp(env):
    scenario(env)
    # An order of 10 takes NEAR's 3 free units and 7 of MID's (same delivery day, NEAR is nearer); one of 15
    # then drains MID's last 13 and takes 2 units of the day-10 receipt.
    order(env, [("SKU-A", 10)])
    order(env, [("SKU-A", 15)])
    w = by_wh(availability(env.uow, env.clock, env.settings, env.actor, "SKU-A", qty=1))
    assert profile(w["MID"]) == [(day(0), 0)]
    assert profile(w["NEAR"]) == [(day(0), 0), (day(10), 8), (day(20), 12)]
    assert w["NEAR"]["earliest_date_for_qty"] == day(10)
    assert "delivery_date" not in w["NEAR"]  # no customer named: no ATD


def test_atd_without_a_customer_is_not_given_and_qty_beyond_the_horizon_has_no_date(env):
    scenario(env)
    w = by_wh(availability(env.uow, env.clock, env.settings, env.actor, "SKU-A", qty=18))
    assert w["NEAR"]["earliest_date_for_qty"] is None  # 17 within the horizon; the 50 on day 200 do not count
    assert "ship_date" not in w["MID"]


def test_an_overdue_receipt_counts_from_tomorrow(env):
    world(env)
    (rid,) = receipt_ids(env, purchase(env, "PO-1", "FAR", [("SKU-A", 6)], days_out=1))
    env.clock.advance(days=3)  # day 3: the receipt expected on day 1 has not come
    w = by_wh(availability(env.uow, env.clock, env.settings, env.actor, "SKU-A", qty=6, customer="CUST1"))
    assert profile(w["FAR"]) == [(day(3), 0), (day(4), 6)]
    assert (w["FAR"]["earliest_date_for_qty"], w["FAR"]["ship_date"], w["FAR"]["delivery_date"]) == (
        day(4), day(5), day(7))
    receipts.receive(env.uow, env.clock, env.settings, env.actor, rid, 6)
    w = by_wh(availability(env.uow, env.clock, env.settings, env.actor, "SKU-A", qty=6, customer="CUST1"))
    assert profile(w["FAR"]) == [(day(3), 6)]
    assert w["FAR"]["delivery_date"] == day(6)


@pytest.mark.parametrize("sku, qty, code, field", [("SKU-A", 0, "invalid_quantity", "qty"),
                                                  ("SKU-NOPE", 1, "unknown_sku", "sku")])
def test_availability_refuses_bad_questions(env, sku, qty, code, field):
    world(env)
    with pytest.raises(ValidationFailed) as exc:
        availability(env.uow, env.clock, env.settings, env.actor, sku, qty=qty)
    assert (exc.value.code, exc.value.field) == (code, field)
