"""810 Invoice: the heading (BIG, CUR, REF*VN, N1 bill-to and ship-to loops, ITD terms), one IT1 loop per buyer
line billed (TXI rate, PID description, and REF/N1 where the lines differ), and the summary (TDS totals, TXI per
tax rate, SAC charges such as freight, CTT).

Amounts: IT104 (unit price), TXI02 (tax) and TXI08 (the amount taxed) are decimal values (R); TDS01-04, SAC05 and
ITD08 have two implied decimals (N2: `1250` is 12.50), as the standard defines them.

What every line shares (the buyer's PO number, our order number, the ship-to) is written once in the heading
(BIG04, REF*VN, N1*ST); an invoice billing several orders or ship-tos carries them in each IT1 loop instead
(REF*PO, REF*VN, N1*ST). The parser reads both shapes into the same per-line values. Free text (names, street,
city, descriptions) is cut to the standard's maximum lengths.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .envelopes import TransactionSet
from .purchase_order import ItemId, item_id_elements, read_item_ids
from .syntax import Reader, Segment, X12Error, d8, implied_cents, number

PURPOSES = {"00": "original", "01": "cancellation", "07": "duplicate"}  # BIG08
INVOICE_TYPES = {"DI": "debit invoice", "CR": "credit memo"}  # BIG07
TERMS_TYPES = {"01": "basic", "05": "discount not applicable", "08": "basic discount offered"}  # ITD01
INVOICE_DATE_BASIS = "3"  # ITD02: terms run from the invoice date
VAT = "VA"  # TXI01: value added tax
FREIGHT = "D240"  # SAC02
SELLER_ASSIGNED, BUYER_ASSIGNED = "91", "92"  # N103


@dataclass(frozen=True)
class Location:
    """An N1 party named by code: N103 says whose code it is (91 ours, 92 the buyer's)."""

    name: str
    qualifier: str
    code: str


@dataclass(frozen=True)
class BillTo:
    name: str
    code: str  # our customer code
    street: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(frozen=True)
class InvoiceItem:
    line_id: str  # the buyer's PO1 line number when the order came by EDI, else our line number
    qty: int
    unit: str
    unit_price: Decimal
    item_ids: tuple[ItemId, ...]
    description: str
    tax_rate: Decimal  # percent
    po_number: str
    order_number: str
    ship_to: Location | None = None

    @property
    def amount(self) -> Decimal:
        return self.qty * self.unit_price


@dataclass(frozen=True)
class Charge:
    code: str  # SAC02: D240 freight
    amount: Decimal
    description: str


@dataclass(frozen=True)
class TaxTotal:
    rate: Decimal  # percent
    basis: Decimal  # the net amount taxed at this rate
    amount: Decimal


@dataclass(frozen=True)
class InvoiceTerms:
    description: str  # our terms code, e.g. "2/10 net 30"
    net_days: int
    due_on: date
    discount_pct: Decimal = Decimal(0)
    discount_days: int | None = None
    discount_until: date | None = None
    discount_amount: Decimal = Decimal(0)  # pct of the total, rounded half-up

    @property
    def has_discount(self) -> bool:
        return self.discount_pct > 0


@dataclass(frozen=True)
class EdiInvoice:
    number: str
    invoice_date: date
    po_date: date | None  # BIG03: the buyer's PO date, when the invoice bills one order
    currency: str
    bill_to: BillTo
    terms: InvoiceTerms
    items: tuple[InvoiceItem, ...]
    charges: tuple[Charge, ...]
    taxes: tuple[TaxTotal, ...]
    total: Decimal
    purpose: str = "00"
    kind: str = "DI"


def _cut(text: str, most: int) -> str:
    """Free text cut to the element's maximum length in the standard (a translator refuses longer values)."""
    return text[:most].rstrip()


def _shared(values: Iterable[Any]) -> Any:
    """The value every line has, or None when they differ."""
    found = set(values)
    return found.pop() if len(found) == 1 else None


def _itd(t: InvoiceTerms) -> list[object]:
    if t.has_discount:
        return ["08", INVOICE_DATE_BASIS, number(t.discount_pct), d8(t.discount_until), t.discount_days,
                d8(t.due_on), t.net_days, implied_cents(t.discount_amount), "", "", "", _cut(t.description, 80)]
    return ["05", INVOICE_DATE_BASIS, "", "", "", d8(t.due_on), t.net_days, "", "", "", "", _cut(t.description, 80)]


def build_810(inv: EdiInvoice) -> list[tuple[str, list[object]]]:
    po, order = _shared(i.po_number for i in inv.items), _shared(i.order_number for i in inv.items)
    ship_to = _shared(i.ship_to for i in inv.items)
    b = inv.bill_to
    out: list[tuple[str, list[object]]] = [
        ("BIG", [d8(inv.invoice_date), inv.number, d8(inv.po_date), po or "", "", "", inv.kind, inv.purpose]),
        ("CUR", ["SE", inv.currency])]
    if order:
        out.append(("REF", ["VN", order]))
    out.append(("N1", ["BT", _cut(b.name, 60), SELLER_ASSIGNED, b.code]))
    if b.street:
        out.append(("N3", [_cut(b.street, 55)]))
    if b.city or b.postal_code or b.country:
        out.append(("N4", [_cut(b.city, 30), "", _cut(b.postal_code, 15), b.country]))
    if ship_to:
        out.append(("N1", ["ST", _cut(ship_to.name, 60), ship_to.qualifier, ship_to.code]))
    out.append(("ITD", _itd(inv.terms)))
    for it in inv.items:
        out += [("IT1", [it.line_id, it.qty, it.unit, number(it.unit_price), "", *item_id_elements(it.item_ids)]),
                ("TXI", [VAT, "", number(it.tax_rate)])]
        if it.description:
            out.append(("PID", ["F", "", "", "", _cut(it.description, 80)]))
        if po is None:
            out.append(("REF", ["PO", it.po_number]))
        if order is None:
            out.append(("REF", ["VN", it.order_number]))
        if ship_to is None and it.ship_to:
            out.append(("N1", ["ST", _cut(it.ship_to.name, 60), it.ship_to.qualifier, it.ship_to.code]))
    t = inv.terms
    discounted = [implied_cents(inv.total), implied_cents(inv.total - t.discount_amount),
                  implied_cents(t.discount_amount)] if t.has_discount else []
    out.append(("TDS", [implied_cents(inv.total), *discounted]))
    for tax in inv.taxes:
        out.append(("TXI", [VAT, number(tax.amount), number(tax.rate), "", "", "", "", number(tax.basis)]))
    for c in inv.charges:
        out.append(("SAC", ["C", c.code, "", "", implied_cents(c.amount), *[""] * 9, _cut(c.description, 80)]))
    out.append(("CTT", [len(inv.items), sum(i.qty for i in inv.items)]))
    return out


# --- reading -------------------------------------------------------------------------------------------------------

def _days(r: Reader, n: int, what: str) -> int:
    days = r.decimal(n, what, required=True)
    if days < 0 or days != days.to_integral_value():
        raise X12Error(f"{what} '{r.seg.get(n)}' is not a whole number of days", segment=r.seg, element=n,
                       element_code="6")
    return int(days)


def _terms(r: Reader) -> InvoiceTerms:
    kind = r.code(1, "terms type", TERMS_TYPES)
    discount = kind == "08"
    return InvoiceTerms(
        description=r.text(12, "terms description"), net_days=_days(r, 7, "net days"),
        due_on=r.date(6, "net due date", required=True),
        discount_pct=r.decimal(3, "discount percent", required=discount) or Decimal(0),
        discount_days=_days(r, 5, "discount days") if discount else None,
        discount_until=r.date(4, "discount due date", required=discount),
        discount_amount=r.cents(8, "discount amount") or Decimal(0))


def _item(r: Reader) -> dict[str, Any]:
    price = r.decimal(4, "unit price", required=True)
    if price < 0:
        raise X12Error(f"unit price must not be negative, got {price}", segment=r.seg, element=4, element_code="6")
    return {"line_id": r.text(1, "line number", required=True), "qty": r.count(2, "quantity invoiced"),
            "unit": r.text(3, "unit", required=True), "unit_price": price, "item_ids": read_item_ids(r, 6),
            "description": "", "tax_rate": Decimal(0), "po_number": None, "order_number": None, "ship_to": None}


def parse_810(ts: TransactionSet) -> EdiInvoice:
    head: dict[str, Any] = {}
    shared: dict[str, Any] = {"po_number": "", "order_number": "", "ship_to": None}
    bill: dict[str, str] = {}
    items: list[dict[str, Any]] = []
    charges: list[Charge] = []
    taxes: list[TaxTotal] = []
    party, tds, ctt = "", None, None
    for seg in ts.body:
        r, tag = Reader(seg), seg.tag
        here = items[-1] if items else shared
        if tag == "BIG":
            head.update(invoice_date=r.date(1, "invoice date", required=True),
                        number=r.text(2, "invoice number", required=True), po_date=r.date(3, "purchase order date"),
                        kind=r.code(7, "transaction type", INVOICE_TYPES, required=False) or "DI",
                        purpose=r.code(8, "purpose", PURPOSES, required=False) or "00")
            shared["po_number"] = r.text(4, "purchase order number")
        elif not head:
            raise X12Error("BIG must be the first segment of an 810", segment=seg, segment_code="2")
        elif tag == "CUR":
            head["currency"] = r.text(2, "currency", required=True)
        elif tag == "REF" and r.text(1, "qualifier") in ("PO", "VN"):
            here["po_number" if r.text(1, "qualifier") == "PO" else "order_number"] = r.text(2, "reference",
                                                                                           required=True)
        elif tag == "N1":
            party = r.text(1, "entity identifier", required=True)
            if party == "BT":
                bill.update(name=r.text(2, "name"), code=r.text(4, "identification code"))
            elif party == "ST":
                here["ship_to"] = Location(r.text(2, "name"), r.text(3, "identification code qualifier"),
                                           r.text(4, "identification code", required=True))
        elif tag == "N3" and party == "BT":
            bill["street"] = r.text(1, "address")
        elif tag == "N4" and party == "BT":
            bill.update(city=r.text(1, "city"), postal_code=r.text(3, "postal code"), country=r.text(4, "country"))
        elif tag == "ITD":
            head["terms"] = _terms(r)
        elif tag == "IT1":
            party = ""
            items.append(_item(r))
        elif tag == "TXI" and tds is None and items:
            items[-1]["tax_rate"] = r.decimal(3, "tax percent", required=True)
        elif tag == "PID" and items:
            items[-1]["description"] = r.text(5, "description")
        elif tag == "TDS":
            tds = seg
            head["total"] = r.cents(1, "total invoice amount", required=True)
        elif tag == "TXI" and tds is not None:
            taxes.append(TaxTotal(r.decimal(3, "tax percent", required=True),
                                  r.decimal(8, "amount taxed", required=True), r.decimal(2, "tax amount", required=True)))
        elif tag == "SAC":
            r.code(1, "allowance or charge indicator", {"C"})
            charges.append(Charge(r.text(2, "charge code", required=True), r.cents(5, "amount", required=True),
                                  r.text(15, "description")))
        elif tag == "CTT":
            ctt = seg
    return _checked(ts, head, shared, bill, items, charges, taxes, tds, ctt)


def _checked(ts: TransactionSet, head: dict[str, Any], shared: dict[str, Any], bill: dict[str, str],
             items: list[dict[str, Any]], charges: list[Charge], taxes: list[TaxTotal], tds: Segment | None,
             ctt: Segment | None) -> EdiInvoice:
    first = ts.segments[0]
    if not head:
        raise X12Error("the 810 has no BIG segment", segment=first, segment_code="3")
    for needed, what in (("currency", "CUR"), ("terms", "ITD")):
        if needed not in head:
            raise X12Error(f"the 810 has no {what} segment", segment=first, segment_code="3")
    if not items:
        raise X12Error("the invoice has no IT1 line", segment=first, segment_code="3")
    if tds is None:
        raise X12Error("the 810 has no TDS segment", segment=first, segment_code="3")
    lines = tuple(InvoiceItem(**{**it, **{k: it[k] if it[k] is not None else shared[k]
                                          for k in ("po_number", "order_number", "ship_to")}}) for it in items)
    summed = sum((i.amount for i in lines), Decimal(0)) + sum((c.amount for c in charges), Decimal(0)) \
        + sum((t.amount for t in taxes), Decimal(0))
    if summed != head["total"]:
        raise X12Error(f"total invoice amount {head['total']} is not the lines, charges and tax: {summed}",
                       segment=tds, element=1, element_code="6")
    if ctt is not None:
        r = Reader(ctt)
        if r.count(1, "number of line items") != len(lines):
            raise X12Error(f"counts {ctt.get(1)} line items, the invoice has {len(lines)}", segment=ctt, element=1,
                           element_code="6")
        hashed = r.decimal(2, "hash total")
        if hashed is not None and hashed != sum(i.qty for i in lines):
            raise X12Error(f"hash total {hashed} is not the sum of the quantities invoiced", segment=ctt, element=2,
                           element_code="6")
    return EdiInvoice(bill_to=BillTo(**bill) if bill else BillTo("", ""), items=lines, charges=tuple(charges),
                      taxes=tuple(taxes), **head)
