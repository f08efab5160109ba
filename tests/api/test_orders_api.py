"""Orders and quotes through HTTP: place, read, list, cancel, release credit, quote and convert."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.api.conftest import assert_error, order_body
from tests.factories import add_customer

ORDERS = "/api/v1/orders"


def stock_of(api, warehouse: str, sku: str) -> dict:
    r = api.get("warehouse", "/api/v1/stock", params={"sku": sku, "warehouse": warehouse})
    assert r.status_code == 200, r.text
    (item,) = r.json()["items"]
    return item


def test_place_order_returns_201_with_promises_location_lines_and_timeline(api):
    r = api.post("cs_agent", ORDERS, json=order_body(lines=[("SKU-A", 3), ("SKU-B", 2)], customer_po="PO-77"))

    assert r.status_code == 201, r.text
    o = r.json()
    assert r.headers["location"] == f"/api/v1/orders/{o['id']}"
    assert o["number"] == f"SO-{o['id']:07d}"
    assert (o["customer"], o["customer_name"], o["ship_to"]) == ("CUST1", "Customer CUST1", "MAIN")
    assert (o["status"], o["credit_hold"], o["channel"], o["customer_po"]) == ("allocated", False, "api", "PO-77")
    assert o["created_by"] == "cs_agent-user"
    assert Decimal(o["total_amount"]) == Decimal("50.00")
    # SKU-A from NEAR (1 day handling + 1 transit), SKU-B from MID (1 + 1): delivered Wednesday.
    assert o["promised_date"] == "2026-03-04"
    a, b = o["lines"]
    assert (a["line_no"], a["sku"], a["qty"], a["qty_promised"], a["qty_backordered"]) == (1, "SKU-A", 3, 3, 0)
    assert (b["line_no"], b["sku"], b["qty"], b["qty_promised"], b["qty_backordered"]) == (2, "SKU-B", 2, 2, 0)
    assert Decimal(a["unit_price"]) == Decimal("10.00") and Decimal(a["amount"]) == Decimal("30.00")
    assert (a["promised_ship_date"], a["promised_date"]) == ("2026-03-03", "2026-03-04")
    assert [(x["warehouse"], x["qty"], x["source"]) for x in a["allocations"]] == [("NEAR", 3, "stock")]
    assert [(x["warehouse"], x["qty"], x["source"]) for x in b["allocations"]] == [("MID", 2, "stock")]
    assert a["allocations"][0]["delivery_date"] == "2026-03-04"
    assert [e["kind"] for e in o["timeline"]] == ["placed", "status_changed"]
    assert o["timeline"][-1]["to_status"] == "allocated"
    assert all(e["actor"] == "cs_agent-user" for e in o["timeline"])
    # The reservation is real: the stock rows say so.
    assert (stock_of(api, "NEAR", "SKU-A")["reserved"], stock_of(api, "MID", "SKU-B")["reserved"]) == (3, 2)


def test_an_order_beyond_stock_is_partly_backordered_without_a_promised_date(api):
    o = api.place(lines=[("SKU-C", 30)])  # 20 in FAR, nothing expected

    assert o["status"] == "partially_allocated"
    (line,) = o["lines"]
    assert (line["qty_promised"], line["qty_backordered"], line["promised_date"]) == (20, 10, None)
    assert o["promised_date"] is None
    assert "backordered" in [e["kind"] for e in o["timeline"]]


def test_get_order_by_id_and_by_number(api):
    placed = api.place()

    by_id = api.get("cs_agent", f"{ORDERS}/{placed['id']}")
    by_number = api.get("cs_agent", f"{ORDERS}/SO-{placed['id']:07d}")
    short = api.get("finance", f"{ORDERS}/so-{placed['id']}")

    assert placed["number"] == "SO-0000001"
    for r in (by_id, by_number, short):
        assert r.status_code == 200, r.text
        assert r.json() == placed


def test_get_unknown_order_is_404(api):
    api.place()
    assert_error(api.get("cs_agent", f"{ORDERS}/SO-0000002"), 404, "order_not_found")
    assert_error(api.get("cs_agent", f"{ORDERS}/999999"), 404, "order_not_found")


def test_list_orders_with_filters(api):
    o1 = api.place(customer="CUST1", lines=[("SKU-A", 1)])
    o2 = api.place(customer="CUST2", lines=[("SKU-B", 1)])
    o3 = api.place(customer="CUST1", lines=[("SKU-A", 1), ("SKU-C", 1)])
    assert api.post("cs_agent", f"{ORDERS}/{o3['id']}/cancel", json={"reason": "dup"}).status_code == 200

    def ids(**params):
        r = api.get("manager", ORDERS, params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        assert page["total"] == len(page["items"])
        return [i["id"] for i in page["items"]]

    assert ids() == [o3["id"], o2["id"], o1["id"]]  # newest first
    assert ids(customer="CUST1") == [o3["id"], o1["id"]]
    assert ids(customer="CUST2") == [o2["id"]]
    assert ids(status="cancelled") == [o3["id"]]
    assert ids(status="allocated") == [o2["id"], o1["id"]]
    assert ids(sku="SKU-B") == [o2["id"]]
    assert ids(sku="SKU-A") == [o3["id"], o1["id"]]
    assert ids(sku="SKU-C", status="allocated") == []
    assert ids(customer="CUST1", sku="SKU-B") == []
    assert ids(placed_from="2026-03-02", placed_to="2026-03-02") == [o3["id"], o2["id"], o1["id"]]
    assert ids(placed_from="2026-03-03") == []
    item = api.get("manager", ORDERS, params={"customer": "CUST2"}).json()["items"][0]
    assert item == {"id": o2["id"], "number": o2["number"], "customer": "CUST2", "status": "allocated",
                    "channel": "api", "created_at": o2["created_at"], "promised_date": "2026-03-04",
                    "total_amount": "10.00"}


def test_list_orders_paginates_with_the_full_total(api):
    placed = [api.place(lines=[("SKU-A", 1)])["id"] for _ in range(5)]

    r = api.get("cs_agent", ORDERS, params={"limit": 2, "offset": 1})

    assert r.status_code == 200
    assert r.json()["total"] == 5
    assert [i["id"] for i in r.json()["items"]] == list(reversed(placed))[1:3]


def test_cancel_releases_the_reservation_and_records_the_reason(api):
    o = api.place(lines=[("SKU-A", 4)])
    assert stock_of(api, "NEAR", "SKU-A")["reserved"] == 4

    r = api.post("cs_agent", f"{ORDERS}/{o['number']}/cancel", json={"reason": "customer changed mind"})

    assert r.status_code == 200, r.text
    c = r.json()
    assert c["status"] == "cancelled"
    assert c["timeline"][-1]["to_status"] == "cancelled"
    assert c["timeline"][-1]["reason"] == "customer changed mind"
    assert all(ln["allocations"] == [] for ln in c["lines"])
    assert stock_of(api, "NEAR", "SKU-A") == {"warehouse": "NEAR", "sku": "SKU-A", "on_hand": 100, "reserved": 0,
                                               "available": 100}
    # A second cancel is a conflict, not a second release.
    assert_error(api.post("cs_agent", f"{ORDERS}/{o['id']}/cancel", json={}), 409, "not_cancellable",
                 field="status")
    assert stock_of(api, "NEAR", "SKU-A")["reserved"] == 0


def test_cancel_unknown_order_is_404(api):
    assert_error(api.post("cs_agent", f"{ORDERS}/42/cancel", json={}), 404, "order_not_found")


def test_release_credit_is_for_finance_only(api, env):
    add_customer(env, "CUST3", credit_limit=Decimal("5.00"))
    o = api.place(customer="CUST3", lines=[("SKU-A", 2)])
    assert (o["status"], o["credit_hold"]) == ("credit_hold", True)
    # The promise is held even while finance decides.
    assert o["lines"][0]["qty_promised"] == 2

    for who in ("cs_agent", "warehouse", "manager", "cust1"):
        r = api.post(who, f"{ORDERS}/{o['id']}/release-credit", json={"reason": "ok"})
        err = assert_error(r, 403, "forbidden")
        assert "release credit" in err["message"]
    assert api.get("cs_agent", f"{ORDERS}/{o['id']}").json()["status"] == "credit_hold"

    r = api.post("finance", f"{ORDERS}/{o['id']}/release-credit", json={"reason": "paid upfront"})

    assert r.status_code == 200, r.text
    released = r.json()
    assert (released["status"], released["credit_hold"]) == ("allocated", False)
    assert released["timeline"][-1]["from_status"] == "credit_hold"
    assert released["timeline"][-1]["reason"] == "paid upfront"
    assert released["timeline"][-1]["actor"] == "finance-user"
    # Releasing an order that is not on hold is a conflict.
    assert_error(api.post("finance", f"{ORDERS}/{o['id']}/release-credit", json={}), 409, "not_on_credit_hold")


def test_quote_create_get_and_convert(api):
    before = stock_of(api, "NEAR", "SKU-A")
    r = api.post("cs_agent", "/api/v1/quotes", json=order_body(lines=[("SKU-A", 5), ("SKU-C", 25)]))

    assert r.status_code == 201, r.text
    q = r.json()
    assert (q["number"], q["status"], q["customer"], q["order_id"]) == (f"QT-{q['id']:07d}", "open", "CUST1", None)
    assert q["valid_until"] == "2026-03-16"  # 14 days
    assert Decimal(q["total_amount"]) == Decimal("300.00")
    a, c = q["lines"]
    assert (a["sku"], a["qty"], a["atp_date"], a["ship_date"], a["delivery_date"]) == (
        "SKU-A", 5, "2026-03-02", "2026-03-03", "2026-03-04")
    assert c["sku"] == "SKU-C" and c["atp_date"] is None  # 25 > the 20 in stock: no date can be promised
    assert {"backordered": 5} in c["sources"]
    # A quote reserves nothing.
    assert stock_of(api, "NEAR", "SKU-A") == before

    for ref in (q["id"], q["number"], q["number"].lower()):
        got = api.get("cs_agent", f"/api/v1/quotes/{ref}")
        assert got.status_code == 200 and got.json() == q

    conv = api.post("cs_agent", f"/api/v1/quotes/{q['number']}/convert", json={"customer_po": "PO-Q"})

    assert conv.status_code == 201, conv.text
    o = conv.json()
    assert (o["quote_id"], o["customer_po"], o["customer"]) == (q["id"], "PO-Q", "CUST1")
    assert [(ln["sku"], ln["qty"], ln["unit_price"]) for ln in o["lines"]] == [
        ("SKU-A", 5, a["unit_price"]), ("SKU-C", 25, c["unit_price"])]
    assert o["status"] == "partially_allocated"
    assert stock_of(api, "NEAR", "SKU-A")["reserved"] == before["reserved"] + 5
    after = api.get("cs_agent", f"/api/v1/quotes/{q['id']}").json()
    assert (after["status"], after["order_id"]) == ("converted", o["id"])
    # Converting twice places no second order.
    assert_error(api.post("cs_agent", f"/api/v1/quotes/{q['id']}/convert", json={}), 409, "quote_not_open")
    assert api.get("cs_agent", ORDERS).json()["total"] == 1


def test_quote_keeps_its_prices_but_expires(api, env):
    q = api.quote()
    env.clock.advance(days=15)

    got = api.get("cs_agent", f"/api/v1/quotes/{q['id']}").json()
    r = api.post("cs_agent", f"/api/v1/quotes/{q['id']}/convert", json={})

    assert got["status"] == "expired"
    assert_error(r, 409, "quote_expired")
    assert api.get("cs_agent", ORDERS).json()["total"] == 0


def test_unknown_quote_is_404(api):
    assert_error(api.get("cs_agent", "/api/v1/quotes/QT-0000009"), 404, "quote_not_found")
    assert_error(api.post("cs_agent", "/api/v1/quotes/9/convert", json={}), 404, "quote_not_found")


def test_requested_date_is_kept_and_bounds_the_promise(api):
    o = api.place(requested_date="2026-03-20")

    assert o["requested_date"] == "2026-03-20"
    assert o["lines"][0]["requested_date"] == "2026-03-20"
    # Never promised earlier than asked for.
    assert date.fromisoformat(o["promised_date"]) == date(2026, 3, 20)
