"""The day's orders, each through the channel its customer uses: EDI 850s in the partner's morning and
afternoon batches, API calls with an idempotency key, the portal as the customer's own user, phone and desk
orders typed in by a rep, the internal sites' weekly spare-parts file. Now and then a customer cancels, and
finance works the credit-hold queue every morning."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlalchemy import func, select

from ..domain.orders import Channel, RequestedLine
from ..integrations.x12.envelopes import Party, build_interchange
from ..integrations.x12.purchase_order import ItemId, POLine, PurchaseOrder, ShipToParty, build_850
from ..services import edi_inbound, file_imports, orders
from ..services.intake import OrderRequest
from ..store.tables import order_lines, orders as order_table
from . import demand
from .company import Customer, Site
from .world import REFUSED, World, moment

US = Party("ZZ", "ORDERCARE", "ORDERCARE")
X12_UNIT = {"ea": "EA", "box": "BX"}
EDI_WINDOWS = (7.5, 13.5)  # partners' translators send what was ordered before these hours


def plan_orders(world: World, day: date) -> int:
    """Put the day's orders on the agenda; returns how many."""
    rng = world.rng("orders")
    model = world.company.demand
    model.start_week((day - world.scenario.start).days // 7)
    planned, edi_batches = 0, {}
    for c in world.company.customers:
        seg = world.segment(c.code)
        for site in c.sites:
            for _ in range(demand.orders_today(rng, seg, day)):
                channel = demand.channel_for(rng, seg, day)
                lines = model.pick_lines(rng, c.trade, demand.line_count(rng, seg), day, seg.qty_scale)
                wanted = demand.requested_date(rng, seg, day)
                po = f"{c.code}-{day:%y%m%d}-{planned:04d}"
                hour = rng.uniform(7.0, 17.5)
                planned += 1
                if channel is Channel.EDI and c.edi_partner:
                    window = next((w for w in EDI_WINDOWS if hour < w), None)
                    key = (c.code, window)
                    edi_batches.setdefault(key, []).append((site, lines, wanted, po, hour))
                elif channel is Channel.FILE:
                    continue  # the internal sites' file comes on Mondays (below)
                else:
                    world.at(moment(day, hour), lambda c=c, s=site, ch=channel, ln=lines, w=wanted, po=po:
                             place(world, c, s, ch, ln, w, po), "order")
    for (code, window), batch in edi_batches.items():
        at = window if window is not None else 21.0  # the evening batch comes after the last window
        world.at(moment(day, at), lambda code=code, batch=batch: send_850s(world, code, batch), "edi")
    if day.weekday() == 0:
        for c in world.company.customers:
            if c.segment == "internal":
                world.at(moment(day, 8.0), lambda c=c: upload_file(world, c, day), "file")
    return planned


def _observe(world: World, site: Site, lines: list[tuple[str, int]]) -> None:
    """The buyer's forecast sees the demand where it will be served: the region's warehouse, or the hub."""
    stocked = world.company.stocked
    for sku, qty in lines:
        wh = site.warehouse if sku in stocked.get(site.warehouse, ()) else "RTM"
        world.forecast.observe((wh, sku), qty)


def place(world: World, c: Customer, site: Site, channel: Channel, lines, wanted, po: str) -> None:
    req = OrderRequest(customer=c.code, lines=[RequestedLine(sku, qty, None, i) for i, (sku, qty) in enumerate(lines)],
                       channel=channel, ship_to=site.code, requested_date=wanted, customer_po=po)
    uow, clock, settings = world.uow, world.clock, world.settings
    if channel in (Channel.PORTAL, Channel.API):
        actor = world.customer_actor(c.code)
    else:
        actor = world.desk(world.rng("desk").randrange(3))
    key = po if channel is Channel.API else None  # API clients retry safely with an Idempotency-Key
    placed = world.attempt("place order", lambda: orders.place_order(uow, clock, settings, actor, req,
                                                                     idempotency_key=key, fingerprint=po))
    if placed is REFUSED:
        return
    world.tally["orders"] += 1
    world.tally[f"orders.{channel}"] += 1
    _observe(world, site, lines)
    rng = world.rng("cancel")
    if rng.random() < world.segment(c.code).cancels:
        world.at(clock.now() + timedelta(hours=rng.uniform(1, 30)),
                 lambda: cancel(world, c.code, placed[0], actor), "cancel")


def cancel(world: World, code: str, order_id: int, actor) -> None:
    if world.attempt("cancel order", lambda: orders.cancel_order(
            world.uow, world.clock, world.settings, actor, order_id, "customer changed plans")) is not REFUSED:
        world.tally["cancellations"] += 1


def send_850s(world: World, code: str, batch: list) -> None:
    pos = [PurchaseOrder(po, world.clock.today(), tuple(
        POLine(str(n + 1), qty, X12_UNIT[world.company.unit[sku]], None, (ItemId("VP", sku),))
        for n, (sku, qty) in enumerate(lines)),
        ShipToParty(site.code, "92", site.code), wanted) for site, lines, wanted, po, _ in batch]
    control = world.edi_control[code] = world.edi_control.get(code, 0) + 1
    text = build_interchange([("850", build_850(po)) for po in pos], sender=Party("ZZ", f"{code}BUY", f"{code}APP"),
                             receiver=US, control=control, at=world.clock.now())
    from ..domain.access import Actor, Role
    gateway = Actor(None, "edi-gateway", Role.CS_AGENT)
    result = world.attempt("EDI 850", lambda: edi_inbound.receive_interchange(
        world.uow, world.clock, world.settings, gateway, text))
    if result is not REFUSED:
        world.tally["orders"] += len(batch)
        world.tally["orders.edi"] += len(batch)
        for site, lines, *_ in batch:
            _observe(world, site, lines)


def upload_file(world: World, c: Customer, day: date) -> None:
    """An internal site's weekly spare-parts list, as the spreadsheet it keeps (CSV)."""
    rng = world.rng("internal")
    seg = world.scenario.internal
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["order_ref", "customer", "sku", "qty", "requested_date", "ship_to", "customer_po"])
    orders_in_file = max(1, demand.poisson(rng, 2.0))
    all_lines = []
    for n in range(orders_in_file):
        lines = world.company.demand.pick_lines(rng, c.trade, demand.line_count(rng, seg), day, seg.qty_scale)
        wanted = day + timedelta(days=rng.randint(*seg.requested_days))
        for sku, qty in lines:
            w.writerow([f"W{day:%y%W}-{n}", c.code, sku, qty, wanted.isoformat(), "MAIN", f"{c.code}-{day:%y%m%d}-{n}"])
        all_lines += lines
    report = world.attempt("file import", lambda: file_imports.import_file(
        world.uow, world.clock, world.settings, world.customer_actor(c.code), "orders", out.getvalue().encode(),
        f"{c.code.lower()}-{day:%Y-%m-%d}.csv", valid_only=True))
    if report is not REFUSED:
        world.tally["orders"] += len(report["created"])
        world.tally["orders.file"] += len(report["created"])
        _observe(world, c.sites[0], all_lines)


