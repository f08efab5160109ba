"""A billed customer for the billing page tests: CUST1 has two invoices from shipping (SKU-A × 10 and × 5 at
10.00, 21 % tax, no freight) on 3/10 net 30, issued Mon 2 Mar 2026: 121.00 and 60.50."""

from __future__ import annotations

import re
import time
from html import unescape

from sqlalchemy import select

from ordercare.store.billing_tables import invoices
from tests.factories import carriers, shipment_at
from tests.web.conftest import Web

V1 = "/api/v1"


def bill(web: Web, customer: str = "CUST1", lines=(("SKU-A", 10), ("SKU-A", 5))) -> list[str]:
    """Per-shipment billing at 21 % for `customer`, one shipped shipment per (sku, qty); the invoice numbers."""
    api = web.api
    assert api.request("finance", "PUT", f"{V1}/tax-rates", json={"rate": "21", "name": "standard"}).status_code == 200
    r = api.request("finance", "PUT", f"{V1}/customers/{customer}/billing",
                    json={"invoicing": "per_shipment", "charge_freight": False})
    assert r.status_code == 200, r.text
    for sku, qty in lines:
        shipment_at(web.env, "NEAR", [(sku, qty)], "shipped", customer=customer)
    items = api.get("finance", f"{V1}/invoices", params={"customer": customer}).json()["items"]
    return [i["number"] for i in sorted(items, key=lambda i: i["id"])]


def billed_world(web: Web) -> tuple[Web, list[str]]:
    """The page tests' fixture `billed`: the web fixture and CUST1's two invoice numbers."""
    carriers(web.env)
    return web, bill(web)


def invoice_state(web: Web, number: str) -> tuple:
    with web.env.uow.read() as conn:
        row = conn.execute(select(invoices).where(invoices.c.id == int(number[4:]))).one()
    return row.status, str(row.open_amount), str(row.paid), str(row.credited), str(row.discount_taken)


def wait_for_job(web: Web, who: str, url: str, timeout: float = 30.0):
    """Poll a job's page (as the browser does) until it is no longer running; returns the last page."""
    deadline = time.monotonic() + timeout
    while True:
        r = web.get(who, url)
        status = re.search(r'data-status="(\w+)"', r.text).group(1)
        if status != "running" or time.monotonic() > deadline:
            return r
        time.sleep(0.1)


def field_error(html: str, name: str) -> str | None:
    """The message shown under the input `name` (ids as _forms.html makes them), or None."""
    key = name.replace("[", "-").replace("]", "").replace(".", "-")
    m = re.search(rf'id="err-{re.escape(key)}">([^<]*)<', html)
    return unescape(m.group(1)) if m else None


def later(web: Web, **delta) -> None:
    """Move the clock on; the sessions of the signed-in test users have expired by then, so they sign in again."""
    web.env.clock.advance(**delta)
    web.clients.clear()
    web.tokens.clear()


def billing_scene(web: Web) -> dict:
    """For the page-access walk: an open item, a payment, a credit note and a dispute of each account (brought
    forward balances, so no shipment or order is needed)."""
    from datetime import timedelta
    from decimal import Decimal

    from ordercare.domain.access import SYSTEM
    from ordercare.domain.credit_notes import CreditLine
    from ordercare.services import credit_notes, invoice_changes, opening_balances, payments
    from tests.services.billing_helpers import customer_id

    env, out = web.env, {}
    for who, code in (("own", "CUST1"), ("other", "CUST2")):
        cid = customer_id(env, code)
        inv = opening_balances.record_opening_balance(
            env.uow, env.clock, SYSTEM, customer_id=cid, amount=Decimal("100.00"), reference=f"OB-{code}",
            issued_on=env.clock.today() - timedelta(days=40), due_on=env.clock.today() - timedelta(days=10),
            currency="EUR")
        pay = payments.record_payment(env.uow, env.clock, SYSTEM, payments.PaymentIn(
            customer=code, amount=Decimal("40.00"), currency="EUR", received_on=env.clock.today(),
            method="bank_transfer", reference=f"PAY-{code}"))
        cn = credit_notes.raise_credit_note(env.uow, env.clock, SYSTEM, customer_id=cid, reason="goodwill",
                                            lines=[CreditLine("goodwill", Decimal("5.00"), tax_rate=Decimal("0"))],
                                            source="manual")
        dispute = invoice_changes.raise_dispute(env.uow, env.clock, SYSTEM, inv, category="other",
                                                description="not ours")
        out.update({f"{who}_invoice": f"INV-{inv:07d}", f"{who}_payment": f"PAY-{pay:07d}",
                    f"{who}_credit_note": f"CN-{cn:07d}", f"{who}_dispute": dispute})
    return out
