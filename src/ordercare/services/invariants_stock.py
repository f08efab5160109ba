"""Invariants of the goods: stock conservation, reservations and promises, returned units.

Each function takes a connection and returns the violations it finds (empty: the invariant holds).
They read whole tables with set-based queries, so they run on a database of any size in a few reads.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select

from ..domain.returns import INSPECTION
from ..store.service_tables import nonsellable_moves, nonsellable_stock, return_lines
from ..store.tables import allocations, receipts, stock, stock_moves
from .violations import Violation, names


def stock_conservation(conn: Connection, now: datetime | None = None) -> list[Violation]:
    """On hand = the sum of its stock moves (receipts − shipments − short picks ± adjustments/counts + returns)."""
    wh, sku = names(conn)
    moved: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for r in conn.execute(select(stock_moves.c.warehouse_id, stock_moves.c.product_id, stock_moves.c.kind,
                                 func.sum(stock_moves.c.qty))
                          .group_by(stock_moves.c.warehouse_id, stock_moves.c.product_id, stock_moves.c.kind)):
        moved[(r[0], r[1])][r[2]] = int(r[3])
    on_hand = {(r.warehouse_id, r.product_id): r.on_hand
               for r in conn.execute(select(stock.c.warehouse_id, stock.c.product_id, stock.c.on_hand))}
    out = []
    for key in sorted(moved.keys() | on_hand.keys()):
        kinds = moved.get(key, {})
        total, found = sum(kinds.values()), on_hand.get(key)
        if found is None or total != found:
            detail = ", ".join(f"{k} {v:+d}" for k, v in sorted(kinds.items())) or "no moves"
            subject = f"stock {wh.get(key[0], key[0])}/{sku.get(key[1], key[1])}"
            out.append(Violation("stock_conservation", subject, f"{total} ({detail})",
                                 "no stock row" if found is None else str(found),
                                 f"{subject}: on_hand {found} != {total} from its stock moves ({detail})"))
    return out


def stock_levels(conn: Connection, now: datetime | None = None) -> list[Violation]:
    """Per warehouse and product: 0 <= reserved <= on_hand, reserved = units allocated from stock."""
    wh, sku = names(conn)
    alloc = (select(allocations.c.warehouse_id, allocations.c.product_id, func.sum(allocations.c.qty).label("total"))
             .where(allocations.c.receipt_id.is_(None))
             .group_by(allocations.c.warehouse_id, allocations.c.product_id).subquery())
    out = []

    def bad(w: int, p: int, expected, found, problem: str) -> None:
        subject = f"stock {wh.get(w, w)}/{sku.get(p, p)}"
        out.append(Violation("stock_levels", subject, str(expected), str(found), f"{subject}: {problem}"))

    for r in conn.execute(select(stock.c.warehouse_id, stock.c.product_id, stock.c.on_hand, stock.c.reserved,
                                 func.coalesce(alloc.c.total, 0).label("allocated"))
                          .select_from(stock.outerjoin(alloc, and_(alloc.c.warehouse_id == stock.c.warehouse_id,
                                                                   alloc.c.product_id == stock.c.product_id)))
                          .order_by(stock.c.warehouse_id, stock.c.product_id)):
        w, p = r.warehouse_id, r.product_id
        if r.reserved != r.allocated:
            bad(w, p, r.allocated, r.reserved, f"reserved {r.reserved} != {r.allocated} units allocated from it")
        if r.reserved < 0:
            bad(w, p, ">= 0", r.reserved, f"reserved {r.reserved} is negative")
        if r.on_hand < 0:
            bad(w, p, ">= 0", r.on_hand, f"on_hand {r.on_hand} is negative")
        if r.reserved > r.on_hand:
            bad(w, p, f"<= {r.on_hand}", r.reserved, f"reserved {r.reserved} > on_hand {r.on_hand} (oversold)")
        if r.allocated > r.on_hand:
            bad(w, p, f"<= {r.on_hand}", r.allocated,
                f"{r.allocated} units allocated from stock > on_hand {r.on_hand} (oversold)")
    for r in conn.execute(select(alloc.c.warehouse_id, alloc.c.product_id, alloc.c.total)
                          .where(~select(stock.c.warehouse_id).where(
                              stock.c.warehouse_id == alloc.c.warehouse_id,
                              stock.c.product_id == alloc.c.product_id).exists())):
        bad(r.warehouse_id, r.product_id, "a stock row", "none",
            f"no stock row, yet {r.total} units allocated from it")
    return out


def receipt_promises(conn: Connection, now: datetime | None = None) -> list[Violation]:
    """Per scheduled receipt: promised = units allocated on it, never more than is still to come, and
    units received = its receipt stock moves."""
    alloc = (select(allocations.c.receipt_id, func.sum(allocations.c.qty).label("total"))
             .where(allocations.c.receipt_id.is_not(None)).group_by(allocations.c.receipt_id).subquery())
    moved = dict(conn.execute(select(stock_moves.c.ref, func.sum(stock_moves.c.qty))
                              .where(stock_moves.c.kind == "receipt").group_by(stock_moves.c.ref)).all())
    out = []
    for r in conn.execute(select(receipts.c.id, receipts.c.qty_ordered, receipts.c.qty_received, receipts.c.promised,
                                 func.coalesce(alloc.c.total, 0).label("allocated"))
                          .select_from(receipts.outerjoin(alloc, alloc.c.receipt_id == receipts.c.id))
                          .order_by(receipts.c.id)):
        subject, received_moves = f"receipt {r.id}", int(moved.get(f"receipt:{r.id}", 0))

        def bad(expected, found, problem: str, subject: str = subject) -> None:
            out.append(Violation("receipt_promises", subject, str(expected), str(found), f"{subject}: {problem}"))

        if r.promised != r.allocated:
            bad(r.allocated, r.promised, f"promised {r.promised} != {r.allocated} units allocated on it")
        if r.promised < 0:
            bad(">= 0", r.promised, f"promised {r.promised} is negative")
        if r.promised + r.qty_received > r.qty_ordered:
            bad(f"<= {r.qty_ordered}", r.promised + r.qty_received, f"promised {r.promised} + received "
                f"{r.qty_received} > ordered {r.qty_ordered} (overpromised)")
        if r.allocated + r.qty_received > r.qty_ordered:
            bad(f"<= {r.qty_ordered}", r.allocated + r.qty_received, f"{r.allocated} units allocated + received "
                f"{r.qty_received} > ordered {r.qty_ordered} (overpromised)")
        if received_moves != r.qty_received:
            bad(received_moves, r.qty_received,
                f"received {r.qty_received} != {received_moves} units in its receipt stock moves")
    return out


def returned_units(conn: Connection, now: datetime | None = None) -> list[Violation]:
    """Returned units are conserved: per warehouse and product, units received back = units restocked (the
    "return" stock moves) + units in the non-sellable buckets; each bucket = the sum of its moves; the return
    lines' received units = the units booked into inspection."""
    wh, sku = names(conn)
    out = []
    received = {(r[0], r[1]): int(r[2]) for r in conn.execute(
        select(nonsellable_moves.c.warehouse_id, nonsellable_moves.c.product_id, func.sum(nonsellable_moves.c.qty))
        .where(nonsellable_moves.c.kind == "return_received", nonsellable_moves.c.bucket == INSPECTION)
        .group_by(nonsellable_moves.c.warehouse_id, nonsellable_moves.c.product_id))}
    restocked = {(r[0], r[1]): int(r[2]) for r in conn.execute(
        select(stock_moves.c.warehouse_id, stock_moves.c.product_id, func.sum(stock_moves.c.qty))
        .where(stock_moves.c.kind == "return").group_by(stock_moves.c.warehouse_id, stock_moves.c.product_id))}
    buckets: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for r in conn.execute(select(nonsellable_stock)):
        buckets[(r.warehouse_id, r.product_id)][r.bucket] = r.qty
    moved: dict[tuple[int, int, str], int] = {(r[0], r[1], r[2]): int(r[3]) for r in conn.execute(
        select(nonsellable_moves.c.warehouse_id, nonsellable_moves.c.product_id, nonsellable_moves.c.bucket,
               func.sum(nonsellable_moves.c.qty))
        .group_by(nonsellable_moves.c.warehouse_id, nonsellable_moves.c.product_id, nonsellable_moves.c.bucket))}
    subject = lambda w, p: f"returns {wh.get(w, w)}/{sku.get(p, p)}"
    for key in sorted(received.keys() | restocked.keys() | buckets.keys()):
        held = buckets.get(key, {})
        back, kept, shelf = received.get(key, 0), sum(held.values()), restocked.get(key, 0)
        if back != shelf + kept:
            s = subject(*key)
            detail = ", ".join(f"{b} {q}" for b, q in sorted(held.items())) or "no buckets"
            out.append(Violation("returned_units", s, str(back), f"{shelf + kept} ({shelf} restocked, {detail})",
                                 f"{s}: {back} units received back != {shelf} restocked + {kept} in the "
                                 f"non-sellable buckets ({detail})"))
    for (w, p, bucket) in sorted(moved.keys() | {(w, p, b) for (w, p), bs in buckets.items() for b in bs}):
        qty, total = buckets.get((w, p), {}).get(bucket), moved.get((w, p, bucket), 0)
        if qty != total or (qty or 0) < 0:
            s = f"{subject(w, p)} {bucket}"
            out.append(Violation("returned_units", s, str(total), str(qty),
                                 f"{s}: bucket holds {qty} != {total} from its moves"))
    booked = sum(received.values())
    lines = conn.execute(select(func.coalesce(func.sum(return_lines.c.qty_received), 0))).scalar_one()
    if lines != booked:
        out.append(Violation("returned_units", "return lines", str(booked), str(lines),
                             f"return lines: {lines} units received != {booked} booked into inspection"))
    for r in conn.execute(select(return_lines.c.id, return_lines.c.qty, return_lines.c.qty_received,
                                 return_lines.c.qty_disposed)
                          .where(or_(return_lines.c.qty_received < 0, return_lines.c.qty_disposed < 0,
                                     return_lines.c.qty_received > return_lines.c.qty,
                                     return_lines.c.qty_disposed > return_lines.c.qty_received))):
        out.append(Violation("returned_units", f"return line {r.id}", f"0 <= disposed <= received <= {r.qty}",
                             f"received {r.qty_received}, disposed {r.qty_disposed}",
                             f"return line {r.id}: received {r.qty_received}, disposed {r.qty_disposed} of "
                             f"{r.qty} authorised"))
    return out

