"""Billing and cash routes: a customer reads, downloads and disputes its own invoices and sees its own open items
and payments; finance bills; managers credit and read receivables; the desk reads and disputes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ordercare.domain.access import SYSTEM
from ordercare.services.credit_notes import CreditLine, raise_credit_note
from ordercare.services.invoice_changes import raise_dispute
from ordercare.services.opening_balances import record_opening_balance
from ordercare.services.payments import PaymentIn, record_payment
from ordercare.store.tables import customers
from tests.api.access import V1, Action, denied, no_leak, same_as_missing
from tests.api.conftest import assert_error

INVOICE_READERS = frozenset({"admin", "manager", "cs_agent", "finance", "cust1"})
BILLERS = frozenset({"admin", "finance"})
CREDITORS = frozenset({"admin", "finance", "manager"})
RECEIVABLES = frozenset({"admin", "manager", "finance"})
MISSING = 999_999


def _records(env, code: str, tag: str) -> dict[str, int]:
    """Two open items, a dispute, an unapplied credit note and two unapplied payments for one customer."""
    with env.uow.read() as c:
        cid = c.execute(select(customers.c.id).where(customers.c.code == code)).scalar_one()
    ids = {}
    for key in ("invoice", "invoice_b", "invoice_c"):
        ids[key] = record_opening_balance(env.uow, env.clock, SYSTEM, customer_id=cid, amount=Decimal("64.00"),
                                          reference=f"OB-{tag}-{key}", issued_on=date(2026, 2, 1),
                                          due_on=date(2026, 3, 1), currency="EUR")
    ids["dispute"] = raise_dispute(env.uow, env.clock, SYSTEM, ids["invoice"], category="wrong_price",
                                   description="too dear")
    for key in ("credit_note", "credit_note_b"):
        ids[key] = raise_credit_note(env.uow, env.clock, SYSTEM, customer_id=cid, reason="goodwill",
                                     source="service_recovery", currency="EUR",
                                     lines=[CreditLine("Goodwill", Decimal("5.00"), tax_rate=Decimal("0"))])
    for key in ("payment", "payment_b"):
        ids[key] = record_payment(env.uow, env.clock, SYSTEM, PaymentIn(
            customer=code, amount=Decimal("10.00"), currency="EUR", received_on=env.clock.today(),
            method="bank_transfer", reference=f"{tag}-{key}", auto_apply=False))
    return ids


def isolation_scene(api) -> dict:
    return {"billing_theirs": _records(api.env, "CUST2", "theirs"), "billing_own": _records(api.env, "CUST1", "own")}


def _not_found_like_missing(path: str, kind: str):
    """CUST2's record answers as a record that does not exist; CUST1's own is readable."""
    def check(api, s):
        theirs, own = s.extra["billing_theirs"][kind], s.extra["billing_own"][kind]
        r = api.get("cust1", V1 + path.format(theirs))
        missing = api.get("cust1", V1 + path.format(MISSING))
        assert_error(r, 404)
        no_leak(r)
        same_as_missing(r, missing, theirs, MISSING)
        assert api.get("cust1", V1 + path.format(own)).status_code == 200
    return check


def _own_list(path: str, key: str = "customer"):
    """A list shows CUST1's records only, whatever the filter says."""
    def check(api, s):
        r = api.get("cust1", V1 + path)
        assert r.status_code == 200 and r.json()["total"] > 0, r.text
        assert {i[key] for i in r.json()["items"]} == {"CUST1"}
        no_leak(r)
        r = api.get("cust1", V1 + path, params={"customer": "CUST2"})
        assert r.status_code == 200 and r.json() == {"total": 0, "items": []}, r.text
        assert api.get("finance", V1 + path, params={"customer": "CUST2"}).json()["total"] > 0
    return check


