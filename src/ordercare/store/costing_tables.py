"""Cost-to-serve and profitability: activity rates, case minutes, the zone thresholds; and the delivery window
of each service package as data (docs/cost-to-serve.md)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Numeric, String, Table

from ..analytics.activity_rates import DEFAULT_MINUTES, DEFAULT_RATES
from ..domain.delivery_windows import DEFAULT_WINDOWS
from .tables import TS, Money, metadata

activity_rates = Table(  # what one unit of an activity's driver costs
    "activity_rates", metadata,
    Column("activity", String(30), primary_key=True),
    Column("qualifier", String(20), primary_key=True),  # a channel; '' = the activity's default
    Column("rate", Numeric(14, 4), nullable=False),
    Column("pool_cost", Money, nullable=True),  # the rate derived as cost pool ÷ driver volume: both kept
    Column("driver_volume", Numeric(14, 2), nullable=True),
    Column("updated_at", TS, nullable=True),
    Column("updated_by", String(100), nullable=True),
    CheckConstraint("rate >= 0 AND (pool_cost IS NULL OR pool_cost >= 0) AND "
                    "(driver_volume IS NULL OR driver_volume > 0)", name="values"),
)

case_minutes = Table(  # minutes of work per case by category, and per case event by kind
    "case_minutes", metadata,
    Column("kind", String(10), primary_key=True),  # category | event
    Column("code", String(30), primary_key=True),  # '' = any other
    Column("minutes", Numeric(8, 2), nullable=False),
    CheckConstraint("kind IN ('category', 'event') AND minutes >= 0", name="values"),
)

costing_settings = Table(  # one row (id 1)
    "costing_settings", metadata,
    Column("id", Integer, primary_key=True),
    Column("value_threshold", Money, nullable=True),  # NULL: the median of the period
    Column("cost_threshold", Money, nullable=True),
    CheckConstraint("id = 1", name="one_row"),
)

package_delivery_windows = Table(  # Table 8-1 "delivery": when, around the requested date, delivery is in time
    "package_delivery_windows", metadata,
    Column("service_package", String(20), ForeignKey("service_packages.code"), primary_key=True),
    Column("basis", String(10), nullable=False),  # day: the requested day; week: the week it falls in
    Column("days_before", Integer, nullable=False),
    Column("days_after", Integer, nullable=False),
    CheckConstraint("basis IN ('day', 'week') AND days_before >= 0 AND days_after >= 0 AND days_before <= 60 "
                    "AND days_after <= 60", name="values"),
)


def reference_rows() -> list[tuple[Table, list[dict]]]:
    """The defaults a new database starts with: rates, case minutes, median thresholds, the packages' windows."""
    return [
        (activity_rates, [{"activity": r.activity, "qualifier": r.qualifier, "rate": r.rate} for r in DEFAULT_RATES]),
        (case_minutes, [{"kind": m.kind, "code": m.code, "minutes": m.minutes} for m in DEFAULT_MINUTES]),
        (costing_settings, [{"id": 1, "value_threshold": None, "cost_threshold": None}]),
        (package_delivery_windows, [{"service_package": w.package, "basis": w.basis, "days_before": w.days_before,
                                     "days_after": w.days_after} for w in DEFAULT_WINDOWS]),
    ]
