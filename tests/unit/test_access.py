"""Who may do what (domain/access.py)."""

from __future__ import annotations

import pytest

from ordercare.domain.access import GRANTS, SYSTEM, Actor, Permission, Role
from ordercare.domain.errors import Forbidden, NotFound

P = Permission

# The grants each role should have, written out by hand (not read from GRANTS).
EXPECTED = {
    Role.ADMIN: set(P),
    Role.MANAGER: {P.READ_MASTER, P.READ_CUSTOMERS, P.READ_ORDERS, P.READ_STOCK, P.READ_SHIPMENTS, P.WRITE_MASTER,
                   P.PLACE_ORDER, P.CANCEL_ORDER, P.QUOTE, P.MANAGE_RECEIPTS, P.ADJUST_STOCK, P.FULFIL,
                   P.RECORD_DELIVERY, P.MANAGE_CARRIERS},
    Role.CS_AGENT: {P.READ_MASTER, P.READ_CUSTOMERS, P.READ_ORDERS, P.READ_STOCK, P.READ_SHIPMENTS, P.PLACE_ORDER,
                    P.CANCEL_ORDER, P.QUOTE, P.RECORD_DELIVERY},
    Role.WAREHOUSE: {P.READ_MASTER, P.READ_CUSTOMERS, P.READ_ORDERS, P.READ_STOCK, P.READ_SHIPMENTS,
                     P.MANAGE_RECEIPTS, P.ADJUST_STOCK, P.FULFIL, P.RECORD_DELIVERY},
    Role.FINANCE: {P.READ_MASTER, P.READ_CUSTOMERS, P.READ_ORDERS, P.READ_STOCK, P.READ_SHIPMENTS, P.RELEASE_CREDIT,
                   P.CANCEL_ORDER},
    Role.CUSTOMER: {P.READ_MASTER, P.PLACE_ORDER, P.READ_ORDERS, P.CANCEL_ORDER, P.QUOTE},
}
# Post-sale service: staff read cases and returns; the desk works them; the warehouse receives returns.
EXPECTED[Role.MANAGER] |= {P.READ_SERVICE, P.OPEN_CASE, P.WORK_CASES, P.REQUEST_RETURN, P.AUTHORISE_RETURN,
                           P.RECEIVE_RETURN, P.MANAGE_SERVICE, P.PERSONAL_DATA}
EXPECTED[Role.CS_AGENT] |= {P.READ_SERVICE, P.OPEN_CASE, P.WORK_CASES, P.REQUEST_RETURN, P.AUTHORISE_RETURN}
EXPECTED[Role.WAREHOUSE] |= {P.READ_SERVICE, P.RECEIVE_RETURN}
EXPECTED[Role.FINANCE] |= {P.READ_SERVICE}
EXPECTED[Role.CUSTOMER] |= {P.READ_SERVICE, P.OPEN_CASE, P.REQUEST_RETURN}
# Integrations: managers set up EDI partners and import master data; the desk exchanges EDI and imports orders;
# a customer may import its own orders file; every role exports (a customer: its own account's rows).
EXPECTED[Role.MANAGER] |= {P.MANAGE_PARTNERS, P.EXCHANGE_EDI, P.IMPORT_DATA, P.IMPORT_ORDERS, P.EXPORT_DATA}
EXPECTED[Role.CS_AGENT] |= {P.EXCHANGE_EDI, P.IMPORT_ORDERS, P.EXPORT_DATA}
EXPECTED[Role.WAREHOUSE] |= {P.EXPORT_DATA}
EXPECTED[Role.FINANCE] |= {P.EXPORT_DATA}
EXPECTED[Role.CUSTOMER] |= {P.IMPORT_ORDERS, P.EXPORT_DATA}
# Billing: finance bills and chases cash; managers read receivables and credit customers; the desk and the
# customer read invoices (a customer: its own) and dispute them.
EXPECTED[Role.FINANCE] |= {P.READ_INVOICES, P.DISPUTE_INVOICE, P.BILL, P.CREDIT_CUSTOMER, P.READ_RECEIVABLES}
EXPECTED[Role.MANAGER] |= {P.READ_INVOICES, P.DISPUTE_INVOICE, P.CREDIT_CUSTOMER, P.READ_RECEIVABLES}
EXPECTED[Role.CS_AGENT] |= {P.READ_INVOICES, P.DISPUTE_INVOICE}
EXPECTED[Role.CUSTOMER] |= {P.READ_INVOICES, P.DISPUTE_INVOICE}
# Outbox: managers run webhooks and resend e-mails, the desk reads what was sent; preferences by the desk or
# the customer itself; a customer manages its own webhooks.
EXPECTED[Role.MANAGER] |= {P.MANAGE_WEBHOOKS, P.READ_OUTBOX, P.MANAGE_OUTBOX, P.CONTACT_PREFERENCES}
EXPECTED[Role.CS_AGENT] |= {P.READ_OUTBOX, P.CONTACT_PREFERENCES}
EXPECTED[Role.CUSTOMER] |= {P.MANAGE_WEBHOOKS, P.CONTACT_PREFERENCES}
# Service measurement: managers read every report; a customer reads its own KPIs (not the root causes).
EXPECTED[Role.MANAGER] |= {P.READ_SERVICE_REPORT}
EXPECTED[Role.CUSTOMER] |= {P.READ_SERVICE_REPORT}

