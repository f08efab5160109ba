"""810 and billing exports over HTTP (SQLite and PostgreSQL): a partner set up and an 850 received through the API,
the order shipped, its invoice's 810 read back from the documents and sent again on demand; refusals are clear
and change nothing; invoices to CSV and Excel."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from ordercare.integrations.x12.envelopes import parse_interchange
from ordercare.integrations.x12.invoice import parse_810
from ordercare.integrations.x12.purchase_order import ItemId
from tests.api.access_integrations import interchange
from tests.api.conftest import assert_error
from tests.factories import carriers, shipment_at
from tests.services.test_edi_invoice import ship_released

V1 = "/api/v1"


@pytest.fixture
def partner(api):
    carriers(api.env)
    r = api.post("admin", f"{V1}/edi/partners", json={"code": "ACME", "customer": "CUST1", "isa_qualifier": "ZZ",
                                                       "isa_id": "ACMEBUY", "gs_id": "ACME"})
    assert r.status_code == 201, r.text
    return api


def _810(content: str):
    return parse_810(parse_interchange(content).groups[0].sets[0])


def test_an_edi_order_is_invoiced_by_810_and_sent_again_on_demand(partner):
    api = partner
    r = api.post("cs_agent", f"{V1}/edi/interchanges", content=interchange("PO-API"),
                 headers={"Content-Type": "text/plain"})
    assert r.status_code == 201 and r.json()["status"] == "accepted", r.text
    ship_released(api.env)
    [inv] = api.get("finance", f"{V1}/invoices", params={"customer": "CUST1"}).json()["items"]
    docs = api.get("cs_agent", f"{V1}/edi/documents", params={"set": "810"}).json()["items"]
    assert [(d["direction"], d["invoice"], d["partner"]) for d in docs] == [("out", inv["number"], "ACME")]
    sent = _810(api.get("cs_agent", f"{V1}/edi/documents/{docs[0]['id']}").json()["content"])
    [item] = sent.items
    assert (sent.number, sent.purpose, sent.total) == (inv["number"], "00", Decimal(inv["total"]))
    assert (item.line_id, item.qty, item.item_ids, item.po_number) == ("1", 1, (ItemId("VP", "SKU-A"),), "PO-API")
    again = api.post("manager", f"{V1}/invoices/{inv['number']}/edi/810")
    assert again.status_code == 201, again.text
    body = again.json()
    assert (body["set"], body["invoice"], body["direction"]) == ("810", inv["number"], "out")
    assert _810(body["content"]).purpose == "07" and _810(body["content"]).items == sent.items


def test_refusals_are_clear_and_change_nothing(partner):
    api = partner
    shipment_at(api.env, "NEAR", [("SKU-A", 2)], "shipped", customer="CUST2")
    [other] = api.get("finance", f"{V1}/invoices", params={"customer": "CUST2"}).json()["items"]
    before = api.snapshot()
    assert_error(api.post("cs_agent", f"{V1}/invoices/{other['number']}/edi/810"), 422, "no_trading_partner",
                 field="invoice")
    assert_error(api.post("cs_agent", f"{V1}/invoices/NOPE/edi/810"), 404, "invoice_not_found", field="invoice")
    assert_error(api.post("cs_agent", f"{V1}/invoices/INV-0009999/edi/810"), 404, "invoice_not_found")
    assert_error(api.post("finance", f"{V1}/invoices/{other['number']}/edi/810"), 403, "forbidden")
    assert_error(api.get("admin", f"{V1}/exports/invoices", params={"status": "late"}), 422, "unknown_status",
                 field="status")
    assert_error(api.get("admin", f"{V1}/exports/invoice"), 422, "unknown_export", field="export")
    assert api.snapshot() == before


def test_invoices_export_as_csv_and_excel(partner):
    api = partner
    shipment_at(api.env, "NEAR", [("SKU-A", 2)], "shipped")
    shipment_at(api.env, "NEAR", [("SKU-A", 3)], "shipped", customer="CUST2")
    r = api.get("cust1", f"{V1}/exports/invoices")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="invoices.csv"'
    [row] = list(csv.DictReader(io.StringIO(r.text)))
    [inv] = api.get("cust1", f"{V1}/invoices").json()["items"]
    assert (row["invoice"], row["customer"], row["total"], row["status"]) == (inv["number"], "CUST1", inv["total"],
                                                                              "open")
    x = api.get("finance", f"{V1}/exports/invoices", params={"format": "xlsx"})
    assert x.status_code == 200 and x.content.startswith(b"PK")
    assert x.headers["content-type"].startswith("application/vnd.openxmlformats")
