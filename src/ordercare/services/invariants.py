"""The invariant checker (`ordercare check`): the books of goods, orders and money balance.

One function per invariant, each `check(conn, now) -> list[Violation]`, all listed in CHECKS; tests, the crash
test and the benchmarks call the same functions. Nothing here writes: a check reads in one transaction, so it
sees one consistent state of a live database. docs/reliability.md says what each one proves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, exists, select

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import ValidationFailed
from ..store.billing_tables import invoice_lines, invoices
from ..store.db import UnitOfWork
from ..store.fulfilment_tables import shipment_lines
from ..store.outbox_tables import email_messages, webhook_deliveries
from .invariants_orders import allocation_links, order_quantities, order_statuses
from .invariants_stock import receipt_promises, returned_units, stock_conservation, stock_levels
from .ledger_check import find_problems
from .release import shipment_number
from .violations import Violation

# A claim whose lease ran out this long ago has been abandoned (its worker died) and nobody took it over.
STUCK_AFTER = timedelta(minutes=15)


def receivables_ledger(conn: Connection, now: datetime | None = None) -> list[Violation]:
    """Billing's ledger invariant (services/ledger_check.py, `ordercare ledger check`), to the cent."""
    return [Violation("receivables_ledger", f"customer {p['customer']}" + (f" {p['document']}" if p["document"]
                                                                           else ""),
                      p["expected"], p["found"], f"customer {p['customer']}: {p['check']}"
                      + (f" ({p['document']})" if p["document"] else "") + f": expected {p['expected']}, "
                      f"found {p['found']}")
            for p in find_problems(conn)]


def invoiced_marks(conn: Connection, now: datetime | None = None) -> list[Violation]:
    """Each shipment line is marked invoiced exactly while an invoice that is not cancelled carries it: the
    invoice run trusts the mark (a line marked wrongly would be billed twice, or never)."""
    live = exists().where(invoice_lines.c.shipment_line_id == shipment_lines.c.id,
                          invoice_lines.c.invoice_id == invoices.c.id, invoices.c.status != "cancelled")
    out = []
    for r in conn.execute(select(shipment_lines.c.id, shipment_lines.c.shipment_id, shipment_lines.c.invoiced)
                          .where(shipment_lines.c.invoiced != live).order_by(shipment_lines.c.id)):
        subject = f"shipment {shipment_number(r.shipment_id)} line {r.id}"
        marked, carried = ("invoiced", "not invoiced") if r.invoiced else ("not invoiced", "invoiced")
        out.append(Violation("invoiced_marks", subject, carried, marked,
                             f"{subject}: marked {marked}, but it is {carried} (live invoices)"))
    return out


def outbox_leases(conn: Connection, now: datetime | None = None) -> list[Violation]:
    """No webhook delivery or e-mail is left claimed ("sending") long after its worker's lease ran out."""
    if now is None:
        return []
    out = []
    for what, table in (("webhook delivery", webhook_deliveries), ("e-mail", email_messages)):
        for r in conn.execute(select(table.c.id, table.c.claimed_by, table.c.lease_until)
                              .where(table.c.state == "sending", table.c.lease_until < now - STUCK_AFTER)
                              .order_by(table.c.id)):
            subject = f"{what} {r.id}"
            out.append(Violation("outbox_leases", subject, f"lease after {(now - STUCK_AFTER).isoformat()}",
                                 f"claimed by {r.claimed_by} until {r.lease_until.isoformat()}",
                                 f"{subject}: still claimed by {r.claimed_by}, whose lease ran out at "
                                 f"{r.lease_until.isoformat()}"))
    return out


Check = Callable[[Connection, "datetime | None"], list[Violation]]
# (name, what it proves, function), in the order they run and are shown.
CHECKS: list[tuple[str, str, Check]] = [
    ("stock_conservation", "on hand = receipts − shipments − short picks ± adjustments + returns", stock_conservation),
    ("stock_levels", "0 <= reserved <= on hand; reserved = units allocated from stock", stock_levels),
    ("receipt_promises", "promised = units allocated on the receipt; promised + received <= ordered",
     receipt_promises),
    ("returned_units", "units received back = restocked + in non-sellable buckets", returned_units),
    ("order_quantities", "per line: back-ordered + allocated + shipped = ordered; delivered <= shipped",
     order_quantities),
    ("allocation_links", "each allocation matches its order line and receipt", allocation_links),
    ("order_statuses", "each order's status is the one its lines and shipments give it", order_statuses),
    ("receivables_ledger", "invoices − credits − payments − discounts = open items = ledger", receivables_ledger),
    ("invoiced_marks", "a shipment line is marked invoiced exactly while a live invoice carries it", invoiced_marks),
    ("outbox_leases", "no message left claimed past its lease", outbox_leases),
]
CHECK_NAMES = [name for name, _, _ in CHECKS]


def find_violations(conn: Connection, now: datetime | None = None,
                    only: list[str] | None = None) -> dict[str, list[Violation]]:
    """Run the checks (all, or those named) on this connection: {check name: violations}."""
    return {name: fn(conn, now) for name, _, fn in CHECKS if only is None or name in only}


def run_checks(uow: UnitOfWork, clock: Clock, actor: Actor, *, only: list[str] | None = None) -> dict[str, Any]:
    """Every invariant (or those named) over the whole database, read in one transaction."""
    actor.require(Permission.CHECK_INVARIANTS)
    unknown = sorted(set(only or []) - set(CHECK_NAMES))
    if unknown:
        raise ValidationFailed("unknown_check", f"only: no check named {', '.join(unknown)} (known: "
                               f"{', '.join(CHECK_NAMES)})", field="only", known=CHECK_NAMES)
    now = clock.now()
    with uow.read() as conn:
        found = find_violations(conn, now, only)
    titles = {name: title for name, title, _ in CHECKS}
    return {"checked_at": now.isoformat(), "ok": not any(found.values()),
            "checks": [{"name": name, "proves": titles[name], "violations": len(v)} for name, v in found.items()],
            "violations": [v.as_dict() for vs in found.values() for v in vs]}
