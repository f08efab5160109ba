"""EDI through the real services on SQLite and PostgreSQL: 850 in → order → 997, 855 and 856 out, parsed back
and checked field by field; resends, duplicates and malformed interchanges change nothing they should not."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ordercare.domain.errors import Conflict, ValidationFailed
from ordercare.integrations.x12.acknowledgment import LineStatus, parse_855
from ordercare.integrations.x12.envelopes import Party, build_interchange, parse_interchange
from ordercare.integrations.x12.functional_ack import parse_997
from ordercare.integrations.x12.purchase_order import ItemId, POLine, PurchaseOrder, ShipToParty, build_850
from ordercare.integrations.x12.ship_notice import parse_856
from ordercare.integrations.x12.syntax import X12Error
from ordercare.services import edi_partners as ep
from ordercare.services import master_data as md
from ordercare.services import picking, release, shipping
from ordercare.services.edi_inbound import receive_interchange
from ordercare.services.edi_outbound import acknowledge_order, send_ship_notice
from ordercare.services.order_views import get_order
from ordercare.services.shipment_views import get_shipment
from ordercare.store.edi_tables import edi_documents, edi_transactions
from ordercare.store.tables import metadata, orders
from tests.conftest import START
from tests.factories import carriers, order, world

BUYER = Party("ZZ", "ACMEBUY", "ACMEAPP")
US = Party("ZZ", "ORDERCARE", "ORDERCARE")
# A sample 850 as a buyer's translator writes it: its own separators ('|', ':' and '~'), version 00501,
# CRLF after each segment, and segments Ordercare reads past (CUR, REF, N3, N4, PID).
SAMPLE_850 = "".join(seg + "~\r\n" for seg in [
    "ISA|00|          |00|          |ZZ|ACMEBUY        |ZZ|ORDERCARE      |260301|1612|^|00501|000004711|0|P|:",
    "GS|PO|ACMEAPP|ORDERCARE|20260301|1612|4711|X|005010",
    "ST|850|0001",
    "BEG|00|SA|ACME-PO-9001||20260301",
    "CUR|BY|EUR",
    "REF|DP|042",
    "DTM|002|20260310",
    "N1|ST|Acme Store 7|92|STORE-7",
    "N3|Rue Haute 1",
    "N4|Brussels||1000|BE",
    "PO1|10|10|EA|9.80||BP|A-100|UP|4006381333931",
    "PID|F||||Widget A",
    "PO1|20|8|EA|||UP|012345678905",
    "DTM|002|20260312",
    "CTT|2",
    "SE|14|0001",
    "GE|1|4711",
    "IEA|1|000004711",
])


@pytest.fixture
def edi(env):
    world(env, customers=("CUST1", "CUST2"), stock={("NEAR", "SKU-A"): 100, ("NEAR", "SKU-B"): 5})
    md.add_ship_to(env.uow, env.actor, "CUST1", md.ShipToData("DEPOT", "Depot", "Town", "BE", 50.0, 4.02))
    ep.create_partner(env.uow, env.clock, env.actor, ep.PartnerData("ACME", "CUST1", "ZZ", "ACMEBUY", "ACMEAPP"))
    ep.set_item_references(env.uow, env.actor, "ACME", [ep.ItemReference("BP", "A-100", "SKU-A"),
                                                          ep.ItemReference("UP", "12345678905", "SKU-B")])
    ep.set_location(env.uow, env.actor, "ACME", "STORE-7", "DEPOT")
    return env


def interchange(po: PurchaseOrder, control=1, sets=None, **kw) -> str:
    bodies = sets or [build_850(po)]
    return build_interchange([("850", b) for b in bodies], sender=BUYER, receiver=US, control=control,
                             at=START, **kw)


PO = PurchaseOrder("PO-1", date(2026, 3, 1), (
    POLine("1", 10, "EA", Decimal("9.80"), (ItemId("BP", "A-100"),), date(2026, 3, 9)),
    POLine("2", 8, "EA", None, (ItemId("UP", "012345678905"),))), ShipToParty("Store", "92", "STORE-7"),
    date(2026, 3, 10))


def counts(env) -> dict[str, int]:
    with env.uow.read() as c:
        return {t.name: c.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


def test_sample_850_becomes_an_order_answered_by_a_997(edi):
    env = edi
    r = receive_interchange(env.uow, env.clock, env.settings, env.actor, SAMPLE_850)
    assert (r["status"], r["partner"], r["control"], r["replayed"]) == ("accepted", "ACME", "000004711", False)
    [t] = r["transactions"]
    assert (t["set"], t["control"], t["status"], t["po_number"]) == ("850", "0001", "accepted", "ACME-PO-9001")
    o = get_order(env.uow, env.actor, int(t["order"][3:]))
    assert (o["customer"], o["channel"], o["customer_po"], o["ship_to"]) == ("CUST1", "edi", "ACME-PO-9001", "DEPOT")
    assert o["requested_date"] == date(2026, 3, 10)
    assert [(ln["sku"], ln["qty"], ln["requested_date"], ln["qty_promised"], ln["qty_backordered"])
            for ln in o["lines"]] == [("SKU-A", 10, date(2026, 3, 10), 10, 0),
                                      ("SKU-B", 8, date(2026, 3, 12), 5, 3)]
    assert o["status"] == "partially_allocated"
    received = [e for e in o["timeline"] if e["kind"] == "edi_received"]
    assert received[0]["data"] == {"partner": "ACME", "interchange": "000004711", "set": "0001",
                                   "po_number": "ACME-PO-9001"}
    # The 997 goes back to the sender, from us, and accepts the group.
    ack = parse_interchange(r["acknowledgment"]["content"])
    assert (ack.sender_id, ack.receiver_id, ack.version, ack.control) == ("ORDERCARE", "ACMEBUY", "00401",
                                                                         "000000001")
    g = parse_997(ack.groups[0].sets[0])
    assert (g.functional_id, g.control, g.status, g.declared, g.received, g.accepted) == ("PO", "4711", "A", 1, 1, 1)
    assert [(s.code, s.control, s.status) for s in g.sets] == [("850", "0001", "A")]


def test_855_carries_promised_quantities_and_dates_per_buyer_line(edi):
    env = edi
    r = receive_interchange(env.uow, env.clock, env.settings, env.actor, interchange(PO))
    order_id = int(r["transactions"][0]["order"][3:])
    o = get_order(env.uow, env.actor, order_id)
    # The 850 is answered by itself, in the transaction that placed the order, after the 997.
    with env.uow.read() as c:
        [auto] = c.execute(select(edi_documents).where(edi_documents.c.set_code == "855")).all()
    assert (auto.direction, auto.control, auto.order_id) == ("out", "000000002", order_id)
    ic = parse_interchange(auto.content)
    assert (ic.receiver_qualifier, ic.receiver_id, ic.groups[0].functional_id) == ("ZZ", "ACMEBUY", "PR")
    ack = parse_855(ic.groups[0].sets[0])
    # On demand: the same answer under the next control number.
    doc = acknowledge_order(env.uow, env.clock, env.actor, order_id)
    assert (doc["direction"], doc["set"], doc["control"], doc["order"]) == ("out", "855", "000000003", o["number"])
    assert parse_855(parse_interchange(doc["content"]).groups[0].sets[0]) == ack
    assert (ack.po_number, ack.po_date, ack.order_number, ack.ack_date) == ("PO-1", date(2026, 3, 1), o["number"],
                                                                           env.clock.today())
    a, b = ack.lines
    line_a, line_b = o["lines"]
    assert (a.line_id, a.qty, a.unit, a.unit_price, a.item_ids) == ("1", 10, "EA", Decimal("9.8"),
                                                                   (ItemId("BP", "A-100"),))
    late = line_a["promised_date"] > date(2026, 3, 9)
    assert a.statuses == (LineStatus("DR" if late else "IA", 10, line_a["promised_date"]),)
    b_dates = [x["delivery_date"] for x in line_b["allocations"]]
    assert b.item_ids == (ItemId("UP", "012345678905"),)
    assert b.statuses[1] == LineStatus("IB", 3)
    assert b.statuses[0].qty == 5 and b.statuses[0].delivery_date == max(b_dates)
    assert ack.ack_type == "AC"
    assert [e["kind"] for e in get_order(env.uow, env.actor, order_id)["timeline"]].count("edi_sent") == 2


def test_856_after_shipping_names_carrier_tracking_and_buyer_lines(edi):
    env = edi
    carriers(env)
    po = PurchaseOrder("PO-SHIP", date(2026, 3, 1), (
        POLine("7", 4, "EA", None, (ItemId("BP", "A-100"),)),
        POLine("8", 2, "EA", None, (ItemId("VP", "SKU-A"),))), None)  # same SKU twice: one order line
    r = receive_interchange(env.uow, env.clock, env.settings, env.actor, interchange(po))
    order_id = int(r["transactions"][0]["order"][3:])
    [sid] = release.release_to_warehouse(env.uow, env.clock, env.actor, "NEAR", env.clock.today() + timedelta(30))
    with pytest.raises(Conflict) as not_yet:
        send_ship_notice(env.uow, env.clock, env.actor, sid)
    assert not_yet.value.code == "shipment_not_shipped"
    picking.create_pick_list(env.uow, env.clock, env.actor, "NEAR")
    picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, sid, [
        picking.PickConfirmation(ln["id"], ln["qty"]) for ln in get_shipment(env.uow, env.actor, sid)["lines"]])
    shipping.ship(env.uow, env.clock, env.settings, env.actor, sid)
    sh = get_shipment(env.uow, env.actor, sid)
    # Announced by itself in the transaction that shipped it; again on demand, the same notice.
    with env.uow.read() as c:
        [auto] = c.execute(select(edi_documents).where(edi_documents.c.set_code == "856")).all()
    assert (auto.direction, auto.shipment_id) == ("out", sid)
    sn = parse_856(parse_interchange(auto.content).groups[0].sets[0])
    doc = send_ship_notice(env.uow, env.clock, env.actor, sid)
    assert parse_856(parse_interchange(doc["content"]).groups[0].sets[0]) == sn
    assert (sn.shipment_number, sn.tracking_number, sn.carrier_code, sn.carrier_name) == (
        sh["number"], sh["tracking_number"], sh["freight"]["carrier"], sh["freight"]["carrier_name"])
    assert sn.gross_weight_kg == Decimal(sh["weight_kg"]) and sn.lading_qty == 6
    assert sn.shipped_at == sh["shipped_at"].replace(second=0, microsecond=0)
    assert sn.estimated_delivery == sh["freight"]["estimated_delivery"]
    assert sn.ship_from == ("NEAR DC", "NEAR") and sn.ship_to == ("Main", "MAIN")
    [so] = sn.orders
    assert (so.po_number, so.order_number) == ("PO-SHIP", f"SO-{order_id:07d}")
    assert [(i.line_id, i.item_ids, i.qty, i.unit) for i in so.items] == [
        ("7", (ItemId("BP", "A-100"),), 4, "EA"), ("8", (ItemId("VP", "SKU-A"),), 2, "EA")]


def test_an_order_not_placed_by_edi_is_acknowledged_with_our_lines(edi):
    env = edi
    order_id = order(edi, [("SKU-A", 3)])
    ack = parse_855(parse_interchange(acknowledge_order(env.uow, env.clock, env.actor, order_id)["content"])
                    .groups[0].sets[0])
    [ln] = ack.lines
    assert (ack.po_number, ln.line_id, ln.item_ids, ln.unit, ln.statuses[0].code) == (
        f"SO-{order_id:07d}", "1", (ItemId("VP", "SKU-A"),), "EA", "IA")
    with pytest.raises(ValidationFailed) as no_partner:
        acknowledge_order(env.uow, env.clock, env.actor, order(edi, [("SKU-A", 1)], customer="CUST2"))
    assert no_partner.value.code == "no_trading_partner"


def test_resent_interchange_and_resent_po_create_no_second_order(edi):
    env = edi
    text = interchange(PO, control=5)
    first = receive_interchange(env.uow, env.clock, env.settings, env.actor, text)
    before = counts(env)
    again = receive_interchange(env.uow, env.clock, env.settings, env.actor, text)
    assert again["replayed"] and again["transactions"] == first["transactions"]
    assert counts(env) == before
    with pytest.raises(Conflict) as reused:
        receive_interchange(env.uow, env.clock, env.settings, env.actor, text.replace("PO1*1*10", "PO1*1*11"))
    assert reused.value.code == "edi_control_reused"
    resent_po = receive_interchange(env.uow, env.clock, env.settings, env.actor, interchange(PO, control=6))
    [t] = resent_po["transactions"]
    assert (t["status"], t["order"], t["error"]["code"]) == ("duplicate", first["transactions"][0]["order"],
                                                             "duplicate_purchase_order")
    with env.uow.read() as c:
        assert c.execute(select(func.count()).select_from(orders)).scalar_one() == 1
    assert parse_997(parse_interchange(resent_po["acknowledgment"]["content"]).groups[0].sets[0]).status == "A"


def _rejected(env, text, code):
    before = counts(env)
    r = receive_interchange(env.uow, env.clock, env.settings, env.actor, text)
    after = counts(env)
    assert r["status"] == "rejected"
    [t] = r["transactions"]
    assert t["status"] == "rejected" and t["order"] is None and t["error"]["code"] == code, t
    # Only the record of the interchange, its set and the 997 were written: no order, no stock touched.
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {"edi_documents": 2,
                                                                               "edi_transactions": 1}
    return t["error"]["message"], parse_997(parse_interchange(r["acknowledgment"]["content"]).groups[0].sets[0])


def test_malformed_quantity_rejects_the_set_with_segment_and_element(edi):
    message, g = _rejected(edi, interchange(PO).replace("PO1*2*8*", "PO1*2*x*"), "edi_invalid")
    assert message == "segment 9 (PO1), element 02: quantity 'x' is not a number"
    assert g.status == "R"
    [s] = g.sets
    assert (s.status, s.error_codes, s.segments[0].tag, s.segments[0].position) == ("R", ("5",), "PO1", 7)
    assert (s.segments[0].elements[0].position, s.segments[0].elements[0].code,
            s.segments[0].elements[0].value) == (2, "6", "x")


def test_unknown_item_unit_and_ship_to_are_located(edi):
    msg, _ = _rejected(edi, interchange(PO).replace("BP*A-100", "BP*A-999"), "unknown_item")
    assert msg.startswith("segment 7 (PO1), element 07: no product for BP 'A-999'")
    msg, _ = _rejected(edi, interchange(PO, control=2).replace("PO1*1*10*EA", "PO1*1*10*CA"), "unit_mismatch")
    assert msg == "segment 7 (PO1), element 03: unit of measure 'CA' does not match the unit of SKU-A ('ea')"
    msg, _ = _rejected(edi, interchange(PO, control=3).replace("92*STORE-7", "92*STORE-8"), "unknown_ship_to")
    assert msg.startswith("segment 6 (N1), element 04: ship-to 'STORE-8'")


def test_a_refusal_of_the_order_service_is_pointed_at_its_line(edi):
    env = edi
    md.update_product(env.uow, env.actor, "SKU-B", {"active": False})
    msg, g = _rejected(env, interchange(PO), "inactive_product")
    assert msg == "segment 9 (PO1), element 07: product 'SKU-B' is not sold"
    assert g.sets[0].segments[0].position == 7


def test_one_bad_set_does_not_stop_the_good_one(edi):
    env = edi
    bad = build_850(PurchaseOrder("PO-BAD", date(2026, 3, 1), (POLine("1", 1, "EA", None, (ItemId("BP", "NOPE"),)),)))
    r = receive_interchange(env.uow, env.clock, env.settings, env.actor, interchange(PO, sets=[build_850(PO), bad]))
    assert r["status"] == "partially_accepted"
    assert [t["status"] for t in r["transactions"]] == ["accepted", "rejected"]
    g = parse_997(parse_interchange(r["acknowledgment"]["content"]).groups[0].sets[0])
    assert (g.status, g.received, g.accepted, [s.status for s in g.sets]) == ("P", 2, 1, ["A", "R"])
    with env.uow.read() as c:
        assert c.execute(select(func.count()).select_from(orders)).scalar_one() == 1


def test_bad_group_trailer_rejects_its_sets(edi):
    env = edi
    r = receive_interchange(env.uow, env.clock, env.settings, env.actor,
                            interchange(PO).replace("GE*1*1~", "GE*2*1~"))
    assert r["status"] == "rejected" and r["transactions"][0]["error"]["code"] == "edi_invalid_group"
    g = parse_997(parse_interchange(r["acknowledgment"]["content"]).groups[0].sets[0])
    assert (g.status, g.error_codes, g.sets) == ("R", ("5",), ())


@pytest.mark.parametrize("change, code, message", [
    (lambda t: t.replace("IEA*1*000000001", "IEA*1*000000002"), "edi_invalid", "does not match ISA13"),
    (lambda t: t.replace("ACMEBUY", "STRANGER"), "unknown_partner", "no trading partner with sender id ZZ/STRANGER"),
    (lambda t: t.replace("ORDERCARE      *", "SOMEONEELSE    *", 1), "edi_wrong_receiver", "addressed to ZZ/"),
    (lambda t: "PO*1~", "edi_not_x12", "does not start with an ISA segment"),
])
def test_a_broken_envelope_is_refused_whole_and_nothing_is_recorded(edi, change, code, message):
    env = edi
    before = counts(env)
    with pytest.raises(X12Error) as caught:
        receive_interchange(env.uow, env.clock, env.settings, env.actor, change(interchange(PO)))
    assert caught.value.code == code and message in caught.value.message
    assert counts(env) == before


def test_control_numbers_to_a_partner_follow_each_other(edi):
    env = edi
    receive_interchange(env.uow, env.clock, env.settings, env.actor, interchange(PO, control=1))
    with env.uow.read() as c:
        order_id = c.execute(select(edi_transactions.c.order_id)).scalar_one()
    acknowledge_order(env.uow, env.clock, env.actor, order_id)
    acknowledge_order(env.uow, env.clock, env.actor, order_id)
    with env.uow.read() as c:
        sent = c.execute(select(edi_documents.c.set_code, edi_documents.c.control)
                         .where(edi_documents.c.direction == "out").order_by(edi_documents.c.id)).all()
    assert [tuple(r) for r in sent] == [("997", "000000001"), ("855", "000000002"), ("855", "000000003"),
                                        ("855", "000000004")]


def test_partner_setup_is_validated(edi):
    env = edi
    with pytest.raises(Conflict):
        ep.create_partner(env.uow, env.clock, env.actor, ep.PartnerData("OTHER", "CUST2", "ZZ", "ACMEBUY"))
    with pytest.raises(ValidationFailed) as bad_id:
        ep.create_partner(env.uow, env.clock, env.actor, ep.PartnerData("X", "CUST2", "ZZ", "WAY*TOO*LONG*ID*1"))
    assert bad_id.value.field == "isa_id"
    with pytest.raises(ValidationFailed) as bad_sku:
        ep.set_item_references(env.uow, env.actor, "ACME", [ep.ItemReference("BP", "Z", "SKU-A"),
                                                             ep.ItemReference("BP", "Y", "NOPE")])
    assert bad_sku.value.field == "items[1].sku"
    p = ep.get_partner(env.uow, env.actor, "ACME")
    assert {(i["kind"], i["value"], i["sku"]) for i in p["items"]} == {("BP", "A-100", "SKU-A"),
                                                                        ("UP", "00012345678905", "SKU-B")}
    assert p["locations"] == [{"code": "STORE-7", "ship_to": "DEPOT"}]
