"""The evening's billing and cash, through the real services: the invoice run (weekly and monthly invoices
once their period is over), the payments that arrive today by each customer's habit (habits.py), the odd
price dispute and finance's answer two days later, internal sites settled at month end, and the dunning run;
a final notice makes some late payers pay after all."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from ..domain.cash import Allocation
from ..domain.credit_notes import CreditLine
from ..domain.payment_terms import settle
from ..services import invoicing, payments, receivables
from ..services.invoice_changes import raise_dispute, resolve_dispute
from ..store.billing_tables import invoice_disputes, invoices
from .habits import pays_after_final_notice, plan_payment
from .world import REFUSED, World


_OPEN_COLUMNS = [invoices.c[k] for k in ("id", "customer_id", "kind", "issued_on", "due_on", "discount_until",
                                          "discount_pct", "total", "credited", "paid", "open_amount", "dunning_level")]


def billing_day(world: World) -> None:
    clock, today = world.clock, world.clock.today()
    issued = world.attempt("invoice run", lambda: invoicing.run_invoicing(world.uow, clock, world.finance))
    if issued is not REFUSED:
        world.tally["invoices"] += len(issued)
    codes = {v: k for k, v in world.ids.items()}
    with world.uow.read() as conn:
        # What deciding today's payments needs, not the whole invoice (its bill-to is JSON to decode): every
        # open invoice is looked at every evening, and the unpaid ones pile up over a year.
        open_rows = conn.execute(select(*_OPEN_COLUMNS).where(invoices.c.status == "open")
                                 .order_by(invoices.c.id)).all()
        disputed = set(conn.execute(select(invoice_disputes.c.invoice_id)
                                    .where(invoice_disputes.c.status == "open")).scalars())
    month_end = (today + timedelta(days=1)).day == 1
    remittances: dict[int, list[Allocation]] = defaultdict(list)
    for inv in open_rows:
        code = codes[inv.customer_id]
        segment = world.by_code[code].segment
        if segment == "internal":
            if month_end:  # settled by internal transfer
                remittances[inv.customer_id].append(Allocation(inv.id, inv.open_amount))
            continue
        if inv.issued_on == today and inv.kind == "invoice" and world.rng("disputes").random() < \
                world.scenario.dispute_rate:
            _dispute(world, inv, code)
            continue
        if inv.id in disputed:
            continue
        plan = plan_payment(world.scenario.seed, inv.id, segment, inv.issued_on, opening=inv.kind == "opening")
        day = plan.day
        if day is None and inv.dunning_level >= 3:  # a final notice went out: some pay after all
            day = pays_after_final_notice(world.scenario.seed, inv.id, inv.due_on + timedelta(days=45))
        if plan.half and inv.paid > 0 and day is not None:
            day += timedelta(days=14)
        if day != today:
            continue
        s = settle(open_amount=inv.open_amount, discount_base=inv.total - inv.credited,
                   discount_pct=inv.discount_pct if plan.discount else Decimal("0"), discount_until=inv.discount_until,
                   paid_on=today, offered=inv.open_amount)
        cash = (s.cash / 2).quantize(Decimal("0.01")) if plan.half and inv.paid == 0 else s.cash
        if cash > 0:
            remittances[inv.customer_id].append(Allocation(inv.id, cash))
    for cid, allocations in remittances.items():
        _pay(world, codes[cid], allocations)
    _resolve_disputes(world)
    reminded = world.attempt("dunning", lambda: receivables.run_dunning(world.uow, clock, world.finance))
    if reminded is not REFUSED:
        world.tally["reminders"] += len(reminded)


def _pay(world: World, code: str, allocations: list[Allocation]) -> None:
    today = world.clock.today()
    amount = sum((a.amount for a in allocations), Decimal("0"))
    internal = world.by_code[code].segment == "internal"
    # Some round the amount up: the rest stays as customer credit.
    extra = Decimal(0 if internal else world.rng("rounding").choice([0] * 30 + [5, 10]))
    method = "bank_transfer" if internal or world.by_code[code].segment != "C" else "card"
    payment = payments.PaymentIn(
        customer=code, amount=amount + extra, currency="EUR", received_on=today, method=method,
        reference=f"{'IC' if internal else 'BANK'}-{code}-{today:%Y%m%d}", allocations=allocations)
    if world.attempt("payment", lambda: payments.record_payment(world.uow, world.clock, world.finance, payment)) \
            is not REFUSED:
        world.tally["payments"] += 1


def _dispute(world: World, inv, code: str) -> None:
    if world.attempt("dispute", lambda: raise_dispute(
            world.uow, world.clock, world.customer_actor(code), inv.id, category="wrong_price",
            description="The price on the invoice is not the price we agreed.")) is not REFUSED:
        world.tally["disputes"] += 1


def _resolve_disputes(world: World) -> None:
    """Finance answers disputes two days after they came in: most upheld with a 5 % price correction."""
    with world.uow.read() as conn:
        due = conn.execute(select(invoice_disputes.c.id, invoices.c.net_amount).join(
            invoices, invoices.c.id == invoice_disputes.c.invoice_id).where(
            invoice_disputes.c.status == "open",
            invoice_disputes.c.raised_at <= world.clock.now() - timedelta(days=2))
            .order_by(invoice_disputes.c.id)).all()
    rng = world.rng("disputes")
    for dispute_id, net in due:
        upheld = rng.random() < 0.7
        credit = (net * Decimal("0.05")).quantize(Decimal("0.01"))
        world.attempt("resolve dispute", lambda d=dispute_id, u=upheld, c=credit: resolve_dispute(
            world.uow, world.clock, world.finance, d, outcome="upheld" if u else "rejected",
            resolution="price list corrected: 5 % credited" if u else "the price on the invoice is the contract price",
            credit=[CreditLine("Price correction 5 %", c)] if u and c > 0 else None))
