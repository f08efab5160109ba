"""Shipping documents: the packing slip that travels in the parcel and the bill of lading
the carrier signs for. Both are built from one ShippingDocument and returned as PDF bytes.

The documents only print what they are given; the services decide what a shipment contains.
Numbers are printed as the warehouse reads them: weights in kg to two decimals, volumes in
m³ to three (a litre), quantities as whole units with thousands separators.

The same ShippingDocument gives the same bytes (the PDF creation date is the ship date), so a
reprint can be compared with the original.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from ._pdf import Column, DocumentPDF, fmt_decimal

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# Tests switch this off to read the page text in the PDF; compressed is a tenth of the size.
COMPRESS = True
# A description longer than this is cut (with an ellipsis) so that one line of goods cannot
# grow taller than a page; what is left still wraps within its column.
MAX_DESCRIPTION = 240


@dataclass(frozen=True)
class Party:
    name: str
    street: str
    postal_code: str
    city: str
    country: str


@dataclass(frozen=True)
class DocLine:
    sku: str
    description: str
    qty: int
    unit: str
    weight_kg: Decimal  # of the whole line (all qty units), not of one unit
    order_number: str
    customer_po: str | None = None


@dataclass(frozen=True)
class ShippingDocument:
    shipment_number: str
    ship_date: date
    shipper: Party  # also the issuer named at the top of both documents
    consignee: Party
    lines: tuple[DocLine, ...]
    carrier: str | None
    service: str | None
    mode: str | None
    tracking_number: str | None
    # Given, not summed from the lines: the shipment's weight includes pallets and packing.
    total_weight_kg: Decimal
    total_volume_m3: Decimal
    freight_terms: str = "prepaid"
    load_number: str | None = None
    vehicle: str | None = None
    stop_sequence: int | None = None
    special_instructions: str = ""


def packing_slip_pdf(doc: ShippingDocument) -> bytes:
    pdf = _start(doc, "Packing slip")
    pdf.boxes([
        ("Ship to", _party_lines(doc.consignee)),
        ("Shipment", [
            (f"Orders: {_orders_and_pos(doc.lines)}", False),
            (f"Carrier: {_joined(doc.carrier, doc.service)}", False),
            (f"Tracking no.: {_or_dash(doc.tracking_number)}", False),
        ]),
    ])
    pdf.lines_table(
        [Column("#", 4, "RIGHT"), Column("SKU", 17), Column("Description", 48),
         Column("Order", 15), Column("Qty", 9, "RIGHT"), Column("Unit", 7)],
        [(str(i), line.sku, _description(line), line.order_number, f"{line.qty:,}", line.unit)
         for i, line in enumerate(doc.lines, 1)],
    )
    pdf.totals([
        ("Lines", f"{len(doc.lines):,}"),
        ("Quantity", _quantities(doc.lines)),
        ("Gross weight", f"{fmt_decimal(doc.total_weight_kg, 2)} kg"),
        ("Volume", f"{fmt_decimal(doc.total_volume_m3, 3)} m³"),
    ])
    if doc.special_instructions.strip():
        pdf.note("Special instructions", doc.special_instructions.strip())
    pdf.signature_boxes(
        "Please check the goods against this list on receipt and report any difference to the "
        "shipper, quoting the shipment number.",
        [("Packed by", "Warehouse"), ("Checked by", "Warehouse"), ("Received by", "Consignee")],
        fields=("Name", "Signature", "Date"),
    )
    return bytes(pdf.output())


def bill_of_lading_pdf(doc: ShippingDocument) -> bytes:
    pdf = _start(doc, "Bill of lading")
    pdf.boxes([("Shipper", _party_lines(doc.shipper)), ("Consignee", _party_lines(doc.consignee))])
    pdf.field_grid([
        ("Carrier", _or_dash(doc.carrier)),
        ("Service", _or_dash(doc.service)),
        ("Mode", _or_dash(doc.mode)),
        ("Freight terms", doc.freight_terms),
        ("Tracking no.", _or_dash(doc.tracking_number)),
        ("Load no.", _or_dash(doc.load_number)),
        ("Vehicle", _or_dash(doc.vehicle)),
        ("Stop", _or_dash(None if doc.stop_sequence is None else str(doc.stop_sequence))),
    ], columns=4)
    pdf.lines_table(
        [Column("#", 4, "RIGHT"), Column("SKU", 15), Column("Description", 37),
         Column("Order / PO", 18), Column("Qty", 8, "RIGHT"), Column("Unit", 6),
         Column("Weight kg", 12, "RIGHT")],
        [(str(i), line.sku, _description(line), _order_ref(line), f"{line.qty:,}", line.unit,
          fmt_decimal(line.weight_kg, 2))
         for i, line in enumerate(doc.lines, 1)],
    )
    pdf.totals([
        ("Lines", f"{len(doc.lines):,}"),
        ("Quantity", _quantities(doc.lines)),
        ("Total gross weight", f"{fmt_decimal(doc.total_weight_kg, 2)} kg"),
        ("Total volume", f"{fmt_decimal(doc.total_volume_m3, 3)} m³"),
        ("Freight terms", doc.freight_terms),
    ])
    pdf.note("Special instructions", doc.special_instructions.strip() or "None.")
    pdf.signature_boxes(
        "Received by the carrier, subject to its conditions of carriage, the goods described above "
        "in apparent good order and condition except as noted. The consignee's signature confirms "
        "delivery of the goods in the same condition unless noted.",
        [("Shipper", "Goods handed over"), ("Carrier / driver", "Goods received for carriage"),
         ("Consignee", "Goods received in good order")],
    )
    return bytes(pdf.output())


def _start(doc: ShippingDocument, title: str) -> DocumentPDF:
    pdf = DocumentPDF(title=title, number=doc.shipment_number, issuer=doc.shipper.name,
                      ship_date=doc.ship_date, font_dir=FONT_DIR, compress=COMPRESS)
    pdf.add_page()
    shipper = doc.shipper
    pdf.first_page_heading(
        [text for text, _ in _party_lines(shipper)[1:]],
        [("Shipment no.", doc.shipment_number), ("Ship date", doc.ship_date.isoformat())],
    )
    return pdf


def _party_lines(party: Party) -> list[tuple[str, bool]]:
    lines = [(party.name, True), (party.street, False),
             (f"{party.postal_code} {party.city}".strip(), False), (party.country, False)]
    return [(text, bold) for text, bold in lines if text]


def _description(line: DocLine) -> str:
    text = " ".join(line.description.split())  # no stray line breaks or runs of spaces
    if len(text) <= MAX_DESCRIPTION:
        return text
    cut = text[:MAX_DESCRIPTION - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:-") + "…"


def _order_ref(line: DocLine) -> str:
    return f"{line.order_number}\nPO {line.customer_po}" if line.customer_po else line.order_number


def _orders_and_pos(lines: Iterable[DocLine]) -> str:
    """'SO-1 (PO 4500), SO-2' in the order the lines first name them."""
    pos: dict[str, list[str]] = {}
    for line in lines:
        seen = pos.setdefault(line.order_number, [])
        if line.customer_po and line.customer_po not in seen:
            seen.append(line.customer_po)
    return ", ".join(f"{order} (PO {', '.join(p)})" if p else order for order, p in pos.items()) or "none"


def _quantities(lines: Iterable[DocLine]) -> str:
    """Summed per unit: 12 pcs and 3 pallets do not add up to 15 of anything."""
    per_unit: dict[str, int] = {}
    for line in lines:
        per_unit[line.unit] = per_unit.get(line.unit, 0) + line.qty
    return " · ".join(f"{qty:,} {unit}" for unit, qty in per_unit.items()) or "0"


def _joined(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p) or _or_dash(None)


def _or_dash(text: str | None) -> str:
    return text or "—"  # the Helvetica fallback prints "-"
