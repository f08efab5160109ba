"""The pages over what was CLI/API only, in a real browser (Chromium via Playwright): file imports (bad rows
listed by line and column; a good file imported as a job with its progress bar, the orders visible), export
links, EDI (a pasted 850 becomes an order answered by a 997; a broken interchange is located and kept in the
form), webhooks (a subscription created, its secret shown once, a ping delivered with its attempt) and the
simulator (a run into a separate database, its progress, its summary; the live data untouched). A customer user
is refused each page and sees none of them in its navigation.

The server and the browser are test_browser.py's fixtures: one of each for this module too.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ordercare.integrations.x12.envelopes import Party, build_interchange
from ordercare.integrations.x12.purchase_order import ItemId, POLine, PurchaseOrder, build_850
from ordercare.notifications.webhook_post import PostOutcome
from ordercare.services import edi_partners as ep
from ordercare.services.webhook_delivery import deliver_due_webhooks
from ordercare.store.tables import orders
from tests.conftest import START
from tests.web import test_browser as tb

site, browser = tb.site, tb.browser
NEW_PAGES = ("/imports", "/imports/layouts", "/edi", "/webhooks", "/simulate", "/exports/orders")
NAV_LABELS = ("Imports", "EDI", "Webhooks", "Simulator")


def _order_count(env) -> int:
    with env.uow.read() as conn:
        return conn.execute(select(func.count()).select_from(orders)).scalar_one()


def _upload(page, base: str, tmp_path: Path, name: str, content: str, *, kind: str, mode: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    page.goto(base + "/imports")
    page.select_option("select[name=kind]", kind)
    page.select_option("select[name=mode]", mode)
    page.set_input_files("input[name=file]", str(path))
    page.click("#import-form button[type=submit]")


def test_imports_list_bad_rows_then_import_a_good_file_with_progress(browser, site, tmp_path):
    env = site["env"]
    page = tb._page(browser, site, "admin")
    page.click("nav >> text=Imports")
    page.click("text=the column layouts")
    assert "order_ref" in page.inner_text("#layout-orders") and "po_number" in page.inner_text("#layout-receipts")

    # No file: the form says so on its field and keeps the choices made.
    page.goto(site["base"] + "/imports")
    page.select_option("select[name=kind]", "products")
    page.select_option("select[name=mode]", "valid_only")
    page.click("#import-form button[type=submit]")
    assert page.inner_text("#err-file") == "choose a CSV or Excel (.xlsx) file"
    assert page.input_value("select[name=kind]") == "products" and page.input_value("select[name=mode]") == "valid_only"

    # A bad file, checked: every bad row with its line and column; nothing written.
    before = _order_count(env)
    _upload(page, site["base"], tmp_path, "bad.csv", "order_ref,customer,sku,qty\nR1,CUST1,SKU-A,2\nR2,CUST1,SKU-A,x\n"
                                       "R3,CUST1,NO-SUCH,1\nR4,CUST9,SKU-A,1\n", kind="orders", mode="dry_run")
    page.wait_for_selector(".job[data-status=done]", timeout=60_000)
    rows = {r.get_attribute("data-line"): r.inner_text() for r in page.locator("#import-errors tbody tr").all()}
    assert set(rows) == {"3", "4", "5"}, rows
    assert "qty" in rows["3"] and "'x' is not a whole number" in rows["3"]
    assert "sku" in rows["4"] and "NO-SUCH" in rows["4"]
    assert "customer" in rows["5"] and "CUST9" in rows["5"]
    assert "Checked 4 row(s): 1 valid, 3 with problems. Nothing was written." in page.inner_text("#import-result")
    assert _order_count(env) == before
    tb._shot(page, "40-import-dry-run-errors")

    # The same file imported all-or-nothing: refused, the rows listed, still nothing written.
    _upload(page, site["base"], tmp_path, "bad.csv", (tmp_path / "bad.csv").read_text(), kind="orders", mode="all")
    page.wait_for_selector(".job[data-status=failed]", timeout=60_000)
    assert "nothing was imported" in page.inner_text(".job") and page.locator("#import-errors tbody tr").count() == 3
    assert _order_count(env) == before

    # A good file of many orders: imported as a job, the bar polled to its end, each order linked.
    n = 150
    good = "order_ref,customer,sku,qty,customer_po\n" + "".join(
        f"G{i},CUST{1 + i % 2},SKU-A,1,PO-IMP-{i}\n" for i in range(n))
    _upload(page, site["base"], tmp_path, "orders.csv", good, kind="orders", mode="all")
    page.wait_for_selector(".job progress")
    page.wait_for_selector(".job[data-status=done]", timeout=120_000)
    assert page.get_attribute("progress", "value") == page.get_attribute("progress", "max") == str(n)
    assert f"Imported {n} of {n} row(s)" in page.inner_text("#import-result")
    assert page.locator("#import-created a").count() == n and _order_count(env) == before + n
    tb._shot(page, "41-import-done")
    page.click("#import-created a >> nth=0")
    page.wait_for_selector("h1:has-text('SO-')")
    assert "PO-IMP-0" in page.inner_text("main")
    page.context.close()


def test_export_links_download_the_listed_orders(browser, site):
    page = tb._page(browser, site, "admin")
    page.goto(site["base"] + "/orders?customer=CUST2")
    link = page.locator("#export-orders a:has-text('CSV')")
    response = page.request.get(site["base"] + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.text().splitlines()
    assert lines[0].startswith("order,customer,") and len(lines) > 1
    assert all(",CUST2," in line for line in lines[1:])
    excel = page.request.get(site["base"] + page.locator("#export-orders a:has-text('Excel')").get_attribute("href"))
    assert excel.status == 200 and excel.body()[:2] == b"PK"
    for path, box in (("/shipments", "#export-shipments"), ("/invoices", "#export-invoices")):
        page.goto(site["base"] + path)
        assert page.locator(box + " a").count() == 2, path
    page.context.close()


@pytest.fixture(scope="module")
def partner(site):
    env = site["env"]
    ep.create_partner(env.uow, env.clock, env.actor, ep.PartnerData("ACME", "CUST1", "ZZ", "ACMEBUY", "ACME"))
    return "ACME"


def _interchange(po_number: str, control: int) -> str:
    po = PurchaseOrder(po_number, date(2026, 3, 1), (POLine("1", 4, "EA", None, (ItemId("VP", "SKU-A"),)),))
    return build_interchange([("850", build_850(po))], sender=Party("ZZ", "ACMEBUY", "ACME"),
                             receiver=Party("ZZ", "ORDERCARE", "ORDERCARE"), control=control, at=START)


def test_a_pasted_850_becomes_an_order_answered_by_a_997(browser, site, partner):
    page = tb._page(browser, site, "admin")
    page.click("nav >> text=EDI")
    assert "ACME" in page.inner_text("#edi-partners")

    # A broken interchange: its segment and element on the form, the text left as pasted, nothing recorded.
    broken = _interchange("PO-WEB-1", 41).replace("IEA*1*000000041", "IEA*1*000000099")
    page.fill("textarea[name=content]", broken)
    page.click("#edi-form button[type=submit]")
    message = page.inner_text("#err-content")
    assert "segment" in message and "element" in message, message
    assert page.input_value("textarea[name=content]") == broken
    assert page.locator("#edi-documents tbody tr[data-set]").count() == 0
    tb._shot(page, "42-edi-bad-interchange")

    before = _order_count(site["env"])
    page.fill("textarea[name=content]", _interchange("PO-WEB-1", 42))
    page.click("#edi-form button[type=submit]")
    page.wait_for_selector("#edi-transactions")
    assert "accepted" in page.inner_text(".flash") and _order_count(site["env"]) == before + 1
    order = page.locator("#edi-transactions a[href^='/orders/']").inner_text()
    answer = page.locator(".edi-answer[data-set='997']")
    assert "AK1*PO*" in answer.inner_text() and "AK9*A*1*1*1" in answer.inner_text()
    tb._shot(page, "43-edi-order-and-997")
    raw = page.request.get(site["base"] + page.locator("a:has-text('download the raw text')").get_attribute("href"))
    assert raw.status == 200 and raw.text().startswith("ISA*") and "PO-WEB-1" in raw.text()

    page.goto(site["base"] + "/edi?partner=ACME&direction=out")
    assert page.locator("#edi-documents tbody tr[data-direction=out][data-set='997']").count() >= 1
    assert page.locator("#edi-documents tbody tr[data-direction=in]").count() == 0
    page.goto(f"{site['base']}/orders/{order}")
    page.wait_for_selector(f"h1:has-text('{order}')")
    assert "PO-WEB-1" in page.inner_text("main")
    page.context.close()


def test_a_webhook_is_created_and_its_delivery_shown_with_its_attempt(browser, site):
    env = site["env"]
    page = tb._page(browser, site, "admin")
    page.click("nav >> text=Webhooks")
    page.fill("input[name=url]", "https://hooks.example.com/ordercare")
    page.click("#subscription-form button[type=submit]")  # no event type chosen
    assert page.inner_text("#err-event_types") == "choose at least one event type"
    assert page.input_value("input[name=url]") == "https://hooks.example.com/ordercare"
    page.fill("input[name=url]", "ftp://hooks.example.com")
    page.check("input[name=event_types][value='order.shipped']")
    page.click("#subscription-form button[type=submit]")
    assert "http" in page.inner_text("#err-url") and page.is_checked("input[name=event_types][value='order.shipped']")

    page.fill("input[name=url]", "https://hooks.example.com/ordercare")
    page.click("#subscription-form button[type=submit]")
    secret = page.inner_text("#webhook-secret pre")
    assert secret.startswith("whsec_")
    tb._shot(page, "44-webhook-created")
    page.click("button:has-text('Send a ping')")
    page.wait_for_selector("#deliveries tr[data-state=pending]")
    assert secret not in page.content()  # shown once only

    sent = []

    def poster(url, body, headers, timeout):
        sent.append(url)
        return PostOutcome(204, None, "", 12)

    assert deliver_due_webhooks(env.uow, env.clock, env.settings, "test-worker", poster=poster) >= 1
    page.reload()
    row = page.locator("#deliveries tr[data-state=delivered]")
    assert "ping" in row.inner_text() and sent == ["https://hooks.example.com/ordercare"]
    row.locator("a").first.click()
    page.wait_for_selector("#attempts")
    assert "204" in page.inner_text("#attempts tbody tr") and "test-worker" in page.inner_text("#attempts")
    page.click("button:has-text('Redeliver')")
    page.wait_for_selector("text=Queued to be sent again")
    assert "pending" in page.inner_text("main")
    tb._shot(page, "45-webhook-delivery")
    page.click("main p a[href^='/webhooks/']")
    page.click("button:has-text('Deactivate')")
    assert page.inner_text("#webhook-active") == "no"
    page.context.close()


def test_the_simulator_runs_into_its_own_database_with_progress_and_a_summary(browser, site, tmp_path):
    env = site["env"]
    env.settings.simulation_dir = str(tmp_path)
    before = _order_count(env)
    page = tb._page(browser, site, "admin")
    page.click("nav >> text=Simulator")
    page.fill("input[name=days]", "0")
    page.fill("input[name=skus]", "ten")
    page.click("#simulate-form button[type=submit]")
    assert page.inner_text("#err-days") == "must be between 1 and 366"
    assert page.inner_text("#err-skus") == "must be a whole number" and page.input_value("input[name=skus]") == "ten"

    page.fill("input[name=days]", "4")
    page.fill("input[name=customers]", "5")
    page.fill("input[name=skus]", "24")
    page.click("#simulate-form button[type=submit]")
    page.wait_for_selector(".job progress")
    page.wait_for_selector(".job[data-status=done]", timeout=180_000)
    summary = page.inner_text("#simulation-result")
    assert "Simulated 4 day(s) from 2026-01-01 (seed 7)" in summary
    assert page.locator("#simulation-tally tbody tr").count() >= 3
    [made] = list(tmp_path.glob("sim-*.db"))
    assert str(made) in summary
    assert _order_count(env) == before  # the live company got nothing
    tb._shot(page, "46-simulation-done")
    page.context.close()


def test_a_customer_is_refused_every_new_page(browser, site):
    page = tb._page(browser, site, "buyer1")
    nav = page.inner_text("header nav")
    assert not any(label in nav.split() for label in NAV_LABELS), nav
    for path in NEW_PAGES:
        response = page.goto(site["base"] + path)
        assert response.status == 403, path
        body = page.inner_text("main")
        assert "Not allowed" in body and "ACME" not in body and "whsec" not in body and "order_ref" not in body
    page.goto(site["base"] + "/orders")
    assert page.locator("#export-orders").count() == 0
    tb._shot(page, "47-customer-refused")
    page.context.close()
