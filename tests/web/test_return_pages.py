"""The return pages: a customer requests a return for delivered lines with the policy shown; the desk authorises
(or overrides the policy with a note), the warehouse receives and inspects with a disposition per unit, the desk
resolves; the list, the order page's panel and the non-sellable stock. Bad input: on its field, nothing changes."""

from __future__ import annotations

import re

import pytest

from ordercare.domain.access import SYSTEM
from ordercare.services import return_views
from tests.api.access_service import _carriers, delivered, return_at
from tests.web.conftest import Web


@pytest.fixture
def goods(web: Web) -> tuple[Web, int]:
    _carriers(web.env)
    return web, delivered(web.env, "CUST1", 4)  # 4 × SKU-C from FAR, delivered


def _return(web: Web, ref: str) -> dict:
    return return_views.get_return(web.env.uow, SYSTEM, int(ref.split("-")[1]))


def test_a_customer_requests_a_return_for_delivered_units_with_the_policy_shown(goods):
    web, order_id = goods
    order = f"SO-{order_id:07d}"
    page = web.get("cust1", f"/orders/{order}")  # the order page offers it
    assert 'data-panel="returns"' in page.text and f'href="/returns/new?order={order}"' in page.text
    page = web.get("cust1", f"/returns/new?order={order}")
    policy = page.text.split('id="return-policy"')[1].split("</section>")[0]
    assert "30 days" in policy and "15.00 %" in policy and "damaged" in policy
    assert "Mon 02 Mar 2026" in page.text and "Wed 01 Apr 2026" in page.text  # delivered, and 30 days on
    form = {"order": order, "lines[0].line_no": "1", "lines[0].qty": "9", "lines[0].reason": "damaged",
            "note": "Two arrived broken"}
    before = web.api.snapshot()
    r = web.post("cust1", "/returns/new", form)
    assert r.status_code == 422 and 'id="err-lines-0-qty">9 is more than the 4 delivered units' in r.text
    assert 'value="9"' in r.text and "Two arrived broken" in r.text
    r = web.post("cust1", "/returns/new", {**form, "lines[0].qty": "2", "lines[0].reason": ""})
    assert r.status_code == 422 and 'id="err-lines-0-reason">required' in r.text
    r = web.post("cust1", "/returns/new", {**form, "lines[0].qty": "two"})
    assert r.status_code == 422 and 'id="err-lines-0-qty">must be a whole number' in r.text
    assert web.api.snapshot() == before
    r = web.post("cust1", "/returns/new", {**form, "lines[0].qty": "2"})
    assert r.status_code == 303
    ref = r.headers["location"].rsplit("/", 1)[1]
    ret = _return(web, ref)
    assert (ret["status"], ret["channel"], ret["lines"][0]["qty"]) == ("requested", "portal", 2)
    page = web.get("cust1", f"/returns/{ref}")
    assert "requested" in page.text and 'id="authorise-form"' not in page.text
    assert '<span class="muted"> · you</span>' in page.text  # its own step; the desk's have no names
    assert "2 returned" not in page.text and ref in web.get("cust1", "/returns").text
    again = web.get("cust1", f"/returns/new?order={order}")
    assert "up to 2" in again.text  # 4 delivered, 2 already on a return
    # Another account's order or return reads as missing.
    theirs = delivered(web.env, "CUST2", 1)
    assert web.get("cust1", f"/returns/new?order=SO-{theirs:07d}").status_code == 404
    r = web.post("cust1", "/returns/new", {**form, "order": f"SO-{theirs:07d}", "lines[0].qty": "1"})
    assert r.status_code == 404 and "CUST2" not in r.text
    their_return = return_at(web.env, theirs, "requested")
    r = web.get("cust1", f"/returns/RMA-{their_return:07d}")
    assert r.status_code == 404 and "CUST2" not in r.text


