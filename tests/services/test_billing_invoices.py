"""Invoices from shipments: per shipment inside the ship transaction, or consolidated by the invoice run;
freight and tax; the credit exposure counts an invoiced order once; cancelling and reissuing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from ordercare.domain.errors import Conflict, Forbidden, ValidationFailed
from ordercare.services import billing_setup, invoicing
from ordercare.services.invoice_changes import cancel_invoice
from ordercare.services.ledger_check import check_ledger
from ordercare.services.order_views import get_order
from ordercare.services.orders import credit_exposure
from ordercare.store.billing_tables import invoice_lines, invoices
from ordercare.store.fulfilment_tables import shipments
from tests.factories import carriers, order, shipment_at, world
from tests.services.billing_helpers import billing_snapshot, customer_id, invoice_row, ledger_balance
from tests.services.helpers import AGENT, FINANCE

D = Decimal
STOCK = {("NEAR", "SKU-A"): 100, ("NEAR", "SKU-B"): 100, ("FAR", "SKU-C"): 50}


@pytest.fixture
def billed(env):
    world(env, stock=STOCK)
    carriers(env)
    billing_setup.set_tax_rate(env.uow, env.actor, rate=D("21"), name="standard")
    billing_setup.set_tax_rate(env.uow, env.actor, rate=D("9"), name="reduced", sku="SKU-B")
    return env


def _invoices(env) -> list:
    with env.uow.read() as c:
        return c.execute(select(invoices).order_by(invoices.c.id)).all()


def _lines(env, invoice_id: int) -> list:
    with env.uow.read() as c:
        return c.execute(select(invoice_lines).where(invoice_lines.c.invoice_id == invoice_id)
                         .order_by(invoice_lines.c.line_no)).all()


def _freight(env, sid: int) -> Decimal:
    with env.uow.read() as c:
        return c.execute(select(shipments.c.freight_cost).where(shipments.c.id == sid)).scalar_one()


def test_shipping_invoices_the_shipped_units_with_freight_and_tax(billed):
    env = billed
    sid = shipment_at(env, "NEAR", [("SKU-A", 3), ("SKU-B", 2)], "shipped")
    [inv] = _invoices(env)
    lines = _lines(env, inv.id)
    assert [(ln.kind, ln.sku, ln.qty, ln.unit_price, ln.net_amount, ln.tax_rate) for ln in lines[:2]] == [
        ("goods", "SKU-A", 3, D("10.00"), D("30.00"), D("21.00")),
        ("goods", "SKU-B", 2, D("10.00"), D("20.00"), D("9.00"))]
    freight = _freight(env, sid)
    assert (lines[2].kind, lines[2].net_amount, lines[2].tax_rate) == ("freight", freight, D("21.00"))
    # Tax per rate, rounded half-up: 21 % of (30.00 + freight), 9 % of 20.00.
    tax = (((D("30.00") + freight) * D("0.21")).quantize(D("0.01"), "ROUND_HALF_UP") + D("1.80"))
    assert (inv.net_amount, inv.tax_amount, inv.total) == (D("50.00") + freight, tax, D("50.00") + freight + tax)
    # CUST1 is on package B: 3/10 net 30 from the invoice date.
    assert (inv.terms, inv.discount_pct, inv.issued_on) == ("3/10 net 30", D("3.00"), env.clock.today())
    assert (inv.discount_until, inv.due_on) == (env.clock.today() + timedelta(10), env.clock.today() + timedelta(30))
    assert inv.bill_to["name"] == "Customer CUST1" and inv.bill_to["city"] == "Town"
    assert ledger_balance(env) == inv.total
    # The order is invoiced once: its goods are now in the receivables, not also in the open orders.
    oid = lines[0].order_id
    with env.uow.read() as c:
        assert credit_exposure(c, customer_id(env)) == (inv.total, D("0"))
    kinds = [e["kind"] for e in get_order(env.uow, env.actor, oid)["timeline"]]
    assert kinds.index("shipped") < kinds.index("invoiced")
    assert check_ledger(env.uow, env.actor)["balanced"]


def test_a_partly_shipped_order_counts_its_uninvoiced_rest_as_open_order(billed):
    env = billed
    oid = order(env, [("SKU-A", 4), ("SKU-C", 2)])  # A from NEAR, C from FAR: two shipments
    from ordercare.services import picking, release, shipment_views, shipping
    [sid] = release.release_to_warehouse(env.uow, env.clock, env.actor, "NEAR", env.clock.today() + timedelta(30))
    picking.create_pick_list(env.uow, env.clock, env.actor, "NEAR")
    picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, sid, [
        picking.PickConfirmation(ln["id"], ln["qty"]) for ln in shipment_views.get_shipment(env.uow, env.actor,
                                                                                            sid)["lines"]])
    shipping.ship(env.uow, env.clock, env.settings, env.actor, sid)
    [inv] = _invoices(env)
    with env.uow.read() as c:
        ar, open_orders = credit_exposure(c, customer_id(env))
    assert ar == inv.total
    assert open_orders == D("20.00")  # the two units of SKU-C not shipped yet, at the order price
    assert get_order(env.uow, env.actor, oid)["status"] == "partially_shipped"


def test_monthly_customers_accumulate_until_the_run_after_the_month_ends(billed):
    env = billed
    billing_setup.set_billing(env.uow, env.clock, env.actor, "CUST1", invoicing="monthly", charge_freight=False)
    shipment_at(env, "NEAR", [("SKU-A", 1)], "shipped")
    env.clock.advance(days=3)
    shipment_at(env, "NEAR", [("SKU-A", 2)], "shipped")
    assert _invoices(env) == []
    with env.uow.read() as c:
        assert credit_exposure(c, customer_id(env)) == (D("0"), D("30.00"))  # shipped, not invoiced: open orders
    # A run in the middle of the month leaves the month alone.
    assert invoicing.run_invoicing(env.uow, env.clock, FINANCE) == []
    env.clock.set(env.clock.now().replace(month=4, day=1))
    [inv_id] = invoicing.run_invoicing(env.uow, env.clock, FINANCE)
    inv = invoice_row(env, inv_id)
    assert (inv.period_from, inv.period_to) == (date(2026, 3, 1), date(2026, 3, 31))
    assert [ln.kind for ln in _lines(env, inv_id)] == ["goods", "goods"]  # no freight: its terms do not charge it
    assert inv.net_amount == D("30.00") and inv.tax_amount == D("6.30")
    assert invoicing.run_invoicing(env.uow, env.clock, FINANCE) == []  # nothing twice
    with env.uow.read() as c:
        assert credit_exposure(c, customer_id(env)) == (D("36.30"), D("0"))


def test_the_run_refuses_a_future_day_and_the_desk(billed):
    env = billed
    with pytest.raises(ValidationFailed) as exc:
        invoicing.run_invoicing(env.uow, env.clock, FINANCE, env.clock.today() + timedelta(1))
    assert (exc.value.code, exc.value.field) == ("through_in_future", "through")
    with pytest.raises(Forbidden):
        invoicing.run_invoicing(env.uow, env.clock, AGENT)


def test_cancel_and_reissue_after_a_customer_data_fix(billed):
    env = billed
    shipment_at(env, "NEAR", [("SKU-A", 2)], "shipped")
    [old] = _invoices(env)
    new = cancel_invoice(env.uow, env.clock, FINANCE, old.id, "wrong VAT number", reissue=True)
    assert invoice_row(env, old.id).status == "cancelled"
    reissued = invoice_row(env, new)
    assert (reissued.total, reissued.status) == (old.total, "open")
    assert [ln.shipment_line_id for ln in _lines(env, new)] == [ln.shipment_line_id for ln in _lines(env, old.id)]
    assert ledger_balance(env) == old.total  # +old −old +new
    with env.uow.read() as c:
        assert credit_exposure(c, customer_id(env))[1] == D("0")
    assert check_ledger(env.uow, env.actor)["balanced"]


def test_a_cancelled_invoice_is_invoiced_again_by_the_run_and_cannot_be_cancelled_twice(billed):
    env = billed
    shipment_at(env, "NEAR", [("SKU-A", 2)], "shipped")
    [old] = _invoices(env)
    assert cancel_invoice(env.uow, env.clock, FINANCE, old.id, "billed to the wrong site") is None
    with env.uow.read() as c:
        assert credit_exposure(c, customer_id(env)) == (D("0"), D("20.00"))
    before = billing_snapshot(env)
    with pytest.raises(Conflict) as exc:
        cancel_invoice(env.uow, env.clock, FINANCE, old.id, "again")
    assert exc.value.code == "invoice_cancelled"
    assert billing_snapshot(env) == before
    [new] = invoicing.run_invoicing(env.uow, env.clock, FINANCE)
    assert invoice_row(env, new).total == old.total
