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

from sqlalchemy import Connection, Row, insert, select, update

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
from ..store.tables import customers, products, ship_tos
from .edi_documents import send, transaction_view
from .edi_outbound import acknowledge_in
from .intake import OrderRequest
from .orders import write_order


def receive_interchange(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, text: str) -> dict[str, Any]:
    actor.require(Permission.EXCHANGE_EDI)
    ic = parse_interchange(text)

    def work(conn: Connection) -> dict[str, Any]:
        partner = _partner(conn, ic)
        prior = conn.execute(select(edi_documents).where(
            edi_documents.c.partner_id == partner.id, edi_documents.c.direction == "in",
            edi_documents.c.control == ic.control)).first()
        if prior is not None:
            if prior.content != text:
                raise Conflict("edi_control_reused", f"segment 1 (ISA), element 13: interchange {ic.control} from "
                               f"'{partner.code}' was received before with other content", field="ISA13")
            return {**_result(conn, prior.id), "replayed": True}
        now = clock.now()
        doc_id = conn.execute(insert(edi_documents).values(
            partner_id=partner.id, direction="in", set_code=_set_codes(ic), control=ic.control, status="received",
            content=text, created_at=now, created_by=actor.username).returning(edi_documents.c.id)).scalar_one()
        customer = conn.execute(select(customers.c.code).where(customers.c.id == partner.customer_id)).scalar_one()
        acks, taken, total = [], 0, 0
        for g in ic.groups:
            responses = []
            for ts in g.sets:
                outcome = _one_set(conn, clock, settings, actor, partner, customer, ic, g, ts, doc_id)
                responses.append(outcome)
                total += 1
                taken += outcome.status == "A" and not g.errors
            if g.functional_id != "FA":  # acknowledgments are not acknowledged
                acks.append(build_997(GroupResponse(g.functional_id, g.control, _declared(g), len(g.sets),
                                                    () if g.errors else tuple(responses), tuple(g.errors))))
        status = "accepted" if taken == total else "rejected" if taken == 0 else "partially_accepted"
        first_order = conn.execute(select(edi_transactions.c.order_id).where(
            edi_transactions.c.document_id == doc_id, edi_transactions.c.order_id.is_not(None))
            .order_by(edi_transactions.c.id)).scalar()
        conn.execute(update(edi_documents).where(edi_documents.c.id == doc_id)
                     .values(status=status, order_id=first_order))
        if acks:
            send(conn, partner, "997", acks, at=now, actor=actor.username, responds_to=doc_id)
        for order_id in conn.execute(select(edi_transactions.c.order_id).where(  # each new order answered by its 855
                edi_transactions.c.document_id == doc_id, edi_transactions.c.status == "accepted",
                edi_transactions.c.order_id.is_not(None)).order_by(edi_transactions.c.id)).scalars().all():
            acknowledge_in(conn, clock, actor, order_id, partner)
        return {**_result(conn, doc_id), "replayed": False}

    return uow.run(work)


def _declared(g: Group) -> int:
    return g.declared_sets if g.declared_sets is not None else len(g.sets)


def _set_codes(ic: Interchange) -> str:
    codes = {ts.code for g in ic.groups for ts in g.sets}
    return codes.pop()[:3] if len(codes) == 1 else "mix"


def _partner(conn: Connection, ic: Interchange) -> Row:
    q = select(trading_partners).where(trading_partners.c.isa_qualifier == ic.sender_qualifier,
                                       trading_partners.c.isa_id == ic.sender_id)
    if conn.dialect.name == "postgresql":  # one interchange of a partner at a time: duplicate POs are seen
        q = q.with_for_update()
    p = conn.execute(q).first()
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
             ic: Interchange, g: Group, ts: TransactionSet, doc_id: int) -> SetResponse:
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
        conn.execute(insert(edi_transactions).values(**record))
        return set_response(ts, located)
    conn.execute(insert(edi_transactions).values(**record))
    return SetResponse(ts.code, ts.control, "A")


def _place(conn: Connection, clock: Clock, settings: Settings, actor: Actor, partner: Row, customer: str,
           ic: Interchange, po: PurchaseOrder, ts: TransactionSet) -> dict[str, Any]:
    earlier = conn.execute(select(edi_transactions.c.order_id).where(
        edi_transactions.c.partner_id == partner.id, edi_transactions.c.po_number == po.number,
        edi_transactions.c.status == "accepted", edi_transactions.c.order_id.is_not(None))).scalar()
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
    code = conn.execute(select(ship_tos.c.code).join(partner_locations, partner_locations.c.ship_to_id == ship_tos.c.id)
                        .where(partner_locations.c.partner_id == partner.id,
                               partner_locations.c.code == po.ship_to.code)).scalar()
    if code is None:
        code = conn.execute(select(ship_tos.c.code).where(ship_tos.c.customer_id == partner.customer_id,
                                                          ship_tos.c.code == po.ship_to.code)).scalar()
    if code is None:
        raise X12Error(f"ship-to '{po.ship_to.code}' is neither a location of partner '{partner.code}' nor a ship-to "
                       "of its customer", segment=segments[po.ship_to.position], element=4, element_code="7",
                       value=po.ship_to.code, code="unknown_ship_to")
    return code


def _items(conn: Connection, partner: Row, po: PurchaseOrder, segments: dict[int, Segment]):
    """The SKU of each line: VP is our SKU; BP and UP go through the partner's cross-reference; first match wins."""
    wanted = {(i.kind, i.key) for ln in po.lines for i in ln.item_ids}
    refs = {(r.kind, r.value): r.sku for r in conn.execute(
        select(partner_items.c.kind, partner_items.c.value, products.c.sku)
        .join(products, products.c.id == partner_items.c.product_id)
        .where(partner_items.c.partner_id == partner.id,
               partner_items.c.value.in_([v for k, v in wanted if k != "VP"])))}
    vp = [v for k, v in wanted if k == "VP"]
    known = dict(conn.execute(select(products.c.sku, products.c.unit)
                              .where(products.c.sku.in_(vp + list(refs.values())))).all())

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
    doc = conn.execute(select(edi_documents, trading_partners.c.code.label("partner"))
                       .join(trading_partners, trading_partners.c.id == edi_documents.c.partner_id)
                       .where(edi_documents.c.id == doc_id)).one()
    sets = conn.execute(select(edi_transactions).where(edi_transactions.c.document_id == doc_id)
                        .order_by(edi_transactions.c.id)).all()
    ack = conn.execute(select(edi_documents.c.id, edi_documents.c.control, edi_documents.c.content)
                       .where(edi_documents.c.responds_to == doc_id)).first()
    return {"document_id": doc_id, "partner": doc.partner, "control": doc.control, "status": doc.status,
            "transactions": [transaction_view(t) for t in sets],
            "acknowledgment": {"document_id": ack.id, "control": ack.control, "content": ack.content} if ack else None}
