"""810 out through the real services on SQLite and PostgreSQL: 850 in → order → ship → invoice → 810, parsed back
with the project's own parser and checked field by field against the invoice billing issued; partial shipments,
consolidated invoices, resends, cancellations; the refusals change nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ordercare.domain.access import Actor, Role
from ordercare.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ordercare.domain.payment_terms import cents
from ordercare.integrations.x12.envelopes import parse_interchange
from ordercare.integrations.x12.invoice import Location, parse_810
from ordercare.integrations.x12.purchase_order import ItemId, POLine, PurchaseOrder, ShipToParty
from ordercare.integrations.x12.ship_notice import parse_856
from ordercare.services import billing_setup, invoicing, picking, release, shipping
from ordercare.services import edi_partners as ep
from ordercare.services import master_data as md
from ordercare.services.billing_views import get_invoice
from ordercare.services.edi_inbound import receive_interchange
from ordercare.services.edi_invoice import fill_after, send_invoice
from ordercare.services.edi_outbound import send_ship_notice
from ordercare.services.invoice_changes import cancel_invoice
from ordercare.services.opening_balances import record_opening_balance
from ordercare.services.order_views import get_order
from ordercare.services.shipment_views import get_shipment
from ordercare.store.billing_tables import invoices
from ordercare.store.edi_tables import edi_documents
from ordercare.store.tables import metadata
from tests.factories import carriers, order, world
from tests.services.billing_helpers import customer_id
from tests.services.test_edi import interchange

D = Decimal
PO = PurchaseOrder("PO-INV", date(2026, 3, 1), (
    POLine("10", 10, "EA", D("9.80"), (ItemId("BP", "A-100"),)),
    POLine("20", 8, "EA", None, (ItemId("UP", "012345678905"),)),
    POLine("30", 4, "EA", None, (ItemId("VP", "SKU-A"),))),  # SKU-A again: one order line for two buyer lines
    ShipToParty("Store", "92", "STORE-7"))


@pytest.fixture
def edi(env):
    world(env, customers=("CUST1", "CUST2"), stock={("NEAR", "SKU-A"): 100, ("NEAR", "SKU-B"): 100})
    carriers(env)
    md.add_ship_to(env.uow, env.actor, "CUST1", md.ShipToData("DEPOT", "Depot", "Town", "BE", 50.0, 4.02))
    ep.create_partner(env.uow, env.clock, env.actor, ep.PartnerData("ACME", "CUST1", "ZZ", "ACMEBUY", "ACMEAPP"))
    ep.set_item_references(env.uow, env.actor, "ACME", [ep.ItemReference("BP", "A-100", "SKU-A"),
                                                          ep.ItemReference("UP", "12345678905", "SKU-B")])
    ep.set_location(env.uow, env.actor, "ACME", "STORE-7", "DEPOT")
    billing_setup.set_tax_rate(env.uow, env.actor, rate=D("21"), name="standard")
    billing_setup.set_tax_rate(env.uow, env.actor, rate=D("9"), name="reduced", sku="SKU-B")
    return env


def receive(env, po: PurchaseOrder, control: int = 1) -> int:
    r = receive_interchange(env.uow, env.clock, env.settings, env.actor, interchange(po, control=control))
    [t] = r["transactions"]
    assert t["status"] == "accepted", t
    return int(t["order"][3:])


def ship_released(env, warehouse: str = "NEAR") -> list[int]:
    """Release what is allocated at the warehouse, pick it all and ship it."""
    sids = release.release_to_warehouse(env.uow, env.clock, env.actor, warehouse, env.clock.today() + timedelta(30))
    picking.create_pick_list(env.uow, env.clock, env.actor, warehouse)
    for sid in sids:
        picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, sid, [
            picking.PickConfirmation(ln["id"], ln["qty"]) for ln in get_shipment(env.uow, env.actor, sid)["lines"]])
        shipping.ship(env.uow, env.clock, env.settings, env.actor, sid)
    return sids


def sent_810s(env) -> list:
    with env.uow.read() as c:
        return c.execute(select(edi_documents).where(edi_documents.c.set_code == "810")
                         .order_by(edi_documents.c.id)).all()


def parsed(doc):
    ic = parse_interchange(doc.content)
    [ts] = ic.groups[0].sets
    return ic, parse_810(ts)


def counts(env) -> dict[str, int]:
    with env.uow.read() as c:
        return {t.name: c.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


def test_850_in_to_810_out_field_by_field(edi):
    env = edi
    order_id = receive(env, PO)
    [sid] = ship_released(env)
    # Shipping issued the invoice (per shipment, freight charged) and, in the same transaction, its 810.
    [doc] = sent_810s(env)
    with env.uow.read() as c:
        [invoice_id] = c.execute(select(invoices.c.id)).scalars().all()
    inv = get_invoice(env.uow, env.clock, env.actor, invoice_id)
    assert (doc.direction, doc.invoice_ref, doc.order_id, doc.control) == ("out", inv["number"], order_id, "000000004")
    with env.uow.read() as c:  # the 997 and 855 answering the 850, the 856 announcing the shipment, then the 810
        sent = c.execute(select(edi_documents.c.set_code, edi_documents.c.control).where(
            edi_documents.c.direction == "out").order_by(edi_documents.c.id)).all()
    assert [tuple(r) for r in sent] == [("997", "000000001"), ("855", "000000002"), ("856", "000000003"),
                                        ("810", "000000004")]
    ic, e = parsed(doc)
    assert (ic.sender_id, ic.receiver_id, ic.groups[0].functional_id, ic.groups[0].version) == (
        "ORDERCARE", "ACMEBUY", "IN", "004010")
    # Heading: the invoice, the buyer's PO and its date, the currency, bill-to and the buyer's own location code.
    assert (e.number, e.invoice_date, e.po_date, e.currency, e.purpose, e.kind) == (
        inv["number"], env.clock.today(), date(2026, 3, 1), "EUR", "00", "DI")
    assert (e.bill_to.name, e.bill_to.code, e.bill_to.city, e.bill_to.country) == ("Customer CUST1", "CUST1", "Town",
                                                                                   "BE")
    # Lines in the buyer's terms: its line numbers, item ids and units; our prices (10.00, not its 9.80).
    assert [(i.line_id, i.qty, i.unit, i.unit_price, i.item_ids, i.tax_rate) for i in e.items] == [
        ("10", 10, "EA", D("10.00"), (ItemId("BP", "A-100"),), D("21")),
        ("30", 4, "EA", D("10.00"), (ItemId("VP", "SKU-A"),), D("21")),
        ("20", 8, "EA", D("10.00"), (ItemId("UP", "012345678905"),), D("9"))]
    assert {(i.po_number, i.order_number, i.ship_to) for i in e.items} == {
        ("PO-INV", f"SO-{order_id:07d}", Location("Depot", "92", "STORE-7"))}
    assert [i.description for i in e.items] == ["Product SKU-A", "Product SKU-A", "Product SKU-B"]
    # Freight as SAC D240, tax per rate, the total to the cent: all what billing issued.
    freight = get_shipment(env.uow, env.actor, sid)["freight"]["cost"]
    assert [(c.code, c.amount) for c in e.charges] == [("D240", D(freight))] and D(freight) > 0
    tax21 = cents((D("140.00") + D(freight)) * D("0.21"))
    assert [(t.rate, t.basis, t.amount) for t in e.taxes] == [(D("9"), D("80.00"), D("7.20")),
                                                              (D("21"), D("140.00") + D(freight), tax21)]
    assert [(t.rate, t.basis, t.amount) for t in e.taxes] == [(t["rate"], t["net"], t["tax"]) for t in inv["tax"]]
    assert e.total == D(inv["total"]) == D("220.00") + D(freight) + D("7.20") + tax21
    # Terms as issued: package B, 3/10 net 30 from the invoice date; the discount is 3 % of the total.
    t = e.terms
    assert (t.description, t.discount_pct, t.discount_days, t.net_days) == ("3/10 net 30", D("3"), 10, 30)
    assert (t.discount_until, t.due_on) == (inv["discount_until"], inv["due_on"])
    assert t.discount_amount == cents(e.total * D("0.03"))
    # The order's timeline says what was sent, after it was invoiced.
    kinds = [(ev["kind"], (ev["data"] or {}).get("set")) for ev in get_order(env.uow, env.actor, order_id)["timeline"]]
    assert kinds.index(("invoiced", None)) < kinds.index(("edi_sent", "810"))


def test_a_wave_shipped_in_one_transaction_announces_each_edi_shipment_before_billing_it(edi):
    """The simulator's way: a pick list confirmed at once, every shipment shipped in one transaction. Each EDI
    shipment gets its 856 and then its invoice's 810, shipment by shipment, in that transaction; the customer
    without a partner gets neither; each automatic 856 is the one sent again on demand, parsed back field by field."""
    env = edi
    depot = receive(env, PO)  # to STORE-7, the DEPOT ship-to
    main = receive(env, PurchaseOrder("PO-MAIN", date(2026, 3, 1), (
        POLine("1", 3, "EA", None, (ItemId("VP", "SKU-A"),)),), None), control=2)
    plain = order(env, [("SKU-A", 2)], customer="CUST2")
    sids = release.release_to_warehouse(env.uow, env.clock, env.actor, "NEAR", env.clock.today() + timedelta(30))
    pick_list = picking.create_pick_list(env.uow, env.clock, env.actor, "NEAR")
    picking.confirm_pick_list(env.uow, env.clock, env.settings, env.actor, pick_list)
    out = shipping.ship_shipments(env.uow, env.clock, env.settings, env.actor, sids)
    assert [r["shipment_id"] for r in out["shipped"]] == sorted(sids) and len(sids) == 3
    shipment_of = {get_shipment(env.uow, env.actor, sid)["lines"][0]["order"]: sid for sid in sids}
    ours = sorted(shipment_of[f"SO-{o:07d}"] for o in (depot, main))
    with env.uow.read() as c:
        sent = c.execute(select(edi_documents).where(edi_documents.c.direction == "out")
                         .order_by(edi_documents.c.id)).all()
    # Two 850s answered (997, 855 each), then per EDI shipment its 856 and its 810, in shipment order.
    assert [(d.set_code, d.control) for d in sent] == [
        ("997", "000000001"), ("855", "000000002"), ("997", "000000003"), ("855", "000000004"),
        ("856", "000000005"), ("810", "000000006"), ("856", "000000007"), ("810", "000000008")]
    assert [d.shipment_id for d in sent if d.set_code == "856"] == ours
    assert shipment_of[f"SO-{plain:07d}"] not in {d.shipment_id for d in sent}
    assert {d.invoice_ref for d in sent if d.set_code == "810"} == {
        get_invoice(env.uow, env.clock, env.actor, r["invoice_id"])["number"] for r in out["shipped"]
        if r["shipment_id"] in ours}
    for auto in (d for d in sent if d.set_code == "856"):
        notice = parse_856(parse_interchange(auto.content).groups[0].sets[0])
        again = send_ship_notice(env.uow, env.clock, env.actor, auto.shipment_id)
        assert parse_856(parse_interchange(again["content"]).groups[0].sets[0]) == notice
        sh = get_shipment(env.uow, env.actor, auto.shipment_id)
        assert (notice.shipment_number, notice.tracking_number, notice.carrier_code) == (
            sh["number"], sh["tracking_number"], sh["freight"]["carrier"])
        assert notice.gross_weight_kg == Decimal(sh["weight_kg"])
        assert notice.lading_qty == sum(ln["qty_shipped"] for ln in sh["lines"])
        [so] = notice.orders
        assert so.order_number == sh["lines"][0]["order"]
        if auto.shipment_id == shipment_of[f"SO-{main:07d}"]:  # in the buyer's own line numbers and item ids
            assert (so.po_number, [(i.line_id, i.item_ids, i.qty) for i in so.items]) == (
                "PO-MAIN", [("1", (ItemId("VP", "SKU-A"),), 3)])


def test_partial_shipments_fill_the_buyer_lines_first_line_first(edi):
    env = edi
    md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="NEAR", sku="SKU-A", delta=-94,
                    reason="count")  # 6 left: buyer lines 10 (10 units) and 30 (4 units) share SKU-A's order line
    receive(env, PO)
    ship_released(env)
    md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="NEAR", sku="SKU-A", delta=8,
                    reason="found")  # the back-ordered 8 are allocated now
    ship_released(env)
    first, second = (parsed(d)[1] for d in sent_810s(env))
    assert [(i.line_id, i.qty) for i in first.items] == [("10", 6), ("20", 8)]
    assert [(i.line_id, i.qty) for i in second.items] == [("10", 4), ("30", 4)]
    assert first.number != second.number and second.po_date == first.po_date


def test_fill_after_shares_in_order_and_keeps_every_unit():
    assert fill_after(0, 6, [10, 4]) == [6, 0]
    assert fill_after(6, 8, [10, 4]) == [4, 4]
    assert fill_after(14, 2, [10, 4]) == [0, 2]  # more than asked for: on the last line
    for before in range(16):
        for qty in range(1, 6):
            assert sum(fill_after(before, qty, [10, 4])) == qty


def test_a_weekly_invoice_of_several_orders_names_each_lines_order(edi):
    env = edi
    billing_setup.set_billing(env.uow, env.clock, env.actor, "CUST1", invoicing="weekly", charge_freight=False)
    edi_order = receive(env, PO)
    desk_order = order(env, [("SKU-B", 2)])  # placed by the desk for the same customer: our lines, our SKU
    ship_released(env)
    assert sent_810s(env) == []  # nothing invoiced before the week is over
    env.clock.advance(days=7)
    [invoice_id] = invoicing.run_invoicing(env.uow, env.clock, env.actor)
    [doc] = sent_810s(env)
    _, e = parsed(doc)
    assert (doc.order_id, e.po_date, e.charges) == (None, None, ())
    assert [(i.line_id, i.qty, i.item_ids, i.po_number, i.order_number) for i in e.items] == [
        ("10", 10, (ItemId("BP", "A-100"),), "PO-INV", f"SO-{edi_order:07d}"),
        ("30", 4, (ItemId("VP", "SKU-A"),), "PO-INV", f"SO-{edi_order:07d}"),
        ("20", 8, (ItemId("UP", "012345678905"),), "PO-INV", f"SO-{edi_order:07d}"),
        ("1", 2, (ItemId("VP", "SKU-B"),), f"SO-{desk_order:07d}", f"SO-{desk_order:07d}")]
    assert "REF*PO*PO-INV" in doc.content and "BIG*20260309*INV-" in doc.content
    assert e.total == D(get_invoice(env.uow, env.clock, env.actor, invoice_id)["total"])
    for oid in (edi_order, desk_order):
        sent = [ev for ev in get_order(env.uow, env.actor, oid)["timeline"] if ev["kind"] == "edi_sent"]
        assert sent[-1]["data"]["invoice"] == e.number


def test_on_demand_resend_and_cancellation(edi):
    env = edi
    receive(env, PO)
    ship_released(env)
    [auto] = sent_810s(env)
    invoice_id = int(auto.invoice_ref[4:])
    again = send_invoice(env.uow, env.clock, env.actor, invoice_id)
    assert (again["set"], again["invoice"], again["control"]) == ("810", auto.invoice_ref, "000000005")
    assert parsed(sent_810s(env)[-1])[1].purpose == "07"  # a duplicate: the partner had the original
    new_id = cancel_invoice(env.uow, env.clock, env.actor, invoice_id, "wrong address", reissue=True)
    docs = sent_810s(env)
    cancelled, reissued = parsed(docs[-2])[1], parsed(docs[-1])[1]
    assert (cancelled.number, cancelled.purpose) == (auto.invoice_ref, "01")
    assert (reissued.number, reissued.purpose) == (f"INV-{new_id:07d}", "00")
    # The reissue bills the same buyer lines again: the cancelled invoice no longer counts as billed.
    assert [(i.line_id, i.qty) for i in reissued.items] == [(i.line_id, i.qty) for i in cancelled.items]
    assert parsed(docs[0])[1].total == cancelled.total == reissued.total
    on_demand = send_invoice(env.uow, env.clock, env.actor, invoice_id)
    assert parse_810(parse_interchange(on_demand["content"]).groups[0].sets[0]).purpose == "01"
    assert [d.control for d in sent_810s(env)] == ["000000004", "000000005", "000000006", "000000007", "000000008"]


def test_no_810_for_a_customer_without_partner_and_clear_refusals(edi):
    env = edi
    order(env, [("SKU-A", 2)], customer="CUST2")
    ship_released(env)
    with env.uow.read() as c:
        [invoice_id] = c.execute(select(invoices.c.id).where(invoices.c.customer_id == customer_id(env, "CUST2"))
                                 ).scalars().all()
    assert sent_810s(env) == []  # issued without one: CUST2 is not an EDI partner
    with env.uow.read() as c:  # nor announced by an 856
        assert c.execute(select(func.count()).select_from(edi_documents)).scalar_one() == 0
    opening = record_opening_balance(env.uow, env.clock, env.actor, customer_id=customer_id(env), amount=D("50.00"),
                                     reference="OLD-1", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 1),
                                     currency="EUR")
    before = counts(env)
    with pytest.raises(ValidationFailed) as no_partner:
        send_invoice(env.uow, env.clock, env.actor, invoice_id)
    assert (no_partner.value.code, no_partner.value.field) == ("no_trading_partner", "invoice")
    assert no_partner.value.message == "invoice: the customer has no active EDI trading partner"
    with pytest.raises(NotFound) as missing:
        send_invoice(env.uow, env.clock, env.actor, invoice_id + 1000)
    assert missing.value.code == "invoice_not_found"
    with pytest.raises(Conflict) as brought_forward:
        send_invoice(env.uow, env.clock, env.actor, opening)
    assert brought_forward.value.code == "not_an_issued_invoice"
    with pytest.raises(Forbidden):
        send_invoice(env.uow, env.clock, Actor(9, "cust", Role.CUSTOMER, customer_id(env)), opening)
    with pytest.raises(Forbidden):
        send_invoice(env.uow, env.clock, Actor(9, "fin", Role.FINANCE), opening)
    assert counts(env) == before


def test_an_inactive_partner_gets_no_810(edi):
    env = edi
    receive(env, PO)
    ep.update_partner(env.uow, env.actor, "ACME", {"active": False})
    ship_released(env)
    assert sent_810s(env) == []
