"""Service packages enforced (DOMAIN §6, Table 8-1): the delivery window checked when an order is promised, and
invoices on the package's payment terms unless the customer has its own. (Lead time at quotation:
test_quote_offers.py; allocation priority: test_backorders_and_receipts.py and test_quote_offers.py; case routing
and SLAs: test_service_sla.py; targets against results: test_measures_*.py.)"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from ordercare.services import master_data as md
from ordercare.services.costing_setup import set_delivery_window
from ordercare.services.order_views import get_order
from ordercare.store.billing_tables import invoices
from ordercare.store.tables import customers
from tests.factories import add_customer, carriers, order, shipment_at, world
from tests.services.service_helpers import MANAGER

D = Decimal


def _window_events(env, order_id: int) -> list[dict]:
    return [e for e in get_order(env.uow, env.actor, order_id)["timeline"] if e["kind"] == "outside_delivery_window"]


def test_a_promise_outside_the_package_delivery_window_is_flagged_on_the_order(env):
    """From NEAR the earliest delivery is in 2 days (Wednesday). Asked for Tuesday: B ("on the requested day")
    misses its window, C ("during the requested week") does not; asked for Friday, B is promised Friday."""
    world(env, stock={("NEAR", "SKU-A"): 100})
    add_customer(env, "WEEKLY", package="C")
    today = env.clock.today()  # Monday
    late_b = order(env, [("SKU-A", 1)], requested_date=today + timedelta(days=1))
    fine_c = order(env, [("SKU-A", 1)], customer="WEEKLY", requested_date=today + timedelta(days=1))
    fine_b = order(env, [("SKU-A", 1)], requested_date=today + timedelta(days=4))
    asap = order(env, [("SKU-A", 1)])
    [event] = _window_events(env, late_b)
    assert event["data"]["lines"] == [{"line_no": 1, "requested": "2026-03-03", "window_from": "2026-03-03",
                                       "window_to": "2026-03-03", "promised": "2026-03-04", "verdict": "late"}]
    assert "package B delivers on the requested day" in event["reason"]
    assert [_window_events(env, o) for o in (fine_c, fine_b, asap)] == [[], [], []]
    # A window of one day either side of the requested day lets B's next Wednesday promise stand.
    set_delivery_window(env.uow, MANAGER, "B", basis="day", days_before=1, days_after=1)
    assert _window_events(env, order(env, [("SKU-A", 1)], requested_date=today + timedelta(days=1))) == []


def test_a_back_ordered_line_cannot_be_in_any_window(env):
    world(env, stock={("NEAR", "SKU-A"): 1})
    oid = order(env, [("SKU-A", 5)], requested_date=env.clock.today() + timedelta(days=10))
    [event] = _window_events(env, oid)
    assert (event["data"]["lines"][0]["promised"], event["data"]["lines"][0]["verdict"]) == (None, "late")


def test_invoices_carry_the_package_payment_terms_or_the_customers_own(env):
    world(env, stock={("NEAR", "SKU-A"): 100})
    carriers(env)
    add_customer(env, "KEY", package="A")
    add_customer(env, "WEB", package="C")
    add_customer(env, "OWN", package="A")
    md.update_customer(env.uow, MANAGER, "OWN", {"payment_terms": "net 60"})
    for code in ("KEY", "CUST1", "WEB", "OWN"):
        shipment_at(env, "NEAR", [("SKU-A", 2)], "shipped", customer=code)
    with env.uow.read() as c:
        got = {r.code: (r.terms, r.discount_pct, r.discount_until, r.due_on) for r in c.execute(
            select(customers.c.code, invoices.c.terms, invoices.c.discount_pct, invoices.c.discount_until,
                   invoices.c.due_on).join(customers, customers.c.id == invoices.c.customer_id))}
    today = env.clock.today()
    d10, d30 = today + timedelta(days=10), today + timedelta(days=30)
    assert got == {"KEY": ("4/10 net 30", D("4.00"), d10, d30), "CUST1": ("3/10 net 30", D("3.00"), d10, d30),
                   "WEB": ("2/10 net 30", D("2.00"), d10, d30),
                   "OWN": ("net 60", D("0.00"), None, today + timedelta(days=60))}
