"""The pages in a real browser (Debian's Chromium through Playwright): sign in, enter an order with a live
promised date, take it through the warehouse pages to shipped, form errors per field, and a customer who
cannot open another customer's order by guessing its URL. Screenshots go to artifacts/screenshots/.

One server (uvicorn in a thread, SQLite) and one browser for the whole module. Without /usr/bin/chromium
the tests skip, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import update

from ordercare.api.app import create_app
from ordercare.clock import FixedClock
from ordercare.config import Settings
from ordercare.domain.access import SYSTEM
from ordercare.services.auth import create_user
from ordercare.store.db import UnitOfWork, make_engine
from ordercare.store.tables import users
from tests.conftest import IN_CI, START, Env
from tests.factories import carriers, order, world
from tests.web.conftest import PASSWORD, password_hash

CHROMIUM = Path(os.environ.get("ORDERCARE_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory, sqlite_template):
    """The real app over a small world, served by uvicorn on a free localhost port."""
    import uvicorn
    path = tmp_path_factory.mktemp("browser") / "ordercare.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    env = Env(UnitOfWork(engine), FixedClock(START), Settings(database_url=url), SYSTEM, url, "sqlite")
    world(env, customers=("CUST1", "CUST2"), stock={("NEAR", "SKU-A"): 100, ("MID", "SKU-B"): 50})
    carriers(env)

    def people(conn):
        for name, role, customer in (("admin", "admin", None), ("buyer1", "customer", "CUST1"),
                                     ("buyer2", "customer", "CUST2")):
            create_user(conn, env.clock, username=name, role=role, customer_code=customer)
        conn.execute(update(users).values(password_hash=password_hash()))

    env.uow.run(people)
    other = order(env, [("SKU-B", 2)], customer="CUST2")
    server = uvicorn.Server(uvicorn.Config(create_app(env.settings, uow=env.uow, clock=env.clock), host="127.0.0.1",
                                           port=_free_port(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    yield {"base": f"http://127.0.0.1:{server.config.port}", "other_order": f"SO-{other:07d}", "env": env}
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


def _page(browser, site, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(site["base"] + "/")
    assert "/sign-in" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('Welcome')")
    return page


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_sign_in_enter_an_order_with_a_live_promised_date_and_ship_it(browser, site):
    page = _page(browser, site, "admin")
    _shot(page, "01-home")
    page.click("nav >> text=New order")
    page.fill("input[name=customer]", "CUST1")
    page.fill("input[name='lines[0].sku']", "SKU-A")
    page.fill("input[name='lines[0].qty']", "3")
    promised = page.wait_for_selector("#promise-0 .promised-date")  # appears while typing, no submit
    assert promised.get_attribute("data-date") == "2026-03-04"  # Mon 2 Mar + 1 handling + 1 transit
    assert "from NEAR" in page.inner_text("#promise-0")
    _shot(page, "02-order-entry-live-promise")
    page.click("button[value=place]")
    page.wait_for_selector("text=placed")
    number = page.inner_text("h1").split()[0]
    assert page.inner_text("#promised-date").startswith("Wed 04 Mar 2026")
    _shot(page, "03-order-page")

    # The warehouse: release, pick list, pick, plan dispatch (background job), rate results, ship.
    page.goto(site["base"] + "/warehouse?warehouse=NEAR")
    page.fill("input[name=through]", "2026-03-31")
    page.click("button:has-text('Release')")
    page.wait_for_selector("text=released or extended")
    _shot(page, "04-warehouse")
    page.click("button:has-text('Create pick list')")
    page.wait_for_selector("h1:has-text('Pick list')")
    _shot(page, "05-pick-list")
    page.click("td >> a[href^='/shipments/']")
    page.click("button:has-text('Confirm picks')")
    page.wait_for_selector("text=Picks confirmed")
    page.goto(site["base"] + "/warehouse?warehouse=NEAR")
    page.click("button:has-text('Plan dispatch')")
    page.wait_for_selector(".job[data-status=done]", timeout=60_000)  # polled by htmx until the job ends
    _shot(page, "06-dispatch-job")
    page.goto(site["base"] + "/shipments?warehouse=NEAR&status=picked")
    page.click("td >> a[href^='/shipments/']")
    page.wait_for_selector("#rates tr.chosen")
    _shot(page, "07-shipment-rates")
    page.click("button:has-text('Confirm shipment')")
    page.wait_for_selector("#tracking")
    assert page.is_visible("text=Shipped 3 unit(s)")
    _shot(page, "08-shipped")
    page.goto(f"{site['base']}/orders/{number}")
    assert "shipped" in page.inner_text("h1") and page.is_visible("li[data-kind=shipped]")
    _shot(page, "09-order-shipped")
    for name, path in (("10-orders", "/orders"), ("11-stock", "/stock"), ("12-products", "/products"),
                       ("13-customers", "/customers")):
        page.goto(site["base"] + path)
        _shot(page, name)
    page.context.close()


def test_form_errors_show_per_field_and_keep_what_was_typed(browser, site):
    page = _page(browser, site, "admin")
    page.goto(site["base"] + "/orders/new")
    page.fill("input[name=customer]", "CUST1")
    page.fill("input[name=customer_po]", "PO-typed-by-hand")
    page.fill("input[name='lines[0].sku']", "SKU-A")
    page.fill("input[name='lines[0].qty']", "lots")
    page.fill("input[name='lines[1].sku']", "NO-SUCH")
    page.fill("input[name='lines[1].qty']", "2")
    page.click("button[value=place]")
    page.wait_for_selector("#err-lines-0-qty")
    assert page.inner_text("#err-lines-0-qty") == "must be a whole number"
    assert page.input_value("input[name='lines[0].qty']") == "lots"
    assert page.input_value("input[name=customer_po]") == "PO-typed-by-hand"
    page.fill("input[name='lines[0].qty']", "2")
    page.click("button[value=place]")
    page.wait_for_selector("#err-lines-1-sku")
    assert "no product with SKU 'NO-SUCH'" in page.inner_text("#err-lines-1-sku")
    assert page.input_value("input[name='lines[1].sku']") == "NO-SUCH"
    _shot(page, "14-form-errors")
    page.context.close()


def test_a_customer_cannot_open_another_customers_order_by_guessing_its_url(browser, site):
    page = _page(browser, site, "buyer1")
    _shot(page, "15-portal-home")
    response = page.goto(f"{site['base']}/orders/{site['other_order']}")
    assert response.status == 404
    text = page.inner_text("body")
    assert "Not found" in text and "CUST2" not in text and "SKU-B" not in text
    _shot(page, "16-portal-guessed-url")
    # Its own portal works: place an order with a live date for its own account.
    page.goto(site["base"] + "/orders/new")
    page.fill("input[name='lines[0].sku']", "SKU-A")
    page.fill("input[name='lines[0].qty']", "1")
    page.wait_for_selector("#promise-0 .promised-date")
    page.click("button[value=place]")
    page.wait_for_selector("text=placed")
    assert "CUST1" in page.inner_text("main")
    _shot(page, "17-portal-order")
    page.context.close()
