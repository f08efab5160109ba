"""Forms of the service desk and the portal's after-sales pages: record numbers typed by people (CS-…, RMA-…,
SO-…, SH-…, INV-…, CN-…), rows of returned units, and the recovery actions of a case.

Inputs are named by the field path the services put in their errors (`order_id`, `lines[2].qty`, `amount`), so a
refusal lands next to the input it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain.access import Actor
from ..domain.cases import parse_ref
from ..domain.errors import DomainError, NotFound
from ..domain.invoicing import parse_credit_note_number, parse_invoice_number
from ..domain.orders import parse_order_number
from ..services.case_recovery import Recovery
from ..services.returns import ReturnLineRequest
from .forms import FieldErrors, Form, amount, renumber, text, whole_number

MAX_ROWS = 200
# A refund's method and reference are named `method` / `reference` by billing; the forms say which refund.
FIELD_ALIASES = {"method": "refund_method", "reference": "refund_reference"}
PREFIXES = {"order_id": "SO", "shipment_id": "SH", "invoice_id": "INV", "return_id": "RMA", "credit_note": "CN"}


def case_id_of(ref: str) -> int:
    found = parse_ref(ref, "CS")
    if found is None or found == 0:
        raise NotFound("case_not_found", f"case {ref}: no such case", field="case_id")
    return found


def return_id_of(ref: str) -> int:
    found = parse_ref(ref, "RMA")
    if found is None or found == 0:
        raise NotFound("return_not_found", f"return {ref}: no such return", field="return_id")
    return found


def record_ref(form: Form, name: str, errors: FieldErrors) -> int | None:
    """An optional record number typed into `name` ("SO-0000042", "so-42" or "42"); None when left empty."""
    raw = text(form, name, errors, max_length=30)
    if not raw:
        return None
    prefix = PREFIXES[name]
    if prefix == "SO":
        found = parse_order_number(raw)
    elif prefix == "INV":
        found = parse_invoice_number(raw)
    elif prefix == "CN":
        found = parse_credit_note_number(raw)
    else:
        found = parse_ref(raw, prefix)
    if not found:
        errors.add(name, f"not a {prefix}- number")
        return None
    return found


def take_error(errors: FieldErrors, exc: DomainError, rows: list[int] | None = None,
               prefix: str = "lines") -> FieldErrors:
    """A service's refusal on its input: list items renumbered to the form's rows, billing's names aliased. A
    conflict with the record's state (a step out of order) is about no input: it is said above the forms."""
    if exc.kind == "conflict":
        errors.add(None, exc.message)
        return errors
    taken = FieldErrors().take_unless_missing(exc)
    if rows is not None:
        taken = renumber(taken, prefix, rows)
    for name, message in taken.items():
        errors.add(FIELD_ALIASES.get(name, name), message)
    return errors


@dataclass
class ReturnRows:
    lines: list[ReturnLineRequest]
    rows: list[int]  # the form row of each line, for renumbering the service's errors


def return_rows(form: Form, errors: FieldErrors) -> ReturnRows:
    """Rows `lines[i].line_no` / `.qty` / `.reason`; a row without a quantity is not returned."""
    out = ReturnRows([], [])
    for i in range(MAX_ROWS):
        if f"lines[{i}].line_no" not in form:
            break
        if not form.get(f"lines[{i}].qty"):
            continue
        line_no = whole_number(form, f"lines[{i}].line_no", errors, minimum=1, maximum=10**6)
        qty = whole_number(form, f"lines[{i}].qty", errors, minimum=1, maximum=10**9)
        reason = form.get(f"lines[{i}].reason")
        if not reason:
            errors.add(f"lines[{i}].reason", "required")
        if line_no and qty and reason:
            out.lines.append(ReturnLineRequest(line_no, qty, reason[:40]))
            out.rows.append(i)
    if not out.lines and not errors:
        errors.add("lines[0].qty", "enter the units to return on at least one line")
    return out


def reship_rows(form: Form, errors: FieldErrors) -> tuple[list[tuple[str, int]], list[int]]:
    lines, rows = [], []
    for i in range(MAX_ROWS):
        if f"lines[{i}].sku" not in form:
            break
        sku = text(form, f"lines[{i}].sku", errors, max_length=64)
        if not sku and not form.get(f"lines[{i}].qty"):
            continue
        if not sku:
            errors.add(f"lines[{i}].sku", "required")
        qty = whole_number(form, f"lines[{i}].qty", errors, minimum=1, maximum=10**9)
        if sku and qty:
            lines.append((sku, qty))
            rows.append(i)
    if not lines and not errors:
        errors.add("lines[0].sku", "reship at least one line")
    return lines, rows


def recovery_form(form: Form, errors: FieldErrors) -> tuple[Recovery | None, list[int] | None]:
    """The recovery action of one of the case page's recovery forms (its kind is a hidden field)."""
    kind = form.get("kind")
    note = text(form, "note", errors, max_length=1000) or None
    rows = None
    fields: dict = {}
    if kind in ("credit_note", "refund"):
        fields["amount"] = amount(form, "amount", errors, required=True)
    if kind in ("goodwill", "apology"):
        fields["cost"] = amount(form, "cost", errors)
    if kind == "refund":
        fields.update(refund_method=form.get("refund_method")[:30], refund_reference=text(
            form, "refund_reference", errors, max_length=100), credit_note_id=record_ref(form, "credit_note", errors))
    if kind == "reship":
        fields["lines"], rows = reship_rows(form, errors)
    if kind == "return_authorisation":
        parsed = return_rows(form, errors)
        fields["return_lines"], rows = parsed.lines, parsed.rows
    if errors:
        return None, rows
    return Recovery(kind=kind[:40], note=note, **fields), rows


def history_for(actor: Actor, history: list[dict[str, Any]], *, internal: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """A case's or return's history as the actor may see it: a customer sees neither the desk's internal events
    nor who did what (its own steps say "you"), nor their data."""
    if not actor.is_customer:
        return history
    return [{**e, "actor": "you" if e["actor"] == actor.username else None, "data": None}
            for e in history if e["kind"] not in internal]
