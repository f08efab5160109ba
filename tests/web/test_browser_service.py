"""The service desk in a real browser: log a case with the customer search, watch its SLA countdown change colour
in the queue as the (test) clock moves, then acknowledge, record the root cause, resolve, follow up and close it.

Same server and browser set-up as test_browser.py (one of each for this module); screenshots to
artifacts/screenshots/.
"""

from __future__ import annotations

from tests.web.test_browser import _page, _shot, browser, site  # noqa: F401 - the module's server and browser

AMBER, RED = "rgb(253, 241, 216)", "rgb(179, 38, 30)"


def _clock_in_queue(page, case: str):
    cell = page.locator(f"tr[data-case='{case}'] [data-clock=first_response]")
    return cell.get_attribute("data-band"), cell.inner_text(), cell.evaluate("e => getComputedStyle(e).backgroundColor")


def test_open_a_case_watch_its_sla_colour_then_work_it_to_closed(browser, site):  # noqa: F811
    page = _page(browser, site, "admin")
    page.click("nav >> text=Cases")
    page.click("#log-case")
    page.fill("input[name=customer]", "cust")
    page.wait_for_selector("#customer-found:has-text('2 match(es)')")  # searched while typing (htmx)
    page.fill("input[name=customer]", "CUST1")
    page.wait_for_selector("#customer-found:has-text('service package B')")
    page.select_option("select[name=priority]", "urgent")  # package B: first answer within 2 business hours
    page.select_option("select[name=category]", "late_delivery")
    page.fill("input[name=subject]", "Pallet not arrived")
    page.fill("textarea[name=description]", "Expected yesterday")
    page.click("button:has-text('Log the case')")
    page.wait_for_selector(".flash:has-text('logged')")
    case = page.inner_text("h1").split()[0]
    assert page.get_attribute("#sla [data-clock=first_response]", "data-band") == "on_track"

    env = site["env"]
    env.clock.advance(hours=1, minutes=45)
    page.goto(site["base"] + "/cases")
    band, text, colour = _clock_in_queue(page, case)
    assert (band, text, colour) == ("due_soon", "15 min left", AMBER)
    _shot(page, "service-01-queue-due-soon")
    env.clock.advance(minutes=30)
    page.reload()
    band, text, colour = _clock_in_queue(page, case)
    assert (band, text, colour) == ("breached", "15 min overdue", RED)
    assert page.get_attribute(f"tr[data-case='{case}']", "data-band") == "breached"
    _shot(page, "service-02-queue-breached")

    page.click(f"a:has-text('{case}')")
    page.fill("#step-acknowledge textarea[name=note]", "Sorry, we are on it")
    page.click("#step-acknowledge button")
    page.wait_for_selector(".flash:has-text('Acknowledged')")
    assert page.inner_text("#sla [data-clock=first_response]") == "15 min late"  # answered, but late
    page.click("#step-investigate button")
    page.wait_for_selector(".flash:has-text('Investigation started')")
    page.select_option("#step-root_cause select[name=root_cause]", "carrier_delay")
    page.click("#step-root_cause button")
    page.wait_for_selector(".flash:has-text('Root cause recorded')")
    assert page.inner_text("#root-cause") == "carrier delay"
    page.fill("#step-resolve textarea[name=resolution]", "Re-delivered this morning")
    page.click("#step-resolve button")
    page.wait_for_selector(".flash:has-text('Resolved')")
    _shot(page, "service-03-case-resolved")
    page.click("#step-follow_up button")
    page.wait_for_selector(".flash:has-text('a satisfaction survey was sent')")
    page.click("#step-close button")
    page.wait_for_selector("h1 .s-closed")
    assert not page.is_visible(".steps")  # a closed case offers no further step
    kinds = page.eval_on_selector_all("#case-timeline li", "els => els.map(e => e.dataset.kind)")
    assert kinds.count("status_changed") == 5 and "root_cause" in kinds
    _shot(page, "service-04-case-closed")
    page.context.close()
