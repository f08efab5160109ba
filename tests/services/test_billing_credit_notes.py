"""Credit notes and refunds through the composable functions other features call (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ordercare.domain.errors import DomainError, Forbidden, NotFound, ValidationFailed
from ordercare.services.credit_notes import CreditLine, raise_credit_note, raise_credit_note_in, refund, refund_in
from ordercare.services.opening_balances import record_opening_balance
from tests.factories import world
from tests.services.billing_helpers import (
    billing_snapshot, credit_note_row, customer_id, invoice_row, ledger_balance,
)
from tests.services.helpers import AGENT, FINANCE, D0

D = Decimal


def _opening(env, amount: str, *, days_ago: int = 20, code: str = "CUST1") -> int:
    return record_opening_balance(env.uow, env.clock, env.actor, customer_id=customer_id(env, code),
                                  amount=D(amount), reference=f"OB-{amount}", issued_on=D0 - timedelta(days=days_ago),
                                  due_on=D0 + timedelta(days=10 - days_ago), currency="EUR")


def test_a_credit_note_against_an_invoice_reduces_what_is_open_and_the_ledger(env):
    world(env)
    inv = _opening(env, "500.00")
    cid = customer_id(env)
    cn = raise_credit_note(env.uow, env.clock, FINANCE, customer_id=cid, reason="price agreed was 10 % lower",
                           lines=[CreditLine("Price correction", D("40.00"), tax_rate=D("21"))], invoice_id=inv,
                           source="price_correction", source_ref="email 12")
    note = credit_note_row(env, cn)
    assert (note.net_amount, note.tax_amount, note.total, note.unapplied) == (D("40.00"), D("8.40"), D("48.40"), 0)
    row = invoice_row(env, inv)
    assert (row.credited, row.open_amount, row.status) == (D("48.40"), D("451.60"), "open")
    assert ledger_balance(env) == D("451.60")


def test_credit_beyond_what_is_open_stays_as_customer_credit_and_can_be_refunded(env):
    world(env)
    inv = _opening(env, "30.00")
    cid = customer_id(env)
    cn = raise_credit_note(env.uow, env.clock, FINANCE, customer_id=cid, reason="goodwill after a late delivery",
                           lines=[CreditLine("Goodwill", D("50.00"), tax_rate=D("0"))], invoice_id=inv,
                           source="service_recovery")
    assert invoice_row(env, inv).status == "paid"
    assert credit_note_row(env, cn).unapplied == D("20.00")
    assert ledger_balance(env) == D("-20.00")  # the customer is in credit
    rf = refund(env.uow, env.clock, FINANCE, customer_id=cid, amount=D("20.00"), method="bank_transfer",
                reference="NL91 refund 1", credit_note_id=cn, source="service_recovery")
    assert rf > 0
    note = credit_note_row(env, cn)
    assert (note.unapplied, note.refunded) == (0, D("20.00"))
    assert ledger_balance(env) == 0


def test_composes_inside_another_transaction_and_rolls_back_with_it(env):
    world(env)
    cid = customer_id(env)
    before = billing_snapshot(env)

    def work(conn):
        raise_credit_note_in(conn, env.clock, env.actor, customer_id=cid, reason="return", source="return",
                             lines=[CreditLine("Returned goods", D("10.00"), tax_rate=D("0"))], currency="EUR")
        refund_in(conn, env.clock, env.actor, customer_id=cid, amount=D("10.00"), method="card", reference="r-1",
                  source="return")
        raise RuntimeError("the caller's own step failed")

    with pytest.raises(RuntimeError):
        env.uow.run(work)
    assert billing_snapshot(env) == before


@pytest.mark.parametrize("kwargs, error, code", [
    ({"lines": []}, ValidationFailed, "no_lines"),
    ({"reason": "  "}, ValidationFailed, "reason_required"),
    ({"source": "gift"}, ValidationFailed, "unknown_source"),
    ({"lines": [CreditLine("x", D("-5.00"))]}, ValidationFailed, "invalid_amount"),
    ({"lines": [CreditLine("x", D("5.001"))]}, ValidationFailed, "invalid_amount"),
    ({"lines": [CreditLine("x", D("5.00"), tax_rate=D("100"))]}, ValidationFailed, "invalid_tax_rate"),
    ({"lines": [CreditLine("x", D("5.00"), qty=0)]}, ValidationFailed, "invalid_quantity"),
    ({"invoice_id": 999}, NotFound, "invoice_not_found"),
    ({"order_id": 999}, NotFound, "order_not_found"),
    ({"customer_id": 999}, NotFound, "customer_not_found"),
])
def test_bad_credit_notes_are_refused_and_change_nothing(env, kwargs, error, code):
    world(env)
    _opening(env, "100.00")
    args = dict(customer_id=customer_id(env), reason="r", lines=[CreditLine("x", D("5.00"))], source="manual",
                currency="EUR")
    args.update(kwargs)
    before = billing_snapshot(env)
    with pytest.raises(error) as exc:
        raise_credit_note(env.uow, env.clock, FINANCE, **args)
    assert exc.value.code == code
    assert exc.value.field and exc.value.field.split(".")[0].split("[")[0] in exc.value.message
    assert billing_snapshot(env) == before


def test_another_customers_invoice_is_not_found(env):
    world(env, customers=("CUST1", "CUST2"))
    theirs = _opening(env, "100.00", code="CUST2")
    with pytest.raises(NotFound):
        raise_credit_note(env.uow, env.clock, FINANCE, customer_id=customer_id(env), reason="r", source="manual",
                          lines=[CreditLine("x", D("5.00"))], invoice_id=theirs)


def test_refund_more_than_the_credit_is_refused(env):
    world(env)
    cid = customer_id(env)
    raise_credit_note(env.uow, env.clock, FINANCE, customer_id=cid, reason="r", source="manual", currency="EUR",
                      lines=[CreditLine("x", D("5.00"), tax_rate=D("0"))])
    before = billing_snapshot(env)
    for amount, code in [(D("5.01"), "more_than_available"), (D("0"), "invalid_amount"),
                         (D("-1"), "invalid_amount")]:
        with pytest.raises(ValidationFailed) as exc:
            refund(env.uow, env.clock, FINANCE, customer_id=cid, amount=amount, method="card", reference="x",
                   source="manual")
        assert (exc.value.code, exc.value.field) == (code, "amount")
    with pytest.raises(ValidationFailed) as exc:
        refund(env.uow, env.clock, FINANCE, customer_id=cid, amount=D("1"), method="bitcoin", reference="x",
               source="manual")
    assert exc.value.code == "unknown_method"
    assert billing_snapshot(env) == before


def test_who_may_credit_and_refund(env):
    world(env)
    cid = customer_id(env)
    with pytest.raises(Forbidden):
        raise_credit_note(env.uow, env.clock, AGENT, customer_id=cid, reason="r", source="manual", currency="EUR",
                          lines=[CreditLine("x", D("5.00"))])
    with pytest.raises(Forbidden):
        refund(env.uow, env.clock, AGENT, customer_id=cid, amount=D("1"), method="card", reference="x",
               source="manual")


def test_crediting_a_paid_invoice_leaves_the_credit_unapplied(env):
    world(env)
    inv = _opening(env, "10.00")
    cid = customer_id(env)
    raise_credit_note(env.uow, env.clock, FINANCE, customer_id=cid, reason="r", source="manual", invoice_id=inv,
                      lines=[CreditLine("x", D("10.00"), tax_rate=D("0"))])
    try:
        cn = raise_credit_note(env.uow, env.clock, FINANCE, customer_id=cid, reason="again", source="manual",
                               invoice_id=inv, lines=[CreditLine("x", D("3.00"), tax_rate=D("0"))])
    except DomainError as exc:  # pragma: no cover - the assertion below says what went wrong
        pytest.fail(f"unexpected {exc.code}")
    assert credit_note_row(env, cn).unapplied == D("3.00")
    assert ledger_balance(env) == D("-3.00")
