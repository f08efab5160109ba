"""855 Purchase Order Acknowledgment: BAK, then per buyer line its PO1 echo and one ACK per status.

ACK01 codes used: IA item accepted (the promised units, with the promised delivery date), DR accepted with
the date rescheduled (promised later than the buyer asked), IB back-ordered (units not promised yet, no
date), IR rejected (a line Ordercare did not take). BAK02 is AD (acknowledge, no change) when every unit is
accepted as asked, RD (reject with detail) when every line is rejected (a cancelled order), else AC
(acknowledge with detail and change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .envelopes import TransactionSet
from .purchase_order import ItemId, item_id_elements, read_item_ids
from .syntax import Reader, X12Error, d8, number

LINE_STATUSES = {"IA": "accepted", "DR": "accepted, date rescheduled", "IB": "back-ordered", "IR": "rejected",
                 "IQ": "accepted, quantity changed"}
ACK_TYPES = {"AD": "acknowledge - no change", "AC": "acknowledge - with detail and change",
             "RD": "reject with detail"}
DELIVERY_SCHEDULED = "067"  # ACK04: current schedule delivery


@dataclass(frozen=True)
class LineStatus:
    code: str  # ACK01
    qty: int
    delivery_date: date | None = None


@dataclass(frozen=True)
class AckLine:
    line_id: str
    qty: int
    unit: str
    unit_price: Decimal | None
    item_ids: tuple[ItemId, ...]
    statuses: tuple[LineStatus, ...]


@dataclass(frozen=True)
class Acknowledgment:
    po_number: str
    po_date: date
    order_number: str  # ours (BAK08)
    ack_date: date
    lines: tuple[AckLine, ...]

    @property
    def ack_type(self) -> str:
        codes = {s.code for ln in self.lines for s in ln.statuses}
        return "AD" if codes == {"IA"} else "RD" if codes == {"IR"} else "AC"


def line_statuses(qty: int, promised: int, delivery: date | None, requested: date | None) -> tuple[LineStatus, ...]:
    """How one buyer line is answered: promised units accepted (or rescheduled), the rest back-ordered."""
    out = []
    if promised > 0:
        late = delivery is not None and requested is not None and delivery > requested
        out.append(LineStatus("DR" if late else "IA", promised, delivery))
    if qty - promised > 0:
        out.append(LineStatus("IB", qty - promised, None))
    return tuple(out)


def build_855(ack: Acknowledgment) -> list[tuple[str, list[object]]]:
    out: list[tuple[str, list[object]]] = [
        ("BAK", ["00", ack.ack_type, ack.po_number, d8(ack.po_date), "", "", "", ack.order_number, d8(ack.ack_date)])]
    for ln in ack.lines:
        out.append(("PO1", [ln.line_id, ln.qty, ln.unit, number(ln.unit_price), "", *item_id_elements(ln.item_ids)]))
        for s in ln.statuses:
            dated = [DELIVERY_SCHEDULED, d8(s.delivery_date)] if s.delivery_date else []
            out.append(("ACK", [s.code, s.qty, ln.unit, *dated]))
    out.append(("CTT", [len(ack.lines)]))
    return out


def parse_855(ts: TransactionSet) -> Acknowledgment:
    head: dict = {}
    lines: list[dict] = []
    for seg in ts.body:
        r = Reader(seg)
        if seg.tag == "BAK":
            r.code(2, "acknowledgment type", ACK_TYPES)
            head = {"po_number": r.text(3, "purchase order number", required=True),
                    "po_date": r.date(4, "purchase order date", required=True),
                    "order_number": r.text(8, "seller's order number"), "ack_date": r.date(9, "date", required=True)}
        elif seg.tag == "PO1":
            lines.append({"line_id": r.text(1, "line number"), "qty": r.count(2, "quantity"),
                          "unit": r.text(3, "unit"), "unit_price": r.decimal(4, "unit price"),
                          "item_ids": read_item_ids(r, 6), "statuses": []})
        elif seg.tag == "ACK":
            if not lines:
                raise X12Error("ACK before any PO1", segment=seg, segment_code="2")
            lines[-1]["statuses"].append(LineStatus(r.code(1, "line status", LINE_STATUSES), r.count(2, "quantity"),
                                                    r.date(5, "date") if r.text(4, "date qualifier") else None))
    if not head:
        raise X12Error("the 855 has no BAK segment", segment=ts.segments[0], segment_code="3")
    return Acknowledgment(**head, lines=tuple(AckLine(**{**ln, "statuses": tuple(ln["statuses"])}) for ln in lines))
