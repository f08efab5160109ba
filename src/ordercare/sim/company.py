"""The simulated distributor, set up through the real services: warehouses, carriers and trucks, the
catalogue with its price lists and taxes, customers in segments with their sites, billing terms and EDI
partners, staff users and account reps, balances brought forward, and opening stock.

Bulk master data goes through the services one record at a time, each call a savepoint of one transaction
(as a file import does), so a set-up of thousands of records commits once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Connection

from ..clock import Clock
from ..config import Settings
from ..domain.access import SYSTEM
from ..domain.atp import distance_km
from ..domain.customers import CustomerKind, SourcingPolicy
from ..domain.invoicing import Invoicing
from ..services import auth, billing_setup, edi_partners, master_data as md, master_data_bulk as md_bulk
from ..services.opening_balances import record_opening_balance_in
from ..services.service_setup import assign_account_rep
from ..store.db import UnitOfWork
from ..store.savepoints import SavepointUnitOfWork
from ..store.tables import customers as customer_table
from .buyer import opening_stock, supplier_for
from .catalog import product_range
from .demand import DemandModel, profiles
from .habits import OPENING_AGE
from .places import CITIES, CUSTOMER_KINDS, WAREHOUSES
from .scenario import Scenario
from .transport import build_transport

INTERNAL_SITES = [("INT-MNT", "Maintenance department Rotterdam", "Rotterdam", "NL", 51.92, 4.48),
                  ("INT-LYA", "Lyon assembly site", "Lyon", "FR", 45.75, 4.85),
                  ("INT-RND", "R&D laboratory Poznań", "Poznań", "PL", 52.41, 16.93)]
STAFF = [("desk", "cs_agent"), ("rita", "cs_agent"), ("tom", "cs_agent"), ("warehouse", "warehouse"),
         ("finance", "finance"), ("manager", "manager")]
ACCOUNT_REPS = ("desk", "rita", "tom")


@dataclass
class Site:
    code: str
    lat: float
    lon: float
    warehouse: str  # the nearest one: where its demand is forecast


@dataclass
class Customer:
    code: str
    segment: str  # A, B, C or "internal"
    trade: str
    sites: list[Site]
    edi_partner: str | None = None
    word: str = ""  # the trade word in its name (Hardware, Klinik, …)


@dataclass
class Company:
    warehouses: list[str]
    items: list[dict]
    customers: list[Customer]
    demand: DemandModel
    stocked: dict[str, set[str]] = field(default_factory=dict)  # warehouse -> SKUs it keeps
    category: dict[str, str] = field(default_factory=dict)  # sku -> category
    unit: dict[str, str] = field(default_factory=dict)  # sku -> unit of measure
    unit_cost: dict[str, float] = field(default_factory=dict)  # sku -> what the buyer pays


def _nearest(lat: float, lon: float) -> str:
    return min(WAREHOUSES, key=lambda w: distance_km(lat, lon, w[4], w[5]))[0]


def in_one_transaction(uow: UnitOfWork, steps) -> None:
    """Run steps(savepoint_uow) inside one transaction: every service call is a savepoint of it."""
    def work(conn: Connection) -> None:
        steps(SavepointUnitOfWork(conn))
    uow.run(work)


def build_company(uow: UnitOfWork, settings: Settings, clock: Clock, scenario: Scenario, progress) -> Company:
    rng = scenario.rng("company")
    for code, name, region, city, lat, lon, handling in WAREHOUSES:
        md.create_warehouse(uow, SYSTEM, md.WarehouseData(code, name, region, city, lat, lon, handling))
    build_transport(uow, [w[0] for w in WAREHOUSES])
    with uow.transaction() as conn:
        for username, role in STAFF:
            auth.create_user(conn, clock, username=username, role=role)
    progress("warehouses", len(WAREHOUSES), len(WAREHOUSES))

    items = product_range(rng, scenario.skus)
    demand = DemandModel(profiles(items, scenario.rng("popularity")), scenario.rng("sku-levels"))

    md_bulk.create_products(uow, SYSTEM, [md.ProductData(**p) for p in items])
    # Wholesale: 8 % off, 15 % from 50 units; hospitals: 5 % off.
    md_bulk.set_prices(uow, SYSTEM, "WHOLESALE", [
        b for p in items for b in (md_bulk.PriceBreak(p["sku"], _off(p["list_price"], "0.92")),
                                   md_bulk.PriceBreak(p["sku"], _off(p["list_price"], "0.85"), 50))])
    md_bulk.set_prices(uow, SYSTEM, "HOSPITAL", [md_bulk.PriceBreak(p["sku"], _off(p["list_price"], "0.95"))
                                                 for p in items if p["category"] == "Hospital supplies"])

    def taxes(sp) -> None:
        billing_setup.set_tax_rate(sp, SYSTEM, rate=Decimal("21"), name="standard")
        for p in items:
            if p["category"] == "Hospital supplies":
                billing_setup.set_tax_rate(sp, SYSTEM, rate=Decimal("9"), name="reduced (medical)", sku=p["sku"])
    in_one_transaction(uow, taxes)
    progress("products", len(items), len(items))

    people = _customers(scenario, rng)
    in_one_transaction(uow, lambda sp: _register(sp, clock, people, rng))
    _opening_balances(uow, clock, people, scenario)
    progress("customers", len(people), len(people))

    company = Company([w[0] for w in WAREHOUSES], items, people, demand,
                      category={p["sku"]: p["category"] for p in items}, unit={p["sku"]: p["unit"] for p in items})
    _opening_stock(uow, clock, settings, company, scenario, progress)
    return company


def _off(price: Decimal, factor: str) -> Decimal:
    return (price * Decimal(factor)).quantize(Decimal("0.01"))


def _customers(scenario: Scenario, rng: random.Random) -> list[Customer]:
    out: list[Customer] = []
    # Each segment its share of the customers (at least one of each), in a shuffled order.
    codes = [s for s, seg in scenario.segments.items() for _ in range(max(1, round(seg.share * scenario.customers)))]
    codes = (codes * 2)[: scenario.customers]
    rng.shuffle(codes)
    for i, code in enumerate(codes):
        segment = scenario.segments[code]
        word, trade = rng.choice(CUSTOMER_KINDS)
        sites = []
        for n in range(rng.randint(*segment.sites)):
            city, country, lat, lon = rng.choice(CITIES)
            lat, lon = lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05)
            sites.append(Site("MAIN" if n == 0 else f"SITE{n + 1}", lat, lon, _nearest(lat, lon)))
        out.append(Customer(f"C{1000 + i}", segment.code, trade, sites, f"EDI{1000 + i}" if segment.code == "A"
                            and segment.channels.get("edi", 0) else None, word))
    for code, name, city, country, lat, lon in INTERNAL_SITES:
        out.append(Customer(code, "internal", "internal", [Site("MAIN", lat, lon, _nearest(lat, lon))]))
    return out


def _register(sp, clock: Clock, people: list[Customer], rng: random.Random) -> None:
    for c in people:
        if c.segment == "internal":
            code, name, city, country, lat, lon = next(s for s in INTERNAL_SITES if s[0] == c.code)
            md.create_customer(sp, clock, SYSTEM, md.CustomerData(
                code=code, name=name, kind=CustomerKind.INTERNAL, segment="B", service_package="B",
                ship_tos=[md.ShipToData("MAIN", name, city, country, lat, lon, is_default=True)]))
            billing_setup.set_tax_rate(sp, SYSTEM, rate=Decimal("0"), name="intra-company", customer=code)
            billing_setup.set_billing(sp, clock, SYSTEM, code, invoicing=Invoicing.MONTHLY, charge_freight=False)
            continue
        first = _city_of(c.sites[0])
        # About two months of a customer's usual buying (A ~600k EUR a week, B ~45k, C ~5k): an account in good
        # standing is not held; the 5 % with a twentieth of it are, and so are C customers who stop paying.
        limit = {"A": 5_000_000, "B": 400_000, "C": 50_000}[c.segment]
        limit *= 0.05 if rng.random() < 0.05 else rng.choice([1, 1, 2])
        md.create_customer(sp, clock, SYSTEM, md.CustomerData(
            code=c.code, name=f"{first[0]} {c.word} {rng.choice(['BV', 'GmbH', 'SA', 'Sp. z o.o.', 'SRL', 'AG'])}",
            segment=c.segment, service_package=c.segment, credit_limit=Decimal(int(limit)),
            price_list="HOSPITAL" if c.trade == "hospital" else ("WHOLESALE" if c.segment != "C" else None),
            sourcing_policy=SourcingPolicy.SINGLE_WAREHOUSE if rng.random() < 0.3 else SourcingPolicy.NEAREST,
            ship_complete=rng.random() < 0.2, email=f"orders@{c.code.lower()}.example",
            ship_tos=[md.ShipToData(s.code, f"{_city_of(s)[0]} {'main site' if n == 0 else 'branch'}",
                                    *_city_of(s), s.lat, s.lon, street=f"{rng.randint(1, 200)} Industrieweg",
                                    postal_code=f"{rng.randint(1000, 99999)}", is_default=n == 0)
                      for n, s in enumerate(c.sites)]))
        if c.segment == "A" or (c.segment == "B" and rng.random() < 0.33):
            billing_setup.set_billing(sp, clock, SYSTEM, c.code, invoicing=Invoicing.WEEKLY,
                                      charge_freight=c.segment != "A")
        if c.edi_partner:
            edi_partners.create_partner(sp, clock, SYSTEM, edi_partners.PartnerData(
                c.edi_partner, c.code, "ZZ", f"{c.code}BUY", f"{c.code}APP"))
            for s in c.sites:
                edi_partners.set_location(sp, SYSTEM, c.edi_partner, s.code, s.code)
    key_accounts = [c.code for c in people if c.segment == "A"]
    for n, code in enumerate(key_accounts):
        assign_account_rep(sp, clock, SYSTEM, code, ACCOUNT_REPS[n % len(ACCOUNT_REPS)])


def _city_of(site: Site) -> tuple[str, str]:
    """The city the site was drawn near (its name and country)."""
    city = min(CITIES, key=lambda c: abs(c[2] - site.lat) + abs(c[3] - site.lon))
    return city[0], city[1]


def _opening_balances(uow: UnitOfWork, clock: Clock, people: list[Customer], scenario: Scenario) -> None:
    """Balances brought forward from the old system: open items, older for the customers who pay late."""
    rng = scenario.rng("opening-balances")

    def work(conn: Connection) -> None:
        from sqlalchemy import select
        ids = dict(conn.execute(select(customer_table.c.code, customer_table.c.id)).all())
        for c in people:
            if c.segment == "internal" or rng.random() >= 0.6:
                continue
            for n in range(rng.choice([1, 1, 2, 3])):
                issued = clock.today() - timedelta(days=rng.randint(*OPENING_AGE[c.segment]))
                record_opening_balance_in(conn, clock, SYSTEM, customer_id=ids[c.code],
                                          amount=Decimal(rng.randint(200, 8_000)), reference=f"OB-{c.code}-{n + 1}",
                                          issued_on=issued, due_on=issued + timedelta(days=30), currency="EUR")
    uow.run(work)


def expected_daily(company: Company, scenario: Scenario) -> dict[tuple[str, str], float]:
    """Units per day each warehouse's region is expected to order of each SKU (the opening forecast)."""
    day = scenario.start
    out: dict[tuple[str, str], float] = {}
    sizes = {s.sku: s.mean_size for s in company.demand.skus}
    shares_by_trade: dict[str, dict[str, float]] = {}
    for c in company.customers:
        seg = scenario.internal if c.segment == "internal" else scenario.segments[c.segment]
        lines = seg.orders_per_site_week / 7 * (sum(seg.lines[:2]) + seg.lines[2]) / 3
        shares = shares_by_trade.setdefault(c.trade, company.demand.expected_share(c.trade, day))
        for s in c.sites:
            for sku, share in shares.items():
                cell = (s.warehouse, sku)
                out[cell] = out.get(cell, 0.0) + lines * share * sizes[sku] * seg.qty_scale
    return out


