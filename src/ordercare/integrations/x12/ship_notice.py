"""856 Ship Notice/Manifest: hierarchy Shipment → Order → Item (BSN05 = 0004).

Shipment level: TD1 (pieces shipped, gross weight), TD5 (carrier and transport method), REF*BM (our
shipment number as bill of lading), REF*CN (carrier tracking number), DTM*011 shipped, DTM*017 estimated
delivery, N1*SF ship-from (warehouse) and N1*ST ship-to. Order level: PRF (the buyer's PO number) and
REF*VN (our order number). Item level: LIN (the buyer's line number and item ids) and SN1 (units shipped).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal

from .envelopes import TransactionSet
from .purchase_order import ItemId, item_id_elements, read_item_ids
from .syntax import Reader, X12Error, d8, hhmm, number, parse_time

# Transport mode → TD504 transportation method code.
TRANSPORT_METHODS = {"parcel": "U", "ltl": "M", "ftl": "M", "road": "M", "rail": "R", "sea": "S", "air": "A"}


@dataclass(frozen=True)
class ShipItem:
    line_id: str  # the buyer's PO1 line number when the order came by EDI, else our line number
    item_ids: tuple[ItemId, ...]
    qty: int
    unit: str


@dataclass(frozen=True)
class ShipOrder:
    po_number: str
    order_number: str
    items: tuple[ShipItem, ...]


@dataclass(frozen=True)
class ShipNotice:
    shipment_number: str
    shipped_at: datetime  # UTC; written as date and HHMM
    lading_qty: int  # pieces: units shipped (Ordercare does not count cartons)
    gross_weight_kg: Decimal
    carrier_code: str
    carrier_name: str
    transport_method: str  # TD504
    tracking_number: str
    estimated_delivery: date | None
    ship_from: tuple[str, str]  # (name, code)
    ship_to: tuple[str, str]
    orders: tuple[ShipOrder, ...]


def build_856(sn: ShipNotice) -> list[tuple[str, list[object]]]:
    shipped = sn.shipped_at.astimezone(timezone.utc)
    out: list[tuple[str, list[object]]] = [
        ("BSN", ["00", sn.shipment_number, d8(shipped.date()), hhmm(shipped), "0004"]),
        ("HL", [1, "", "S"]),
        ("TD1", ["PCS", sn.lading_qty, "", "", "", "G", number(sn.gross_weight_kg), "KG"]),
        ("TD5", ["", "2", sn.carrier_code, sn.transport_method, sn.carrier_name]),
        ("REF", ["BM", sn.shipment_number]),
    ]
    if sn.tracking_number:
        out.append(("REF", ["CN", sn.tracking_number]))
    out.append(("DTM", ["011", d8(shipped.date()), hhmm(shipped)]))
    if sn.estimated_delivery:
        out.append(("DTM", ["017", d8(sn.estimated_delivery)]))
    out += [("N1", ["SF", sn.ship_from[0], "92", sn.ship_from[1]]), ("N1", ["ST", sn.ship_to[0], "92", sn.ship_to[1]])]
    hl = 1
    for o in sn.orders:
        hl += 1
        order_hl = hl
        out += [("HL", [order_hl, 1, "O"]), ("PRF", [o.po_number]), ("REF", ["VN", o.order_number])]
        for it in o.items:
            hl += 1
            out += [("HL", [hl, order_hl, "I"]), ("LIN", [it.line_id, *item_id_elements(it.item_ids)]),
                    ("SN1", ["", it.qty, it.unit])]
    out.append(("CTT", [hl]))
    return out


def parse_856(ts: TransactionSet) -> ShipNotice:
    head: dict = {"tracking_number": "", "estimated_delivery": None}
    orders: list[dict] = []
    level = ""
    for seg in ts.body:
        r = Reader(seg)
        tag = seg.tag
        if tag == "BSN":
            head["shipment_number"] = r.text(2, "shipment identification", required=True)
            head["shipped_at"] = datetime.combine(r.date(3, "date", required=True),
                                                  parse_time(r.text(4, "time")) or time(), tzinfo=timezone.utc)
        elif tag == "HL":
            level = r.code(3, "hierarchical level", {"S", "O", "I"})
            if level == "O":
                orders.append({"po_number": "", "order_number": "", "items": []})
            elif level == "I" and not orders:
                raise X12Error("item level before any order level", segment=seg, segment_code="2")
        elif tag == "TD1":
            head["lading_qty"] = r.count(2, "lading quantity")
            head["gross_weight_kg"] = r.decimal(7, "weight", required=True)
        elif tag == "TD5":
            head.update(carrier_code=r.text(3, "carrier code"), transport_method=r.text(4, "transport method"),
                        carrier_name=r.text(5, "routing"))
        elif tag == "REF" and level == "S":
            head.update({"BM": {}, "CN": {"tracking_number": r.text(2, "reference")}}.get(r.text(1, "qualifier"), {}))
        elif tag == "REF" and level == "O" and r.text(1, "qualifier") == "VN":
            orders[-1]["order_number"] = r.text(2, "order number")
        elif tag == "DTM" and level == "S":
            q = r.text(1, "date qualifier")
            if q == "017":
                head["estimated_delivery"] = r.date(2, "estimated delivery", required=True)
        elif tag == "N1" and level == "S":
            party = (r.text(2, "name"), r.text(4, "identification code"))
            head[{"SF": "ship_from", "ST": "ship_to"}.get(r.text(1, "entity"), "other")] = party
        elif tag == "PRF":
            orders[-1]["po_number"] = r.text(1, "purchase order number")
        elif tag == "LIN":
            orders[-1]["items"].append({"line_id": r.text(1, "line number"), "item_ids": read_item_ids(r, 2)})
        elif tag == "SN1":
            orders[-1]["items"][-1].update(qty=r.count(2, "units shipped"), unit=r.text(3, "unit"))
    head.pop("other", None)
    if "shipment_number" not in head:
        raise X12Error("the 856 has no BSN segment", segment=ts.segments[0], segment_code="3")
    return ShipNotice(**head, orders=tuple(
        ShipOrder(o["po_number"], o["order_number"], tuple(ShipItem(**it) for it in o["items"])) for o in orders))
