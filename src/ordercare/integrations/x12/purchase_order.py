"""850 Purchase Order: BEG, DTM, N1 (ship-to) loop, PO1 loop with its DTM, CTT.

Segments Ordercare does not use (CUR, REF, PER, FOB, ITD, TD5, PID, AMT, …) are read past, as trading
partners send many optional ones; the segments it does use are checked element by element.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .envelopes import TransactionSet
from .syntax import Reader, Segment, X12Error, d8, number

# Item identifier qualifiers (PO106, PO108, …) and what Ordercare reads them as.
ITEM_QUALIFIERS = {
    "VP": "VP", "VN": "VP",  # vendor's (our) part number: the SKU itself
    "BP": "BP", "IN": "BP",  # buyer's part number: through the partner's cross-reference
    "UP": "UP", "UK": "UP", "EN": "UP", "UA": "UP",  # UPC / GTIN / EAN: through the cross-reference, as GTIN-14
}
# Units of measure (PO103) and the product units they mean.
UNITS = {"EA": "ea", "BX": "box", "CA": "case", "PK": "pack", "PR": "pair", "ST": "set", "RL": "roll", "KG": "kg",
         "LB": "lb", "MR": "m", "LT": "l", "DZ": "dozen", "PL": "pallet"}
PURPOSES = {"00": "original"}
DELIVERY_REQUESTED = "002"


def gtin(value: str) -> str:
    """UPC-A (12), EAN-13 and GTIN-14 of one item compare equal as 14 digits."""
    return value.zfill(14) if value.isdigit() and len(value) <= 14 else value


@dataclass(frozen=True)
class ItemId:
    qualifier: str  # as sent (BP, VP, UP, …)
    value: str

    @property
    def kind(self) -> str:
        """BP, VP or UP."""
        return ITEM_QUALIFIERS[self.qualifier]

    @property
    def key(self) -> str:
        return gtin(self.value) if self.kind == "UP" else self.value


def item_id_elements(item_ids: tuple[ItemId, ...]) -> list[str]:
    """Item ids as the alternating qualifier and value elements of PO1, ACK's PO1 echo, LIN and IT1."""
    return [v for i in item_ids for v in (i.qualifier, i.value)]


def read_item_ids(r: Reader, first: int) -> tuple[ItemId, ...]:
    """The qualifier/value pairs from element `first` on, as item_id_elements writes them (outbound sets)."""
    return tuple(ItemId(r.code(n, "product id qualifier", ITEM_QUALIFIERS), r.text(n + 1, "product id"))
                 for n in range(first, len(r.seg.elements) + 1, 2) if r.text(n, "product id qualifier"))


@dataclass(frozen=True)
class POLine:
    line_id: str  # PO101, echoed back in 855 and 856
    qty: int
    unit: str  # X12 unit code (PO103)
    unit_price: Decimal | None
    item_ids: tuple[ItemId, ...]
    requested_date: date | None = None
    position: int = field(default=0, compare=False)  # PO1's segment number in the interchange


@dataclass(frozen=True)
class ShipToParty:
    name: str
    qualifier: str  # N103: 92 assigned by buyer, 91 by seller, UL GLN, ZZ mutually defined
    code: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class PurchaseOrder:
    number: str  # BEG03: the customer's PO number
    date: date  # BEG05
    lines: tuple[POLine, ...]
    ship_to: ShipToParty | None = None
    requested_date: date | None = None  # DTM*002 at header level
    purpose: str = "00"
    order_type: str = "SA"  # BEG02: SA stand-alone, NE new, …


