"""Billing and cash over HTTP: invoices from shipping, payments with discounts, bad input refused with nothing
changed, disputes, credit notes, open items, aging, DSO, dunning and the ledger check (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ordercare.services.invoice_changes import disputes_for_orders
from tests.api.conftest import assert_error
from tests.factories import carriers, shipment_at

V1 = "/api/v1"
D = Decimal


@pytest.fixture
def billed(api):
    """CUST1 has two shipped invoices (SKU-A × 10 and × 5 at 10.00, 21 % tax, freight not charged)."""
    carriers(api.env)
    assert api.request("finance", "PUT", f"{V1}/tax-rates", json={"rate": "21", "name": "standard"}).status_code == 200
    r = api.request("finance", "PUT", f"{V1}/customers/CUST1/billing",
                    json={"invoicing": "per_shipment", "charge_freight": False})
    assert r.status_code == 200 and r.json()["payment_terms"]["code"] == "3/10 net 30", r.text
    shipment_at(api.env, "NEAR", [("SKU-A", 10)], "shipped")
    shipment_at(api.env, "NEAR", [("SKU-A", 5)], "shipped")
    items = api.get("finance", f"{V1}/invoices", params={"customer": "CUST1"}).json()["items"]
    return api, sorted(items, key=lambda i: i["id"])


def pay(api, who="finance", **body):
    payload = {"customer": "CUST1", "currency": "EUR", "method": "bank_transfer", "reference": "BANK-1",
               "received_on": api.env.clock.today().isoformat(), **body}
    return api.post(who, f"{V1}/payments", json=payload)


def test_shipping_issues_the_invoice_and_everyone_reads_it_as_allowed(billed):
    api, (first, second) = billed
    assert (first["total"], second["total"]) == ("121.00", "60.50")
    inv = api.get("cust1", f"{V1}/invoices/{first['number']}").json()
    assert inv["lines"][0]["order"].startswith("SO-") and inv["lines"][0]["qty"] == 10
    assert inv["tax"] == [{"rate": "21.00", "net": "100.00", "tax": "21.00"}]
    assert (inv["discount_until"], inv["due_on"]) == ("2026-03-12", "2026-04-01")
    pdf = api.get("cust1", f"{V1}/invoices/{first['number']}/invoice.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == \
        "application/pdf"
    order = inv["lines"][0]["order"]
    assert [i["number"] for i in api.get("cs_agent", f"{V1}/invoices", params={"order": order}).json()["items"]] \
        == [first["number"]]
    timeline = api.get("cust1", f"{V1}/orders/{order}").json()["timeline"]
    assert any(e["kind"] == "invoiced" and e["data"]["invoice"] == first["number"] for e in timeline)
    assert_error(api.get("warehouse", f"{V1}/invoices"), 403, "forbidden")


def test_payment_in_the_discount_days_settles_with_the_discount_and_keeps_the_rest_as_credit(billed):
    api, (first, second) = billed
    api.env.clock.advance(days=9)
    r = pay(api, amount="200.00", received_on="2026-03-11")
    assert r.status_code == 201, r.text
    p = r.json()
    # Oldest first, each settled with 3 %: 121.00 -> 117.37 (3.63 off), 60.50 -> 58.68 (1.815 half-up: 1.82 off).
    assert [(a["invoice"], a["amount"], a["discount"]) for a in p["applications"]] == [
        (first["number"], "117.37", "3.63"), (second["number"], "58.68", "1.82")]
    assert (p["applied"], p["unapplied"]) == ("176.05", "23.95")
    items = api.get("cust1", f"{V1}/customers/CUST1/open-items").json()
    assert items["items"] == [] and items["unapplied_cash"] == "23.95" and items["balance"] == "-23.95"
    assert api.get("finance", f"{V1}/ledger-check").json()["balanced"] is True


def test_paid_after_the_discount_days_the_whole_amount_is_due(billed):
    api, (first, _) = billed
    api.env.clock.advance(days=11)
    r = pay(api, amount="117.37", received_on="2026-03-13", allocations=[{"invoice": first["number"],
                                                                          "amount": "117.37"}])
    assert r.status_code == 201, r.text
    inv = api.get("finance", f"{V1}/invoices/{first['number']}").json()
    assert (inv["status"], inv["open_amount"], inv["discount_taken"]) == ("open", "3.63", "0.00")


def test_partial_then_full_payment(billed):
    api, (first, _) = billed
    assert pay(api, amount="50.00", allocations=[{"invoice": first["number"], "amount": "50.00"}]).status_code == 201
    r = api.post("finance", f"{V1}/payments", json={
        "customer": "CUST1", "amount": "67.37", "received_on": "2026-03-02", "reference": "BANK-2",
        "allocations": [{"invoice": first["number"], "amount": "67.37"}]})
    assert r.status_code == 201, r.text
    inv = api.get("finance", f"{V1}/invoices/{first['number']}").json()
    assert (inv["status"], inv["paid"], inv["discount_taken"], inv["open_amount"]) == ("paid", "117.37", "3.63",
                                                                                      "0.00")


@pytest.mark.parametrize("body, status, code, field", [
    ({"amount": "-10.00"}, 422, "invalid_amount", "amount"),
    ({"amount": "0"}, 422, "invalid_amount", "amount"),
    ({"amount": "10.001"}, 422, "invalid_amount", "amount"),
    ({"amount": "10.00", "currency": "USD", "allocations": [{"invoice": "{first}", "amount": "10.00"}]}, 422,
     "currency_mismatch", "allocations[0].invoice"),
    ({"amount": "10.00", "allocations": [{"invoice": "{first}", "amount": "6.00"},
                                         {"invoice": "{second}", "amount": "6.00"}]}, 422, "more_than_available",
     "allocations[1].amount"),
    ({"amount": "500.00", "allocations": [{"invoice": "{first}", "amount": "121.00"}]}, 422, "more_than_open",
     "allocations[0].amount"),  # on the day of issue 117.37 settles it
    ({"amount": "10.00", "allocations": [{"invoice": "INV-9999999", "amount": "10.00"}]}, 404, "invoice_not_found",
     "allocations[0].invoice"),
    ({"amount": "10.00", "received_on": "2027-01-01"}, 422, "received_in_future", "received_on"),
    ({"amount": "10.00", "method": "barter"}, 422, "unknown_method", "method"),
    ({"amount": "10.00", "customer": "NOPE"}, 422, "unknown_customer", "customer"),
    ({"amount": "10.00", "currency": "eur"}, 422, "invalid_currency", "currency"),
])
def test_bad_payments_are_refused_and_change_nothing(billed, body, status, code, field):
    api, (first, second) = billed
    for a in body.get("allocations", []):
        a["invoice"] = a["invoice"].format(first=first["number"], second=second["number"])
    before = api.snapshot()
    assert_error(pay(api, **body), status, code, field=field)
    assert api.snapshot() == before


def test_paying_a_cancelled_invoice_and_a_duplicate_reference_are_conflicts(billed):
    api, (first, _) = billed
    r = api.post("finance", f"{V1}/invoices/{first['number']}/cancel", json={"reason": "wrong customer data"})
    assert r.status_code == 200 and r.json()["cancelled"]["status"] == "cancelled"
    before = api.snapshot()
    assert_error(pay(api, amount="10.00", allocations=[{"invoice": first["number"], "amount": "10.00"}]), 409,
                 "invoice_cancelled", field="allocations[0].invoice")
    assert api.snapshot() == before
    assert pay(api, amount="10.00").status_code == 201
    before = api.snapshot()
    assert_error(pay(api, amount="10.00"), 409, "duplicate_payment", field="reference")
    assert api.snapshot() == before


def test_applying_more_than_the_payment_holds_later_is_refused(billed):
    api, (first, second) = billed
    p = pay(api, amount="30.00", auto_apply=False).json()
    assert p["unapplied"] == "30.00"
    before = api.snapshot()
    r = api.post("finance", f"{V1}/payments/{p['number']}/apply",
                 json={"allocations": [{"invoice": first["number"], "amount": "30.01"}]})
    assert_error(r, 422, "more_than_available", field="allocations[0].amount")
    assert api.snapshot() == before
    r = api.post("finance", f"{V1}/payments/{p['number']}/apply",
                 json={"allocations": [{"invoice": second["number"], "amount": "30.00"}]})
    assert r.status_code == 200 and r.json()["unapplied"] == "0.00"


def test_reversing_a_bounced_payment_opens_the_invoices_again(billed):
    api, (first, _) = billed
    p = pay(api, amount="117.37").json()
    assert api.get("finance", f"{V1}/invoices/{first['number']}").json()["status"] == "paid"
    r = api.post("finance", f"{V1}/payments/{p['number']}/reverse", json={"reason": "cheque bounced"})
    assert r.status_code == 200 and r.json()["status"] == "reversed"
    inv = api.get("finance", f"{V1}/invoices/{first['number']}").json()
    assert (inv["status"], inv["open_amount"], inv["discount_taken"]) == ("open", "121.00", "0.00")
    assert_error(api.post("finance", f"{V1}/payments/{p['number']}/reverse", json={"reason": "again"}), 409,
                 "payment_reversed")
    assert api.get("finance", f"{V1}/ledger-check").json()["balanced"] is True


def test_dispute_raised_by_the_customer_resolved_with_a_credit_note(billed):
    api, (first, _) = billed
    r = api.post("cust1", f"{V1}/invoices/{first['number']}/disputes",
                 json={"category": "wrong_price", "description": "we agreed 9.50 a unit"})
    assert r.status_code == 201, r.text
    [dispute] = r.json()["disputes"]
    assert dispute["counts_as_error"] and dispute["raised_by_customer"]
    order_ref = r.json()["lines"][0]["order"]
    order_id = int(order_ref[3:])
    with api.env.uow.read() as conn:
        assert [d["category"] for d in disputes_for_orders(conn, [order_id])[order_id]] == ["wrong_price"]
    assert_error(api.post("cust1", f"{V1}/disputes/{dispute['id']}/resolve",
                          json={"outcome": "upheld", "resolution": "x"}), 403, "forbidden")
    r = api.post("finance", f"{V1}/disputes/{dispute['id']}/resolve", json={
        "outcome": "upheld", "resolution": "price list corrected",
        "credit": [{"description": "0.50 × 10 units", "amount": "5.00"}]})
    assert r.status_code == 200 and r.json()["credit_note"].startswith("CN-"), r.text
    inv = api.get("cust1", f"{V1}/invoices/{first['number']}").json()
    assert (inv["credited"], inv["open_amount"]) == ("6.05", "114.95")  # 5.00 + 21 % tax
    assert inv["disputes"][0]["status"] == "upheld"
    assert api.get("cust1", f"{V1}/credit-notes").json()["items"][0]["source"] == "price_correction"


def test_bad_disputes_and_credit_notes(billed):
    api, (first, _) = billed
    before = api.snapshot()
    assert_error(api.post("cust1", f"{V1}/invoices/{first['number']}/disputes",
                          json={"category": "vibes", "description": "x"}), 422, "unknown_category", field="category")
    assert_error(api.post("finance", f"{V1}/credit-notes", json={
        "customer": "CUST1", "reason": "r", "lines": [{"description": "x", "amount": "-1"}]}), 422, "invalid_amount",
        field="lines[0].amount")
    assert_error(api.post("finance", f"{V1}/credit-notes", json={
        "customer": "CUST1", "reason": "r", "order": first["number"], "lines": [{"description": "x", "amount": "1"}]}),
        404, "order_not_found", field="order")
    order_ref = api.get("finance", f"{V1}/invoices/{first['number']}").json()["lines"][0]["order"]
    assert_error(api.post("finance", f"{V1}/credit-notes", json={
        "customer": "CUST1", "reason": "return", "source": "return", "order": order_ref,
        "lines": [{"description": "x", "amount": "100.01", "order_line": 1}]}), 422, "credit_exceeds_invoiced",
        field="lines[0].amount")
    assert api.snapshot() == before


def test_credit_note_for_an_order_applies_to_its_invoice(billed):
    api, (first, _) = billed
    order_ref = api.get("finance", f"{V1}/invoices/{first['number']}").json()["lines"][0]["order"]
    r = api.post("manager", f"{V1}/credit-notes", json={
        "customer": "CUST1", "reason": "two units returned", "source": "return", "order": order_ref,
        "lines": [{"description": "2 × SKU-A", "amount": "20.00", "qty": 2, "order_line": 1}]})
    assert r.status_code == 201, r.text
    cn = r.json()
    assert (cn["total"], cn["unapplied"], cn["applications"][0]["invoice"]) == ("24.20", "0.00", first["number"])
    timeline = api.get("cs_agent", f"{V1}/orders/{order_ref}").json()["timeline"]
    assert {"credit_note", "credit_applied"} <= {e["kind"] for e in timeline}


def test_aging_dso_dunning_and_the_ledger(billed):
    api, (first, second) = billed
    api.env.clock.advance(days=52)  # due 1 April; today 23 April: 22 days overdue
    aging = api.get("manager", f"{V1}/receivables/aging").json()
    assert aging["totals"]["1-30"] == "181.50" and aging["totals"]["current"] == "0.00"
    dso = api.get("finance", f"{V1}/receivables/dso", params={"days": 90}).json()
    assert (dso["open_receivables"], dso["credit_sales"], dso["dso"]) == ("181.50", "181.50", "90.0")
    r = api.post("finance", f"{V1}/dunning-runs", json={})
    assert [(n["invoice"], n["level"]) for n in r.json()["notices"]] == [(first["number"], 2), (second["number"], 2)]
    assert api.post("finance", f"{V1}/dunning-runs", json={}).json()["notices"] == []  # idempotent
    assert api.get("cust1", f"{V1}/invoices/{first['number']}").json()["dunning"] == "second reminder"
    check = api.get("admin", f"{V1}/ledger-check").json()
    assert check["balanced"] and check["customers_checked"] >= 1
    assert_error(api.get("cs_agent", f"{V1}/ledger-check"), 403, "forbidden")


def test_monthly_billing_and_the_invoice_run(api):
    carriers(api.env)
    api.request("finance", "PUT", f"{V1}/customers/CUST1/billing", json={"invoicing": "monthly"})
    shipment_at(api.env, "NEAR", [("SKU-A", 2)], "shipped")
    assert api.get("finance", f"{V1}/invoices").json()["total"] == 0
    assert api.post("finance", f"{V1}/invoice-runs", json={}).json()["invoices"] == []
    api.env.clock.advance(days=30)  # 1 April
    [inv] = api.post("finance", f"{V1}/invoice-runs", json={}).json()["invoices"]
    assert (inv["period_from"], inv["period_to"]) == ("2026-03-01", "2026-03-31")
    assert [ln["kind"] for ln in inv["lines"]] == ["goods", "freight"]  # freight charged by default
    assert_error(api.post("finance", f"{V1}/invoice-runs", json={"through": "2027-01-01"}), 422,
                 "through_in_future", field="through")
