"""Invoice disputes read per order (for the perfect-order measure), on a consolidated invoice of two orders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ordercare.domain.access import Actor, Role
from ordercare.domain.credit_notes import CreditLine
from ordercare.domain.errors import Conflict, NotFound, ValidationFailed
from ordercare.services import billing_setup, invoicing
from ordercare.services.invoice_changes import disputes_for_orders, raise_dispute, resolve_dispute
from ordercare.services.order_views import get_order
from tests.factories import carriers, shipment_at, world
from tests.services.billing_helpers import billing_snapshot, customer_id
from tests.services.helpers import FINANCE


@pytest.fixture
def two_orders(env):
    """One weekly invoice billing two orders of CUST1; returns (invoice id, order a, order b)."""
    world(env, stock={("NEAR", "SKU-A"): 50}, customers=("CUST1", "CUST2"))
    carriers(env)
    billing_setup.set_billing(env.uow, env.clock, env.actor, "CUST1", invoicing="weekly", charge_freight=False)
    shipment_at(env, "NEAR", [("SKU-A", 1)], "shipped")
    shipment_at(env, "NEAR", [("SKU-A", 2)], "shipped")
    env.clock.advance(days=7)  # the Monday after: last week is closed
    [inv] = invoicing.run_invoicing(env.uow, env.clock, FINANCE)
    return env, inv, 1, 2


def _view(env, disputes):
    return {o: [(d["category"], d["status"], d["counts_as_error"]) for d in ds] for o, ds in disputes.items()}


def test_a_dispute_counts_for_the_order_it_names_or_for_every_order_on_the_invoice(two_orders):
    env, inv, a, b = two_orders
    customer = Actor(9, "buyer", Role.CUSTOMER, customer_id(env))
    first = raise_dispute(env.uow, env.clock, customer, inv, category="wrong_quantity", description="got 1 less",
                          order_id=b)
    with env.uow.read() as c:
        assert _view(env, disputes_for_orders(c, [a, b, 99])) == {
            a: [], b: [("wrong_quantity", "open", True)], 99: []}
    raise_dispute(env.uow, env.clock, env.actor, inv, category="wrong_customer_data", description="old address")
    resolve_dispute(env.uow, env.clock, FINANCE, first, outcome="rejected", resolution="delivery note signed for 2")
    with env.uow.read() as c:
        assert _view(env, disputes_for_orders(c, [a, b])) == {
            a: [("wrong_customer_data", "open", True)],
            b: [("wrong_quantity", "rejected", False), ("wrong_customer_data", "open", True)]}
    kinds = [e["kind"] for e in get_order(env.uow, env.actor, b)["timeline"]]
    assert kinds.count("invoice_disputed") == 2 and "invoice_dispute_resolved" in kinds


def test_refused_disputes_change_nothing(two_orders):
    env, inv, a, b = two_orders
    before = billing_snapshot(env)
    stranger = Actor(9, "other", Role.CUSTOMER, customer_id(env, "CUST2"))
    with pytest.raises(NotFound):
        raise_dispute(env.uow, env.clock, stranger, inv, category="other", description="x")
    with pytest.raises(ValidationFailed) as exc:
        raise_dispute(env.uow, env.clock, env.actor, inv, category="other", description="x", order_id=999)
    assert exc.value.code == "order_not_on_invoice"
    with pytest.raises(ValidationFailed):
        raise_dispute(env.uow, env.clock, env.actor, inv, category="other", description="  ")
    assert billing_snapshot(env) == before
    d = raise_dispute(env.uow, env.clock, env.actor, inv, category="other", description="x")
    with pytest.raises(ValidationFailed) as exc:
        resolve_dispute(env.uow, env.clock, FINANCE, d, outcome="rejected", resolution="no",
                        credit=[CreditLine("x", Decimal("1.00"))])
    assert exc.value.code == "credit_with_rejection"
    resolve_dispute(env.uow, env.clock, FINANCE, d, outcome="upheld", resolution="yes")
    with pytest.raises(Conflict):
        resolve_dispute(env.uow, env.clock, FINANCE, d, outcome="upheld", resolution="again")
