"""Quotes: price and dates per line, nothing reserved; conversion at the quoted prices; expiry."""

from decimal import Decimal

import pytest

from ordercare.domain.errors import Conflict, ValidationFailed
from ordercare.domain.orders import Channel, RequestedLine
from ordercare.services import master_data as md
from ordercare.services import quotes
from ordercare.services.intake import OrderRequest
from ordercare.services.order_views import get_order
from tests.factories import order, purchase, world
from tests.services.helpers import assert_books_balance, day, receipt_ids, receipt_row, snapshot, stock_of


def quote_world(env):
    """NEAR has 12 of A; B comes into FAR in 5 days; C has no supply. CUST1 buys on price list PL1:
    A at 9.00 from 1 unit and 8.00 from 10 units; B and C at the 10.00 list price."""
    world(env, stock={("NEAR", "SKU-A"): 12})
    md.set_price(env.uow, env.actor, "PL1", "SKU-A", Decimal("9.00"))
    md.set_price(env.uow, env.actor, "PL1", "SKU-A", Decimal("8.00"), min_qty=10)
    md.update_customer(env.uow, env.actor, "CUST1", {"price_list": "PL1"})
    (rid,) = receipt_ids(env, purchase(env, "PO-B", "FAR", [("SKU-B", 20)], days_out=5))
    return rid


def request(lines, **kw):
    return OrderRequest(customer="CUST1", channel=kw.pop("channel", Channel.PORTAL),
                        lines=[RequestedLine(s, q, None, i) for i, (s, q) in enumerate(lines)], **kw)


def test_a_quote_gives_prices_and_dates_per_line_and_reserves_nothing(env):
    rid = quote_world(env)
    before = snapshot(env)
    qid = quotes.create_quote(env.uow, env.clock, env.settings, env.actor,
                              request([("SKU-A", 12), ("SKU-B", 2), ("SKU-C", 3)]))
    q = quotes.get_quote(env.uow, env.clock, env.actor, qid)
    assert (q["customer"], q["ship_to"], q["channel"], q["status"]) == ("CUST1", "MAIN", "portal", "open")
    assert q["valid_until"] == day(14)
    got = [(ln["sku"], ln["qty"], ln["unit_price"], ln["amount"], ln["atp_date"], ln["ship_date"],
            ln["delivery_date"]) for ln in q["lines"]]
    assert got == [
        ("SKU-A", 12, Decimal("8.00"), Decimal("96.00"), day(0), day(1), day(2)),
        ("SKU-B", 2, Decimal("10.00"), Decimal("20.00"), day(5), day(6), day(8)),  # FAR: 2 days transit
        ("SKU-C", 3, Decimal("10.00"), Decimal("30.00"), None, None, None),
    ]
    assert q["total_amount"] == Decimal("146.00")
    assert q["lines"][0]["sources"] == [{"warehouse": "NEAR", "qty": 12, "receipt_id": None,
                                         "available_date": day(0).isoformat()}]
    assert q["lines"][1]["sources"] == [{"warehouse": "FAR", "qty": 2, "receipt_id": rid,
                                         "available_date": day(5).isoformat()}]
    assert q["lines"][2]["sources"] == [{"backordered": 3}]
    # Nothing is reserved or promised for an offer.
    assert snapshot(env) == before
    assert stock_of(env, "NEAR", "SKU-A") == (12, 0)
    assert receipt_row(env, rid).promised == 0


def test_price_breaks_follow_the_quantity(env):
    quote_world(env)
    qid = quotes.create_quote(env.uow, env.clock, env.settings, env.actor, request([("SKU-A", 9)]))
    assert quotes.get_quote(env.uow, env.clock, env.actor, qid)["lines"][0]["unit_price"] == Decimal("9.00")
    qid = quotes.create_quote(env.uow, env.clock, env.settings, env.actor, request([("SKU-A", 10)]))
    assert quotes.get_quote(env.uow, env.clock, env.actor, qid)["lines"][0]["unit_price"] == Decimal("8.00")
    # Duplicate lines are merged before pricing: 5 + 5 reaches the 10-unit break.
    qid = quotes.create_quote(env.uow, env.clock, env.settings, env.actor, request([("SKU-A", 5), ("SKU-A", 5)]))
    (line,) = quotes.get_quote(env.uow, env.clock, env.actor, qid)["lines"]
    assert (line["qty"], line["unit_price"], line["amount"]) == (10, Decimal("8.00"), Decimal("80.00"))


def test_a_quote_does_not_take_stock_away_from_orders(env):
    quote_world(env)
    quotes.create_quote(env.uow, env.clock, env.settings, env.actor, request([("SKU-A", 12)]))
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 12)]))
    assert o["status"] == "allocated"
    assert stock_of(env, "NEAR", "SKU-A") == (12, 12)


