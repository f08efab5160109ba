"""Build the demo distributor through the service functions, with a moving clock for its history."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import update

from ..clock import Clock, FixedClock
from ..config import Settings
from ..domain.access import SYSTEM
from ..domain.customers import CustomerKind, SourcingPolicy
from ..domain.errors import DomainError
from ..domain.orders import Channel, RequestedLine
from ..services import auth, master_data as md, orders, receipts
from ..services.intake import OrderRequest
from ..services.passwords import hash_password
from ..store.db import UnitOfWork
from ..store.tables import users
from . import billing as demo_billing
from .catalog import product_range
from .operations import run_warehouse_day
from .places import CITIES, CUSTOMER_KINDS, WAREHOUSES
from .service import service_history
from .transport import build_transport

Progress = Callable[[str, int, int], None]


@dataclass
class DemoLogin:
    admin_token: str
    admin_user: str
    admin_password: str
    customer_token: str
    customer_code: str
    customer_user: str = ""
    customer_password: str = ""  # the portal sign-in; staff demo users (desk, …) share admin's password


def _noop(_step: str, _done: int, _total: int) -> None:
    pass


def build_demo(uow: UnitOfWork, settings: Settings, clock: Clock, *, seed: int = 7, history_days: int = 21,
               history_orders: int = 320, progress: Progress = _noop) -> DemoLogin:
    rng = random.Random(seed)
    today = clock.today()
    start = datetime.combine(today - timedelta(days=history_days), time(8, 0), tzinfo=timezone.utc)
    past = FixedClock(start)
    actor = SYSTEM

    for code, name, region, city, lat, lon, handling in WAREHOUSES:
        md.create_warehouse(uow, actor, md.WarehouseData(code, name, region, city, lat, lon, handling))
    build_transport(uow, [w[0] for w in WAREHOUSES])
    progress("warehouses", len(WAREHOUSES), len(WAREHOUSES))

    items = product_range(rng)
    for i, p in enumerate(items):
        md.create_product(uow, actor, md.ProductData(**p))
        progress("products", i + 1, len(items))
    for p in items:  # wholesale: 8 % off, 15 % from 50 units; hospitals: 5 % off
        md.set_price(uow, actor, "WHOLESALE", p["sku"], (p["list_price"] * Decimal("0.92")).quantize(Decimal("0.01")))
        md.set_price(uow, actor, "WHOLESALE", p["sku"], (p["list_price"] * Decimal("0.85")).quantize(Decimal("0.01")),
                     min_qty=50)
        if p["category"] == "Hospital supplies":
            md.set_price(uow, actor, "HOSPITAL", p["sku"],
                         (p["list_price"] * Decimal("0.95")).quantize(Decimal("0.01")))

    customers = _customers(uow, past, rng)
    demo_billing.set_up(uow, past, customers, items, rng)
    progress("customers", len(customers), len(customers))

    # Opening stock: most SKUs in most warehouses, some gaps so that sourcing and back-orders have work.
    cells = [(w[0], p["sku"]) for p in items for w in WAREHOUSES]
    for i, (wh, sku) in enumerate(cells):
        if rng.random() < 0.8:
            md.adjust_stock(uow, past, settings, actor, warehouse=wh, sku=sku, delta=rng.randint(20, 400),
                            reason="opening stock", kind="initial")
        if i % 60 == 0:
            progress("stock", i + 1, len(cells))
    progress("stock", len(cells), len(cells))

    # Purchase orders: lines expected from a few days to six weeks out.
    for n in range(24):
        wh = WAREHOUSES[n % len(WAREHOUSES)][0]
        picks = rng.sample(items, 6)
        receipts.create_purchase_order(
            uow, past, settings, actor, number=f"PO-{2600 + n}", supplier=rng.choice(SUPPLIERS), warehouse=wh,
            lines=[receipts.ReceiptLine(p["sku"], rng.randint(50, 600),
                                        today + timedelta(days=rng.randint(3, 42))) for p in picks])
    progress("purchase orders", 24, 24)

    _history(uow, settings, past, rng, customers, items, history_orders, today, progress)
    login = _logins(uow, clock, customers)
    opened = service_history(uow, settings, past, rng)  # complaints and returns on that history
    progress("cases and returns", opened, opened)
    return login


SUPPLIERS = ["Bosch Industrial", "Würth Supply", "Stanley Black & Decker", "3M Safety", "Geberit Trade",
             "Schneider Electric", "Hartmann Medical", "Kaiser+Kraft Racking"]


def _customers(uow: UnitOfWork, clock: Clock, rng: random.Random) -> list[dict]:
    out = []
    for i in range(112):
        city, country, lat, lon = rng.choice(CITIES)
        word, trade = rng.choice(CUSTOMER_KINDS)
        segment = rng.choices("ABC", weights=[15, 35, 50])[0]
        code = f"C{1000 + i}"
        limit = {"A": 400_000, "B": 150_000, "C": 50_000}[segment] * (0.05 if rng.random() < 0.05 else rng.choice([1, 1, 2]))
        data = md.CustomerData(
            code=code, name=f"{city} {word} {rng.choice(['BV', 'GmbH', 'SA', 'Sp. z o.o.', 'SRL', 'AG'])}",
            segment=segment, service_package=segment, credit_limit=Decimal(int(limit)),
            price_list="HOSPITAL" if trade == "hospital" else ("WHOLESALE" if segment != "C" else None),
            sourcing_policy=SourcingPolicy.SINGLE_WAREHOUSE if rng.random() < 0.3 else SourcingPolicy.NEAREST,
            ship_complete=rng.random() < 0.25, email=f"orders@{code.lower()}.example",
            ship_tos=[md.ShipToData("MAIN", f"{city} main site", city, country, lat + rng.uniform(-0.05, 0.05),
                                    lon + rng.uniform(-0.05, 0.05), street=f"{rng.randint(1, 200)} Industrieweg",
                                    postal_code=f"{rng.randint(1000, 99999)}", is_default=True)])
        if rng.random() < 0.2:
            c2, k2, la2, lo2 = rng.choice(CITIES)
            data.ship_tos.append(md.ShipToData("SITE2", f"{c2} branch", c2, k2, la2, lo2))
        md.create_customer(uow, clock, SYSTEM, data)
        out.append({"code": code, "segment": segment, "trade": trade, "ship_tos": [s.code for s in data.ship_tos]})
    for code, name, city, country, lat, lon in [
        ("INT-MNT", "Maintenance department Rotterdam", "Rotterdam", "NL", 51.92, 4.48),
        ("INT-LYA", "Lyon assembly site", "Lyon", "FR", 45.75, 4.85),
        ("INT-RND", "R&D laboratory Poznań", "Poznań", "PL", 52.41, 16.93),
    ]:
        md.create_customer(uow, clock, SYSTEM, md.CustomerData(
            code=code, name=name, kind=CustomerKind.INTERNAL, segment="B", service_package="B",
            ship_tos=[md.ShipToData("MAIN", name, city, country, lat, lon, is_default=True)]))
        out.append({"code": code, "segment": "B", "trade": "internal", "ship_tos": ["MAIN"]})
    # Open receivables from before the system started (open items), so that credit checks have something to weigh.
    demo_billing.opening_balances(uow, clock, out, rng)
    return out


def _history(uow, settings, clock: FixedClock, rng, customers, items, n, today, progress) -> None:
    """Working days up to yesterday: orders through the day, the warehouses work at 17:00."""
    channels = [Channel.EDI, Channel.PORTAL, Channel.PHONE, Channel.DESK, Channel.API, Channel.WEB]
    weights = {"A": [40, 25, 15, 5, 15, 0], "B": [15, 35, 25, 10, 5, 10], "C": [0, 45, 25, 10, 0, 20]}
    days = (today - clock.today()).days
    per_day = max(1, n // max(days, 1))
    placed, first = 0, clock.today()
    for d in range(days):
        day = first + timedelta(days=d)
        clock.set(datetime.combine(day, time(8, 0), tzinfo=timezone.utc))
        for _ in range(per_day):
            clock.advance(seconds=8 * 3600 / per_day)
            c = rng.choice(customers)
            picks = rng.sample(items, rng.choice([1, 1, 2, 3, 4, 5, 6, 8]))
            req = OrderRequest(
                customer=c["code"], ship_to=rng.choice(c["ship_tos"]),
                channel=rng.choices(channels, weights=weights.get(c["segment"], weights["B"]))[0],
                lines=[RequestedLine(p["sku"], _qty(rng, p), None, k) for k, p in enumerate(picks)],
                requested_date=clock.today() + timedelta(days=rng.choice([2, 3, 5, 7, 10, 14])),
                customer_po=f"PO{rng.randint(10000, 99999)}")
            try:
                order_id, _ = orders.place_order(uow, clock, settings, SYSTEM, req)
                placed += 1
            except DomainError:
                continue
            if rng.random() < 0.03:
                orders.cancel_order(uow, clock, settings, SYSTEM, order_id, "customer changed plans")
        clock.set(datetime.combine(clock.today(), time(17, 0), tzinfo=timezone.utc))
        run_warehouse_day(uow, settings, clock, rng)
        demo_billing.billing_day(uow, clock, {c["code"]: c["segment"] for c in customers if c["trade"] != "internal"})
        progress("order history", placed, per_day * days)


def _qty(rng: random.Random, p: dict) -> int:
    if p["category"] == "Storage & install":
        return rng.randint(1, 4)
    return rng.choice([1, 2, 5, 10, 12, 20, 24, 50])


def _logins(uow: UnitOfWork, clock: Clock, customers: list[dict]) -> DemoLogin:
    password = secrets.token_urlsafe(9)
    customer_code = customers[0]["code"]
    with uow.transaction() as conn:
        admin_id = auth.create_user(conn, clock, username="admin", role="admin")
        conn.execute(update(users).where(users.c.id == admin_id).values(password_hash=hash_password(password)))
        token = auth.issue_token(conn, clock, admin_id, "demo")
        staff_hash = hash_password(password)
        for name, role in [("desk", "cs_agent"), ("finance", "finance"), ("warehouse", "warehouse"),
                           ("manager", "manager")]:
            uid = auth.create_user(conn, clock, username=name, role=role)
            conn.execute(update(users).where(users.c.id == uid).values(password_hash=staff_hash))
        cust_name, cust_password = f"buyer@{customer_code.lower()}", secrets.token_urlsafe(9)
        cust_user = auth.create_user(conn, clock, username=cust_name, role="customer", customer_code=customer_code)
        conn.execute(update(users).where(users.c.id == cust_user).values(password_hash=hash_password(cust_password)))
        cust_token = auth.issue_token(conn, clock, cust_user, "demo")
    return DemoLogin(token, "admin", password, cust_token, customer_code, cust_name, cust_password)
