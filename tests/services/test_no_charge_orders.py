"""A return's replacement and a case's reship go through the normal flow at no charge: priced 0, adding nothing to
the credit exposure, never held for credit (at placement or at shipping) while the customer is over its limit, never
invoiced. A regular order of the same customer at the same moment is held: the customer really is over. Shipped one
by one and through the batched path (a whole pick list confirmed, its shipments shipped in one transaction). On
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from ordercare.services import case_recovery, cases, picking, release, return_resolution, return_views, returns
from ordercare.services import shipping
from ordercare.services import master_data as md
from ordercare.services import return_handling as rh
from ordercare.services.order_views import get_order
from ordercare.services.orders import credit_exposure
from ordercare.store.billing_tables import invoice_lines
from ordercare.store.service_tables import no_charge_orders
from ordercare.store.tables import customers
from tests.factories import carriers, order, world
from tests.services.service_helpers import AGENT, WAREHOUSE, delivered_with_damage, ship_order

SHIP_WAYS = pytest.mark.parametrize("batched", [False, True], ids=["one_by_one", "batched"])


@pytest.fixture
def over_limit(env):
    """CUST1 had 4 × SKU-A delivered (one damaged) and was invoiced; its limit is then cut below what it owes."""
    world(env, stock={("NEAR", "SKU-A"): 20}, credit_limit=Decimal("1000.00"))
    carriers(env)
    order_id, _ = delivered_with_damage(env)
    md.update_customer(env.uow, env.actor, "CUST1", {"credit_limit": Decimal("10.00")})
    return env, order_id


def _exposure(env) -> tuple[Decimal, Decimal]:
    with env.uow.read() as c:
        return credit_exposure(c, c.execute(select(customers.c.id).where(customers.c.code == "CUST1")).scalar_one())


def _ship_batched(env, warehouse: str) -> None:
    """The simulator's way: the pick list confirmed in one go, its shipments shipped in one transaction."""
    sids = release.release_to_warehouse(env.uow, env.clock, env.actor, warehouse,
                                        env.clock.today() + timedelta(days=30))
    pick_list = picking.create_pick_list(env.uow, env.clock, env.actor, warehouse)
    picking.confirm_pick_list(env.uow, env.clock, env.settings, env.actor, pick_list)
    out = shipping.ship_shipments(env.uow, env.clock, env.settings, env.actor, sids)
    assert out["not_shipped"] == [] and out["held"] == []


def _is_free_and_ships(env, replacement: int, exposure_before, batched: bool) -> None:
    o = get_order(env.uow, AGENT, replacement)
    assert o["status"] == "allocated" and o["total_amount"] == Decimal("0")
    assert [(ln["unit_price"], ln["amount"]) for ln in o["lines"]] == [(Decimal("0"), Decimal("0"))]
    assert _exposure(env) == exposure_before
    if batched:  # the credit check at shipping lets it go
        _ship_batched(env, "NEAR")
    else:
        ship_order(env, "NEAR")
    assert get_order(env.uow, AGENT, replacement)["status"] == "shipped"
    with env.uow.read() as c:
        billed = set(c.execute(select(invoice_lines.c.order_id).where(invoice_lines.c.order_id.is_not(None))).scalars())
    assert replacement not in billed


@SHIP_WAYS
def test_a_replacement_is_priced_zero_and_not_held_while_the_customer_is_over_its_limit(over_limit, batched):
    env, order_id = over_limit
    before = _exposure(env)
    assert sum(before) > Decimal("10.00")
    return_id = returns.request_return(env.uow, env.clock, AGENT, order_id,
                                       [returns.ReturnLineRequest(1, 1, "damaged")])
    returns.authorise_return(env.uow, env.clock, AGENT, return_id)
    line = return_views.get_return(env.uow, AGENT, return_id)["lines"][0]["id"]
    rh.receive_return(env.uow, env.clock, WAREHOUSE, return_id, [rh.ReceivedLine(line, 1)])
    rh.inspect_return(env.uow, env.clock, env.settings, WAREHOUSE, return_id, [rh.DispositionLine(line, "scrap", 1)])
    replacement = return_resolution.resolve_return(env.uow, env.clock, env.settings, AGENT, return_id,
                                                   "replacement")["replacement_order_id"]
    _is_free_and_ships(env, replacement, before, batched)
    # The control: what the customer buys now waits for finance.
    assert get_order(env.uow, AGENT, order(env, [("SKU-A", 1)]))["status"] == "credit_hold"


@SHIP_WAYS
def test_a_reship_from_a_case_is_free_too(over_limit, batched):
    env, order_id = over_limit
    before = _exposure(env)
    case_id = cases.open_case(env.uow, env.clock, AGENT, cases.CaseRequest(
        customer="CUST1", subject="One pump arrived crushed", category="damaged_goods", channel="phone",
        order_id=order_id))
    cases.acknowledge(env.uow, env.clock, AGENT, case_id, "On it.")
    case_recovery.add_recovery(env.uow, env.clock, env.settings, AGENT, case_id,
                               case_recovery.Recovery("reship", lines=[("SKU-A", 1)]))
    with env.uow.read() as c:
        [reship] = c.execute(select(no_charge_orders.c.order_id)).scalars().all()
    _is_free_and_ships(env, reship, before, batched)
