"""Billing's reads done at once or by another route give what the one-at-a-time reads gave, on SQLite and
PostgreSQL: the ship-to parties of an 810 (one read for all its ship-tos), a customer's goods to bill (its
shipments among those with a line to bill), and an application that settles and marks paid in one UPDATE."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import NoResultFound

from ordercare.domain.access import SYSTEM
from ordercare.domain.cash import Allocation, Applied
from ordercare.domain.errors import Conflict
from ordercare.domain.payment_terms import Settlement
from ordercare.integrations.x12.invoice import BUYER_ASSIGNED, SELLER_ASSIGNED, Location
from ordercare.services import billing_setup, invoicing, ledger, payments
from ordercare.services import edi_partners as ep
from ordercare.services import master_data as md
from ordercare.services.edi_outbound import ship_to_parties
from ordercare.store.billing_tables import applications, invoices
from ordercare.store.edi_tables import partner_locations, trading_partners
from ordercare.store.fulfilment_tables import shipments
from ordercare.store.tables import customers, ship_tos
from tests.factories import carriers, shipment_at, world
from tests.services.helpers import FINANCE

D = Decimal


def _party_one_by_one(conn, partner_id: int, ship_to_id: int) -> Location:
    """ship_to_party as it was: two queries per ship-to."""
    st = conn.execute(select(ship_tos.c.name, ship_tos.c.code).where(ship_tos.c.id == ship_to_id)).one()
    theirs = conn.execute(select(partner_locations.c.code).where(
        partner_locations.c.partner_id == partner_id, partner_locations.c.ship_to_id == ship_to_id)
        .order_by(partner_locations.c.code)).scalar()
    return Location(st.name, BUYER_ASSIGNED, theirs) if theirs else Location(st.name, SELLER_ASSIGNED, st.code)


def test_ship_to_parties_in_one_read_are_the_one_by_one_parties(env):
    world(env, customers=("CUST1", "CUST2"))
    for code in ("DEPOT", "SHOP", "YARD"):
        md.add_ship_to(env.uow, env.actor, "CUST1", md.ShipToData(code, code.title(), "Town", "BE", 50.0, 4.0))
    ep.create_partner(env.uow, env.clock, env.actor, ep.PartnerData("ACME", "CUST1", "ZZ", "ACMEBUY", "ACMEAPP"))
    ep.set_location(env.uow, env.actor, "ACME", "STORE-9", "DEPOT")
    ep.set_location(env.uow, env.actor, "ACME", "STORE-1", "DEPOT")  # two codes: the first in order is named
    ep.set_location(env.uow, env.actor, "ACME", "S-SHOP", "SHOP")
    with env.uow.read() as c:
        pid = c.execute(select(trading_partners.c.id)).scalar_one()
        ids = list(c.execute(select(ship_tos.c.id).order_by(ship_tos.c.id)).scalars())  # mapped, unmapped, CUST2's
        found = ship_to_parties(c, pid, ids + ids[:2])
        assert found == {i: _party_one_by_one(c, pid, i) for i in ids}
        assert {p.qualifier for p in found.values()} == {BUYER_ASSIGNED, SELLER_ASSIGNED}
        assert ship_to_parties(c, pid, []) == {}
        with pytest.raises(NoResultFound):
            ship_to_parties(c, pid, [ids[0], 10_000])


def test_a_customers_goods_to_bill_are_those_of_its_shipments_one_by_one(env):
    world(env, customers=("CUST1", "CUST2"), stock={("NEAR", "SKU-A"): 200, ("NEAR", "SKU-B"): 200})
    carriers(env)
    billing_setup.set_tax_rate(env.uow, env.actor, rate=D("21"), name="standard")
    for code in ("CUST1", "CUST2"):
        billing_setup.set_billing(env.uow, env.clock, env.actor, code, invoicing="weekly", charge_freight=False)
    for n in range(3):
        shipment_at(env, "NEAR", [("SKU-A", 1 + n), ("SKU-B", 2)], "shipped")
        shipment_at(env, "NEAR", [("SKU-B", 1 + n)], "shipped", customer="CUST2")
    env.clock.advance(days=7)
    assert len(invoicing.run_invoicing(env.uow, env.clock, FINANCE)) == 2  # that week billed: history
    for n in range(2):
        shipment_at(env, "NEAR", [("SKU-A", 3), ("SKU-B", 1 + n)], "shipped")
        shipment_at(env, "NEAR", [("SKU-A", 2 + n)], "shipped", customer="CUST2")
    shipment_at(env, "NEAR", [("SKU-A", 1)], "picked")  # not shipped: not to bill
    later = env.clock.today() + timedelta(days=1)
    with env.uow.read() as c:
        for code in ("CUST1", "CUST2"):
            cid = c.execute(select(customers.c.id).where(customers.c.code == code)).scalar_one()
            sids = c.execute(select(shipments.c.id).where(shipments.c.customer_id == cid)
                             .order_by(shipments.c.id)).scalars().all()
            one_by_one = [g for sid in sids for g in invoicing.uninvoiced_goods(c, cid, shipment_id=sid)]
            assert len(one_by_one) == (4 if code == "CUST1" else 2)  # the second week's lines
            assert [tuple(g) for g in invoicing.uninvoiced_goods(c, cid, shipped_before=later)] == \
                [tuple(g) for g in one_by_one]
            assert [tuple(g) for g in invoicing.uninvoiced_goods(c, cid)] == [tuple(g) for g in one_by_one]
            assert invoicing.uninvoiced_goods(c, cid, shipped_before=date(2000, 1, 1)) == []


def _invoice(env, invoice_id: int):
    with env.uow.read() as c:
        return c.execute(select(invoices).where(invoices.c.id == invoice_id)).one()


def test_an_application_settles_and_marks_paid_in_one_update(env):
    world(env, stock={("NEAR", "SKU-A"): 100})
    carriers(env)
    shipment_at(env, "NEAR", [("SKU-A", 5)], "shipped")  # billed per shipment: 50.00
    with env.uow.read() as c:
        inv_id = c.execute(select(invoices.c.id)).scalar_one()
    total = _invoice(env, inv_id).total

    def pay(amount: Decimal, ref: str) -> None:
        payments.record_payment(env.uow, env.clock, SYSTEM, payments.PaymentIn(
            customer="CUST1", amount=amount, currency="EUR", received_on=env.clock.today(),
            method="bank_transfer", reference=ref, allocations=[Allocation(inv_id, amount)]))

    env.clock.advance(days=40)  # past any discount: cash only
    pay(D("10.00"), "P1")
    part = _invoice(env, inv_id)
    assert (part.status, part.paid, part.open_amount) == ("open", D("10.00"), total - D("10.00"))

    # A plan made before the first payment (settling more than is open now) changes nothing.
    def stale(conn):
        ledger.apply(conn, env.clock, SYSTEM, part.customer_id, [Applied(inv_id, Settlement(total, D("0")))],
                     applied_on=env.clock.today(), payment_id=1, source_number="PAY-1")
    with pytest.raises(Conflict) as refused:
        env.uow.run(stale)
    assert refused.value.code == "invoice_changed"
    assert _invoice(env, inv_id) == part

    pay(total - D("10.00"), "P2")
    done = _invoice(env, inv_id)
    assert (done.status, done.paid, done.open_amount) == ("paid", total, D("0"))
    with env.uow.read() as c:
        assert c.execute(select(applications.c.amount).order_by(applications.c.id)).scalars().all() == \
            [D("10.00"), total - D("10.00")]
