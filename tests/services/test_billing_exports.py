"""Invoices, invoice lines, credit notes and payments to CSV and Excel through the file exporter (SQLite and
PostgreSQL): the figures are the documents' own, filters work, and a customer user exports its own account only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ordercare.domain.access import Actor, Role
from ordercare.domain.errors import Forbidden, ValidationFailed
from ordercare.services import billing_setup
from ordercare.services.billing_views import get_invoice, list_invoices
from ordercare.services.credit_notes import CreditLine, raise_credit_note
from ordercare.services.file_exports import ExportFilter, export, exporters
from ordercare.services.payments import PaymentIn, record_payment
from tests.factories import carriers, shipment_at, world
from tests.services.billing_helpers import customer_id

D = Decimal
BILLING_EXPORTS = ("invoices", "invoice_lines", "credit_notes", "payments")


@pytest.fixture
def books(env):
    """CUST1: two invoices (the second four days later), a credit note, a payment; CUST2: one of each."""
    world(env, customers=("CUST1", "CUST2"), stock={("NEAR", "SKU-A"): 100, ("NEAR", "SKU-B"): 100})
    carriers(env)
    billing_setup.set_tax_rate(env.uow, env.actor, rate=D("21"), name="standard")
    shipment_at(env, "NEAR", [("SKU-A", 3), ("SKU-B", 1)], "shipped")
    shipment_at(env, "NEAR", [("SKU-A", 5)], "shipped", customer="CUST2")
    env.clock.advance(days=4)
    shipment_at(env, "NEAR", [("SKU-B", 2)], "shipped")
    for code in ("CUST1", "CUST2"):
        raise_credit_note(env.uow, env.clock, env.actor, customer_id=customer_id(env, code), reason="goodwill",
                          source="service_recovery", currency="EUR",
                          lines=[CreditLine("Goodwill", D("5.00"), tax_rate=D("0"))])
        record_payment(env.uow, env.clock, env.actor, PaymentIn(
            customer=code, amount=D("10.00"), currency="EUR", received_on=env.clock.today(), method="bank_transfer",
            reference=f"BANK-{code}", auto_apply=False))
    return env


def rows(env, name: str, actor=None, **filters) -> list[dict[str, str]]:
    data, filename = export(env.uow, actor or env.actor, name, "csv", ExportFilter(**filters))
    assert filename == f"{name}.csv"
    return list(csv.DictReader(io.StringIO(data.decode())))


def test_invoices_carry_the_documents_own_figures(books):
    env = books
    out = rows(env, "invoices")
    listed = list_invoices(env.uow, env.clock, env.actor)["items"]
    assert [r["invoice"] for r in out] == sorted(i["number"] for i in listed)
    for r in out:
        inv = get_invoice(env.uow, env.clock, env.actor, int(r["invoice"][4:]))
        assert (r["customer"], r["status"], r["issued_on"], r["due_on"], r["terms"]) == (
            inv["customer"], inv["status"], inv["issued_on"].isoformat(), inv["due_on"].isoformat(), inv["terms"])
        assert [D(r[k]) for k in ("net_amount", "tax_amount", "total", "open_amount")] == [
            inv[k] for k in ("net_amount", "tax_amount", "total", "open_amount")]
        assert r["orders"].split() == sorted({ln["order"] for ln in inv["lines"] if ln["order"]})
        assert r["bill_to_name"] == f"Customer {inv['customer']}"
    lines = rows(env, "invoice_lines", customer="CUST1")
    first = get_invoice(env.uow, env.clock, env.actor, int(out[0]["invoice"][4:]))
    assert [(r["kind"], r["sku"], r["qty"], r["unit_price"], r["net_amount"]) for r in lines
            if r["invoice"] == first["number"]] == [
        (ln["kind"], ln["sku"] or "", str(ln["qty"] or ""), str(ln["unit_price"] or ""), str(ln["net_amount"]))
        for ln in first["lines"]]
    assert {r["kind"] for r in lines} == {"goods", "freight"}  # CUST1 is charged freight (the default)


def test_filters_on_customer_days_and_status(books):
    env = books
    today = env.clock.today()
    assert {r["customer"] for r in rows(env, "invoices", customer="CUST2")} == {"CUST2"}
    assert len(rows(env, "invoices", date_from=today)) == 1
    assert len(rows(env, "invoices", date_to=today - timedelta(days=1))) == 2
    assert rows(env, "invoices", status="paid") == [] and len(rows(env, "invoices", status="open")) == 3
    assert [r["reference"] for r in rows(env, "payments", status="posted")] == ["BANK-CUST1", "BANK-CUST2"]
    cn = rows(env, "credit_notes", customer="CUST1")
    assert [(r["customer"], r["source"], r["total"], r["unapplied"]) for r in cn] == [
        ("CUST1", "service_recovery", "5.00", "5.00")]
    for name, status, message in (("invoices", "late", "status: one of open, paid, cancelled"),
                                  ("payments", "open", "status: one of posted, reversed"),
                                  ("credit_notes", "open", "status: this export has no status to filter on")):
        with pytest.raises(ValidationFailed) as bad:
            rows(env, name, status=status)
        assert (bad.value.code, bad.value.field, bad.value.message) == ("unknown_status", "status", message)


def test_a_customer_user_exports_its_own_account_only(books):
    env = books
    cust1 = Actor(9, "cust1-user", Role.CUSTOMER, customer_id(env, "CUST1"))
    for name in (*BILLING_EXPORTS, "orders"):
        mine = rows(env, name, cust1)
        assert mine and {r["customer"] for r in mine} == {"CUST1"}, name
        # Another account's code filters to nothing, exactly as a code that does not exist.
        assert rows(env, name, cust1, customer="CUST2") == rows(env, name, cust1, customer="CUST9") == [], name
        assert rows(env, name, customer="CUST2"), name  # staff do see CUST2's rows
    with pytest.raises(Forbidden):  # what a customer may not read, it may not export either
        rows(env, "shipments", cust1)
    with pytest.raises(Forbidden):  # the warehouse exports, but does not read invoices
        rows(env, "invoices", Actor(8, "wh", Role.WAREHOUSE))


def test_excel_has_the_same_rows(books):
    env = books
    for name in BILLING_EXPORTS:
        assert name in exporters()
        data, filename = export(env.uow, env.actor, name, "xlsx", ExportFilter())
        sheet = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        assert filename == f"{name}.xlsx" and list(sheet[0]) == list(exporters()[name].columns)
        assert len(sheet) - 1 == len(rows(env, name))
    sheet = list(load_workbook(io.BytesIO(export(env.uow, env.actor, "invoices", "xlsx", ExportFilter())[0]))
                 .active.iter_rows(values_only=True))
    total = sheet[0].index("total")
    assert [D(str(r[total])).quantize(D("0.01")) for r in sheet[1:]] == [D(r["total"]) for r in rows(env, "invoices")]
