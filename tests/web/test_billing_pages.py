"""The billing pages: invoices (search, the invoice with its terms and PDF, cancel and reissue, the invoice run as
a job), disputes raised by the customer and resolved by finance, credit notes raised by hand, the order page's
billing panel, and the customer portal's own invoices only (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.factories import shipment_at
from tests.services.billing_helpers import billing_snapshot
from tests.web.billing_world import V1, bill, billed_world, field_error, invoice_state, later, wait_for_job


@pytest.fixture
def billed(web):
    return billed_world(web)


def test_invoice_list_filters_and_the_invoice_page_with_its_terms(billed):
    web, (first, second) = billed
    r = web.get("finance", "/invoices")
    assert r.status_code == 200 and first in r.text and second in r.text and "2 invoice(s)" in r.text
    assert "1 invoice(s)" not in web.get("finance", "/invoices", params={"status": "open"}).text
    assert "0 invoice(s)" in web.get("finance", "/invoices", params={"status": "paid"}).text
    assert "0 invoice(s)" in web.get("finance", "/invoices", params={"status": "overdue"}).text
    assert "0 invoice(s)" in web.get("finance", "/invoices", params={"customer": "CUST2"}).text
    assert "2 invoice(s)" in web.get("finance", "/invoices", params={"issued_from": "2026-03-02",
                                                                    "issued_to": "2026-03-02"}).text
    assert "0 invoice(s)" in web.get("finance", "/invoices", params={"issued_from": "2026-03-03"}).text
    bad = web.get("finance", "/invoices", params={"issued_from": "soon"})
    assert field_error(bad.text, "issued_from") == "must be a date (YYYY-MM-DD)" and 'value="soon"' in bad.text
    bad = web.get("finance", "/invoices", params={"issued_from": "2026-03-05", "issued_to": "2026-03-01"})
    assert field_error(bad.text, "issued_to") == "before issued_from"
    r = web.get("finance", f"/invoices/{first}")
    assert r.status_code == 200
    # 3/10 net 30 on 121.00: 3.63 off until Thu 12 Mar (pays 117.37), else due Wed 1 Apr.
    assert "<strong>3.63</strong> if paid by <strong>Thu 12 Mar 2026</strong>" in r.text and "117.37" in r.text
    assert "Wed 01 Apr 2026" in r.text and "Tax 21.00 % on 100.00" in r.text
    assert 'id="open-amount"><strong>121.00' in r.text and f"/invoices/{first}/invoice.pdf" in r.text
    pdf = web.get("cs_agent", f"/invoices/{first}/invoice.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert web.get("warehouse", f"/invoices/{first}").status_code == 403
    assert web.get("finance", "/invoices/INV-9999999").status_code == 404
    assert web.get("finance", "/invoices/nonsense").status_code == 404


def test_cancel_and_reissue_and_what_cannot_be_cancelled(billed):
    web, (first, second) = billed
    before = billing_snapshot(web.env)
    r = web.post("finance", f"/invoices/{first}/cancel", {"reason": " "})
    assert r.status_code == 422 and "say why" in field_error(r.text, "reason")
    assert billing_snapshot(web.env) == before
    r = web.post("finance", f"/invoices/{first}/cancel", {"reason": "wrong address", "reissue": "on"})
    assert r.status_code == 303, r.text
    new = r.headers["location"].split("/")[-1]
    assert new not in (first, second) and invoice_state(web, first)[0] == "cancelled"
    assert invoice_state(web, new)[:2] == ("open", "121.00")
    page = web.get("finance", r.headers["location"])
    assert f"{first} cancelled; reissued as {new}" in page.text
    again = web.post("finance", f"/invoices/{first}/cancel", {"reason": "again"})
    assert again.status_code == 409 and "cancelled already" in again.text and 'class="form-errors"' in again.text
    assert web.post("cs_agent", f"/invoices/{second}/cancel", {"reason": "x"}).status_code == 403


def test_invoice_run_as_a_background_job(billed):
    web, _ = billed
    bad = web.post("finance", "/invoice-runs", {"through": "2026-03-09"})
    assert bad.status_code == 422 and "after today" in field_error(bad.text, "through")
    assert 'value="2026-03-09"' in bad.text
    assert "must be a date" in field_error(web.post("finance", "/invoice-runs", {"through": "x"}).text, "through")
    r = web.api.request("finance", "PUT", f"{V1}/customers/CUST2/billing",
                        json={"invoicing": "weekly", "charge_freight": False})
    assert r.status_code == 200
    shipment_at(web.env, "NEAR", [("SKU-A", 2)], "shipped", customer="CUST2")
    later(web, days=7)  # the week of Mon 2 Mar is over
    r = web.post("finance", "/invoice-runs", {"through": ""})
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    page = wait_for_job(web, "finance", r.headers["location"])
    assert 'data-status="done"' in page.text and "1 invoice(s) issued through 2026-03-09" in page.text
    assert "1 invoice(s)" in web.get("finance", "/invoices", params={"customer": "CUST2"}).text


def test_a_customer_disputes_its_invoice_and_finance_upholds_it_with_a_credit_note(billed):
    web, (first, _) = billed
    before = billing_snapshot(web.env)
    r = web.post("cust1", f"/invoices/{first}/disputes", {"category": "wrong_price", "description": ""})
    assert r.status_code == 422 and field_error(r.text, "description") == "say what is wrong"
    r = web.post("cust1", f"/invoices/{first}/disputes", {"category": "vibes", "description": "too dear"})
    assert "is not one of" in field_error(r.text, "category") and "too dear" in r.text
    assert billing_snapshot(web.env) == before
    r = web.post("cust1", f"/invoices/{first}/disputes", {"category": "wrong_price", "description": "agreed 9.50"})
    assert r.status_code == 303
    before = billing_snapshot(web.env)
    page = web.get("finance", f"/invoices/{first}")
    dispute = int(page.text.split('data-dispute="')[1].split('"')[0])
    listed = web.get("finance", "/disputes", params={"status": "open"})
    assert first in listed.text and "agreed 9.50" in listed.text and "by the customer" in listed.text
    url = f"/invoices/{first}/disputes/{dispute}/resolve"
    pre = f"disputes[{dispute}]."
    assert web.post("cust1", url, {pre + "outcome": "upheld", pre + "resolution": "x"}).status_code == 403
    r = web.post("finance", url, {pre + "outcome": "rejected", pre + "resolution": "no", pre + "credit_amount": "5"})
    assert r.status_code == 422 and "credits nothing" in field_error(r.text, pre + "credit_amount")
    r = web.post("finance", url, {pre + "outcome": "upheld", pre + "resolution": "ok", pre + "credit_amount": "-5"})
    assert r.status_code == 422 and "must be positive" in field_error(r.text, pre + "credit_amount")
    assert 'value="-5"' in r.text and billing_snapshot(web.env) == before
    assert web.post("finance", f"/invoices/{first}/disputes/99999/resolve",
                    {pre + "outcome": "upheld", pre + "resolution": "x"}).status_code == 404
    r = web.post("finance", url, {pre + "outcome": "upheld", pre + "resolution": "price list corrected",
                                  pre + "credit_amount": "5.00"})
    assert r.status_code == 303
    page = web.get("cust1", f"/invoices/{first}")
    assert "CN-" in page.text and "price list corrected" in page.text
    assert invoice_state(web, first)[:4] == ("open", "114.95", "0.00", "6.05")  # 5.00 + 21 % tax credited
    assert "0 dispute(s)" in web.get("cust1", "/disputes", params={"status": "open"}).text


def test_raise_a_manual_credit_note_with_errors_on_their_lines(billed):
    web, (first, _) = billed
    order = web.api.get("finance", f"{V1}/invoices/{first}").json()["lines"][0]["order"]
    form = {"customer": "CUST1", "source": "price_correction", "reason": "agreed price", "order": order, "rows": "3",
            "lines[0].description": "price difference", "lines[0].amount": "-3", "lines[2].description": "more",
            "lines[2].amount": "100.01", "lines[2].order_line": "1"}
    before = billing_snapshot(web.env)
    r = web.post("finance", "/credit-notes/new", form)
    assert r.status_code == 422 and "must be positive" in field_error(r.text, "lines[0].amount")
    r = web.post("finance", "/credit-notes/new", {**form, "lines[0].amount": "3.00"})
    # The service numbers the lines it got (0 and 1); the error lands on the form's row 2.
    assert r.status_code == 422 and "more than the" in field_error(r.text, "lines[2].amount")
    assert 'value="100.01"' in r.text and 'value="agreed price"' in r.text
    r = web.post("finance", "/credit-notes/new", {**form, "lines[2].amount": "1", "lines[2].order_line": "7"})
    assert "no line 7" in field_error(r.text, "lines[2].order_line")
    r = web.post("finance", "/credit-notes/new", {**form, "order": "", "invoice": "INV-x"})
    assert field_error(r.text, "invoice").startswith("not a number like")
    assert billing_snapshot(web.env) == before
    assert web.post("cs_agent", "/credit-notes/new", form).status_code == 403
    r = web.post("manager", "/credit-notes/new", {"customer": "CUST1", "source": "manual", "reason": "goodwill",
                                                  "invoice": first, "rows": "1", "lines[0].description": "goodwill",
                                                  "lines[0].amount": "10.00", "lines[0].tax_rate": "0"})
    assert r.status_code == 303, r.text
    page = web.get("finance", r.headers["location"])
    assert "CN-" in page.text and first in page.text and "10.00" in page.text
    assert invoice_state(web, first)[1] == "111.00"
    assert "1 credit note(s)" in web.get("cust1", "/credit-notes").text


def test_unapplied_credit_is_applied_or_refunded_from_its_page(billed):
    web, (first, second) = billed
    r = web.post("finance", "/credit-notes/new", {"customer": "CUST1", "source": "manual", "reason": "goodwill",
                                                  "rows": "1", "lines[0].description": "goodwill",
                                                  "lines[0].amount": "50.00", "lines[0].tax_rate": "0"})
    url = r.headers["location"]
    assert "50.00 left as customer credit" in web.get("finance", url).text
    page = web.get("finance", url)
    assert f'name="allocations[0].invoice" value="{first}"' in page.text
    r = web.post("finance", url + "/apply", {"allocations[0].invoice": first, "allocations[0].amount": "121.01",
                                             "allocations[1].invoice": second, "allocations[1].amount": ""})
    assert r.status_code == 422 and "is more than" in field_error(r.text, "allocations[0].amount")
    r = web.post("finance", url + "/apply", {"allocations[0].invoice": first, "allocations[0].amount": "",
                                             "allocations[1].invoice": second, "allocations[1].amount": "20.00"})
    assert r.status_code == 303 and invoice_state(web, second)[1] == "40.50"
    r = web.post("finance", url + "/refund", {"amount": "30.01", "method": "bank_transfer", "reference": "RF-1"})
    assert r.status_code == 422 and "more than the 30.00" in field_error(r.text, "amount")
    r = web.post("finance", url + "/refund", {"amount": "30.00", "method": "bank_transfer", "reference": "RF-1"})
    assert r.status_code == 303 and "RF-" in web.get("finance", url).text


def test_the_order_page_shows_its_invoices_payments_and_credit(billed):
    web, (first, _) = billed
    order = web.api.get("finance", f"{V1}/invoices/{first}").json()["lines"][0]["order"]
    web.api.post("finance", f"{V1}/payments", json={"customer": "CUST1", "amount": "117.37", "currency": "EUR",
                                                    "received_on": "2026-03-02", "method": "card", "reference": "C-1"})
    page = web.get("cs_agent", f"/orders/{order}")
    assert 'data-panel="billing"' in page.text and first in page.text and "PAY-" in page.text and "3.63" in page.text
    assert 'data-panel="billing"' not in web.get("warehouse", f"/orders/{order}").text
    mine = web.get("cust1", f"/orders/{order}")
    assert first in mine.text


def test_the_portal_shows_a_customer_its_own_invoices_only(billed):
    web, (first, _) = billed
    [theirs] = bill(web, "CUST2", lines=(("SKU-A", 1),))
    mine = web.get("cust1", "/invoices")
    assert first in mine.text and theirs not in mine.text and "My invoices" in mine.text
    assert web.get("cust1", f"/invoices/{first}/invoice.pdf").content.startswith(b"%PDF")
    for url in (f"/invoices/{theirs}", f"/invoices/{theirs}/invoice.pdf", "/customers/CUST2/open-items"):
        r = web.get("cust1", url)
        assert r.status_code == 404 and "CUST2" not in r.text and theirs not in r.text, url
    assert web.get("cust1", "/open-items").headers["location"] == "/customers/CUST1/open-items"
    own = web.get("cust1", "/customers/CUST1/open-items")
    assert own.status_code == 200 and first in own.text and "Credit exposure" not in own.text
    assert "Record a payment" not in web.get("cust1", f"/invoices/{first}").text
    nav = web.get("cust1", "/").text
    assert "My invoices" in nav and ">Billing<" not in nav
    assert ">Billing<" in web.get("finance", "/").text and ">Invoices<" in web.get("cs_agent", "/").text
