"""Service measurement: per-order and per-line facts, per-case facts, and the daily summaries reports read.

Everything here is derived and can be rebuilt from the orders, shipments, returns, disputes and cases
(`ordercare report rebuild`), except the first promises the facts captured when they were made. So there are
no foreign keys: a rebuild or a benchmark may write facts in any order. Columns follow metrics/facts.py and
metrics/counters.py one to one.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, Integer, PrimaryKeyConstraint, SmallInteger, String, Table

from ..metrics.counters import BINS, COUNTERS
from .tables import TS, Id, Money, metadata


def _flags(*names: str) -> list[Column]:
    return [Column(n, SmallInteger, nullable=True) for n in names]  # 1 yes, 0 no, NULL not known yet


def _counts(*names: str) -> list[Column]:
    return [Column(n, Integer, nullable=False) for n in names]


_DELIVERY = ("complete", "on_time", "on_time_req", "damage_free", "doc_ok", "accurate", "perfect", "otif",
             "otif_req", "within_lead")

order_facts = Table(
    "order_facts", metadata,
    Column("order_id", Id, primary_key=True, autoincrement=False),
    Column("order_day", Date, nullable=False),
    Column("customer_id", Id, nullable=False),
    Column("segment", String(20), nullable=False),
    Column("package", String(20), nullable=False),
    Column("customer_kind", String(20), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("lead_time_days", Integer, nullable=False),
    *_counts("counted", "cancelled", "open", "credit_held"),
    Column("first_promised_date", Date, nullable=True),
    *_counts("lines", "units"),
    *_flags("filled", "filled_p"),
    *_counts("settled"),
    *_flags(*_DELIVERY),
    Column("ship_days", Integer, nullable=True),
    Column("deliver_days", Integer, nullable=True),
    *[Column(f"fail_{k}", String(40), nullable=True)
      for k in ("not_filled", "late", "incomplete", "damaged", "inaccurate", "documentation")],
)
Index("ix_order_facts_day", order_facts.c.order_day)
Index("ix_order_facts_customer_day", order_facts.c.customer_id, order_facts.c.order_day)
# Orders still open: the "past their promise" count reads only these.
Index("ix_order_facts_open", order_facts.c.order_day, sqlite_where=order_facts.c.open == 1,
      postgresql_where=order_facts.c.open == 1)

line_facts = Table(
    "line_facts", metadata,
    Column("order_line_id", Id, primary_key=True, autoincrement=False),
    Column("order_id", Id, nullable=False),
    Column("order_day", Date, nullable=False),
    Column("product_id", Id, nullable=False),
    Column("warehouse_id", Id, nullable=True),
    Column("carrier_id", Id, nullable=True),
    *_counts("counted", "open", "qty", "units_ordered", "qty_from_stock"),
    Column("requested_date", Date, nullable=True),
    Column("first_promised_ship", Date, nullable=True),
    Column("first_promised_date", Date, nullable=True),
    *_counts("u_fill_n", "u_filled"),
    *_flags("filled"),
    *_counts("u_fillp_n", "u_fillp"),
    *_flags("filled_p"),
    *_counts("settled"),
    *_flags(*_DELIVERY),
    Column("ship_days", Integer, nullable=True),
    Column("deliver_days", Integer, nullable=True),
    *_counts("units_shipped", "units_delivered", "units_damaged", "units_wrong", "units_short"),
    *_counts("ret_damaged", "ret_wrong_item", "ret_defective", "ret_not_as_described", "ret_not_needed",
             "ret_ordered_by_mistake", "ret_warranty", "ret_other"),
)
Index("ix_line_facts_order", line_facts.c.order_id)
Index("ix_line_facts_day", line_facts.c.order_day)
Index("ix_line_facts_open", line_facts.c.order_day, sqlite_where=line_facts.c.open == 1,
      postgresql_where=line_facts.c.open == 1)

def _slice() -> list[Column]:
    return [Column("dimension", String(16), nullable=False), Column("day", Date, nullable=False),
            Column("slice_key", String(64), nullable=False)]

# One row per slice value and order day: the sums of metrics/counters.py.
kpi_daily = Table(
    "kpi_daily", metadata,
    *_slice(),
    *[Column(name, BigInteger, nullable=False, default=0) for name in COUNTERS],
    # The common cycle times' histogram bins (metrics/counters.BINS; migration 0006_kpi_cycle_bins).
    *[Column(name, BigInteger, nullable=False, server_default="0") for name in BINS],
    PrimaryKeyConstraint("dimension", "day", "slice_key", name="pk_kpi_daily"),
)

# Cycle times as exact histograms: orders (or lines, for line-level slices) per whole day; only the times outside
# the daily row's bins (16 days and more, or negative).
kpi_daily_cycle = Table(
    "kpi_daily_cycle", metadata,
    *_slice(),
    Column("measure", String(10), nullable=False),  # ship, deliver
    Column("days", Integer, nullable=False),
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint("dimension", "day", "slice_key", "measure", "days", name="pk_kpi_daily_cycle"),
)

# Failed components of orders by the department charged (the Pareto).
kpi_daily_failures = Table(
    "kpi_daily_failures", metadata,
    *_slice(),
    Column("kind", String(20), nullable=False),
    Column("department", String(40), nullable=False),
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint("dimension", "day", "slice_key", "kind", "department", name="pk_kpi_daily_failures"),
)

case_facts = Table(
    "case_facts", metadata,
    Column("case_id", Id, primary_key=True, autoincrement=False),
    Column("customer_id", Id, nullable=False),
    Column("segment", String(20), nullable=False),
    Column("package", String(20), nullable=False),
    Column("customer_kind", String(20), nullable=False),
    Column("order_id", Id, nullable=True),
    Column("opened_day", Date, nullable=False),
    Column("category", String(30), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("department", String(40), nullable=True),  # charged by the investigation
    *_flags("first_response_met", "resolution_met"),  # known once the clock stopped
    # While a clock runs: when it falls due (NULL while paused before it), so a report can count it breached.
    Column("first_response_due", TS, nullable=True),
    Column("resolution_due", TS, nullable=True),
    Column("resolve_minutes", BigInteger, nullable=True),  # opened -> resolved, wall-clock
    Column("recovery_cost", Money, nullable=False),
)
Index("ix_case_facts_day", case_facts.c.opened_day)
Index("ix_case_facts_customer_day", case_facts.c.customer_id, case_facts.c.opened_day)