def _customer_route(path: str):
    def check(api, s):
        r = api.get("cust1", V1 + path.format("CUST2"))
        missing = api.get("cust1", V1 + path.format("CUST9"))
        assert_error(r, 404, "customer_not_found")
        assert r.text.replace("CUST2", "X") == missing.text.replace("CUST9", "X")
        own = api.get("cust1", V1 + path.format("CUST1"))
        assert own.status_code == 200 and own.json()["customer"] == "CUST1"
        no_leak(own)
    return check


def _refused(method: str, path: str, payload=None, status=403, code="forbidden"):
    def check(api, s):
        theirs = s.extra["billing_theirs"]
        denied(api, method, V1 + path.format(**theirs), payload, status, code)
    return check


def c_dispute(api, s):
    theirs = s.extra["billing_theirs"]["invoice"]
    before = api.snapshot()
    r = api.post("cust1", f"{V1}/invoices/{theirs}/disputes", json={"category": "other", "description": "x"})
    missing = api.post("cust1", f"{V1}/invoices/{MISSING}/disputes", json={"category": "other", "description": "x"})
    assert_error(r, 404, "invoice_not_found")
    same_as_missing(r, missing, theirs, MISSING)
    assert api.snapshot() == before


CHECKS = {
    ("GET", f"{V1}/invoices"): _own_list("/invoices"),
    ("GET", f"{V1}/invoices/{{invoice_ref}}"): _not_found_like_missing("/invoices/{}", "invoice"),
    ("GET", f"{V1}/invoices/{{invoice_ref}}/invoice.pdf"): _not_found_like_missing("/invoices/{}/invoice.pdf",
                                                                                    "invoice"),
    ("POST", f"{V1}/invoices/{{invoice_ref}}/cancel"): _refused("POST", "/invoices/{invoice}/cancel", {"reason": "x"}),
    ("POST", f"{V1}/invoices/{{invoice_ref}}/disputes"): c_dispute,
    ("GET", f"{V1}/disputes"): _own_list("/disputes"),
    ("POST", f"{V1}/disputes/{{dispute_id}}/resolve"): _refused(
        "POST", "/disputes/{dispute}/resolve", {"outcome": "rejected", "resolution": "x"}),
    ("POST", f"{V1}/invoice-runs"): _refused("POST", "/invoice-runs", {}),
    ("GET", f"{V1}/credit-notes"): _own_list("/credit-notes"),
    ("GET", f"{V1}/credit-notes/{{credit_note_ref}}"): _not_found_like_missing("/credit-notes/{}", "credit_note"),
    ("POST", f"{V1}/credit-notes"): _refused("POST", "/credit-notes", {
        "customer": "CUST2", "reason": "x", "lines": [{"description": "x", "amount": "1.00"}]}),
    ("POST", f"{V1}/credit-notes/{{credit_note_ref}}/apply"): _refused("POST", "/credit-notes/{credit_note}/apply", {}),
    ("GET", f"{V1}/customers/{{code}}/billing"): _customer_route("/customers/{}/billing"),
    ("PUT", f"{V1}/customers/{{code}}/billing"): _refused("PUT", "/customers/CUST2/billing", {"invoicing": "monthly"}),
    ("GET", f"{V1}/tax-rates"): _refused("GET", "/tax-rates"),
    ("PUT", f"{V1}/tax-rates"): _refused("PUT", "/tax-rates", {"rate": "0", "name": "zero", "customer": "CUST1"}),
    ("POST", f"{V1}/payments"): _refused("POST", "/payments", {
        "customer": "CUST1", "amount": "1.00", "received_on": "2026-03-02", "reference": "mine"}),
    ("GET", f"{V1}/payments"): _own_list("/payments"),
    ("GET", f"{V1}/payments/{{payment_ref}}"): _not_found_like_missing("/payments/{}", "payment"),
    ("POST", f"{V1}/payments/{{payment_ref}}/apply"): _refused("POST", "/payments/{payment}/apply", {}),
    ("POST", f"{V1}/payments/{{payment_ref}}/reverse"): _refused("POST", "/payments/{payment}/reverse",
                                                                 {"reason": "x"}),
    ("POST", f"{V1}/refunds"): _refused("POST", "/refunds", {"customer": "CUST2", "amount": "1.00", "reference": "x"}),
    ("GET", f"{V1}/customers/{{code}}/open-items"): _customer_route("/customers/{}/open-items"),
    ("GET", f"{V1}/receivables/aging"): _refused("GET", "/receivables/aging"),
    ("GET", f"{V1}/receivables/dso"): _refused("GET", "/receivables/dso"),
    ("POST", f"{V1}/dunning-runs"): _refused("POST", "/dunning-runs", {}),
    ("GET", f"{V1}/ledger-check"): _refused("GET", "/ledger-check"),
}


