"""The facts of an order and its lines (metrics/facts.py, docs/kpis.md): filled, on time, perfect, pending."""

from __future__ import annotations

from datetime import date, timedelta

from ordercare.metrics.attribution import charge_failures
from ordercare.metrics.facts import all_of, derive
from ordercare.metrics.records import CaseLink, LineRecord, OrderRecord, ShipmentPart

D0 = date(2026, 3, 2)


def d(n: int) -> date:
    return D0 + timedelta(days=n)


def part(qty, *, shipped=0, delivered=1, picked=None, ship_qty=None, sid=1, wh=1, carrier=7, **exc) -> ShipmentPart:
    """A shipment line of `qty` released units, shipped on day `shipped` (None: not yet), delivered `delivered`
    days later (None: not yet)."""
    ship_qty = qty if ship_qty is None else ship_qty
    picked = qty if picked is None else picked
    on = d(shipped) if shipped is not None else None
    arrived = d(shipped + delivered) if shipped is not None and delivered is not None else None
    got = ship_qty - exc.get("qty_short", 0) - exc.get("qty_wrong", 0) if arrived else 0
    return ShipmentPart(sid, wh, carrier, qty, picked, ship_qty if on else 0, on, arrived, got, **exc)


def line(qty=10, *parts, lid=1, from_stock=None, promise=2, ship_promise=0, requested=None, returns=()):
    return LineRecord(lid, 100 + lid, qty, qty if from_stock is None else from_stock, requested,
                      d(ship_promise) if ship_promise is not None else None, d(promise) if promise is not None else None,
                      1, tuple(parts), tuple(returns))


def order(*lines, cancelled=False, held=False, disputes=(), cases=(), lead=3):
    return OrderRecord(1, D0, 5, "A", "A", "external", "web", lead, cancelled, held, d(2), tuple(lines),
                       tuple(disputes), tuple(cases))


def test_a_line_shipped_complete_on_time_undamaged_is_perfect():
    o, [ln] = derive(order(line(10, part(10))))
    assert (ln.filled, ln.u_filled, ln.u_fill_n, ln.settled, ln.perfect, ln.ship_days, ln.deliver_days) == \
        (1, 10, 10, 1, 1, 0, 1)
    assert (o.filled, o.perfect, o.otif, o.within_lead, o.open) == (1, 1, 1, 1, 0)
    assert o.fail_late is None and o.fail_not_filled is None


def test_nothing_is_known_before_the_first_shipment():
    o, [ln] = derive(order(line(10, part(10, shipped=None))))
    assert (ln.filled, ln.u_fill_n, ln.settled, ln.perfect, ln.ship_days) == (None, 0, 0, None, None)
    assert (o.filled, o.settled, o.open, o.perfect) == (None, 0, 1, None)


def test_a_back_order_is_a_known_fill_failure_before_anything_ships():
    o, [ln] = derive(order(line(10, from_stock=6)))
    assert (ln.filled, ln.u_fill_n, ln.u_filled) == (0, 0, 0)  # units known once they ship
    assert o.filled == 0 and o.fail_not_filled == "inventory_control"
    o, [ln] = derive(order(line(10, from_stock=0)))
    assert (ln.filled, ln.u_fill_n, ln.u_filled) == (0, 10, 0)  # nothing in stock: no unit can be filled


def test_units_filled_are_those_of_the_first_shipment_that_were_in_stock():
    # 6 of 10 in stock: the first shipment takes 6, the rest comes a week later
    _, [ln] = derive(order(line(10, part(6), part(4, shipped=7, sid=2), from_stock=6)))
    assert (ln.filled, ln.u_filled, ln.u_fill_n, ln.ship_days) == (0, 6, 10, 7)
    # a short pick: 7 of 10 picked and shipped
    o, [ln] = derive(order(line(10, part(10, picked=7, ship_qty=7, short_department="replenishment"))))
    assert (ln.filled, ln.u_filled, ln.settled) == (0, 7, 0)
    assert o.fail_not_filled == "replenishment"


def test_an_order_is_filled_only_when_every_line_left_on_its_first_shipping_day():
    same_day = order(line(5, part(5, sid=1, wh=1), lid=1), line(5, part(5, sid=2, wh=2), lid=2))
    assert derive(same_day)[0].filled == 1  # two parcels from two warehouses, one day
    later = order(line(5, part(5, sid=1), lid=1), line(5, part(5, shipped=2, sid=2), lid=2))
    o, lines = derive(later)
    assert [f.filled for f in lines] == [1, 1] and o.filled == 0  # each line complete, the order was not


def test_filled_by_the_promised_date_counts_units_shipped_by_the_promised_ship_day():
    _, [ln] = derive(order(line(10, part(6), part(4, shipped=3, sid=2), from_stock=6, ship_promise=3)))
    assert (ln.filled, ln.filled_p, ln.u_fillp) == (0, 1, 10)
    _, [ln] = derive(order(line(10, part(6), part(4, shipped=4, sid=2), from_stock=6, ship_promise=3)))
    assert (ln.filled_p, ln.u_fillp, ln.u_fillp_n) == (0, 6, 10)
    _, [ln] = derive(order(line(10, part(6), from_stock=6, ship_promise=3)))
    assert (ln.filled_p, ln.u_fillp_n) == (None, 0)  # pending until every unit has shipped


