"""The demo company's billing and cash, through the real services.

Set-up: 21 % standard tax (9 % on hospital supplies, 0 % between the firm's own sites); segment A customers
are invoiced weekly without freight, a third of B weekly, the rest per shipment with freight charged; balances
brought forward from the old system, older for the customers who pay late.

Each evening of the history: the invoice run (weekly invoices once the week is over), the day's payments by
each segment's habit, now and then a customer disputing a price, and the dunning run. Habits, per invoice:
A pays 4–9 days after the invoice date and takes the discount; B mostly within the discount days, otherwise
around the due date; C sometimes early by card, more often late, a few not at all — so that aging and DSO
have something to show. Each invoice's fate comes from its own seeded random generator, so the history's
other draws (orders, picks) are unchanged by it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from ..clock import FixedClock
from ..domain.access import SYSTEM, Actor, Role
from ..domain.cash import Allocation
from ..domain.credit_notes import CreditLine
from ..domain.errors import DomainError
from ..domain.invoicing import Invoicing
from ..domain.payment_terms import settle
from ..services import billing_setup, invoicing, payments, receivables
from ..services.invoice_changes import raise_dispute, resolve_dispute
from ..services.opening_balances import record_opening_balance_in
from ..store.billing_tables import invoice_disputes, invoices
from ..store.db import UnitOfWork
from ..store.tables import customers as customer_table

# Days after the invoice date a payment arrives, by segment: (share, first day, last day, takes discount).
HABITS = {
    "A": [(1.0, 4, 9, True)],
    "B": [(0.6, 6, 10, True), (0.4, 24, 36, False)],
    "C": [(0.2, 2, 10, True), (0.5, 28, 60, False), (0.3, None, None, False)],  # None: not within the history
}
# How old the balances brought forward are, by segment (days before the history starts).
OPENING_AGE = {"A": (3, 25), "B": (3, 70), "C": (10, 150)}


def set_up(uow: UnitOfWork, clock: FixedClock, customers: list[dict], items: list[dict], rng: random.Random) -> None:
    billing_setup.set_tax_rate(uow, SYSTEM, rate=Decimal("21"), name="standard")
    for p in items:
        if p["category"] == "Hospital supplies":
            billing_setup.set_tax_rate(uow, SYSTEM, rate=Decimal("9"), name="reduced (medical)", sku=p["sku"])
    for c in customers:
        if c["trade"] == "internal":
            billing_setup.set_tax_rate(uow, SYSTEM, rate=Decimal("0"), name="intra-company", customer=c["code"])
            billing_setup.set_billing(uow, clock, SYSTEM, c["code"], invoicing=Invoicing.PER_SHIPMENT,
                                      charge_freight=False)
        elif c["segment"] == "A" or (c["segment"] == "B" and rng.random() < 0.33):
            billing_setup.set_billing(uow, clock, SYSTEM, c["code"], invoicing=Invoicing.WEEKLY,
                                      charge_freight=c["segment"] != "A")


def opening_balances(uow: UnitOfWork, clock: FixedClock, customers: list[dict], rng: random.Random) -> None:
    """Balances brought forward from the old system: open items, older for the customers who pay late."""

    def work(conn) -> None:
        ids = dict(conn.execute(select(customer_table.c.code, customer_table.c.id)).all())
        for c in customers:
            if c["trade"] == "internal" or rng.random() >= 0.6:
                continue
            for n in range(rng.choice([1, 1, 2, 3])):
                age = rng.randint(*OPENING_AGE[c["segment"]])
                issued = clock.today() - timedelta(days=age)
                record_opening_balance_in(conn, clock, SYSTEM, customer_id=ids[c["code"]],
                                          amount=Decimal(rng.randint(200, 8_000)), reference=f"OB-{c['code']}-{n + 1}",
                                          issued_on=issued, due_on=issued + timedelta(days=30), currency="EUR")
    uow.run(work)


def billing_day(uow: UnitOfWork, clock: FixedClock, segments: dict[str, str]) -> None:
    """The evening's billing: invoice run, payments by habit, a dispute now and then, reminders."""
    today = clock.today()
    invoicing.run_invoicing(uow, clock, SYSTEM)
    with uow.read() as conn:
        codes = dict(conn.execute(select(customer_table.c.id, customer_table.c.code)).all())
        open_rows = conn.execute(select(invoices).where(invoices.c.status == "open").order_by(invoices.c.id)).all()
        disputed = set(conn.execute(select(invoice_disputes.c.invoice_id)).scalars())
    remittances: dict[int, list[Allocation]] = defaultdict(list)
    for inv in open_rows:
        segment = segments.get(codes[inv.customer_id])
        if segment is None:  # internal sites are settled by internal transfer, not here
            continue
        pay_on, discount, half = _pay_day(inv, segment)
        if inv.issued_on == today and inv.kind == "invoice" and random.Random(inv.id).random() < 0.03:
            _dispute(uow, clock, inv, codes[inv.customer_id])
        if pay_on != today or inv.id in disputed:
            continue
        s = settle(open_amount=inv.open_amount, discount_base=inv.total - inv.credited,
                   discount_pct=inv.discount_pct if discount else Decimal("0"), discount_until=inv.discount_until,
                   paid_on=today, offered=inv.open_amount)
        cash = (s.cash / 2).quantize(Decimal("0.01")) if half and inv.paid == 0 else s.cash
        if cash > 0:
            remittances[inv.customer_id].append(Allocation(inv.id, cash))
    for cid, allocations in remittances.items():
        amount = sum((a.amount for a in allocations), Decimal("0"))
        extra = Decimal(random.Random(cid + today.toordinal()).choice([0] * 30 + [5, 10]))  # rounded up: credit
        try:
            payments.record_payment(uow, clock, SYSTEM, payments.PaymentIn(
                customer=codes[cid], amount=amount + extra, currency="EUR", received_on=today,
                method="card" if segments[codes[cid]] == "C" else "bank_transfer",
                reference=f"{codes[cid]}-{today:%Y%m%d}", allocations=allocations))
        except DomainError:
            continue
    _resolve_disputes(uow, clock)
    receivables.run_dunning(uow, clock, SYSTEM)


