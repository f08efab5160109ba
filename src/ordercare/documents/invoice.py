"""The invoice as PDF, on the page furniture of _pdf.py (the shipping documents' layer).

It prints the invoice as stored (services/billing_views.py `invoice_view`): lines, tax per rate, the
terms with the discount date and the amount that settles by then, what was credited and paid, what is
open. Same invoice, same bytes (the PDF creation date is the invoice date).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from ..domain.payment_terms import early_payment_discount
from ._pdf import Column, DocumentPDF, fmt_decimal

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
COMPRESS = True  # tests switch this off to read the text back
ISSUER = "Ordercare"


def _money(amount: Decimal, currency: str) -> str:
    return f"{fmt_decimal(Decimal(amount), 2)} {currency}"


def invoice_pdf(inv: dict[str, Any]) -> bytes:
    cur = inv["currency"]
    pdf = DocumentPDF(title="Invoice" if inv["kind"] == "invoice" else "Statement item", number=inv["number"],
                      issuer=ISSUER, ship_date=inv["issued_on"], font_dir=FONT_DIR, compress=COMPRESS)
    pdf.add_page()
    pdf.first_page_heading(["Accounts receivable"], [
        ("Invoice no.", inv["number"]), ("Invoice date", inv["issued_on"].isoformat()),
        ("Due date", inv["due_on"].isoformat()), ("Customer", inv["customer"])])
    bill = inv["bill_to"] or {}
    address = [(bill.get("name") or inv["customer"], True), (bill.get("street") or "", False),
               (f"{bill.get('postal_code') or ''} {bill.get('city') or ''}".strip(), False),
               (bill.get("country") or "", False)]
    pdf.boxes([("Bill to", [(text, bold) for text, bold in address if text]),
               ("Payment", [(line, False) for line in _payment_lines(inv)])])
    if inv["status"] == "cancelled":
        pdf.note("Cancelled", f"This invoice was cancelled ({inv['cancel_reason']}); nothing is owed on it.")
    rows = [(str(ln["line_no"]), ln["order"] or "", ln["shipment"] or "", ln["sku"] or "", ln["description"],
             f"{ln['qty']:,}" if ln["qty"] is not None else "",
             fmt_decimal(ln["unit_price"], 2) if ln["unit_price"] is not None else "",
             fmt_decimal(ln["tax_rate"], 2), fmt_decimal(ln["net_amount"], 2)) for ln in inv["lines"]]
    if rows:
        pdf.lines_table([Column("#", 4, "RIGHT"), Column("Order", 13), Column("Shipment", 14), Column("SKU", 13),
                         Column("Description", 34), Column("Qty", 7, "RIGHT"), Column("Unit price", 11, "RIGHT"),
                         Column("Tax %", 7, "RIGHT"), Column("Amount", 13, "RIGHT")], rows)
    totals = [("Net", _money(inv["net_amount"], cur))]
    totals += [(f"Tax {fmt_decimal(g['rate'], 2)} % on {fmt_decimal(g['net'], 2)}", _money(g["tax"], cur))
               for g in inv["tax"]]
    totals.append(("Total", _money(inv["total"], cur)))
    for label, key in (("Credited", "credited"), ("Paid", "paid"), ("Discount taken", "discount_taken")):
        if inv[key]:
            totals.append((label, "−" + _money(inv[key], cur)))
    totals.append(("Open", _money(inv["open_amount"], cur)))
    pdf.totals(totals, width=100)
    pdf.note("How to pay", f"Please quote {inv['number']} with your payment. Questions about this invoice: "
             "reply to the e-mail it came with, or dispute it in the customer portal.")
    return bytes(pdf.output())


def _payment_lines(inv: dict[str, Any]) -> list[str]:
    cur = inv["currency"]
    lines = [f"Terms: {inv['terms']}"]
    if inv["discount_until"] and inv["discount_pct"]:
        discount = early_payment_discount(Decimal(inv["total"]) - Decimal(inv["credited"]), inv["discount_pct"])
        lines.append(f"Pay {_money(Decimal(inv['total']) - Decimal(inv['credited']) - discount, cur)} by "
                     f"{inv['discount_until'].isoformat()} ({fmt_decimal(inv['discount_pct'], 2)} % discount)")
    lines.append(f"Net due {inv['due_on'].isoformat()}: {_money(inv['total'], cur)}")
    if inv["period_from"]:
        lines.append(f"Period: {inv['period_from'].isoformat()} to {inv['period_to'].isoformat()}")
    return lines
