"""What the invoice run picks up: exactly the shipped lines no live invoice carries, however many were billed
before; each line's `invoiced` marker agrees with the invoices as they stand (issued, cancelled, reissued)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from ordercare.services import billing_setup, invoicing
from ordercare.services.invariants import invoiced_marks
from ordercare.services.invoice_changes import cancel_invoice
from ordercare.store.billing_tables import invoice_lines
from ordercare.store.fulfilment_tables import shipment_lines, shipments
from tests.factories import carriers, shipment_at, world
from tests.services.helpers import FINANCE

D = Decimal


def _line_ids(env, *shipment_ids: int) -> list[int]:
    with env.uow.read() as c:
        return sorted(c.execute(select(shipment_lines.c.id).where(
            shipment_lines.c.shipment_id.in_(shipment_ids))).scalars())


def _billed_lines(env, invoice_ids) -> list[int]:
    with env.uow.read() as c:
        return sorted(c.execute(select(invoice_lines.c.shipment_line_id).where(
            invoice_lines.c.invoice_id.in_(invoice_ids), invoice_lines.c.kind == "goods")).scalars())


def marker_disagreements(env) -> list:
    with env.uow.read() as c:
        return invoiced_marks(c)


def test_a_run_after_many_billed_shipments_bills_only_the_new_and_the_cancelled(env):
    world(env, stock={("NEAR", "SKU-A"): 100, ("NEAR", "SKU-B"): 100}, customers=("CUST1", "CUST2"))
    carriers(env)
    billing_setup.set_tax_rate(env.uow, env.actor, rate=D("21"), name="standard")
    # CUST2 is billed on each shipment: a history of invoiced lines the run must leave alone.
    history = [shipment_at(env, "NEAR", [("SKU-A", 1), ("SKU-B", 1)], "shipped", customer="CUST2")
               for _ in range(6)]
    billing_setup.set_billing(env.uow, env.clock, env.actor, "CUST1", invoicing="weekly", charge_freight=False)
    first_week = [shipment_at(env, "NEAR", [("SKU-A", 2)], "shipped") for _ in range(3)]
    env.clock.advance(days=7)
    [week1] = invoicing.run_invoicing(env.uow, env.clock, FINANCE)
    assert _billed_lines(env, [week1]) == _line_ids(env, *first_week)
    assert marker_disagreements(env) == []

    assert cancel_invoice(env.uow, env.clock, FINANCE, week1, "billed to the wrong site") is None
    assert marker_disagreements(env) == []  # its lines are uninvoiced again
    second_week = [shipment_at(env, "NEAR", [("SKU-B", 1)], "shipped") for _ in range(2)]
    env.clock.advance(days=7)
    issued = invoicing.run_invoicing(env.uow, env.clock, FINANCE)
    assert len(issued) == 2  # the cancelled week again, and the new week
    assert _billed_lines(env, issued) == _line_ids(env, *first_week, *second_week)
    assert not set(_billed_lines(env, issued)) & set(_line_ids(env, *history))
    assert marker_disagreements(env) == []
    assert invoicing.run_invoicing(env.uow, env.clock, FINANCE) == []  # nothing twice

    reissued = cancel_invoice(env.uow, env.clock, FINANCE, issued[1], "wrong VAT number", reissue=True)
    assert _billed_lines(env, [reissued]) == _line_ids(env, *second_week)
    assert marker_disagreements(env) == []
    assert invoicing.run_invoicing(env.uow, env.clock, FINANCE) == []


def test_the_run_visits_only_customers_with_goods_in_a_period_that_has_ended(env):
    world(env, stock={("NEAR", "SKU-A"): 100}, customers=("CUST1", "CUST2", "CUST3"))
    carriers(env)
    billing_setup.set_billing(env.uow, env.clock, env.actor, "CUST1", invoicing="weekly", charge_freight=False)
    billing_setup.set_billing(env.uow, env.clock, env.actor, "CUST2", invoicing="monthly", charge_freight=False)
    weekly, monthly, _per_shipment = (shipment_at(env, "NEAR", [("SKU-A", 1)], "shipped", customer=c)
                                      for c in ("CUST1", "CUST2", "CUST3"))
    with env.uow.read() as c:
        customer_of = dict(c.execute(select(shipments.c.id, shipments.c.customer_id)).all())
        shipped = c.execute(select(shipments.c.shipped_at).where(shipments.c.id == weekly)).scalar_one().date()
        week_end = shipped + timedelta(days=6 - shipped.weekday())
        month_end = date(shipped.year, shipped.month, calendar.monthrange(shipped.year, shipped.month)[1])
        assert week_end < month_end  # (March 2026)
        # The per-shipment customer was invoiced at shipping; the others wait for their period's end.
        assert invoicing.customers_to_bill(c, week_end - timedelta(days=1)) == []
        assert invoicing.customers_to_bill(c, week_end) == [customer_of[weekly]]
        assert invoicing.customers_to_bill(c, month_end) == sorted([customer_of[weekly], customer_of[monthly]])
