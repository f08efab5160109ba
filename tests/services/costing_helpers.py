"""What the cost-to-serve tests share: the worked example of docs/cost-to-serve.md driven through the services."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from ordercare.domain.orders import Channel, RequestedLine
from ordercare.services import (
    billing_setup,
    case_recovery,
    cases,
    orders,
    payments,
    quotes,
    return_handling,
    return_views,
    returns,
    shipping,
)
from ordercare.services.costing_setup import RateIn, set_rates
from ordercare.services.intake import OrderRequest
from tests.factories import carriers, order, world
from tests.services.helpers import AGENT, FINANCE
from tests.services.service_helpers import MANAGER, WAREHOUSE, ship_order

D = Decimal
MARCH = (date(2026, 3, 1), date(2026, 3, 31))

# The cost pools of docs/cost-to-serve.md: (activity, qualifier, pool cost, driver volume) -> rate.
POOLS = [("order_entry", "phone", "24000.00", "1600"),  # order desk: 15.00 per order
         ("order_entry", "portal", "4500.00", "1500"),  # portal platform and support: 3.00 per order
         ("quote", "phone", "9000.00", "750"),  # sales desk answering inquiries: 12.00 per quote
         ("credit_check", "", "3000.00", "150"),  # credit controller: 20.00 per review
         ("line_pick", "", "18000.00", "15000"),  # pickers: 1.20 per line
         ("shipment", "", "8000.00", "1000"),  # dock and documents: 8.00 per shipment
         ("case_handling", "", "7200.00", "9600")]  # service desk: 0.75 per minute


def set_pools(env) -> None:
    for activity, qualifier, pool, volume in POOLS:
        set_rates(env.uow, env.clock, MANAGER, activity, [RateIn(qualifier, pool_cost=pool, driver_volume=volume)])


def _deliver_next_day(env, sid: int) -> None:
    env.clock.advance(days=1)
    shipping.deliver(env.uow, env.clock, env.actor, sid, received_by="Goods-in")


def phone_customer_march(env) -> dict[str, int]:
    """CUST1 (package B, 3/10 net 30, freight not charged) in March 2026, by phone: 2 quotes, 4 small orders
    shipped one by one (one asked for in 2 days: an expedite; one held for credit and released), one invoice paid
    early with the discount, one unit returned and restocked, one complaint with a note and a 25.00 goodwill
    gesture. Ends on 1 April, so March is complete."""
    world(env, stock={("NEAR", "SKU-A"): 100, ("NEAR", "SKU-B"): 100})
    carriers(env)
    billing_setup.set_billing(env.uow, env.clock, FINANCE, "CUST1", invoicing="per_shipment", charge_freight=False)
    set_pools(env)
    for _ in range(2):
        quotes.create_quote(env.uow, env.clock, env.settings, AGENT, OrderRequest(
            customer="CUST1", channel=Channel.PHONE, lines=[RequestedLine("SKU-A", 5, None, 0)]))
    ids = {}
    # Monday 2 March: 2 × SKU-A + 1 × SKU-B.
    ids["o1"] = order(env, [("SKU-A", 2), ("SKU-B", 1)], channel=Channel.PHONE, actor=AGENT)
    s1 = ship_order(env, "NEAR")
    _deliver_next_day(env, s1)
    # Tuesday: 3 × SKU-A wanted Thursday — package B promises 7 days: an expedite.
    ids["o2"] = order(env, [("SKU-A", 3)], channel=Channel.PHONE, actor=AGENT,
                      requested_date=env.clock.today() + timedelta(days=2))
    s2 = ship_order(env, "NEAR")
    _deliver_next_day(env, s2)
    # Wednesday: 2 × SKU-B, held by finance for a review, then released.
    ids["o3"] = order(env, [("SKU-B", 2)], channel=Channel.PHONE, actor=AGENT)
    orders.put_on_credit_hold(env.uow, env.clock, FINANCE, ids["o3"], "review the account")
    orders.release_credit_hold(env.uow, env.clock, FINANCE, ids["o3"], "reviewed: fine")
    s3 = ship_order(env, "NEAR")
    _deliver_next_day(env, s3)
    # Thursday 5 March: 1 × SKU-A; the first invoice (30.00) is paid within 10 days: 3 % off, 29.10 cash.
    ids["o4"] = order(env, [("SKU-A", 1)], channel=Channel.PHONE, actor=AGENT)
    s4 = ship_order(env, "NEAR")
    payments.record_payment(env.uow, env.clock, FINANCE, payments.PaymentIn(
        customer="CUST1", amount=D("29.10"), currency="EUR", received_on=env.clock.today(), method="bank_transfer",
        reference="BANK 1"))
    _deliver_next_day(env, s4)
    # Friday: one unit of the first order comes back (not needed) and goes back on the shelf.
    rid = returns.request_return(env.uow, env.clock, AGENT, ids["o1"], [returns.ReturnLineRequest(1, 1, "not_needed")])
    returns.authorise_return(env.uow, env.clock, AGENT, rid)
    line_id = return_views.get_return(env.uow, AGENT, rid)["lines"][0]["id"]
    return_handling.receive_return(env.uow, env.clock, WAREHOUSE, rid, [return_handling.ReceivedLine(line_id, 1)])
    return_handling.inspect_return(env.uow, env.clock, env.settings, WAREHOUSE, rid,
                                   [return_handling.DispositionLine(line_id, "restock", 1, "as new")])
    # A complaint about the second order: one note, a 25.00 voucher.
    case_id = cases.open_case(env.uow, env.clock, AGENT, cases.CaseRequest(
        customer="CUST1", subject="Carton dented", category="damaged_goods", order_id=ids["o2"]))
    cases.acknowledge(env.uow, env.clock, AGENT, case_id)
    cases.add_note(env.uow, env.clock, AGENT, case_id, "customer sent photos")
    case_recovery.add_recovery(env.uow, env.clock, env.settings, AGENT, case_id, case_recovery.Recovery(
        "goodwill", note="voucher", cost=D("25.00")))
    env.clock.set(datetime(2026, 4, 1, 9, 0, tzinfo=timezone.utc))
    return ids


def ship_everything(env, warehouse: str = "NEAR") -> list[int]:
    """Release, pick and ship whatever is placed at the warehouse: one shipment per customer."""
    from ordercare.services import picking, release, shipment_views
    sids = release.release_to_warehouse(env.uow, env.clock, env.actor, warehouse,
                                        env.clock.today() + timedelta(days=30))
    if sids:
        picking.create_pick_list(env.uow, env.clock, env.actor, warehouse)
    for sid in sids:
        lines = shipment_views.get_shipment(env.uow, env.actor, sid)["lines"]
        picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, sid,
                              [picking.PickConfirmation(ln["id"], ln["qty"]) for ln in lines])
        shipping.ship(env.uow, env.clock, env.settings, env.actor, sid)
    return sids


# Who orders what in a 28-day period, by day of the period: (channel, units of SKU-A, expedite?).
STEADY = {
    "BUILD": {0: ("portal", 3, False)},  # one small order: low value, low cost
    "PROTECT": {0: ("portal", 20, False), 7: ("portal", 20, False), 14: ("portal", 20, False)},
    "ENGINEER": {0: ("phone", 20, True), 1: ("phone", 20, True), 2: ("phone", 20, False), 3: ("phone", 20, False)},
}
SMALL_BY_PHONE = {d: ("phone", 1, True) for d in range(8)}  # 8 rushed single units by phone


def ordering_history(env, switch_to: dict) -> None:
    """Two 28-day periods from Monday 2 March: three customers each of BUILD, PROTECT and ENGINEER keep their
    pattern; SWITCH orders SMALL_BY_PHONE in the first period and `switch_to` in the second. Cost of capital 0,
    so customers with the same orders cost exactly the same. Ends on the day after the second period."""
    from ordercare.services.costing_setup import RateIn, set_rates
    from tests.factories import add_customer
    world(env, stock={("NEAR", "SKU-A"): 5000}, customers=())
    carriers(env)
    set_rates(env.uow, env.clock, MANAGER, "receivables_carrying", [RateIn("", rate="0")])
    plans = {f"{kind}{i}": plan for kind, plan in STEADY.items() for i in (1, 2, 3)}
    for code in [*plans, "SWITCH"]:
        add_customer(env, code)
    for period in (0, 1):
        plans["SWITCH"] = SMALL_BY_PHONE if period == 0 else switch_to
        for day in range(28):
            placed = False
            for code, plan in plans.items():
                if day in plan:
                    channel, units, rushed = plan[day]
                    order(env, [("SKU-A", units)], customer=code, channel=Channel(channel),
                          requested_date=env.clock.today() + timedelta(days=2) if rushed else None)
                    placed = True
            if placed:
                ship_everything(env)
            env.clock.advance(days=1)
