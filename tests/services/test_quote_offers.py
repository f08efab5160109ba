"""Lead-time offers on quotes, the package lead time next to the ATP date, conversion with a chosen offer; and
allocation priority by service package when stock is short.

Today is day 0 (2026-03-02). NEAR stock is delivered on day 2 (1 day handling, 1 day transit). Customer SLOW
has package C (14 days: package date day 14), FAST has package A (3 days). Default rules: EXPRESS (promise − 2
days, +10 %), ECONOMY (promise + 7 days, −3 %), PACKAGE (package date, −2 %). Price 10.00.
"""

from decimal import Decimal

import pytest

from ordercare.domain.errors import Conflict, ValidationFailed
from ordercare.domain.lead_time_offers import OfferBasis, OfferRule
from ordercare.domain.orders import Channel, RequestedLine
from ordercare.services import master_data as md
from ordercare.services import orders as order_service
from ordercare.services import policy_settings as ps
from ordercare.services import quotes
from ordercare.services.intake import OrderRequest
from ordercare.services.order_views import get_order
from ordercare.services.quote_offers import OfferChoice
from tests.factories import add_customer, order, world
from tests.services.helpers import day, events, snapshot, stock_of


def setup(env, stock=20):
    world(env, customers=(), stock={("NEAR", "SKU-A"): stock})
    add_customer(env, "SLOW", package="C")
    add_customer(env, "FAST", package="A")


def quote(env, customer="SLOW", qty=3, requested=None):
    qid = quotes.create_quote(env.uow, env.clock, env.settings, env.actor, OrderRequest(
        customer=customer, channel=Channel.PORTAL, requested_date=requested,
        lines=[RequestedLine("SKU-A", qty, None, 0)]))
    return qid, quotes.get_quote(env.uow, env.clock, env.actor, qid)


def offers_of(line):
    return [(o["code"], o["delivery_date"], o["unit_price"], o["amount"]) for o in line["offers"]]


def test_a_quote_line_shows_the_package_lead_time_next_to_the_atp_date_and_its_offers(env):
    setup(env)
    _, q = quote(env)
    (line,) = q["lines"]
    assert (line["atp_date"], line["delivery_date"], line["unit_price"]) == (day(0), day(2), Decimal("10.00"))
    assert (line["service_package"], line["package_lead_time_days"], line["package_date"], line["expedite"]) == (
        "C", 14, day(14), False)
    # Express would be day 0, before the goods can be there: not offered.
    assert offers_of(line) == [("ECONOMY", day(9), Decimal("9.70"), Decimal("29.10")),
                               ("PACKAGE", day(14), Decimal("9.80"), Decimal("29.40"))]
    # Package A: its date (day 3) is only a day later, still a real wait for 2 % off.
    _, qa = quote(env, "FAST")
    assert [(o["code"], o["delivery_date"]) for o in qa["lines"][0]["offers"]] == [
        ("ECONOMY", day(9)), ("PACKAGE", day(3))]


def test_a_requested_date_earlier_than_the_package_allows_is_flagged_and_opens_express(env):
    setup(env)
    _, q = quote(env, requested=day(10))
    (line,) = q["lines"]
    assert (line["delivery_date"], line["expedite"], line["unit_price"]) == (day(10), True, Decimal("10.00"))
    assert offers_of(line) == [("ECONOMY", day(17), Decimal("9.70"), Decimal("29.10")),
                               ("EXPRESS", day(8), Decimal("11.00"), Decimal("33.00")),
                               ("PACKAGE", day(14), Decimal("9.80"), Decimal("29.40"))]
    _, later = quote(env, requested=day(14))
    assert later["lines"][0]["expedite"] is False


@pytest.mark.parametrize("code,price,promised", [("EXPRESS", Decimal("11.00"), day(8)),
                                                 ("ECONOMY", Decimal("9.70"), day(17))])
def test_converting_with_an_offer_carries_its_price_and_date_into_the_order(env, code, price, promised):
    setup(env)
    qid, _ = quote(env, requested=day(10))
    env.clock.advance(days=1)
    oid = quotes.convert_quote(env.uow, env.clock, env.settings, env.actor, qid, offers=[OfferChoice(1, code)])
    o = get_order(env.uow, env.actor, oid)
    (line,) = o["lines"]
    assert (line["unit_price"], line["amount"], line["requested_date"], line["promised_date"]) == (
        price, price * 3, promised, promised)
    assert o["total_amount"] == price * 3
    (accepted,) = events(o, "offer_accepted")
    assert accepted["data"] == {"quote_line": 1, "sku": "SKU-A", "offer": code, "delivery_date": promised.isoformat(),
                                "unit_price": str(price), "price_adjustment_pct": "10.00" if code == "EXPRESS"
                                else "-3.00"}


