"""Service measures through the real pipeline, each with an answer computed by hand: cycle-time spread, OTIF
with a late and a short order, cancelled and back-ordered orders, returns after delivery, cases and CSAT, DSO
and inventory turnover, line-level slices."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ordercare.domain.errors import ValidationFailed
from ordercare.services import orders as order_service, returns, shipping
from ordercare.services.csat import give_feedback
from ordercare.services.shipping import DeliveryException
from ordercare.store.tables import orders, receivables
from tests.conftest import START
from tests.factories import add_customer, carriers, world
from tests.services.measure_helpers import place_many, release_and_pick, report, ship_all, shipment_lines_of

D0 = START.date()


def _one_shipment_each(env, customers: list[str], qty: int = 1, sku: str = "SKU-A", **kw) -> tuple[list, list]:
    """One order per customer (so one shipment each), picked and shipped today."""
    ids = place_many(env, [(c, [(sku, qty)]) for c in customers], **kw)
    shipments = release_and_pick(env, "NEAR")
    ship_all(env, shipments)
    by_order = {shipment_lines_of(env, s)[0].order_id: s for s in shipments}
    return ids, [by_order[o] for o in ids]


def _deliver(env, shipment_id: int, day: int, **kw) -> None:
    shipping.deliver(env.uow, env.clock, env.actor, shipment_id, received_by="Goods-in",
                     delivered_at=START + timedelta(days=day, hours=5), **kw)


def _promised(env, order_id: int):
    with env.uow.read() as c:
        return c.execute(select(orders.c.promised_date).where(orders.c.id == order_id)).scalar_one()


def test_cycle_time_spread_and_the_lead_time_target_by_hand(env):
    """Delivered 1, 2, 2, 3 and 7 days after ordering: mean 3, s = sqrt(5.5), median 2, p95 = 3 + 0.8 x 4 = 6.2;
    package A promises 3 days, so 4 of 5 are within the lead time."""
    world(env, stock={("NEAR", "SKU-A"): 10}, customers=())
    custs = [f"A{i}" for i in range(5)]
    for c in custs:
        add_customer(env, c, package="A")
    carriers(env)
    ids, shipments = _one_shipment_each(env, custs)
    env.clock.advance(days=8)
    for s, day in zip(shipments, [1, 2, 2, 3, 7], strict=True):
        _deliver(env, s, day)
    r = report(env, start=D0)
    cycle = r["total"]["cycle_time"]
    assert cycle["ordered_to_delivered"] == {"n": 5, "mean": 3.0, "std": pytest.approx(5.5 ** 0.5), "median": 2.0,
                                             "p95": pytest.approx(6.2)}
    assert cycle["ordered_to_shipped"] == {"n": 5, "mean": 0.0, "std": 0.0, "median": 0.0, "p95": 0.0}
    assert cycle["within_lead_time"] == {"rate": 0.8, "count": 4, "of": 5}
    [a] = [t for t in r["targets"] if t["package"] == "A"]
    assert a["lead_time_days"] == {"target": 3, "measured_mean": 3.0, "measured_p95": pytest.approx(6.2),
                                   "within_target": {"rate": 0.8, "count": 4, "of": 5}}
    assert a["order_fill_rate"]["target"] == 0.98 and a["order_fill_rate"]["measured"] == 1.0
    assert a["order_fill_rate"]["gap"] == pytest.approx(0.02)
    on_time = sum((D0 + timedelta(days=d)) <= _promised(env, o) for o, d in zip(ids, [1, 2, 2, 3, 7], strict=True))
    assert r["total"]["on_time"]["order"]["vs_promised"]["count"] == on_time


def test_otif_with_a_late_and_a_short_order(env):
    """Four orders: on time and complete; late; short; late and short. OTIF 1/4, on time 2/4, complete 2/4.
    Two asked for a day after the promise: one came by then (on time and in full vs requested), one did not."""
    world(env, stock={("NEAR", "SKU-A"): 20}, customers=("C1", "C2", "C3", "C4"))
    carriers(env)
    ids = place_many(env, [("C1", [("SKU-A", 2)]), ("C2", [("SKU-A", 2)])], requested=D0 + timedelta(days=3))
    ids += place_many(env, [("C3", [("SKU-A", 2)]), ("C4", [("SKU-A", 2)])])
    shipments = release_and_pick(env, "NEAR")
    ship_all(env, shipments)
    of = {shipment_lines_of(env, s)[0].order_id: (s, shipment_lines_of(env, s)[0].id) for s in shipments}
    promise = (_promised(env, ids[2]) - D0).days
    env.clock.advance(days=10)
    late = max(promise, 3) + 2
    _deliver(env, of[ids[0]][0], promise)
    _deliver(env, of[ids[1]][0], late)
    _deliver(env, of[ids[2]][0], promise, exceptions=[DeliveryException(of[ids[2]][1], short=1)])
    _deliver(env, of[ids[3]][0], late, exceptions=[DeliveryException(of[ids[3]][1], short=1)])
    total = report(env, start=D0)["total"]
    timing = total["on_time"]["order"]
    assert timing["otif"] == {"rate": 0.25, "count": 1, "of": 4}
    assert timing["vs_promised"] == {"rate": 0.5, "count": 2, "of": 4}
    assert timing["vs_requested"] == {"rate": 0.5, "count": 1, "of": 2}
    assert timing["otif_vs_requested"] == {"rate": 0.5, "count": 1, "of": 2}
    assert total["perfect_order"]["order"]["components"]["complete"] == {"rate": 0.5, "count": 2, "of": 4}
    assert total["accuracy"]["order"] == {"rate": 0.5, "count": 2, "of": 4}
    assert total["delivery_exceptions"]["units_short"] == 2
    assert total["fill"]["order"]["rate"] == 1.0  # every order left complete: the failures came after


def test_cancelled_back_ordered_and_overdue_orders(env):
    world(env, stock={("NEAR", "SKU-A"): 3, ("NEAR", "SKU-B"): 5})
    carriers(env)
    short, cancelled, waiting = place_many(env, [("CUST1", [("SKU-A", 5)]), ("CUST1", [("SKU-B", 2)]),
                                                 ("CUST1", [("SKU-B", 1)])])
    order_service.cancel_order(env.uow, env.clock, env.settings, env.actor, cancelled, "customer changed mind")
    r = report(env, start=D0)["total"]
    assert (r["volume"]["orders"], r["volume"]["cancelled_orders"], r["volume"]["open_orders"]) == (2, 1, 2)
    assert r["fill"]["order"] == {"rate": 0.0, "count": 0, "of": 1}  # the back-order is known; the other pending
    assert r["fill"]["line"] == {"rate": 0.0, "count": 0, "of": 1}
    assert r["fill"]["pending"] == {"units": 6, "lines": 1, "orders": 1}
    assert r["volume"]["open_past_promise"] == 0
    env.clock.advance(days=(_promised(env, waiting) - D0).days + 1)
    assert report(env, start=D0)["total"]["volume"]["open_past_promise"] == 1  # the back-order has no promise
    from ordercare.services.measure_report import pareto_report
    from ordercare.metrics.periods import ReportRequest
    p = pareto_report(env.uow, env.clock, env.actor, ReportRequest(D0, D0 + timedelta(days=30)))
    assert [(d["department"], d["by_kind"]) for d in p["departments"]] == [
        ("inventory_control", {"not_filled": 1})]


def test_returns_after_delivery_count_against_the_delivered_order(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    carriers(env)
    [oid], [sid] = _one_shipment_each(env, ["CUST1"], qty=4)
    env.clock.advance(days=2)
    _deliver(env, sid, 1)
    assert report(env, start=D0)["total"]["perfect_order"]["order"]["measured"]["count"] == 1
    rma = returns.request_return(env.uow, env.clock, env.actor, oid, [returns.ReturnLineRequest(1, 1, "damaged")])
    r = report(env, start=D0)["total"]
    assert r["perfect_order"]["order"]["components"]["damage_free"] == {"rate": 0.0, "count": 0, "of": 1}
    assert r["returns"]["units_returned"] == 1 and r["returns"]["rate"] == 0.25
    assert {x["reason"]: x["units"] for x in r["returns"]["by_reason"]}["damaged"] == 1
    returns.refuse_return(env.uow, env.clock, env.actor, rma, "photos show no damage")
    r = report(env, start=D0)["total"]
    assert r["perfect_order"]["order"]["measured"]["count"] == 1 and r["returns"]["units_returned"] == 0


def test_dso_and_inventory_turnover_by_hand(env):
    """10 units at 10.00 shipped and invoiced; nothing paid: receivables at the end = credit sales, DSO = the
    31 days of the period. Stock: 100 units at cost 6.00 put in today, 10 shipped: cost of goods 60.00, value
    0 at the start and 540.00 at the end, turns = 60 / 270."""
    world(env, stock={("NEAR", "SKU-A"): 100})
    carriers(env)
    _one_shipment_each(env, ["CUST1"], qty=10)
    r = report(env, start=D0)["total"]
    with env.uow.read() as c:
        billed = c.execute(select(func.sum(receivables.c.amount))).scalar_one()
    assert billed > 0
    assert r["dso"] == {"receivables_at_end": billed, "credit_sales": billed, "days": 31, "dso": Decimal("31.0")}
    turn = r["inventory_turnover"]
    assert (turn["cost_of_goods_shipped"], turn["inventory_value_start"], turn["inventory_value_end"]) == (
        Decimal("60.00"), Decimal("0.00"), Decimal("540.00"))
    assert turn["turns"] == pytest.approx(60 / 270)


def test_line_level_slices_have_no_order_level_measures(env):
    world(env, stock={("NEAR", "SKU-A"): 10, ("MID", "SKU-B"): 10})
    carriers(env)
    place_many(env, [("CUST1", [("SKU-A", 2), ("SKU-B", 3)])])
    for wh in ("NEAR", "MID"):
        ship_all(env, release_and_pick(env, wh))
    by_product = report(env, start=D0, slice="product")
    assert [(r["label"], r["volume"]["units"], r["fill"]["line"]["rate"]) for r in by_product["rows"]] == [
        ("SKU-A", 2, 1.0), ("SKU-B", 3, 1.0)]
    assert all(r["fill"]["order"] is None and r["perfect_order"]["order"] is None and r["cases"] is None
               for r in by_product["rows"])
    assert by_product["total"]["fill"]["order"]["count"] == 1  # one order, shipped complete on its first day
    assert [r["label"] for r in report(env, start=D0, slice="warehouse")["rows"]] == ["MID", "NEAR"]
    carriers_used = report(env, start=D0, slice="carrier")["rows"]
    assert sum(r["volume"]["lines"] for r in carriers_used) == 2
    by_segment = report(env, start=D0, slice="segment")["rows"]
    assert [(r["key"], r["volume"]["orders"], r["volume"]["lines"]) for r in by_segment] == [("B", 1, 2)]


def test_cases_sla_attainment_time_to_resolve_cost_and_csat(env):
    """Package B, normal priority: first response within 480 business minutes, resolution within 2400 (office
    hours Mon-Fri 09:00-17:00). Case 1 acknowledged after 1 h and resolved after 4 h: both met. Case 2
    acknowledged two working days later: first response missed. Case 3 never answered: past its due time it
    counts as missed. 3 cases on 2 orders: 150 per 100 orders. Recovery: a goodwill gesture of 25.00."""
    from ordercare.services import case_recovery, cases
    world(env, stock={("NEAR", "SKU-A"): 10})
    carriers(env)
    ids, _ = _one_shipment_each(env, ["CUST1"], qty=1)
    ids += place_many(env, [("CUST1", [("SKU-A", 1)])])
    opened = [cases.open_case(env.uow, env.clock, env.actor, cases.CaseRequest(
        customer="CUST1", subject=f"case {i}", category="late_delivery", order_id=ids[0] if i == 0 else None))
        for i in range(3)]
    env.clock.advance(hours=1)
    cases.acknowledge(env.uow, env.clock, env.actor, opened[0])
    case_recovery.add_recovery(env.uow, env.clock, env.settings, env.actor, opened[0],
                               case_recovery.Recovery("goodwill", note="voucher", cost=Decimal("25.00")))
    cases.record_root_cause(env.uow, env.clock, env.actor, opened[0], root_cause="carrier_delay")
    env.clock.advance(hours=3)
    cases.resolve(env.uow, env.clock, env.actor, opened[0], "delivered with a voucher")
    env.clock.advance(days=2)
    cases.acknowledge(env.uow, env.clock, env.actor, opened[1])
    give_feedback(env.uow, env.clock, env.actor, customer="CUST1", touchpoint="delivery", score=5)
    give_feedback(env.uow, env.clock, env.actor, customer="CUST1", touchpoint="delivery", score=3)
    give_feedback(env.uow, env.clock, env.actor, customer="CUST1", touchpoint="invoice", score=1)
    r = report(env, start=D0)["total"]
    c = r["cases"]
    assert c["cases"] == 3 and c["per_100_orders"] == 150.0
    assert c["first_response_sla"] == {"rate": 1 / 3, "count": 1, "of": 3}  # met, missed, past due
    assert c["resolution_sla"] == {"rate": 1.0, "count": 1, "of": 1}  # the others' clocks still run, not due
    assert c["open_past_due"] == {"first_response": 1, "resolution": 0}
    assert c["mean_hours_to_resolve"] == 4.0 and c["resolved"] == 1
    assert c["cost_of_service_failures"] == Decimal("25.00")
    tps = {t["touchpoint"]: t for t in r["csat"]["touchpoints"]}
    assert (tps["delivery"]["positive"], tps["delivery"]["neutral"], tps["delivery"]["negative"]) == (1, 1, 0)
    assert (tps["invoice"]["negative"], tps["invoice"]["csat"], tps["return"]["answers"]) == (1, 0.0, 0)
    assert r["csat"]["all"] == {"touchpoint": None, "answers": 3, "positive": 1, "neutral": 1, "negative": 1,
                                "mean_score": 3.0, "csat": 1 / 3}


def test_staff_name_one_customer_and_unknown_names_are_refused(env):
    world(env, stock={("NEAR", "SKU-A"): 10}, customers=("CUST1", "CUST2"))
    place_many(env, [("CUST1", [("SKU-A", 1)]), ("CUST2", [("SKU-A", 1)]), ("CUST2", [("SKU-A", 1)])])
    assert report(env, start=D0)["total"]["volume"]["orders"] == 3
    mine = report(env, start=D0, customer="CUST2", slice="product")
    assert mine["customer"] == "CUST2" and mine["total"]["volume"]["orders"] == 2
    assert [r["volume"]["lines"] for r in mine["rows"]] == [2]
    with pytest.raises(ValidationFailed) as err:
        report(env, start=D0, customer="NOBODY")
    assert (err.value.code, err.value.field) == ("unknown_customer", "customer")
    with pytest.raises(ValidationFailed) as err:
        report(env, start=D0, slice="colour")
    assert (err.value.code, err.value.field) == ("unknown_slice", "slice")
