"""The warehouses' afternoon run and the carriers' deliveries, through the real services.

At 15:00 each warehouse releases what is due, makes a pick list, confirms the picks (a slot found empty is a
short pick, charged to the department the story says caused it), rate-shops, builds loads and routes, and
ships. Each shipment's journey is drawn when it leaves (late, damaged, a carton lost, a wrong item), and the
carrier hands it over on its day; what the customer finds then may become a complaint (aftersales.py).
Installers finish the installations due each morning.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select

from ..services import picking, release, shipping, transport
from ..store.fulfilment_tables import installations, shipment_lines, shipments
from ..store.tables import customers, order_lines, warehouses
from . import aftersales
from .story import carrier_outcome, short_cause, short_pick_rate
from .world import REFUSED, World, moment

RECEIVERS = ["M. Janssen", "S. Dubois", "K. Nowak", "L. Rossi", "T. Müller", "A. García", "E. Novák"]
TECHNICIANS = ["A. Nowak", "P. Lefèvre", "J. de Vries"]
# The route search's work limit (solutions per stop; the service's default is 20): the simulated dispatcher
# routes some 3,000 loads a year, and at 5 a stop routes of up to ~30 stops came out the same length in trials
# at a quarter of the time (domain/routing.py; never longer than nearest neighbour either way).
ROUTE_EFFORT = 5


def warehouse_run(world: World, wh: str) -> None:
    uow, clock, actor = world.uow, world.clock, world.warehouse
    today = clock.today()
    world.attempt("release", lambda: release.release_to_warehouse(uow, clock, actor, wh, today))
    pick_list = world.attempt("pick list", lambda: picking.create_pick_list(uow, clock, actor, wh))
    if pick_list is REFUSED:
        return
    rng, story, sc = world.rng(f"picks-{wh}"), world.scenario.story, world.scenario
    rate = short_pick_rate(story, wh, sc.start, sc.days, today)
    shorts = []
    for line_id, qty in _to_pick(world, pick_list):
        if rng.random() < rate:
            reason, department = short_cause(story, wh, sc.start, sc.days, today, rng)
            shorts.append(picking.PickConfirmation(line_id, rng.randint(0, qty - 1), reason, department))
            world.tally[f"short picks.{department}"] += 1
    world.attempt("pick", lambda: picking.confirm_pick_list(uow, clock, world.settings, actor, pick_list, shorts))
    picked = _with_status(world, wh, "picked")
    world.attempt("rate", lambda: transport.rate_shipments(uow, actor, picked))
    world.attempt("loads", lambda: transport.plan_loads(uow, clock, actor, wh, today,
                                                                         route_effort=ROUTE_EFFORT))
    out = world.attempt("ship", lambda: shipping.ship_shipments(uow, clock, world.settings, actor, picked))
    if out is not REFUSED:
        world.tally["shipments"] += len(out["shipped"])
        for r in out["not_shipped"]:
            world.refusals[f"ship: {r['code']}"] += 1
    _journeys(world, wh, today)


def _to_pick(world: World, pick_list: int) -> list[tuple[int, int]]:
    """The pick list as the picker walks it: (line, units) in pick-path order."""
    with world.uow.read() as conn:
        return [tuple(r) for r in conn.execute(
            select(shipment_lines.c.id, shipment_lines.c.qty)
            .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
            .where(shipments.c.pick_list_id == pick_list, shipment_lines.c.qty_picked.is_(None))
            .order_by(shipment_lines.c.product_id, shipment_lines.c.id))]


def _with_status(world: World, wh: str, status: str) -> list[int]:
    with world.uow.read() as conn:
        return conn.execute(select(shipments.c.id).join(warehouses, warehouses.c.id == shipments.c.warehouse_id)
                            .where(warehouses.c.code == wh, shipments.c.status == status)
                            .order_by(shipments.c.id)).scalars().all()


def _journeys(world: World, wh: str, today: date) -> None:
    """Draw each shipment that left today its journey, and put its delivery on the carrier's day."""
    with world.uow.read() as conn:
        rows = conn.execute(
            select(shipments.c.id, shipments.c.estimated_delivery, shipments.c.due_date, customers.c.code,
                   shipment_lines.c.id.label("line_id"), shipment_lines.c.order_id, shipment_lines.c.qty_shipped,
                   shipment_lines.c.short_department, order_lines.c.line_no, order_lines.c.qty)
            .join(warehouses, warehouses.c.id == shipments.c.warehouse_id)
            .join(customers, customers.c.id == shipments.c.customer_id)
            .join(shipment_lines, shipment_lines.c.shipment_id == shipments.c.id)
            .join(order_lines, order_lines.c.id == shipment_lines.c.order_line_id)
            .where(warehouses.c.code == wh, shipments.c.status == "shipped",
                   shipments.c.shipped_at >= moment(today, 0), shipments.c.shipped_at < moment(today, 24))
            .order_by(shipments.c.id, shipment_lines.c.id)).all()
    by_shipment: dict[int, list] = defaultdict(list)
    for r in rows:
        by_shipment[r.id].append(r)
    rng = world.rng("carriers")
    for sid, lines in by_shipment.items():
        head = lines[0]
        arrival = carrier_outcome(rng, world.scenario.carriers, [ln.qty_shipped for ln in lines])
        day = max(head.estimated_delivery or today + timedelta(days=1), today + timedelta(days=1))
        day += timedelta(days=arrival.days_late)
        trip = aftersales.Trip(sid, head.code, head.due_date, lines, arrival)
        world.deliveries.setdefault(day, []).append(trip)


def deliver_today(world: World) -> None:
    """The carriers' rounds: every shipment arriving today, with what the customer found, in one go."""
    trips = world.deliveries.pop(world.clock.today(), [])
    rng = world.rng("receivers")
    proofs = [shipping.ProofOfDelivery(t.shipment_id, rng.choice(RECEIVERS), exceptions=[
        shipping.DeliveryException(ln.line_id, short=t.arrival.lost.get(i, 0), damaged=t.arrival.damaged.get(i, 0),
                                   wrong_item=t.arrival.wrong.get(i, 0),
                                   note="carton crushed in transit" if i in t.arrival.damaged else None)
        for i, ln in enumerate(t.lines) if i in t.arrival.damaged or i in t.arrival.lost or i in t.arrival.wrong])
        for t in trips]
    if proofs and world.attempt("deliver", lambda: shipping.deliver_shipments(
            world.uow, world.clock, world.warehouse, proofs)) is not REFUSED:
        world.tally["deliveries"] += len(proofs)
        for trip in trips:
            aftersales.after_delivery(world, trip)


def install_due(world: World) -> None:
    """The installers' morning: every installation scheduled for today or earlier is done."""
    with world.uow.read() as conn:
        due = conn.execute(select(installations.c.id).where(installations.c.status == "scheduled",
                                                            installations.c.scheduled_for <= world.clock.today())
                           .order_by(installations.c.id)).scalars().all()
    rng = world.rng("installers")
    for task in due:
        if world.attempt("install", lambda t=task: shipping.complete_installation(
                world.uow, world.clock, world.warehouse, t, technician=rng.choice(TECHNICIANS))) is not REFUSED:
            world.tally["installations"] += 1
