"""Dispositions and stock: restock raises sellable stock (ATP, back-orders), the rest stays non-sellable;
repair and send back; no unit is lost. On SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ordercare.domain.errors import ValidationFailed
from ordercare.services import return_handling as rh
from ordercare.services import return_resolution, return_views, returns
from ordercare.services.availability import availability
from ordercare.services.invariants_stock import returned_units
from ordercare.services.order_views import get_order
from ordercare.store.tables import stock_moves
from tests.factories import carriers, order, world
from tests.services.service_helpers import AGENT, WAREHOUSE, buckets, delivered_with_damage, stock_of


@pytest.fixture
def returned(env):
    """CUST1 had 4 × SKU-A delivered from NEAR (none left there); 4 come back and are received."""
    world(env, stock={("NEAR", "SKU-A"): 4})
    carriers(env)
    order_id, _ = delivered_with_damage(env, damaged=0)
    return_id = returns.request_return(env.uow, env.clock, AGENT, order_id,
                                       [returns.ReturnLineRequest(1, 4, "not_needed")])
    returns.authorise_return(env.uow, env.clock, AGENT, return_id)
    line = return_views.get_return(env.uow, AGENT, return_id)["lines"][0]["id"]
    rh.receive_return(env.uow, env.clock, WAREHOUSE, return_id, [rh.ReceivedLine(line, 4)])
    return env, order_id, return_id, line


def _atp_now(env, sku="SKU-A", wh="NEAR") -> int:
    a = availability(env.uow, env.clock, env.settings, AGENT, sku, qty=1)
    return next(w["atp_now"] for w in a["warehouses"] if w["warehouse"] == wh)


def test_restock_raises_sellable_stock_and_serves_back_orders(returned):
    env, _, return_id, line = returned
    assert stock_of(env, "NEAR", "SKU-A") == (0, 0) and buckets(env, "NEAR", "SKU-A") == {"inspection": 4}
    waiting = order(env, [("SKU-A", 1)], customer="CUST1")
    assert get_order(env.uow, AGENT, waiting)["status"] == "backordered"
    result = rh.inspect_return(env.uow, env.clock, env.settings, WAREHOUSE, return_id, [
        rh.DispositionLine(line, "restock", 2), rh.DispositionLine(line, "refurbish", 1),
        rh.DispositionLine(line, "parts", 1)])
    assert result["awaiting_inspection"] == 0
    assert stock_of(env, "NEAR", "SKU-A") == (2, 1)  # the back-order took one restocked unit
    assert _atp_now(env) == 1
    assert get_order(env.uow, AGENT, waiting)["status"] == "allocated"
    assert buckets(env, "NEAR", "SKU-A") == {"refurbish": 1, "parts": 1}
    with env.uow.read() as c:
        assert c.execute(select(stock_moves.c.qty).where(stock_moves.c.kind == "return")).scalars().all() == [2]
    assert return_views.get_return(env.uow, AGENT, return_id)["status"] == "inspected"
    _assert_conserved(env)


def test_non_sellable_dispositions_leave_atp_alone(returned):
    env, _, return_id, line = returned
    rh.inspect_return(env.uow, env.clock, env.settings, WAREHOUSE, return_id, [
        rh.DispositionLine(line, "scrap", 1), rh.DispositionLine(line, "repair", 1),
        rh.DispositionLine(line, "return_to_supplier", 1)])
    assert stock_of(env, "NEAR", "SKU-A") == (0, 0) and _atp_now(env) == 0
    assert buckets(env, "NEAR", "SKU-A") == {"scrap": 1, "repair": 1, "return_to_supplier": 1, "inspection": 1}
    assert return_views.get_return(env.uow, AGENT, return_id)["status"] == "received"  # one still to inspect
    _assert_conserved(env)


def test_repair_and_send_back(returned):
    env, order_id, return_id, line = returned
    rh.inspect_return(env.uow, env.clock, env.settings, WAREHOUSE, return_id, [
        rh.DispositionLine(line, "repair", 3), rh.DispositionLine(line, "scrap", 1)])
    r = return_resolution.resolve_return(env.uow, env.clock, env.settings, AGENT, return_id, "repair_and_return")
    back = get_order(env.uow, AGENT, r["replacement_order_id"])
    assert [(ln["sku"], ln["qty"], ln["qty_promised"]) for ln in back["lines"]] == [("SKU-A", 3, 3)]
    assert buckets(env, "NEAR", "SKU-A") == {"scrap": 1}
    assert stock_of(env, "NEAR", "SKU-A") == (3, 3)  # repaired units on the shelf, reserved for the customer
    assert return_views.get_return(env.uow, AGENT, return_id)["status"] == "resolved"
    _assert_conserved(env)


def test_repair_and_return_needs_a_unit_in_repair(returned):
    env, _, return_id, line = returned
    rh.inspect_return(env.uow, env.clock, env.settings, WAREHOUSE, return_id, [rh.DispositionLine(line, "scrap", 4)])
    with pytest.raises(ValidationFailed) as exc:
        return_resolution.resolve_return(env.uow, env.clock, env.settings, AGENT, return_id, "repair_and_return")
    assert exc.value.code == "nothing_in_repair"
    assert return_views.get_return(env.uow, AGENT, return_id)["status"] == "inspected"


def test_receiving_more_than_authorised_is_refused(returned):
    env, _, return_id, line = returned
    with pytest.raises(ValidationFailed) as exc:
        rh.receive_return(env.uow, env.clock, WAREHOUSE, return_id, [rh.ReceivedLine(line, 1)])
    assert (exc.value.code, exc.value.field) == ("receive_more_than_authorised", "lines[0].qty")


def _assert_conserved(env) -> None:
    """Units received back = units restocked + units in non-sellable buckets (the invariant checker's own check,
    per warehouse and SKU, moves and positions agreeing)."""
    with env.uow.read() as c:
        assert returned_units(c) == []


def test_a_return_resolved_by_credit_note_credits_the_received_units_less_the_fee(returned):
    env, order_id, return_id, line = returned
    rh.inspect_return(env.uow, env.clock, env.settings, WAREHOUSE, return_id, [rh.DispositionLine(line, "restock", 4)])
    # A refund needs money to pay back: the invoice is still open, so the credit settles it instead.
    with pytest.raises(ValidationFailed) as exc:
        return_resolution.resolve_return(env.uow, env.clock, env.settings, AGENT, return_id, "refund",
                                         refund_method="bank_transfer", refund_reference="RF-1")
    assert exc.value.code == "nothing_to_refund"
    assert return_views.get_return(env.uow, AGENT, return_id)["status"] == "inspected"
    r = return_resolution.resolve_return(env.uow, env.clock, env.settings, AGENT, return_id, "credit_note")
    from ordercare.store.billing_tables import credit_note_lines, credit_notes
    with env.uow.read() as c:
        note = c.execute(select(credit_notes).where(credit_notes.c.id == r["credit_note_id"])).one()
        lines = c.execute(select(credit_note_lines.c.qty, credit_note_lines.c.net_amount)
                          .where(credit_note_lines.c.credit_note_id == note.id)).all()
    assert (note.source, note.order_id) == ("return", order_id)
    assert lines == [(4, Decimal("34.00"))]  # 4 × 10.00 less the 15 % restocking fee (not needed: customer's choice)
    assert return_views.get_return(env.uow, AGENT, return_id)["credit_note_id"] == note.id


def test_a_paid_order_returned_is_refunded_what_the_credit_note_holds(returned):
    from ordercare.domain.access import SYSTEM
    from ordercare.services.payments import PaymentIn, record_payment
    from ordercare.store.billing_tables import credit_notes, invoices, refunds
    env, order_id, return_id, line = returned
    with env.uow.read() as c:
        total = c.execute(select(func.sum(invoices.c.total))).scalar_one()  # CUST1's delivery, invoiced at shipping
    record_payment(env.uow, env.clock, SYSTEM, PaymentIn("CUST1", total, "EUR", env.clock.today(), "bank_transfer",
                                                         "BANK-1"))
    rh.inspect_return(env.uow, env.clock, env.settings, WAREHOUSE, return_id, [rh.DispositionLine(line, "restock", 4)])
    r = return_resolution.resolve_return(env.uow, env.clock, env.settings, AGENT, return_id, "refund",
                                         refund_method="bank_transfer", refund_reference="RF-RMA-1")
    with env.uow.read() as c:
        note = c.execute(select(credit_notes).where(credit_notes.c.id == r["credit_note_id"])).one()
        refund = c.execute(select(refunds).where(refunds.c.id == r["refund_id"])).one()
    assert note.net_amount == Decimal("34.00") and refund.amount == note.total
    assert (refund.source, refund.source_ref, refund.credit_note_id) == ("return", "RMA-0000001", note.id)