def parse_850(ts: TransactionSet) -> PurchaseOrder:
    beg: Segment | None = None
    po: dict = {"requested_date": None, "ship_to": None}
    lines: list[POLine] = []
    party: str | None = None  # the N1 loop we are in
    ctt: Segment | None = None
    for seg in ts.body:
        r = Reader(seg)
        if seg.tag == "BEG":
            if beg is not None:
                raise X12Error("BEG appears twice", segment=seg, segment_code="5")
            beg = seg
            po["purpose"] = r.code(1, "purpose", PURPOSES)
            po["order_type"] = r.text(2, "order type", required=True, max_len=2)
            po["number"] = r.text(3, "purchase order number", required=True, max_len=60)
            po["date"] = r.date(5, "purchase order date", required=True)
        elif beg is None:
            raise X12Error("BEG must be the first segment of an 850", segment=seg, segment_code="2")
        elif seg.tag == "N1":
            party = r.text(1, "entity identifier", required=True)
            if party == "ST":
                if po["ship_to"] is not None:
                    raise X12Error("a second ship-to party (N1*ST)", segment=seg, segment_code="5")
                qualifier = r.text(3, "identification code qualifier")
                code = r.text(4, "ship-to identification code", required=bool(qualifier), max_len=80)
                if code and not qualifier:
                    raise X12Error("identification code qualifier is missing", segment=seg, element=3,
                                   element_code="1")
                po["ship_to"] = ShipToParty(r.text(2, "name", max_len=200), qualifier, code, seg.position)
        elif seg.tag == "PO1":
            party = None
            lines.append(_po1(seg, len(lines) + 1, lines))
        elif seg.tag == "DTM" and r.text(1, "date qualifier", required=True) == DELIVERY_REQUESTED:
            when = r.date(2, "requested delivery date", required=True)
            if lines:  # inside a PO1 loop: that line's date
                lines[-1] = POLine(**{**lines[-1].__dict__, "requested_date": when})
            elif party is None:
                po["requested_date"] = when
        elif seg.tag == "CTT":
            ctt = seg
    if beg is None:
        raise X12Error("the 850 has no BEG segment", segment=ts.segments[0], segment_code="3")
    if not lines:
        raise X12Error("the purchase order has no PO1 line", segment=beg, segment_code="3")
    if ctt is not None:
        declared = Reader(ctt).count(1, "number of line items")
        if declared != len(lines):
            raise X12Error(f"counts {declared} line items, the purchase order has {len(lines)}", segment=ctt,
                           element=1, element_code="6")
    return PurchaseOrder(lines=tuple(lines), **po)


def _po1(seg: Segment, index: int, earlier: list[POLine]) -> POLine:
    r = Reader(seg)
    line_id = r.text(1, "line number", max_len=20) or str(index)
    if any(ln.line_id == line_id for ln in earlier):
        raise X12Error(f"line number '{line_id}' is used twice", segment=seg, element=1, element_code="7",
                       value=line_id)
    qty = r.count(2, "quantity")
    unit = r.text(3, "unit of measure", required=True, max_len=2)
    price = r.decimal(4, "unit price")
    if price is not None and price < 0:
        raise X12Error(f"unit price must not be negative, got {price}", segment=seg, element=4, element_code="6")
    ids: list[ItemId] = []
    for n in range(6, len(seg.elements) + 1, 2):
        qualifier = r.text(n, "product id qualifier")
        value = r.text(n + 1, "product id", max_len=80)
        if not qualifier and not value:
            continue
        if qualifier not in ITEM_QUALIFIERS:
            raise X12Error(f"product id qualifier '{qualifier}' is not supported (BP, IN, VP, VN, UP, UK, EN)",
                           segment=seg, element=n, element_code="7", value=qualifier)
        if not value:
            raise X12Error(f"product id for qualifier '{qualifier}' is missing", segment=seg, element=n + 1,
                           element_code="1")
        ids.append(ItemId(qualifier, value))
    if not ids:
        raise X12Error("the line names no product (PO106/PO107 with BP, VP or UP)", segment=seg, element=6,
                       element_code="1")
    return POLine(line_id, qty, unit, price, tuple(ids), None, seg.position)


def build_850(po: PurchaseOrder) -> list[tuple[str, list[object]]]:
    """The body of an 850 (what a buyer sends; used by tests and sample files)."""
    out: list[tuple[str, list[object]]] = [("BEG", [po.purpose, po.order_type, po.number, "", d8(po.date)])]
    if po.requested_date:
        out.append(("DTM", [DELIVERY_REQUESTED, d8(po.requested_date)]))
    if po.ship_to:
        out.append(("N1", ["ST", po.ship_to.name, po.ship_to.qualifier, po.ship_to.code]))
    for ln in po.lines:
        out.append(("PO1", [ln.line_id, ln.qty, ln.unit, number(ln.unit_price), "", *item_id_elements(ln.item_ids)]))
        if ln.requested_date:
            out.append(("DTM", [DELIVERY_REQUESTED, d8(ln.requested_date)]))
    out.append(("CTT", [len(po.lines)]))
    return out
