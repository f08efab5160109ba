"""The invoice PDF (documents/invoice.py), read back as text. No database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ordercare.documents import invoice as invoice_doc
from ordercare.documents.invoice import invoice_pdf
from tests.unit.test_shipping_documents import pages, text_of

D = Decimal


def invoice(**overrides) -> dict:
    lines = [{"line_no": i, "kind": "goods", "order": f"SO-{i:07d}", "shipment": "SH-0000012", "sku": f"SKU-{i}",
              "description": f"Pump housing {i}, Kraków pattern", "qty": 10 * i, "unit_price": D("12.50"),
              "net_amount": D("12.50") * 10 * i, "tax_rate": D("21.00")} for i in range(1, 4)]
    lines.append({"line_no": 4, "kind": "freight", "order": None, "shipment": "SH-0000012", "sku": None,
                  "description": "Freight, shipment SH-0000012", "qty": None, "unit_price": None,
                  "net_amount": D("85.00"), "tax_rate": D("21.00")})
    values = {"number": "INV-0000042", "kind": "invoice", "status": "open", "customer": "C1005",
              "bill_to": {"name": "Łódź Werkstatt Sp. z o.o.", "street": "ul. Piotrkowska 104", "postal_code": "90-926",
                          "city": "Łódź", "country": "PL"},
              "issued_on": date(2026, 3, 2), "due_on": date(2026, 4, 1), "terms": "2/10 net 30",
              "discount_pct": D("2.00"), "discount_until": date(2026, 3, 12), "period_from": None, "period_to": None,
              "currency": "EUR", "net_amount": D("835.00"), "tax_amount": D("175.35"), "total": D("1010.35"),
              "credited": D("0.00"), "paid": D("0.00"), "discount_taken": D("0.00"), "open_amount": D("1010.35"),
              "tax": [{"rate": D("21.00"), "net": D("835.00"), "tax": D("175.35")}], "lines": lines,
              "cancel_reason": None}
    return values | overrides


@pytest.fixture(autouse=True)
def uncompressed(monkeypatch):
    monkeypatch.setattr(invoice_doc, "COMPRESS", False)


def test_the_invoice_prints_who_what_tax_and_how_to_pay():
    text = text_of(invoice_pdf(invoice()))
    for expected in ("INVOICE", "INV-0000042", "2026-03-02", "2026-04-01", "Łódź Werkstatt Sp. z o.o.",
                     "SKU-3", "Pump housing 3, Kraków pattern", "Freight, shipment SH-0000012", "1,010.35 EUR",
                     "Tax 21.00 % on 835.00", "175.35 EUR", "Terms: 2/10 net 30",
                     # 2 % of 1,010.35 = 20.207 -> 20.21 off: 990.14 settles it by the discount date.
                     "Pay 990.14 EUR by 2026-03-12 (2.00 % discount)"):
        assert expected in text, expected


def test_payments_and_cancellation_are_shown():
    paid = text_of(invoice_pdf(invoice(paid=D("990.14"), discount_taken=D("20.21"), open_amount=D("0.00"))))
    assert "−990.14 EUR" in paid and "−20.21 EUR" in paid and "0.00 EUR" in paid
    cancelled = text_of(invoice_pdf(invoice(status="cancelled", cancel_reason="wrong VAT number")))
    assert "cancelled (wrong VAT number)" in cancelled


def test_same_invoice_same_bytes_and_many_lines_make_pages():
    assert invoice_pdf(invoice()) == invoice_pdf(invoice())
    many = invoice(lines=[dict(invoice()["lines"][0], line_no=i) for i in range(1, 121)])
    printed = pages(invoice_pdf(many))
    assert len(printed) >= 2 and any("(continued)" in text for _, text in printed[1])
