"""What the billing pages share: document numbers in URLs, amounts as typed, allocation rows, and a domain error
shown on the input of one of several forms on a page.

Amounts are parsed only as numbers: whether one may be negative, zero or have three decimals is the services'
rule, so their message (with its field) is what the form shows.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..domain.access import Permission
from ..domain.cash import Allocation
from ..domain.errors import DomainError, NotFound
from ..domain.invoicing import parse_credit_note_number, parse_invoice_number, parse_payment_number
from ..domain.orders import parse_order_number
from .context import Page
from .forms import FieldErrors, Form, number, renumber

MAX_ROWS = 500


def show(p: Page, template: str, **context):
    """Render a billing page: its tabs offer the receivables to those who follow them, open items to others."""
    return p.html(template, receivables_tab=p.allowed(Permission.READ_RECEIVABLES), **context)


def _ref(parse: Callable[[str], int | None], ref: str, what: str) -> int:
    n = parse(ref)
    if n is None:
        raise NotFound(f"{what}_not_found", f"{what}: no {what.replace('_', ' ')} '{ref[:40]}'", field=what)
    return n


def invoice_id(ref: str) -> int:
    return _ref(parse_invoice_number, ref, "invoice")


def payment_id(ref: str) -> int:
    return _ref(parse_payment_number, ref, "payment")


def credit_note_id(ref: str) -> int:
    return _ref(parse_credit_note_number, ref, "credit_note")


def document_ref(form: Form, name: str, errors: FieldErrors, parse: Callable[[str], int | None],
                 example: str) -> int | None:
    """An optional document number typed into a form ('INV-0000042', '42'), or None when left empty."""
    raw = form.get(name)
    if not raw:
        return None
    n = parse(raw)
    if n is None:
        errors.add(name, f"not a number like {example}")
    return n


def order_ref(form: Form, name: str, errors: FieldErrors) -> int | None:
    return document_ref(form, name, errors, parse_order_number, "SO-0000042")


def allocation_rows(form: Form, errors: FieldErrors) -> tuple[list[Allocation], list[int]]:
    """The rows of an allocation table (`allocations[k].invoice` hidden, `allocations[k].amount` typed) that have
    an amount, and the row number of each, to put the service's `allocations[i]` errors back on their row."""
    allocations, rows = [], []
    for k in range(MAX_ROWS):
        ref = form.get(f"allocations[{k}].invoice")
        if f"allocations[{k}].invoice" not in form:
            break
        amount = number(form, f"allocations[{k}].amount", errors)
        if amount is None:
            continue
        n = parse_invoice_number(ref)
        if n is None:
            errors.add(f"allocations[{k}].amount", f"no invoice '{ref[:40]}'")
            continue
        allocations.append(Allocation(n, amount))
        rows.append(k)
    return allocations, rows


def error_on(exc: DomainError, prefix: str = "", fields: dict[str, str] | None = None, other: str | None = None, *,
             missing_is_404: bool = True) -> FieldErrors:
    """A refusal shown next to its input when one page holds several forms: the service's field is renamed to
    the form's input (`fields`; any other field goes to `other` when given, "_general": above the forms) and
    prefixed with `prefix`. A missing
    record is the 404 page (the record in the URL), unless it was typed into the form (`missing_is_404=False`)."""
    out = FieldErrors()
    taken = FieldErrors().take_unless_missing(exc) if missing_is_404 else FieldErrors().take(exc)
    for name, message in taken.items():
        if name != "_general":
            name = (fields or {}).get(name, name if other is None else other)
        out.add(name if name == "_general" else prefix + name, message)
    return out


def moved_to(errors: FieldErrors, to: str, *names: str) -> FieldErrors:
    """Errors about the document as a whole (no input of the form names them) shown elsewhere: above the forms
    with `to="_general"` (the form itself may be gone once the document changed)."""
    out = FieldErrors()
    for name, message in errors.items():
        out.add(to if name in names else name, message)
    return out


def apply_from_form(p: Page, apply: Callable[[list[Allocation] | None], Decimal], redraw: Callable[[FieldErrors], Any],
                    done_url: str):
    """Apply what a payment or credit note still holds: as typed in the allocation rows, or oldest due first
    (the button `action=auto`). A refusal is redrawn on its row; one about the document above the form."""
    errors = FieldErrors()
    allocations, rows = allocation_rows(p.form, errors)
    auto = p.form.get("action") == "auto"
    if not auto and not allocations and not errors:
        errors.add("_general", "enter an amount against at least one invoice, or apply oldest due first")
    if not errors:
        try:
            used = apply(None if auto else allocations)
            return p.redirect(done_url, flash=f"{used} applied")
        except DomainError as exc:
            errors = moved_to(renumber(error_on(exc, missing_is_404=False), "allocations", rows), "_general",
                              "payment", "credit_note", "invoice")
    return redraw(errors)