def test_delivery_components_and_otif():
    late = order(line(10, part(10, delivered=5)))  # promised day 2, arrived day 5
    o, _ = derive(late)
    assert (o.complete, o.on_time, o.otif, o.perfect, o.within_lead, o.deliver_days) == (1, 0, 0, 0, 0, 5)
    assert o.fail_late == "transport"
    short = order(line(10, part(10, qty_short=2)))
    o, [ln] = derive(short)
    assert (o.complete, o.on_time, o.otif, o.accurate, ln.units_delivered) == (0, 1, 0, 0, 8)
    assert o.fail_incomplete == "transport"
    damaged = order(line(10, part(10, qty_damaged=1)))
    o, _ = derive(damaged)
    assert (o.complete, o.damage_free, o.perfect, o.otif) == (1, 0, 0, 1)


def test_on_time_against_the_requested_date_is_apart_and_undated_lines_do_not_count():
    o, lines = derive(order(line(5, part(5), lid=1, requested=d(1)), line(5, part(5), lid=2)))
    assert [f.on_time_req for f in lines] == [1, None] and o.on_time_req == 1
    o, lines = derive(order(line(5, part(5, delivered=3), lid=1, requested=d(1), promise=4)))
    assert (o.on_time, o.on_time_req, o.otif, o.otif_req) == (1, 0, 1, 0)
    assert derive(order(line(5, part(5))))[0].on_time_req is None


def test_returns_and_disputes_after_delivery_change_the_facts():
    o, [ln] = derive(order(line(10, part(10), returns=(("damaged", 2), ("not_needed", 1)))))
    assert (o.damage_free, o.perfect, ln.ret_damaged, ln.ret_not_needed) == (0, 0, 2, 1)
    assert derive(order(line(10, part(10), returns=(("not_needed", 3),))))[0].perfect == 1
    o, _ = derive(order(line(10, part(10), returns=(("wrong_item", 1),))))
    assert (o.complete, o.accurate) == (0, 0)
    for status, ok in (("open", 0), ("upheld", 0), ("rejected", 1)):
        o, [ln] = derive(order(line(10, part(10)), disputes=(status,)))
        assert (o.doc_ok, ln.doc_ok, o.perfect) == (ok, ok, ok)
    assert derive(order(line(10, part(10)), disputes=("open",)))[0].fail_documentation == "billing"


def test_a_cancelled_order_keeps_only_its_cancellation():
    o, [ln] = derive(order(line(10, from_stock=3), cancelled=True))
    assert (o.counted, o.cancelled, o.lines, o.filled, o.open, o.fail_not_filled) == (0, 1, 0, None, 0, None)
    assert (ln.counted, ln.units_ordered, ln.filled, ln.u_fill_n) == (0, 0, None, 0)


def test_rollup_one_known_failure_decides():
    assert all_of([1, None, 0]) == 0
    assert all_of([1, None]) is None
    assert all_of([1, 1]) == 1


def test_failures_are_charged_to_the_cause_not_the_messenger():
    # a short pick by replenishment made the order late: replenishment carries the late delivery
    rec = order(line(10, part(10, picked=8, ship_qty=8, short_department="replenishment"),
                     part(2, shipped=4, sid=2, delivered=1)))
    o, _ = derive(rec)
    assert (o.on_time, o.fail_late, o.fail_not_filled) == (0, "replenishment", "replenishment")
    # held for credit, shipped late: billing; shipped after the promised ship date: picking (the warehouse)
    assert charge_failures(order(line(10, part(10, delivered=5)), held=True), ["late"]) == {"late": "billing"}
    assert charge_failures(order(line(10, part(10, shipped=3, delivered=1))), ["late"]) == {"late": "picking"}
    # an investigation's finding wins over every rule
    rec = order(line(10, part(10, qty_damaged=1)), cases=(CaseLink(1, "damaged_goods", "packing"),
                                                           CaseLink(2, "late_delivery", "transport")))
    assert charge_failures(rec, ["damaged"]) == {"damaged": "packing"}
    assert charge_failures(order(line(10, part(10, qty_wrong=2))), ["inaccurate"]) == {"inaccurate": "picking"}


def test_cycle_time_is_the_last_unit_shipped_and_delivered():
    o, lines = derive(order(line(5, part(5, shipped=1, delivered=1), lid=1),
                            line(5, part(5, shipped=3, delivered=2, sid=2), lid=2), lead=4))
    assert [(f.ship_days, f.deliver_days) for f in lines] == [(1, 2), (3, 5)]
    assert (o.ship_days, o.deliver_days, o.within_lead) == (3, 5, 0)