def _pay_day(inv, segment: str) -> tuple[date | None, bool, bool]:
    r = random.Random(inv.id * 7919)
    if inv.kind == "opening":  # old balances: A and B clear them within the first week, C within two months
        first, last = (1, 6) if segment != "C" else (5, 60)
        return (None if segment == "C" and r.random() < 0.4
                else inv.created_at.date() + timedelta(days=r.randint(first, last))), False, False
    x = r.random()
    for share, first, last, discount in HABITS[segment]:
        if x < share:
            if first is None:
                return None, False, False
            half = segment == "C" and r.random() < 0.15
            # A half payment now, the rest a fortnight later.
            day = inv.issued_on + timedelta(days=r.randint(first, last))
            return (day + timedelta(days=14) if half and inv.paid > 0 else day), discount, half
        x -= share
    return None, False, False


def _dispute(uow: UnitOfWork, clock: FixedClock, inv, code: str) -> None:
    buyer = Actor(None, f"portal:{code}", Role.CUSTOMER, inv.customer_id)
    try:
        raise_dispute(uow, clock, buyer, inv.id, category="wrong_price",
                      description="The price on the invoice is not the price we agreed.")
    except DomainError:
        pass


def _resolve_disputes(uow: UnitOfWork, clock: FixedClock) -> None:
    """Finance answers disputes two days after they came in: most upheld with a 5 % price correction."""
    with uow.read() as conn:
        due = conn.execute(select(invoice_disputes.c.id, invoices.c.net_amount).join(
            invoices, invoices.c.id == invoice_disputes.c.invoice_id).where(
            invoice_disputes.c.status == "open",
            invoice_disputes.c.raised_at <= clock.now() - timedelta(days=2))).all()
    for dispute_id, net in due:
        upheld = random.Random(dispute_id).random() < 0.7
        credit = (net * Decimal("0.05")).quantize(Decimal("0.01"))
        try:
            resolve_dispute(uow, clock, SYSTEM, dispute_id, outcome="upheld" if upheld else "rejected",
                            resolution="price list corrected: 5 % credited" if upheld
                            else "the price on the invoice is the contract price",
                            credit=[CreditLine("Price correction 5 %", credit)] if upheld and credit > 0 else None)
        except DomainError:
            pass