def test_the_desk_authorises_receives_inspects_and_resolves(goods):
    web, order_id = goods
    rid = return_at(web.env, order_id, "requested")
    url = f"/returns/RMA-{rid:07d}"
    page = web.get("cs_agent", url)
    assert 'id="within-policy"' in page.text and 'id="authorise-form"' in page.text
    web.env.clock.advance(days=40)  # now outside the 30-day window
    web.clients.clear()  # and everyone signs in again: sessions end after 12 hours
    page = web.get("cs_agent", url)
    assert 'id="outside-policy"' in page.text and "window is 30 days" in page.text
    web.as_("warehouse")  # signed in before the snapshot (a sign-in writes a session)
    before = web.api.snapshot()
    r = web.post("cs_agent", f"{url}/authorise", {})
    assert r.status_code == 422 and "Outside the returns policy" in r.text and "window is 30 days" in r.text
    r = web.post("cs_agent", f"{url}/authorise", {"override": "yes", "note": ""})
    assert r.status_code == 422 and 'id="err-note">say why the policy is overridden' in r.text
    r = web.post("cs_agent", f"{url}/refuse", {"reason": ""})
    assert r.status_code == 422 and 'id="err-reason">must not be empty' in r.text
    assert web.post("warehouse", f"{url}/authorise", {"override": "yes", "note": "x"}).status_code == 403
    assert web.api.snapshot() == before
    r = web.post("cs_agent", f"{url}/authorise", {"override": "yes", "note": "loyal customer"})
    assert r.status_code == 303
    page = web.get("warehouse", url)
    line = _return(web, f"RMA-{rid}")["lines"][0]["id"]
    assert 'id="receive-form"' in page.text and 'id="inspect-form"' not in page.text
    r = web.post("warehouse", f"{url}/receive", {"warehouse": "FAR", "lines[0].line_id": str(line),
                                                 "lines[0].qty": "3"})
    assert r.status_code == 422 and 'id="err-lines-0-qty">3 is more than the 1 authorised units' in r.text
    assert web.post("warehouse", f"{url}/receive", {"warehouse": "FAR", "lines[0].line_id": str(line),
                                                    "lines[0].qty": "1"}).status_code == 303
    page = web.get("warehouse", url)
    assert 'id="inspect-form"' in page.text
    r = web.post("warehouse", f"{url}/inspect", {"dispositions[0].line_id": str(line),
                                                 "dispositions[0].disposition": "scrap", "dispositions[0].qty": "2",
                                                 "dispositions[1].line_id": str(line),
                                                 "dispositions[1].disposition": "restock",
                                                 "dispositions[1].qty": ""})
    assert r.status_code == 422 and 'id="err-dispositions-0-qty">2 units but only 1 received' in r.text
    r = web.post("warehouse", f"{url}/inspect", {"dispositions[0].line_id": str(line),
                                                 "dispositions[0].disposition": "melt", "dispositions[0].qty": "1"})
    assert r.status_code == 422 and 'id="err-dispositions-0-disposition">one of' in r.text
    assert web.post("warehouse", f"{url}/inspect", {"dispositions[0].line_id": str(line),
                                                    "dispositions[0].disposition": "scrap",
                                                    "dispositions[0].qty": "1"}).status_code == 303
    stock = web.get("warehouse", "/nonsellable-stock?warehouse=FAR")
    assert re.search(r"<td>FAR</td><td>SKU-C</td><td>scrap</td><td class=\"num\">1</td>", stock.text)
    assert web.get("cust1", "/nonsellable-stock").status_code == 403
    r = web.post("cs_agent", f"{url}/resolve", {"resolution": "refund", "refund_method": ""})
    assert r.status_code == 422 and 'id="err-refund_method">a refund needs a method and a reference' in r.text
    r = web.post("cs_agent", f"{url}/resolve", {"resolution": "replacement"})
    assert r.status_code == 303 and "Resolved" in web.get("cs_agent", r.headers["location"]).text
    ret = _return(web, f"RMA-{rid}")
    assert (ret["status"], ret["resolution"]) == ("resolved", "replacement") and ret["replacement_order"]
    page = web.get("cust1", url)
    assert ret["replacement_order"] in page.text and "warehouse-user" not in page.text
    assert "cs_agent-user" not in page.text
    panel = web.get("cs_agent", f"/orders/SO-{order_id:07d}").text.split('data-panel="returns"')[1]
    assert f"RMA-{rid:07d}" in panel and "resolved" in panel


def test_the_returns_list_filters_by_status_reason_and_warehouse(goods):
    web, order_id = goods
    requested, authorised = return_at(web.env, order_id, "requested"), return_at(web.env, order_id, "authorised")

    def listed(who: str, q: str = "") -> list[str]:
        return re.findall(r'href="/returns/(RMA-\d+)"', web.get(who, f"/returns{q}").text)

    assert set(listed("cs_agent")) == {f"RMA-{requested:07d}", f"RMA-{authorised:07d}"}
    assert listed("cs_agent", "?status=authorised") == [f"RMA-{authorised:07d}"]
    assert listed("warehouse", "?warehouse=FAR") == [f"RMA-{authorised:07d}"]  # decided: goods come back to FAR
    assert listed("cs_agent", "?reason=not_needed") == []
    assert len(listed("cs_agent", "?reason=damaged&customer=CUST1")) == 2
    bad = web.get("cs_agent", "/returns?status=lost")
    assert bad.status_code == 200 and 'id="err-status"' in bad.text
    assert listed("cust1") and listed("cust2") == []