def review_credit_holds(world: World) -> None:
    """Finance's morning queue: release good payers' orders after a day, cancel a bad payer's after a week (an
    order held at shipping with part of it gone cannot be cancelled: its rest is released then)."""
    with world.uow.read() as conn:
        held = conn.execute(select(order_table.c.id, order_table.c.customer_id, order_table.c.created_at,
                                   func.sum(order_lines.c.qty_shipped))
                            .join(order_lines, order_lines.c.order_id == order_table.c.id)
                            .where(order_table.c.status == "credit_hold")
                            .group_by(order_table.c.id, order_table.c.customer_id, order_table.c.created_at)
                            .order_by(order_table.c.id)).all()
    codes = {v: k for k, v in world.ids.items()}
    now = world.clock.now()
    for order_id, customer_id, created, shipped in held:
        seg = world.by_code[codes[customer_id]].segment
        age = (now - created).days
        good = seg in ("A", "B") and age >= 1 or seg == "C" and 2 <= age < 7 and order_id % 3
        if good or age >= 7 and shipped:
            why = "payment history is good" if good else "part of the order has left already"
            world.attempt("release credit", lambda o=order_id, why=why: orders.release_credit_hold(
                world.uow, world.clock, world.finance, o, f"finance: {why}, released"))
            world.tally["credit releases"] += 1
        elif age >= 7:
            world.attempt("cancel held", lambda o=order_id: orders.cancel_order(
                world.uow, world.clock, world.settings, world.finance, o, "credit hold not cleared within a week"))
            world.tally["credit cancellations"] += 1