def test_offer_choices_are_checked_before_anything_is_written(env):
    setup(env)
    qid, _ = quote(env)
    before = snapshot(env)
    for choices, code, field in [
        ([OfferChoice(2, "ECONOMY")], "unknown_quote_line", "offers[0].line_no"),
        ([OfferChoice(1, "EXPRESS")], "unknown_offer", "offers[0].offer"),  # not offered on this line
        ([OfferChoice(1, "ECONOMY"), OfferChoice(1, "PACKAGE")], "duplicate_offer_choice", "offers[1].line_no"),
    ]:
        with pytest.raises(ValidationFailed) as exc:
            quotes.convert_quote(env.uow, env.clock, env.settings, env.actor, qid, offers=choices)
        assert (exc.value.code, exc.value.field) == (code, field)
        assert exc.value.message.startswith(field + ":")
        assert snapshot(env) == before
    assert quotes.get_quote(env.uow, env.clock, env.actor, qid)["status"] == "open"


def test_an_offer_whose_date_can_no_longer_be_kept_fails_the_conversion(env):
    setup(env, stock=3)
    qid, _ = quote(env, requested=day(10))
    order(env, [("SKU-A", 3)], customer="FAST")  # the stock goes to another customer meanwhile
    before = snapshot(env)
    with pytest.raises(Conflict) as exc:
        quotes.convert_quote(env.uow, env.clock, env.settings, env.actor, qid, offers=[OfferChoice(1, "EXPRESS")])
    assert (exc.value.code, exc.value.field, exc.value.data["promise"]) == ("offer_no_longer_available", "offers",
                                                                            None)
    assert snapshot(env) == before
    assert quotes.get_quote(env.uow, env.clock, env.actor, qid)["status"] == "open"


def test_offer_rules_are_data(env):
    setup(env)
    ps.put_offer_rule(env.uow, env.actor, OfferRule("ECONOMY", "Economy", OfferBasis.PROMISE, 7, Decimal("-3"),
                                                    active=False))
    ps.put_offer_rule(env.uow, env.actor, OfferRule("WAIT30", "A month later", OfferBasis.PROMISE, 30,
                                                    Decimal("-12.5")))
    _, q = quote(env)
    assert offers_of(q["lines"][0]) == [("PACKAGE", day(14), Decimal("9.80"), Decimal("29.40")),
                                        ("WAIT30", day(32), Decimal("8.75"), Decimal("26.25"))]
    assert [r["code"] for r in ps.list_offer_rules(env.uow, env.actor)] == ["ECONOMY", "EXPRESS", "PACKAGE",
                                                                            "WAIT30"]
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        ps.put_offer_rule(env.uow, env.actor, OfferRule("BAD", "x", OfferBasis.PACKAGE, 0, Decimal("-95")))
    assert exc.value.field == "offer_rule.price_adjustment_pct"
    assert snapshot(env) == before


# --- allocation priority by package when stock is short -------------------------------------------------------------

@pytest.mark.parametrize("freed_by", ["stock_count", "cancellation"])
def test_when_stock_is_short_the_better_package_is_served_first(env, freed_by):
    """SLOW (package C) orders first, FAST (package A) an hour later; both wait. 4 units turn up: all go to FAST."""
    setup(env, stock=2)
    holder = order(env, [("SKU-A", 2)], customer="SLOW")  # takes the stock there is
    env.clock.advance(hours=1)
    slow = order(env, [("SKU-A", 4)], customer="SLOW")
    env.clock.advance(hours=1)
    fast = order(env, [("SKU-A", 4)], customer="FAST")
    assert [get_order(env.uow, env.actor, o)["status"] for o in (slow, fast)] == ["backordered"] * 2
    if freed_by == "stock_count":
        md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="NEAR", sku="SKU-A", delta=2,
                        reason="found in count")
        order_service.cancel_order(env.uow, env.clock, env.settings, env.actor, holder, "customer changed mind")
    else:
        order_service.cancel_order(env.uow, env.clock, env.settings, env.actor, holder, "customer changed mind")
        md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="NEAR", sku="SKU-A", delta=2,
                        reason="found in count")
    got = {o: get_order(env.uow, env.actor, o) for o in (slow, fast)}
    assert (got[fast]["status"], got[fast]["lines"][0]["qty_backordered"]) == ("allocated", 0)
    assert (got[slow]["status"], got[slow]["lines"][0]["qty_backordered"]) == ("backordered", 4)
    assert stock_of(env, "NEAR", "SKU-A") == (4, 4)
