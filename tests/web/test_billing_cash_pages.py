"""The cash pages: record a payment and apply it (previewed first, the discount it earns, the rest kept as
credit), bad input on its field with what was typed kept and nothing written, applying unapplied cash later,
reversing a bounced payment; the receivables page (aging table and chart data, DSO, ledger check, dunning run
as a job) and a customer's open items (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from tests.services.billing_helpers import billing_snapshot
from tests.web.billing_world import billed_world, field_error, invoice_state, later, wait_for_job


@pytest.fixture
def billed(web):
    return billed_world(web)


def payment_form(first: str, second: str, **values) -> dict:
    return {"customer": "CUST1", "amount": "200.00", "currency": "EUR", "received_on": "2026-03-02",
            "method": "bank_transfer", "reference": "BANK-1", "apply": "oldest_first",
            "allocations[0].invoice": first, "allocations[0].amount": "",
            "allocations[1].invoice": second, "allocations[1].amount": "", **values}


def test_the_form_shows_the_open_invoices_with_the_discount_and_previews_before_recording(billed):
    web, (first, second) = billed
    r = web.get("finance", "/payments/new", params={"customer": "CUST1"})
    assert r.status_code == 200
    # On the day of issue 3 % is still earned: 117.37 settles the 121.00, 58.68 the 60.50.
    assert re.search(rf'data-invoice="{first}".*?117\.37.*?3\.63 discount', r.text, re.DOTALL)
    assert re.search(rf'data-invoice="{second}".*?58\.68.*?1\.82 discount', r.text, re.DOTALL)
    before = billing_snapshot(web.env)
    preview = web.post("finance", "/payments/new", {**payment_form(first, second), "action": "preview"})
    assert preview.status_code == 200 and 'id="preview"' in preview.text
    assert 'id="kept-as-credit">23.95<' in preview.text and "176.05" in preview.text
    assert billing_snapshot(web.env) == before and 'value="BANK-1"' in preview.text
    r = web.post("finance", "/payments/new", {**payment_form(first, second), "action": "record"})
    assert r.status_code == 303, r.text
    page = web.get("finance", r.headers["location"])
    assert "recorded: 176.05 applied with 5.45 discount, 23.95 kept as customer credit" in page.text
    assert 'id="unapplied">23.95<' in page.text and first in page.text and second in page.text
    assert invoice_state(web, first) == ("paid", "0.00", "117.37", "0.00", "3.63")
    unapplied = web.get("finance", "/payments", params={"unapplied": "1"})
    assert "Unapplied cash" in unapplied.text and "1 payment(s)" in unapplied.text


def test_allocations_to_one_or_several_invoices_after_the_discount_days(billed):
    web, (first, second) = billed
    later(web, days=11)  # 13 March: no discount any more
    r = web.get("finance", "/payments/new", params={"customer": "CUST1"})
    assert "121.00" in r.text and "discount)" not in r.text
    form = payment_form(first, second, amount="150.00", received_on="2026-03-13", reference="BANK-2",
                        **{"allocations[0].amount": "100.00", "allocations[1].amount": "50.00"})
    r = web.post("finance", "/payments/new", {**form, "action": "record"})
    assert r.status_code == 303, r.text
    assert invoice_state(web, first)[:3] == ("open", "21.00", "100.00")
    assert invoice_state(web, second)[:3] == ("open", "10.50", "50.00")


@pytest.mark.parametrize("change, field, message, status", [
    ({"allocations[1].amount": "60.00"}, "allocations[1].amount", "is more than the 58.68 that settles", 422),
    ({"amount": "-5"}, "amount", "must be positive, got -5", 422),
    ({"amount": "12.345"}, "amount", "at most two decimals", 422),
    ({"amount": "lots"}, "amount", "must be a number", 422),
    ({"currency": "USD", "allocations[0].amount": "10.00"}, "allocations[0].invoice", "is in EUR, the money in USD",
     422),
    ({"amount": "10.00", "allocations[0].amount": "6.00", "allocations[1].amount": "6.00"}, "allocations[1].amount",
     "more than the 10.00 available", 422),
    ({"received_on": "2026-04-01"}, "received_on", "is after today", 422),
    ({"received_on": "yesterday"}, "received_on", "must be a date (YYYY-MM-DD)", 422),
    ({"customer": "NOPE"}, "customer", "no customer 'NOPE'", 422),
    ({"reference": ""}, "reference", "give the bank or document reference", 422),
    ({"method": "barter"}, "method", "is not one of", 422),
])
def test_bad_payments_are_shown_on_their_field_keep_what_was_typed_and_change_nothing(billed, change, field,
                                                                                      message, status):
    web, (first, second) = billed
    before = billing_snapshot(web.env)
    form = {**payment_form(first, second, **change), "action": "record"}
    r = web.post("finance", "/payments/new", form)
    assert r.status_code == status and message in (field_error(r.text, field) or ""), (r.status_code, field)
    for name, value in change.items():
        if name not in ("method", "currency") and value:
            assert f'value="{value}"' in r.text, name
    assert "Traceback" not in r.text and billing_snapshot(web.env) == before


def test_a_reference_recorded_twice_is_a_conflict_on_its_field(billed):
    web, (first, second) = billed
    form = {**payment_form(first, second, amount="10.00"), "action": "record"}
    assert web.post("finance", "/payments/new", form).status_code == 303
    before = billing_snapshot(web.env)
    r = web.post("finance", "/payments/new", form)
    assert r.status_code == 409 and "is recorded already" in field_error(r.text, "reference")
    assert billing_snapshot(web.env) == before
    assert web.post("cs_agent", "/payments/new", form).status_code == 403


def test_unapplied_cash_is_applied_later_and_a_bounced_payment_is_reversed(billed):
    web, (first, second) = billed
    r = web.post("finance", "/payments/new", {**payment_form(first, second, amount="100.00", apply="none"),
                                              "action": "record"})
    url = r.headers["location"]
    page = web.get("finance", url)
    assert 'id="unapplied">100.00<' in page.text and 'id="apply-form"' in page.text
    before = billing_snapshot(web.env)
    empty = web.post("finance", url + "/apply", {"allocations[0].invoice": first, "allocations[0].amount": ""})
    assert empty.status_code == 422 and "enter an amount against at least one invoice" in empty.text
    too_much = web.post("finance", url + "/apply", {"allocations[0].invoice": first, "allocations[0].amount": "100",
                                                    "allocations[1].invoice": second, "allocations[1].amount": "1"})
    assert "more than the 100.00 available" in field_error(too_much.text, "allocations[1].amount")
    assert 'value="100"' in too_much.text and billing_snapshot(web.env) == before
    r = web.post("finance", url + "/apply", {"allocations[0].invoice": first, "allocations[0].amount": "",
                                             "allocations[1].invoice": second, "allocations[1].amount": "58.68"})
    assert r.status_code == 303 and invoice_state(web, second)[0] == "paid"  # received on day 0: 1.82 off
    r = web.post("finance", url + "/apply", {"action": "auto"})
    assert r.status_code == 303 and invoice_state(web, first)[1] == "79.68"
    assert 'id="apply-form"' not in web.get("finance", url).text
    assert web.post("finance", url + "/apply", {"action": "auto"}).status_code == 422  # nothing left
    r = web.post("finance", url + "/reverse", {"reason": ""})
    assert r.status_code == 422 and "say why" in field_error(r.text, "reason")
    r = web.post("finance", url + "/reverse", {"reason": "bounced"})
    assert r.status_code == 303 and "reversed" in web.get("finance", url).text
    assert invoice_state(web, first)[:2] == ("open", "121.00") and invoice_state(web, second)[:2] == ("open", "60.50")
    again = web.post("finance", url + "/reverse", {"reason": "again"})
    assert again.status_code == 409 and "reversed already" in again.text


def test_receivables_aging_table_chart_dso_ledger_check_and_the_dunning_run(billed):
    web, (first, _) = billed
    later(web, days=40)  # both due 1 April: 10 days overdue on 11 April
    r = web.get("finance", "/receivables")
    assert r.status_code == 200
    chart = json.loads(unescape(re.search(r'data-aging-chart="([^"]+)"', r.text).group(1)))
    assert chart["labels"] == ["current", "1-30", "31-60", "61-90", "90+"]
    assert chart["values"] == [0, 181.5, 0, 0, 0]
    assert "/static/aging-chart.js" in r.text and "/static/uPlot.iife.min.js" in r.text
    assert re.search(r'id="aging-totals".*?181\.50', r.text, re.DOTALL) and "CUST1" in r.text
    assert 'id="dso"' in r.text and first in r.text  # overdue, no reminder yet
    check = web.get("finance", "/receivables/ledger-check", headers={"HX-Request": "true"})
    assert 'data-balanced="true"' in check.text and "<html" not in check.text
    assert "Ledger check" in web.get("manager", "/receivables/ledger-check").text
    r = web.post("finance", "/receivables/dunning")
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    page = wait_for_job(web, "finance", r.headers["location"])
    assert 'data-status="done"' in page.text and "2 reminder level(s) recorded: 2 reminder" in page.text
    assert "reminder" in web.get("finance", f"/invoices/{first}").text
    assert web.get("cs_agent", "/receivables").status_code == 403
    assert web.post("manager", "/receivables/dunning").status_code == 403
    assert web.get("finance", "/receivables", params={"days": "0"}).status_code == 200


def test_a_customers_open_items_and_credit(billed):
    web, (first, second) = billed
    r = web.post("finance", "/payments/new", {**payment_form(first, second, amount="130.00",
                                                             **{"allocations[0].amount": "117.37"}), "action": "record"})
    assert r.status_code == 303
    for who in ("finance", "cs_agent", "cust1"):
        r = web.get(who, "/customers/CUST1/open-items")
        assert r.status_code == 200 and second in r.text and first not in r.text.split('id="open-items"')[1]
        assert "12.63" in r.text  # 130.00 − 117.37 kept as credit
        assert "data-aging-chart" in r.text
    assert web.get("finance", "/customers/NOPE/open-items").status_code == 404
    assert web.get("warehouse", "/customers/CUST1/open-items").status_code == 403
    assert web.get("finance", "/open-items").headers["location"] == "/receivables"