def actions() -> list[Action]:
    alloc = [{"invoice": "{invoice_c}", "amount": "1.00"}]
    return [
        Action("read invoices", INVOICE_READERS, "GET", "/invoices"),
        Action("read an invoice", INVOICE_READERS, "GET", "/invoices/{invoice}"),
        Action("invoice PDF", INVOICE_READERS, "GET", "/invoices/{invoice}/invoice.pdf"),
        Action("dispute an invoice", INVOICE_READERS, "POST", "/invoices/{invoice}/disputes",
               {"category": "wrong_quantity", "description": "we got 9"}),
        Action("cancel an invoice", BILLERS, "POST", "/invoices/{invoice_b}/cancel", {"reason": "billed twice"}),
        Action("read disputes", INVOICE_READERS, "GET", "/disputes"),
        Action("resolve a dispute", BILLERS, "POST", "/disputes/{dispute}/resolve",
               {"outcome": "rejected", "resolution": "price as agreed"}),
        Action("invoice run", BILLERS, "POST", "/invoice-runs", {}),
        Action("read credit notes", INVOICE_READERS, "GET", "/credit-notes"),
        Action("read a credit note", INVOICE_READERS, "GET", "/credit-notes/{credit_note}"),
        Action("raise a credit note", CREDITORS, "POST", "/credit-notes",
               {"customer": "CUST1", "reason": "goodwill", "source": "service_recovery", "currency": "EUR",
                "lines": [{"description": "Goodwill", "amount": "2.00"}]}),
        Action("apply a credit note", BILLERS, "POST", "/credit-notes/{credit_note}/apply", {"allocations": alloc}),
        Action("read billing", INVOICE_READERS, "GET", "/customers/CUST1/billing"),
        Action("set billing", BILLERS, "PUT", "/customers/CUST1/billing", {"invoicing": "weekly"}),
        Action("read tax rates", RECEIVABLES, "GET", "/tax-rates"),
        Action("set a tax rate", BILLERS, "PUT", "/tax-rates", {"rate": "21", "name": "standard"}),
        Action("record a payment", BILLERS, "POST", "/payments",
               {"customer": "CUST1", "amount": "3.00", "received_on": "2026-03-02", "reference": "R-{who}"}),
        Action("read payments", INVOICE_READERS, "GET", "/payments"),
        Action("read a payment", INVOICE_READERS, "GET", "/payments/{payment}"),
        Action("apply a payment", BILLERS, "POST", "/payments/{payment}/apply", {"allocations": alloc}),
        Action("reverse a payment", BILLERS, "POST", "/payments/{payment_b}/reverse", {"reason": "bounced"}),
        Action("refund", BILLERS, "POST", "/refunds",
               {"customer": "CUST1", "amount": "1.00", "reference": "RF-{who}", "credit_note": "{credit_note_b}"}),
        Action("open items", INVOICE_READERS, "GET", "/customers/CUST1/open-items"),
        Action("aging", RECEIVABLES, "GET", "/receivables/aging"),
        Action("DSO", RECEIVABLES, "GET", "/receivables/dso?days=30"),
        Action("dunning run", BILLERS, "POST", "/dunning-runs", {}),
        Action("ledger check", RECEIVABLES, "GET", "/ledger-check"),
    ]


def role_scene(env) -> dict[str, int]:
    ids = _records(env, "CUST1", "roles")
    return {k: (str(v) if k.startswith(("invoice", "credit_note")) else v) for k, v in ids.items()}

