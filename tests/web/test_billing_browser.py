"""Billing in a real browser: record a payment against an invoice with its early-payment discount (previewed,
then recorded, the over-payment kept as credit), and the receivables page with the aging chart drawn by the
vendored uPlot from a static script (the Content-Security-Policy allows no inline script).

The server and the browser are test_browser.py's fixtures: one of each for this module too.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ordercare.domain.access import SYSTEM
from ordercare.services import billing_setup, opening_balances
from tests.factories import shipment_at
from tests.services.billing_helpers import customer_id
from tests.web import test_browser as tb

site, browser = tb.site, tb.browser


def _billed(env) -> None:
    """CUST1 invoiced per shipment at 21 % on 3/10 net 30 (121.00 and 60.50, issued today); CUST2 owes 250.00
    brought forward, 45 days past due."""
    billing_setup.set_tax_rate(env.uow, SYSTEM, rate=Decimal(21), name="standard")
    billing_setup.set_billing(env.uow, env.clock, SYSTEM, "CUST1", invoicing="per_shipment", charge_freight=False)
    shipment_at(env, "NEAR", [("SKU-A", 10)], "shipped")
    shipment_at(env, "NEAR", [("SKU-A", 5)], "shipped")
    today = env.clock.today()
    opening_balances.record_opening_balance(env.uow, env.clock, SYSTEM, customer_id=customer_id(env, "CUST2"),
                                            amount=Decimal("250.00"), reference="OLD-1", currency="EUR",
                                            issued_on=today - timedelta(days=75), due_on=today - timedelta(days=45))


def test_record_a_payment_apply_it_to_an_invoice_and_see_the_aging_chart(browser, site):
    _billed(site["env"])
    base = site["base"]
    page = tb._page(browser, site, "admin")
    page.click("nav >> text=Billing")
    page.wait_for_selector("#invoices")
    tb._shot(page, "19-invoices")
    page.click("nav.tabs >> text=Payments")
    page.click("a:has-text('Record a payment')")
    page.fill("input[name=customer]", "CUST1")
    page.click("button[value=show]")
    first = page.wait_for_selector("tr[data-invoice]").get_attribute("data-invoice")
    # On the day of issue 3 % off: 117.37 settles the 121.00.
    assert "117.37" in page.inner_text(f"tr[data-invoice='{first}']")
    page.fill("input[name=amount]", "150.00")
    page.fill("input[name=reference]", "BANK-77")
    page.fill("input[name='allocations[0].amount']", "117.37")
    page.click("button[value=preview]")
    page.wait_for_selector("#preview")
    assert page.inner_text("#kept-as-credit") == "32.63"
    tb._shot(page, "20-payment-preview")
    page.click("button[value=record]")
    page.wait_for_selector("text=recorded")
    assert "117.37 applied with 3.63 discount, 32.63 kept as customer credit" in page.inner_text(".flash")
    assert page.inner_text("#unapplied") == "32.63"
    tb._shot(page, "21-payment-recorded")
    page.click(f"#applications >> text={first}")
    page.wait_for_selector("#open-amount")
    assert page.inner_text("#open-amount") == "0.00" and "paid" in page.inner_text("h1")
    tb._shot(page, "22-invoice-paid")

    page.goto(base + "/receivables")
    page.wait_for_selector("#aging-chart .uplot canvas")  # drawn by /static/aging-chart.js
    legend = page.inner_text("#aging-chart .u-legend")
    assert "Open amount" in legend and "Days past due" in legend
    box = page.locator("#aging-chart canvas").bounding_box()
    assert box["width"] > 200 and box["height"] > 100
    assert page.inner_text("#aging-totals").split()[-1] == "310.50"  # 60.50 current + 250.00 in 31-60
    page.wait_for_selector("#ledger-check [data-balanced=true]")  # loaded by htmx after the page
    tb._shot(page, "23-receivables-aging")
    page.context.close()
