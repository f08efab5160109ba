"""Receiving an X12 interchange: each 850 becomes an order through the order service; a 997 answers each group.

One database transaction for the interchange, one savepoint per transaction set: a set that cannot become an
order leaves nothing behind, the others keep their orders, and the record of the interchange, its sets and the
997 commit together. An interchange whose envelope is broken is refused whole and nothing is recorded.
A resent interchange (same ISA13, same text) answers what the first one did; a resent 850 (same PO number from
the same partner) does not create a second order: its set is recorded as a duplicate of the first order.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, update

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.errors import Conflict, DomainError
from ..domain.orders import Channel, RequestedLine
from ..integrations.x12.envelopes import Group, Interchange, TransactionSet, parse_interchange
from ..integrations.x12.functional_ack import GroupResponse, SetResponse, build_997, set_response
from ..integrations.x12.purchase_order import UNITS, PurchaseOrder, parse_850
from ..integrations.x12.syntax import Segment, X12Error
from ..store.db import UnitOfWork
from ..store.edi_tables import edi_documents, edi_transactions, partner_items, partner_locations, trading_partners
from ..store.events import append_event
from ..store.prepared import Prepared, in_ids, insert_of, padded_ids
from ..store.tables import customers, products, ship_tos
from .edi_documents import send, transaction_view
from .edi_outbound import acknowledge_in
from .intake import OrderRequest
from .orders import write_order


# Compiled once (store/prepared.py): an interchange runs these for itself and for each of its sets.
_PARTNER = Prepared(select(trading_partners).where(  # locked on PostgreSQL: one interchange of a partner at a time,
    trading_partners.c.isa_qualifier == bindparam("q"),  # so duplicate POs are seen (SQLite has no FOR UPDATE)
    trading_partners.c.isa_id == bindparam("id")).with_for_update())
_PRIOR = Prepared(select(edi_documents.c.id, edi_documents.c.content).where(
    edi_documents.c.partner_id == bindparam("pid"), edi_documents.c.direction == "in",
    edi_documents.c.control == bindparam("control")))
_INSERT_DOCUMENT = insert_of(edi_documents, ("partner_id", "direction", "set_code", "control", "status", "content",
                                             "created_at", "created_by"), returning=edi_documents.c.id)
_CUSTOMER_CODE = Prepared(select(customers.c.code).where(customers.c.id == bindparam("cid")))
_DOCUMENT_OUTCOME = Prepared(update(edi_documents).where(edi_documents.c.id == bindparam("doc"))
                             .values(status=bindparam("status"), order_id=bindparam("oid")))
_SET_COLUMNS = ("document_id", "partner_id", "group_control", "set_code", "set_control", "status", "error_code",
                "error_message", "po_number", "order_id")
# Two forms: a set without detail leaves the JSON column NULL (as an insert that does not name it), not JSON null.
_INSERT_SET = {False: insert_of(edi_transactions, _SET_COLUMNS),
               True: insert_of(edi_transactions, (*_SET_COLUMNS, "detail"))}
_EARLIER_PO = Prepared(select(edi_transactions.c.order_id).where(
    edi_transactions.c.partner_id == bindparam("pid"), edi_transactions.c.po_number == bindparam("po"),
    edi_transactions.c.status == "accepted", edi_transactions.c.order_id.is_not(None)))
_PARTNER_LOCATION = Prepared(select(ship_tos.c.code).join(
    partner_locations, partner_locations.c.ship_to_id == ship_tos.c.id).where(
    partner_locations.c.partner_id == bindparam("pid"), partner_locations.c.code == bindparam("code")))
_OWN_SHIP_TO = Prepared(select(ship_tos.c.code).where(ship_tos.c.customer_id == bindparam("cid"),
                                                      ship_tos.c.code == bindparam("code")))
_CROSS_REFERENCES = Prepared(select(partner_items.c.kind, partner_items.c.value, products.c.sku)
                             .join(products, products.c.id == partner_items.c.product_id)
                             .where(partner_items.c.partner_id == bindparam("pid"),
                                    partner_items.c.value.in_(bindparam("values", expanding=True))),
                             expanding="values")
_UNITS = Prepared(select(products.c.sku, products.c.unit).where(in_ids(products.c.sku)), expanding="ids")  # padded_ids
_DOCUMENT = Prepared(select(edi_documents.c.status, edi_documents.c.control, trading_partners.c.code.label("partner"))
                     .join(trading_partners, trading_partners.c.id == edi_documents.c.partner_id)
                     .where(edi_documents.c.id == bindparam("doc")))
_SETS = Prepared(select(edi_transactions).where(edi_transactions.c.document_id == bindparam("doc"))
                 .order_by(edi_transactions.c.id))
_ACKNOWLEDGMENT = Prepared(select(edi_documents.c.id, edi_documents.c.control, edi_documents.c.content)
                           .where(edi_documents.c.responds_to == bindparam("doc")))


def receive_interchange(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, text: str) -> dict[str, Any]:
    actor.require(Permission.EXCHANGE_EDI)
    ic = parse_interchange(text)

    def work(conn: Connection) -> dict[str, Any]:
        partner = _partner(conn, ic)
        prior = _PRIOR.first(conn, {"pid": partner.id, "control": ic.control})
        if prior is not None:
            if prior.content != text:
                raise Conflict("edi_control_reused", f"segment 1 (ISA), element 13: interchange {ic.control} from "
                               f"'{partner.code}' was received before with other content", field="ISA13")
            return {**_result(conn, prior.id), "replayed": True}
        now = clock.now()
        doc_id = _INSERT_DOCUMENT.scalar(conn, dict(
            partner_id=partner.id, direction="in", set_code=_set_codes(ic), control=ic.control, status="received",
            content=text, created_at=now, created_by=actor.username))
        customer = _CUSTOMER_CODE.scalar(conn, {"cid": partner.customer_id})
        acks, taken, total, records = [], 0, 0, []
        for g in ic.groups:
            responses = []
            for ts in g.sets:
                outcome, record = _one_set(conn, clock, settings, actor, partner, customer, ic, g, ts, doc_id)
                responses.append(outcome)
                records.append(record)
                total += 1
                taken += outcome.status == "A" and not g.errors
            if g.functional_id != "FA":  # acknowledgments are not acknowledged
                acks.append(build_997(GroupResponse(g.functional_id, g.control, _declared(g), len(g.sets),
                                                    () if g.errors else tuple(responses), tuple(g.errors))))
        status = "accepted" if taken == total else "rejected" if taken == 0 else "partially_accepted"
        # The sets as recorded, in the order written: the document points at the first that names an order.
        first_order = next((r["order_id"] for r in records if r.get("order_id") is not None), None)
        _DOCUMENT_OUTCOME.execute(conn, {"doc": doc_id, "status": status, "oid": first_order})
        if acks:
            send(conn, partner, "997", acks, at=now, actor=actor.username, responds_to=doc_id)
        for r in records:  # each new order answered by its 855
            if r["status"] == "accepted" and r.get("order_id") is not None:
                acknowledge_in(conn, clock, actor, r["order_id"], partner)
        return {**_result(conn, doc_id), "replayed": False}

    return uow.run(work)


def _declared(g: Group) -> int:
    return g.declared_sets if g.declared_sets is not None else len(g.sets)


def _set_codes(ic: Interchange) -> str:
    codes = {ts.code for g in ic.groups for ts in g.sets}
    return codes.pop()[:3] if len(codes) == 1 else "mix"


def _partner(conn: Connection, ic: Interchange) -> Row:
    p = _PARTNER.first(conn, {"q": ic.sender_qualifier, "id": ic.sender_id})
    isa = Segment("ISA", (), 1)
    if p is None:
        raise X12Error(f"no trading partner with sender id {ic.sender_qualifier}/{ic.sender_id}", segment=isa,
                       element=6, code="unknown_partner")
    if not p.active:
        raise X12Error(f"trading partner '{p.code}' is not active", segment=isa, element=6, code="partner_inactive")
    if (ic.receiver_qualifier, ic.receiver_id) != (p.our_qualifier, p.our_id):
        raise X12Error(f"the interchange is addressed to {ic.receiver_qualifier}/{ic.receiver_id}, and "
                       f"'{p.code}' knows us as {p.our_qualifier}/{p.our_id}", segment=isa, element=8,
                       code="edi_wrong_receiver")
    return p


def _one_set(conn: Connection, clock: Clock, settings: Settings, actor: Actor, partner: Row, customer: str,
             ic: Interchange, g: Group, ts: TransactionSet, doc_id: int) -> tuple[SetResponse, dict[str, Any]]:
    """What became of one set, and its record as written."""
    record = {"document_id": doc_id, "partner_id": partner.id, "group_control": g.control[:9],
              "set_code": ts.code[:3], "set_control": ts.control[:9], "status": "rejected"}
    error: DomainError | None = ts.error
    if g.errors:
        error = X12Error(g.problems[0], code="edi_invalid_group")
    elif error is None and g.functional_id == "FA" and ts.code == "997":
        record["status"] = "accepted"  # the partner acknowledging what we sent: kept as received
    elif error is None and ts.code != "850":
        error = X12Error(f"transaction set '{ts.code}' is not supported here (850 is)", segment=ts.segments[0],
                         element=1, element_code="7", set_code="1", code="edi_unsupported_set")
    elif error is None:
        try:
            po = parse_850(ts)
            record["po_number"] = po.number
            record.update(_place(conn, clock, settings, actor, partner, customer, ic, po, ts))
        except DomainError as exc:
            error = exc
    if error is not None:
        located = error if isinstance(error, X12Error) else X12Error(error.message, segment=ts.segments[0],
                                                                     code=error.code)
        record.update(status="rejected", error_code=located.code, error_message=located.message[:500])
        _record_set(conn, record)
        return set_response(ts, located), record
    _record_set(conn, record)
    return SetResponse(ts.code, ts.control, "A"), record


def _record_set(conn: Connection, record: dict[str, Any]) -> None:
    _INSERT_SET["detail" in record].execute(conn, {c: record.get(c) for c in (*_SET_COLUMNS, "detail")})


def _place(conn: Connection, clock: Clock, settings: Settings, actor: Actor, partner: Row, customer: str,
           ic: Interchange, po: PurchaseOrder, ts: TransactionSet) -> dict[str, Any]:
    earlier = _EARLIER_PO.scalar(conn, {"pid": partner.id, "po": po.number})
    if earlier is not None:
        return {"status": "duplicate", "order_id": earlier, "error_code": "duplicate_purchase_order",
                "error_message": f"purchase order '{po.number}' was received before; no second order"}
    segments = {s.position: s for s in ts.segments}
    ship_to = _ship_to(conn, partner, po, segments)
    skus, units = _items(conn, partner, po, segments)
    lines = [RequestedLine(sku, ln.qty, ln.requested_date, i) for i, (ln, sku) in enumerate(zip(po.lines, skus))]
    for i, (ln, sku) in enumerate(zip(po.lines, skus)):
        unit = UNITS.get(ln.unit, ln.unit.lower())
        if unit != units[sku]:
            raise X12Error(f"unit of measure '{ln.unit}' does not match the unit of {sku} ('{units[sku]}')",
                           segment=segments[ln.position], element=3, element_code="7", value=ln.unit,
                           code="unit_mismatch")
    req = OrderRequest(customer=customer, lines=lines, channel=Channel.EDI, ship_to=ship_to,
                       requested_date=po.requested_date, customer_po=po.number)
    savepoint = conn.begin_nested()
    try:
        order_id = write_order(conn, clock, settings, actor, req)
    except DomainError as exc:
        savepoint.rollback()
        raise _locate(exc, po, segments, ts) from None
    savepoint.commit()
    append_event(conn, order_id, "edi_received", at=clock.now(), actor=actor.username,
                 reason=f"850 from {partner.code}", payload={
                     "partner": partner.code, "interchange": ic.control, "set": ts.control, "po_number": po.number})
    detail = {"po_date": po.date.isoformat(), "requested_date": po.requested_date.isoformat()
              if po.requested_date else None, "lines": [{
                  "line_id": ln.line_id, "qty": ln.qty, "unit": ln.unit,
                  "unit_price": str(ln.unit_price) if ln.unit_price is not None else None,
                  "item_ids": [[i.qualifier, i.value] for i in ln.item_ids], "sku": sku,
                  "requested_date": ln.requested_date.isoformat() if ln.requested_date else None}
                  for ln, sku in zip(po.lines, skus)]}
    return {"status": "accepted", "order_id": order_id, "detail": detail}


def _ship_to(conn: Connection, partner: Row, po: PurchaseOrder, segments: dict[int, Segment]) -> str | None:
    if po.ship_to is None or not po.ship_to.code:
        return None  # the customer's default ship-to
    code = _PARTNER_LOCATION.scalar(conn, {"pid": partner.id, "code": po.ship_to.code})
    if code is None:
        code = _OWN_SHIP_TO.scalar(conn, {"cid": partner.customer_id, "code": po.ship_to.code})
    if code is None:
        raise X12Error(f"ship-to '{po.ship_to.code}' is neither a location of partner '{partner.code}' nor a ship-to "
                       "of its customer", segment=segments[po.ship_to.position], element=4, element_code="7",
                       value=po.ship_to.code, code="unknown_ship_to")
    return code


def _items(conn: Connection, partner: Row, po: PurchaseOrder, segments: dict[int, Segment]):
    """The SKU of each line: VP is our SKU; BP and UP go through the partner's cross-reference; first match wins."""
    wanted = {(i.kind, i.key) for ln in po.lines for i in ln.item_ids}
    theirs = [v for k, v in wanted if k != "VP"]
    refs = {(r.kind, r.value): r.sku for r in _CROSS_REFERENCES.rows(conn, {"pid": partner.id, "values": theirs})} \
        if theirs else {}
    vp = [v for k, v in wanted if k == "VP"]
    asked = vp + list(refs.values())
    known = {r.sku: r.unit for r in _UNITS.rows(conn, padded_ids(asked))} if asked else {}

    def resolve(item) -> str | None:
        if item.kind == "VP":
            return item.value if item.value in known else None
        return refs.get((item.kind, item.key))

    skus = []
    for ln in po.lines:
        sku = next((s for s in map(resolve, ln.item_ids) if s), None)
        if sku is None:
            names = ", ".join(f"{i.qualifier} '{i.value}'" for i in ln.item_ids)
            raise X12Error(f"no product for {names} (not a SKU, not in partner '{partner.code}'s cross-reference)",
                           segment=segments[ln.position], element=7, element_code="7", value=ln.item_ids[0].value,
                           code="unknown_item")
        skus.append(sku)
    return skus, known


_LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.?(\w*)")


def _locate(exc: DomainError, po: PurchaseOrder, segments: dict[int, Segment], ts: TransactionSet) -> X12Error:
    """A business refusal of the order service, pointed at the segment it is about."""
    seg, element = ts.segments[1] if len(ts.segments) > 1 else ts.segments[0], None
    m = _LINE_FIELD.match(exc.field or "")
    if m and int(m[1]) < len(po.lines):
        seg = segments[po.lines[int(m[1])].position]
        element = {"qty": 2, "sku": 7}.get(m[2])
    elif exc.field == "ship_to" and po.ship_to is not None:
        seg, element = segments[po.ship_to.position], 4
    problem = exc.message.split(": ", 1)[1] if exc.field and exc.message.startswith(exc.field + ":") else exc.message
    return X12Error(problem, segment=seg, element=element, element_code="7" if element else None, code=exc.code)


def _result(conn: Connection, doc_id: int) -> dict[str, Any]:
    doc = _DOCUMENT.first(conn, {"doc": doc_id})
    sets = _SETS.rows(conn, {"doc": doc_id})
    ack = _ACKNOWLEDGMENT.first(conn, {"doc": doc_id})
    return {"document_id": doc_id, "partner": doc.partner, "control": doc.control, "status": doc.status,
            "transactions": [transaction_view(t) for t in sets],
            "acknowledgment": {"document_id": ack.id, "control": ack.control, "content": ack.content} if ack else None}
