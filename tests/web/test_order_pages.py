"""The order desk and portal pages: enter an order with live promised dates, search, the order page."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from ordercare.store.tables import orders
from tests.web.conftest import Web


def _order_count(web: Web) -> int:
    with web.env.uow.read() as conn:
        return conn.execute(select(func.count()).select_from(orders)).scalar_one()


def test_live_promise_of_a_line_shows_the_date_and_the_alternatives(web: Web):
    r = web.get("cs_agent", "/orders/line-promise", params={
        "row": 1, "customer": "CUST1", "lines[1].sku": "SKU-A", "lines[1].qty": "120"})
    assert r.status_code == 200, r.text
    # 100 in NEAR: the rest back-ordered; no warehouse can do all 120 alone.
    assert "20 of 120 back-ordered" in r.text and "100 from NEAR" in r.text
    r = web.get("cs_agent", "/orders/line-promise", params={
        "row": 0, "customer": "CUST1", "lines[0].sku": "SKU-A", "lines[0].qty": "5"})
    assert 'data-date="2026-03-04"' in r.text  # today Mon 2 Mar + 1 handling + 1 transit
    bad = web.get("cs_agent", "/orders/line-promise", params={
        "row": 2, "customer": "CUST1", "lines[2].sku": "NOPE", "lines[2].qty": "5"})
    assert 'data-field="lines[2].sku"' in bad.text and "no product with SKU" in bad.text


def test_place_an_order_from_the_form_then_its_page_shows_lines_and_timeline(web: Web):
    form = {"customer": "CUST1", "channel": "phone", "rows": "3", "idempotency_key": "k1",
            "lines[0].sku": "SKU-A", "lines[0].qty": "3", "lines[2].sku": "SKU-B", "lines[2].qty": "2"}
    preview = web.post("cs_agent", "/orders/new", {**form, "action": "preview"})
    assert preview.status_code == 200 and 'id="preview"' in preview.text and _order_count(web) == 0
    r = web.post("cs_agent", "/orders/new", {**form, "action": "place"})
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    again = web.post("cs_agent", "/orders/new", {**form, "action": "place"})  # a double click: same order
    assert again.headers["location"] == url and _order_count(web) == 1
    page = web.get("cs_agent", url)
    assert page.status_code == 200 and "SKU-B" in page.text and 'data-kind="placed"' in page.text
    assert re.search(r"Order SO-\d+ placed", page.text)  # the flash after the redirect


def test_form_errors_are_shown_per_field_and_keep_what_was_typed(web: Web):
    form = {"customer": "CUST1", "rows": "3", "action": "place", "customer_po": "PO-typed",
            "lines[0].sku": "SKU-A", "lines[0].qty": "many", "lines[1].sku": "", "lines[1].qty": "4"}
    r = web.post("cs_agent", "/orders/new", form)
    assert r.status_code == 422
    assert 'id="err-lines-0-qty">must be a whole number' in r.text
    assert 'id="err-lines-1-sku">required' in r.text
    assert 'value="many"' in r.text and 'value="PO-typed"' in r.text
    # A domain error (unknown SKU) lands on its row too.
    r = web.post("cs_agent", "/orders/new", {**form, "lines[0].qty": "2", "lines[1].sku": "NOPE"})
    assert r.status_code == 422 and 'id="err-lines-1-sku">no product with SKU' in r.text
    assert 'value="NOPE"' in r.text and _order_count(web) == 0


def test_order_search_filters(web: Web):
    web.api.place("cs_agent", customer="CUST1", lines=[("SKU-A", 1)])
    web.api.place("cs_agent", customer="CUST2", lines=[("SKU-B", 1)])
    r = web.get("cs_agent", "/orders", params={"sku": "SKU-B"})
    assert "1 order(s)" in r.text and "CUST2" in r.text
    r = web.get("cs_agent", "/orders", params={"placed_from": "not a date"})
    assert r.status_code == 200 and 'id="err-placed_from"' in r.text


def test_portal_customer_orders_for_its_own_account_only(web: Web):
    form = {"customer": "CUST2", "rows": "3", "action": "place", "idempotency_key": "p1",
            "lines[0].sku": "SKU-A", "lines[0].qty": "1"}
    r = web.post("cust1", "/orders/new", form)
    assert r.status_code == 303
    page = web.get("cust1", r.headers["location"])
    assert "CUST1" in page.text and "Customer CUST2" not in page.text and "portal" in page.text