def test_converting_a_quote_makes_an_order_at_the_quoted_prices(env):
    quote_world(env)
    qid = quotes.create_quote(env.uow, env.clock, env.settings, env.actor, request([("SKU-A", 12), ("SKU-B", 2)]))
    md.set_price(env.uow, env.actor, "PL1", "SKU-A", Decimal("7.00"), min_qty=10)  # the price drops afterwards
    md.set_price(env.uow, env.actor, "PL1", "SKU-B", Decimal("12.00"))  # and another rises
    env.clock.advance(days=3)
    oid = quotes.convert_quote(env.uow, env.clock, env.settings, env.actor, qid, customer_po="PO-778")
    o = get_order(env.uow, env.actor, oid)
    assert [(ln["sku"], ln["qty"], ln["unit_price"], ln["amount"]) for ln in o["lines"]] == [
        ("SKU-A", 12, Decimal("8.00"), Decimal("96.00")), ("SKU-B", 2, Decimal("10.00"), Decimal("20.00"))]
    assert o["total_amount"] == Decimal("116.00")
    assert (o["quote_id"], o["customer_po"], o["channel"], o["status"]) == (qid, "PO-778", "portal", "allocated")
    # Dates are planned again on the day of conversion (day 3): A from NEAR stock, B on the FAR receipt (day 5).
    assert [ln["promised_date"] for ln in o["lines"]] == [day(5), day(8)]
    assert stock_of(env, "NEAR", "SKU-A") == (12, 12)
    q = quotes.get_quote(env.uow, env.clock, env.actor, qid)
    assert (q["status"], q["order_id"]) == ("converted", oid)
    # A fresh order today gets today's price.
    fresh = get_order(env.uow, env.actor, order(env, [("SKU-B", 1)]))
    assert fresh["lines"][0]["unit_price"] == Decimal("12.00")
    assert_books_balance(env)


def test_a_quote_can_be_converted_on_its_last_valid_day(env):
    quote_world(env)
    qid = quotes.create_quote(env.uow, env.clock, env.settings, env.actor, request([("SKU-A", 1)]))
    env.clock.advance(days=14)
    assert env.clock.today() == day(14)
    oid = quotes.convert_quote(env.uow, env.clock, env.settings, env.actor, qid)
    assert get_order(env.uow, env.actor, oid)["quote_id"] == qid


def test_an_expired_quote_cannot_be_converted(env):
    quote_world(env)
    qid = quotes.create_quote(env.uow, env.clock, env.settings, env.actor, request([("SKU-A", 1)]))
    env.clock.advance(days=15)
    assert quotes.get_quote(env.uow, env.clock, env.actor, qid)["status"] == "expired"
    before = snapshot(env)
    with pytest.raises(Conflict) as exc:
        quotes.convert_quote(env.uow, env.clock, env.settings, env.actor, qid)
    assert (exc.value.code, exc.value.field) == ("quote_expired", "quote_id")
    assert exc.value.data == {"valid_until": day(14).isoformat()}
    assert snapshot(env) == before


def test_a_quote_converts_only_once(env):
    quote_world(env)
    qid = quotes.create_quote(env.uow, env.clock, env.settings, env.actor, request([("SKU-A", 2)]))
    oid = quotes.convert_quote(env.uow, env.clock, env.settings, env.actor, qid)
    before = snapshot(env)
    with pytest.raises(Conflict) as exc:
        quotes.convert_quote(env.uow, env.clock, env.settings, env.actor, qid)
    assert (exc.value.code, exc.value.data) == ("quote_not_open", {"order_id": oid})
    assert snapshot(env) == before
    assert snapshot(env)["orders"] == 1
    assert stock_of(env, "NEAR", "SKU-A") == (12, 2)


def test_a_failed_conversion_leaves_the_quote_open(env):
    quote_world(env)
    qid = quotes.create_quote(env.uow, env.clock, env.settings, env.actor, request([("SKU-A", 2)]))
    md.update_customer(env.uow, env.actor, "CUST1", {"active": False})
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        quotes.convert_quote(env.uow, env.clock, env.settings, env.actor, qid)
    assert (exc.value.code, exc.value.field) == ("inactive_customer", "customer")
    assert snapshot(env) == before
    assert quotes.get_quote(env.uow, env.clock, env.actor, qid)["status"] == "open"
    md.update_customer(env.uow, env.actor, "CUST1", {"active": True})
    oid = quotes.convert_quote(env.uow, env.clock, env.settings, env.actor, qid)
    assert get_order(env.uow, env.actor, oid)["status"] == "allocated"


def test_a_quote_for_a_requested_date_promises_that_date(env):
    quote_world(env)
    qid = quotes.create_quote(env.uow, env.clock, env.settings, env.actor,
                              request([("SKU-A", 2)], requested_date=day(20)))
    q = quotes.get_quote(env.uow, env.clock, env.actor, qid)
    assert q["requested_date"] == day(20)
    assert (q["lines"][0]["requested_date"], q["lines"][0]["delivery_date"]) == (day(20), day(20))
    o = get_order(env.uow, env.actor, quotes.convert_quote(env.uow, env.clock, env.settings, env.actor, qid))
    assert (o["lines"][0]["requested_date"], o["lines"][0]["promised_date"]) == (day(20), day(20))
    assert o["promised_date"] == day(20)


def test_the_order_from_a_quote_keeps_the_quoted_requested_date(env):
    quote_world(env)
    qid = quotes.create_quote(env.uow, env.clock, env.settings, env.actor,
                              request([("SKU-A", 2)], requested_date=day(20)))
    o = get_order(env.uow, env.actor, quotes.convert_quote(env.uow, env.clock, env.settings, env.actor, qid))
    assert o["requested_date"] == day(20)
