"""The package terms and lead-time offers of quote lines: written with the quote, shown with it, and carried
into the order when the customer chooses one (price and date). Composable: each piece takes a connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select

from ..domain.errors import Conflict, ValidationFailed
from ..domain.lead_time_offers import is_expedite, line_offers, package_date
from ..domain.sourcing import LinePlan
from ..store.analytics_tables import quote_line_offers, quote_line_terms
from ..store.events import append_event
from ..store.tables import order_lines, service_packages
from .intake import Intake
from .policy_settings import load_offer_rules


def write_offers_in(conn: Connection, today: date, intake: Intake, plans: list[LinePlan],
                    line_ids: list[int]) -> None:
    """The package date and expedite flag of each line, and the offers the rules make for it."""
    pkg = conn.execute(select(service_packages).where(
        service_packages.c.code == intake.customer.service_package)).one()
    rules = load_offer_rules(conn)
    pkg_day = package_date(today, pkg.lead_time_days)
    terms, offers = [], []
    for line_id, ln, plan in zip(line_ids, intake.lines, plans, strict=True):
        earliest = max((a.delivery_date for a in plan.allocations), default=None) if not plan.backordered else None
        terms.append({"quote_line_id": line_id, "service_package": pkg.code,
                      "package_lead_time_days": pkg.lead_time_days, "package_date": pkg_day,
                      "earliest_date": earliest, "expedite": is_expedite(ln.merged.requested_date, pkg_day)})
        for o in line_offers(rules, unit_price=ln.unit_price, qty=ln.merged.qty, standard=plan.delivery_date,
                             earliest=earliest, package_day=pkg_day):
            offers.append({"quote_line_id": line_id, "code": o.code, "name": o.name,
                           "delivery_date": o.delivery_date, "price_adjustment_pct": o.price_adjustment_pct,
                           "unit_price": o.unit_price, "amount": o.amount})
    conn.execute(insert(quote_line_terms), terms)
    if offers:
        conn.execute(insert(quote_line_offers), offers)


def line_terms(conn: Connection, line_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per quote line id: its package terms and offers (quotes made before offers existed get none)."""
    out: dict[int, dict[str, Any]] = {i: {"service_package": None, "package_lead_time_days": None,
                                          "package_date": None, "expedite": False, "offers": []} for i in line_ids}
    if not line_ids:
        return out
    for t in conn.execute(select(quote_line_terms).where(quote_line_terms.c.quote_line_id.in_(line_ids))):
        out[t.quote_line_id].update(service_package=t.service_package, package_date=t.package_date,
                                    package_lead_time_days=t.package_lead_time_days, expedite=t.expedite)
    for o in conn.execute(select(quote_line_offers).where(quote_line_offers.c.quote_line_id.in_(line_ids))
                          .order_by(quote_line_offers.c.code)):
        out[o.quote_line_id]["offers"].append({
            "code": o.code, "name": o.name, "delivery_date": o.delivery_date,
            "price_adjustment_pct": Decimal(o.price_adjustment_pct), "unit_price": o.unit_price,
            "amount": o.amount})
    return out


@dataclass(frozen=True)
class OfferChoice:
    line_no: int
    offer: str


def resolve_choices(lines: list[dict[str, Any]], choices: list[OfferChoice]) -> dict[int, dict[str, Any]]:
    """line_no → the chosen offer, checked against what the quote actually offered (before anything is written)."""
    by_no = {ln["line_no"]: ln for ln in lines}
    out: dict[int, dict[str, Any]] = {}
    for i, c in enumerate(choices):
        line = by_no.get(c.line_no)
        if line is None:
            raise ValidationFailed("unknown_quote_line", f"offers[{i}].line_no: the quote has no line {c.line_no}",
                                   field=f"offers[{i}].line_no", line_no=c.line_no)
        if c.line_no in out:
            raise ValidationFailed("duplicate_offer_choice", f"offers[{i}].line_no: line {c.line_no} is chosen "
                                   "twice", field=f"offers[{i}].line_no", line_no=c.line_no)
        offer = next((o for o in line["offers"] if o["code"] == c.offer), None)
        if offer is None:
            raise ValidationFailed("unknown_offer", f"offers[{i}].offer: line {c.line_no} was not offered "
                                   f"'{c.offer}'", field=f"offers[{i}].offer", offered=[o["code"] for o in
                                                                                        line["offers"]])
        out[c.line_no] = offer
    return out


def keep_offers_in(conn: Connection, order_id: int, chosen: dict[int, dict[str, Any]], sku_line: dict[int, str],
                   *, at, actor: str) -> None:
    """After the order is planned: every chosen date must be the line's promise, else the conversion fails
    (a price was agreed for that date). Each accepted offer goes on the order's timeline."""
    if not chosen:
        return
    promised = dict(conn.execute(select(order_lines.c.line_no, order_lines.c.promised_date)
                                 .where(order_lines.c.order_id == order_id)).all())
    order_line_no = {sku: no for no, sku in enumerate(sku_line.values(), start=1)}
    for quote_line_no, offer in sorted(chosen.items()):
        got = promised.get(order_line_no[sku_line[quote_line_no]])
        if got != offer["delivery_date"]:
            raise Conflict("offer_no_longer_available", f"offers: line {quote_line_no}'s {offer['code']} date "
                           f"{offer['delivery_date']} can no longer be kept (today's promise: {got or 'none'}); "
                           "quote again", field="offers", line_no=quote_line_no,
                           offer_date=offer["delivery_date"].isoformat(), promise=got.isoformat() if got else None)
        append_event(conn, order_id, "offer_accepted", at=at, actor=actor, payload={
            "quote_line": quote_line_no, "sku": sku_line[quote_line_no], "offer": offer["code"],
            "delivery_date": offer["delivery_date"].isoformat(), "unit_price": str(offer["unit_price"]),
            "price_adjustment_pct": str(offer["price_adjustment_pct"])})