# Service versus cost: managers read the analytics and set the policy data and offer rules.
EXPECTED[Role.MANAGER] |= {P.READ_ANALYTICS, P.MANAGE_POLICY}
# Reliability: managers run the invariant checker (it reads every account's books).
EXPECTED[Role.MANAGER] |= {P.CHECK_INVARIANTS}

def actor(role: Role, customer_id: int | None = None) -> Actor:
    return Actor(1, f"{role}-user", role, customer_id)


def test_every_role_is_described():
    assert set(GRANTS) == set(Role) == set(EXPECTED)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_grant_matrix(role, permission):
    a = actor(role, 7 if role is Role.CUSTOMER else None)
    if permission in EXPECTED[role]:
        a.require(permission)
    else:
        with pytest.raises(Forbidden) as exc:
            a.require(permission)
        assert exc.value.kind == "forbidden"
        assert exc.value.code == "forbidden"
        assert exc.value.data == {"permission": str(permission)}
        assert str(role) in exc.value.message


def test_forbidden_message_reads_like_english():
    with pytest.raises(Forbidden) as exc:
        actor(Role.WAREHOUSE).require(P.RELEASE_CREDIT)
    assert exc.value.message == "role 'warehouse' may not release credit"


def test_only_admin_manages_users_and_only_admin_and_finance_release_credit():
    assert {r for r in Role if P.MANAGE_USERS in GRANTS[r]} == {Role.ADMIN}
    assert {r for r in Role if P.RELEASE_CREDIT in GRANTS[r]} == {Role.ADMIN, Role.FINANCE}


def test_customer_sees_no_customers_list_and_no_stock_figures():
    c = actor(Role.CUSTOMER, 7)
    for p in (P.READ_CUSTOMERS, P.READ_STOCK, P.WRITE_MASTER, P.ADJUST_STOCK, P.RELEASE_CREDIT):
        with pytest.raises(Forbidden):
            c.require(p)


class TestAccount:
    def test_customer_own_account_passes(self):
        actor(Role.CUSTOMER, 7).require_account(7)

    def test_customer_other_account_is_not_found(self):
        with pytest.raises(NotFound) as exc:
            actor(Role.CUSTOMER, 7).require_account(8)
        assert exc.value.kind == "not_found"
        assert exc.value.code == "order_not_found"
        assert exc.value.message == "no such order"

    def test_not_found_names_what_was_asked(self):
        with pytest.raises(NotFound) as exc:
            actor(Role.CUSTOMER, 7).require_account(8, "quote")
        assert exc.value.code == "quote_not_found"

    def test_unbound_customer_user_sees_no_account(self):
        with pytest.raises(NotFound):
            actor(Role.CUSTOMER, None).require_account(8)

    @pytest.mark.parametrize("role", [r for r in Role if r is not Role.CUSTOMER])
    def test_staff_reach_every_account(self, role):
        actor(role).require_account(8)
        actor(role).require_account(123456)

    def test_is_customer(self):
        assert actor(Role.CUSTOMER, 1).is_customer is True
        assert actor(Role.ADMIN).is_customer is False


def test_system_actor_is_an_admin_without_a_user():
    assert SYSTEM.user_id is None
    assert SYSTEM.role is Role.ADMIN
    assert SYSTEM.customer_id is None
    for p in Permission:
        SYSTEM.require(p)
