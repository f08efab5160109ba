"""A database with records of every feature for the robustness tests (schema fuzzing, injection attempts), and
the values of those records by parameter name, so generated requests reach real records."""

from __future__ import annotations

from sqlalchemy import select

from ordercare.store.tables import metadata

# Path parameter -> the table whose ids it names.
ID_TABLES = {"order_ref": "orders", "quote_ref": "quotes", "case_ref": "cases", "return_ref": "returns",
             "invoice_ref": "invoices", "payment_ref": "payments", "credit_note_ref": "credit_notes",
             "shipment_id": "shipments", "receipt_id": "receipts", "subscription_id": "webhook_subscriptions",
             "installation_id": "installations", "delivery_id": "webhook_deliveries", "email_id": "email_messages",
             "pick_list_id": "pick_lists", "load_id": "loads", "document_id": "edi_documents",
             "dispute_id": "invoice_disputes", "survey_id": "surveys"}


def populate(api) -> None:
    """Orders and quotes of both customers, a purchase order, then every feature's isolation scene (the records
    the authorisation tests use: shipments, invoices, payments, cases, returns, webhooks, …)."""
    from tests.api.test_authorization import FEATURES

    for who, customer in (("cust1", "CUST1"), ("cs_agent", "CUST2")):
        api.place(who, customer=customer, lines=[("SKU-A", 1), ("SKU-B", 1)])
        api.quote(who, customer=customer)
    assert api.post("warehouse", "/api/v1/purchase-orders", json={
        "number": "PO-1", "supplier": "Acme", "warehouse": "FAR",
        "lines": [{"sku": "SKU-B", "qty": 10, "expected_date": "2026-03-20"}]}).status_code == 201
    for feature in FEATURES:
        if hasattr(feature, "isolation_scene"):
            feature.isolation_scene(api)


def known_values(api) -> dict[str, list]:
    """Values of the records that exist, by parameter name (codes of every kind, SKUs, ids)."""
    tables = metadata.tables
    out: dict[str, list] = {}
    with api.env.uow.read() as conn:
        codes = set()
        for t in tables.values():
            if "code" in t.c:
                codes |= set(conn.execute(select(t.c.code)).scalars())
        out["code"] = sorted(codes)
        out["sku"] = sorted(conn.execute(select(tables["products"].c.sku)).scalars())
        out["customer"] = sorted(conn.execute(select(tables["customers"].c.code)).scalars())
        out["warehouse"] = sorted(conn.execute(select(tables["warehouses"].c.code)).scalars())
        for name, table in ID_TABLES.items():
            if table in tables:
                ids = sorted(conn.execute(select(tables[table].c.id)).scalars())
                out[name] = [str(i) for i in ids] if name.endswith("_ref") else ids
    return {k: v for k, v in out.items() if v}
