"""EDI and file import/export routes: EDI is for staff; a customer may import only its own orders file and
export only its own account's rows."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select

from ordercare.integrations.x12.envelopes import Party, build_interchange
from ordercare.integrations.x12.purchase_order import ItemId, POLine, PurchaseOrder, build_850
from ordercare.services import edi_partners as ep
from ordercare.services.edi_inbound import receive_interchange
from ordercare.services.shipment_views import list_carriers
from ordercare.store.billing_tables import invoice_lines
from tests.api.access import ALL, MASTER, V1, Action, denied, no_leak, staff_only
from tests.conftest import START
from tests.factories import carriers, shipment_at

EDI = frozenset({"admin", "manager", "cs_agent"})
INVOICE_EXPORTERS = frozenset({"admin", "manager", "cs_agent", "finance", "cust1"})
ORDER_IMPORTERS = frozenset({"admin", "manager", "cs_agent", "cust1"})


def interchange(po_number: str, control: int = 1) -> str:
    po = PurchaseOrder(po_number, date(2026, 3, 1), (POLine("1", 1, "EA", None, (ItemId("VP", "SKU-A"),)),))
    return build_interchange([("850", build_850(po))], sender=Party("ZZ", "ACMEBUY", "ACME"),
                             receiver=Party("ZZ", "ORDERCARE", "ORDERCARE"), control=control, at=START)


def orders_file(customer: str, ref: str = "R1") -> dict:
    return {"filename": "orders.csv", "content": f"order_ref,customer,sku,qty\n{ref},{customer},SKU-A,1\n"}


def c_import(api, s):
    before = api.snapshot()
    for params in ({"dry_run": "true"}, {}, {"valid_only": "true"}):
        r = api.post("cust1", f"{V1}/imports/orders", params=params, json=orders_file("CUST2"))
        missing = api.post("cust1", f"{V1}/imports/orders", params=params, json=orders_file("CUST9"))
        assert r.status_code in (200, 201, 422), r.text
        body = r.json() if r.status_code != 422 else r.json()["error"]["data"]
        [e] = body["errors"]
        assert (e["line"], e["column"], e["code"]) == (2, "customer", "unknown_customer")
        # The code it sent comes back, and nothing else: the answer is the one for a customer that does not exist.
        assert r.text.replace("CUST2", "X") == missing.text.replace("CUST9", "X")
        assert "Customer CUST2" not in r.text
    assert api.snapshot() == before
    denied(api, "POST", f"{V1}/imports/products", {"filename": "p.csv", "content": "sku\nX\n"})
    own = api.post("cust1", f"{V1}/imports/orders", json=orders_file("CUST1"))
    assert own.status_code == 201 and len(own.json()["created"]) == 1, own.text


def c_export(api, s):
    """A customer exports its own account's rows; another account's code answers as a code that does not exist."""
    period = {"date_from": "2026-01-01", "date_to": "2026-12-31"}
    for name in ("orders", "invoices", "invoice_lines", "credit_notes", "payments", "service_kpis"):
        r = api.get("cust1", f"{V1}/exports/{name}", params=period)
        assert r.status_code == 200, (name, r.text)
        no_leak(r)
        rows = list(csv.DictReader(io.StringIO(r.text)))
        if name != "service_kpis":
            assert {row["customer"] for row in rows} <= {"CUST1"}, (name, r.text)
            assert rows or name == "invoice_lines", name
            assert any(row["customer"] == "CUST2" for row in csv.DictReader(io.StringIO(
                api.get("admin", f"{V1}/exports/{name}", params=period).text))), name
        other = api.get("cust1", f"{V1}/exports/{name}", params={**period, "customer": "CUST2"})
        missing = api.get("cust1", f"{V1}/exports/{name}", params={**period, "customer": "CUST9"})
        assert other.status_code == missing.status_code, (name, other.text, missing.text)
        # The code it sent may come back (a report names it), and nothing else: the answer for a missing code.
        assert other.text.replace("CUST2", "X") == missing.text.replace("CUST9", "X"), name
    for name in ("shipments", "service_pareto"):  # what a customer may not read, it may not export
        denied(api, "GET", f"{V1}/exports/{name}?date_from=2026-01-01&date_to=2026-12-31")


CHECKS = {
    ("POST", f"{V1}/edi/interchanges"): staff_only("POST", "/edi/interchanges", {"content": interchange("X")}),
    ("GET", f"{V1}/edi/documents"): staff_only("GET", "/edi/documents"),
    ("GET", f"{V1}/edi/documents/{{document_id}}"): staff_only("GET", "/edi/documents/1"),
    ("POST", f"{V1}/orders/{{order_ref}}/edi/855"): staff_only("POST", "/orders/1/edi/855"),
    ("POST", f"{V1}/shipments/{{shipment_id}}/edi/856"): staff_only("POST", "/shipments/1/edi/856"),
    ("POST", f"{V1}/invoices/{{invoice_ref}}/edi/810"): staff_only("POST", "/invoices/1/edi/810"),
    ("GET", f"{V1}/edi/partners"): staff_only("GET", "/edi/partners"),
    ("POST", f"{V1}/edi/partners"): staff_only("POST", "/edi/partners", {
        "code": "SPY", "customer": "CUST2", "isa_qualifier": "ZZ", "isa_id": "SPY"}),
    ("GET", f"{V1}/edi/partners/{{code}}"): staff_only("GET", "/edi/partners/ACME"),
    ("PATCH", f"{V1}/edi/partners/{{code}}"): staff_only("PATCH", "/edi/partners/ACME", {"active": False}),
    ("POST", f"{V1}/edi/partners/{{code}}/items"): staff_only("POST", "/edi/partners/ACME/items", {
        "items": [{"kind": "BP", "value": "X", "sku": "SKU-A"}]}),
    ("DELETE", f"{V1}/edi/partners/{{code}}/items/{{kind}}/{{value}}"): staff_only(
        "DELETE", "/edi/partners/ACME/items/BP/X"),
    ("POST", f"{V1}/edi/partners/{{code}}/locations"): staff_only("POST", "/edi/partners/ACME/locations", {
        "code": "L", "ship_to": "MAIN"}),
    ("POST", f"{V1}/imports/{{kind}}"): c_import,
    ("GET", f"{V1}/exports/{{name}}"): c_export,
}


def actions() -> list[Action]:
    return [
        Action("receive interchange", EDI, "POST", "/edi/interchanges", {"content": interchange("PO-{who}")}),
        Action("read EDI documents", EDI, "GET", "/edi/documents"),
        Action("read an EDI document", EDI, "GET", "/edi/documents/{edi_doc}"),
        Action("855 out", EDI, "POST", "/orders/{order}/edi/855"),
        Action("856 out", EDI, "POST", "/shipments/{edi_shipped}/edi/856"),
        Action("810 out", EDI, "POST", "/invoices/{edi_invoice}/edi/810"),
        Action("read partners", EDI, "GET", "/edi/partners"),
        Action("read a partner", EDI, "GET", "/edi/partners/ACME"),
        Action("create partner", MASTER, "POST", "/edi/partners",
               {"code": "P-{who}", "customer": "CUST2", "isa_qualifier": "ZZ", "isa_id": "ID-{who}"}),
        Action("update partner", MASTER, "PATCH", "/edi/partners/ACME", {"usage": "P"}),
        Action("partner items", MASTER, "POST", "/edi/partners/ACME/items",
               {"items": [{"kind": "BP", "value": "B-{who}", "sku": "SKU-B"}]}),
        Action("remove partner item", MASTER, "DELETE", "/edi/partners/ACME/items/BP/DEL-1"),
        Action("partner location", MASTER, "POST", "/edi/partners/ACME/locations",
               {"code": "L-{who}", "ship_to": "MAIN"}),
        Action("import products", MASTER, "POST", "/imports/products", {
            "filename": "p.csv", "content": "sku,name,weight_kg,volume_m3,list_price,unit_cost\n"
                                            "IMP-{who},Bolt,1,0.01,2.00,1.00\n"}),
        Action("import orders", ORDER_IMPORTERS, "POST", "/imports/orders", orders_file("CUST1", "R-{who}")),
        Action("export orders", ALL, "GET", "/exports/orders?format=xlsx"),
        Action("export invoices", INVOICE_EXPORTERS, "GET", "/exports/invoices"),
    ]


def role_scene(env) -> dict[str, int]:
    """A trading partner for CUST1 with one interchange received, and a shipped (so invoiced) shipment of CUST1."""
    ep.create_partner(env.uow, env.clock, env.actor, ep.PartnerData("ACME", "CUST1", "ZZ", "ACMEBUY", "ACME"))
    ep.set_item_references(env.uow, env.actor, "ACME", [ep.ItemReference("BP", "DEL-1", "SKU-A")])
    doc = receive_interchange(env.uow, env.clock, env.settings, env.actor, interchange("PO-SCENE", control=900))
    if not list_carriers(env.uow, env.actor):
        carriers(env)
    shipped = shipment_at(env, "FAR", [("SKU-C", 1)], "shipped")
    with env.uow.read() as c:
        invoice = c.execute(select(invoice_lines.c.invoice_id).where(invoice_lines.c.shipment_id == shipped)).scalar()
    return {"edi_doc": doc["document_id"], "edi_shipped": shipped, "edi_invoice": invoice}
