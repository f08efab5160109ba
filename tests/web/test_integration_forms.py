"""The forms of the import, EDI, webhook, export and simulator pages through the app (TestClient): CSRF on the
uploads too, each bad input on its field with what was typed kept, nothing written, never a trace."""

from __future__ import annotations

import html
import re

from tests.web.conftest import Web


def _field_error(page: str, name: str) -> str:
    m = re.search(rf'id="err-{name}">([^<]*)<', page)
    assert m, f"no error shown for {name}"
    return html.unescape(m.group(1))


def test_an_upload_without_the_csrf_token_is_refused_and_writes_nothing(sqlite_web: Web):
    client = sqlite_web.as_("admin")
    before = sqlite_web.api.snapshot()
    for token in (None, "forged"):
        data = {"kind": "products", "mode": "all", **({"csrf_token": token} if token else {})}
        r = client.post("/imports", data=data, files={"file": ("p.csv", b"sku,name\nX,Y\n", "text/csv")})
        assert r.status_code == 403 and "form has expired" in r.text
        r = client.post("/edi/interchanges", data=data, files={"file": ("x.edi", b"ISA*00~", "text/plain")})
        assert r.status_code == 403
    assert sqlite_web.api.snapshot() == before


def test_an_unreadable_file_is_told_on_its_field_and_the_choices_are_kept(sqlite_web: Web):
    r = sqlite_web.post("admin", "/imports", {"kind": "stock", "mode": "valid_only"},
                        files={"file": ("stock.csv", b"warehouse,sku,on_hand\n\xff\xfe,SKU-A,3\n", "text/csv")})
    assert r.status_code == 422 and "Traceback" not in r.text
    assert _field_error(r.text, "file").startswith("not UTF-8 text")
    assert re.search(r'<option value="stock" selected>', r.text)
    assert re.search(r'<option value="valid_only" selected>', r.text)
    r = sqlite_web.post("admin", "/imports", {"kind": "pets", "mode": "x"},
                        files={"file": ("a.pdf", b"%PDF", "application/pdf")})
    assert r.status_code == 422
    assert _field_error(r.text, "kind").startswith("one of orders")
    assert _field_error(r.text, "mode") == "choose what to do with the file"
    assert "neither .csv nor .xlsx" in _field_error(r.text, "file")


def test_an_empty_or_broken_interchange_is_shown_on_the_form(sqlite_web: Web):
    sqlite_web.as_("admin"), sqlite_web.as_("cs_agent")  # signed in before the snapshot (a session is a row)
    before = sqlite_web.api.snapshot()
    r = sqlite_web.post("admin", "/edi/interchanges", {"content": "   "})
    assert r.status_code == 422 and _field_error(r.text, "content").startswith("paste an interchange")
    r = sqlite_web.post("cs_agent", "/edi/interchanges", {"content": "GS*PO*X~ <b>typed</b>"})
    assert r.status_code == 422 and "Traceback" not in r.text
    assert "segment" in _field_error(r.text, "content")
    assert "GS*PO*X~ &lt;b&gt;typed&lt;/b&gt;</textarea>" in r.text  # kept, and escaped
    assert sqlite_web.api.snapshot() == before


def test_a_webhook_for_an_unknown_customer_is_refused_on_that_field(sqlite_web: Web):
    sqlite_web.as_("manager")
    before = sqlite_web.api.snapshot()
    r = sqlite_web.post("manager", "/webhooks", {"url": "https://hooks.example.com/x", "customer": "NOPE",
                                                 "event_types": "order.placed"})
    assert r.status_code == 422 and "no customer with code 'NOPE'" in _field_error(r.text, "customer")
    assert 'value="https://hooks.example.com/x"' in r.text and 'value="order.placed" checked' in r.text
    assert sqlite_web.api.snapshot() == before
    r = sqlite_web.post("manager", "/webhooks", {"url": "https://hooks.example.com/x", "event_types": "order.placed"})
    assert r.status_code == 201 and 'id="webhook-secret"' in r.text and "whsec_" in r.text


def test_the_simulator_form_refuses_sizes_the_web_does_not_run(sqlite_web: Web):
    r = sqlite_web.post("admin", "/simulate", {"days": "9999", "customers": "5", "skus": "10", "seed": "1",
                                               "start": "2026-13-01"})
    assert r.status_code == 422
    assert _field_error(r.text, "days") == "must be between 1 and 366"
    assert _field_error(r.text, "skus") == "must be between 24 and 20000"
    assert _field_error(r.text, "start") == "must be a date (YYYY-MM-DD)"
    assert 'value="9999"' in r.text and 'value="2026-13-01"' in r.text
    assert sqlite_web.get("manager", "/simulate").status_code == 403


def test_bad_export_requests_get_a_page_not_a_trace(sqlite_web: Web):
    for url, message in (("/exports/orders?date_from=yesterday", "date_from: must be a date"),
                         ("/exports/nothing", "export: one of"), ("/exports/orders?format=pdf", "format: one of")):
        r = sqlite_web.get("admin", url)
        assert r.status_code == 422 and message in r.text and "Traceback" not in r.text, url
    r = sqlite_web.get("warehouse", "/exports/invoices")
    assert r.status_code == 403  # the export's own permission: the warehouse does not read invoices
    r = sqlite_web.get("finance", "/exports/invoices?format=xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_an_excel_file_comes_through_the_upload_intact_and_is_imported(sqlite_web: Web):
    import time
    from decimal import Decimal

    from ordercare.integrations.files.tabular import write_table
    from ordercare.services.catalog import get_product
    columns = ["sku", "name", "weight_kg", "volume_m3", "list_price", "unit_cost"]
    data = write_table(columns, [[f"XL-{i}", f"Bolt {i}", Decimal("1.5"), Decimal("0.01"), Decimal("2.50"),
                                  Decimal("1.00")] for i in range(40)], "xlsx", sheet="products")
    r = sqlite_web.post("manager", "/imports", {"kind": "products", "mode": "all"},
                        files={"file": ("products.xlsx", data, "application/octet-stream")})
    assert r.status_code == 303, r.text
    for _ in range(1200):  # the job runs in the pool; poll its page as the browser does
        page = sqlite_web.get("manager", r.headers["location"])
        if 'data-status="running"' not in page.text:
            break
        time.sleep(0.05)
    assert 'data-status="done"' in page.text and "Imported 40 of 40 row(s)" in page.text
    assert get_product(sqlite_web.env.uow, sqlite_web.env.actor, "XL-39")["list_price"] == Decimal("2.50")