def _opening_stock(uow: UnitOfWork, clock: Clock, settings: Settings, company: Company, scenario: Scenario,
                   progress) -> None:
    """Fast movers in every warehouse; the rest where their region's demand is, and in Rotterdam (the hub)."""
    rng = scenario.rng("opening-stock")
    daily = expected_daily(company, scenario)
    company.unit_cost = {p["sku"]: float(p["unit_cost"]) for p in company.items}
    ranked = sorted(company.demand.skus, key=lambda s: -s.popularity)
    fast = {s.sku for s in ranked[: max(1, len(ranked) // 2)]}
    for wh in company.warehouses:
        company.stocked[wh] = {s.sku for s in ranked if s.sku in fast or wh == "RTM" or daily.get((wh, s.sku), 0) >
                               0.2 * sum(daily.get((w, s.sku), 0) for w in company.warehouses)}

    changes = []
    for wh in company.warehouses:
        for p in company.items:
            if p["sku"] in company.stocked[wh]:
                units = opening_stock(max(daily.get((wh, p["sku"]), 0.0), 0.05), supplier_for(p["category"]),
                                      float(p["unit_cost"]), rng)
                if units > 0:
                    changes.append(md_bulk.StockChange(wh, p["sku"], units))
    md_bulk.adjust_stock_many(uow, clock, settings, SYSTEM, changes, reason="opening stock", kind="initial")
    progress("opening stock", len(changes), len(changes))
