"""Aging buckets at their edges, DSO with a worked example, dunning levels."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ordercare.domain.receivables import BUCKET_NAMES, aging, bucket, dso, dunning_level, dunning_name

D = Decimal
TODAY = date(2026, 6, 30)


def due(days_late: int) -> date:
    return TODAY - timedelta(days=days_late)


@pytest.mark.parametrize("late, expected", [
    (-10, "current"), (0, "current"),  # due today is not overdue
    (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"), (90, "61-90"), (91, "90+"), (400, "90+"),
])
def test_bucket_edges(late, expected):
    assert bucket(due(late), TODAY) == expected


def test_aging_sums_per_bucket_and_lists_every_bucket():
    out = aging([(due(-5), D("100.00")), (due(0), D("1.00")), (due(30), D("50.00")), (due(31), D("25.00")),
                 (due(95), D("10.00"))], TODAY)
    assert list(out) == list(BUCKET_NAMES)
    assert out == {"current": D("101.00"), "1-30": D("50.00"), "31-60": D("25.00"), "61-90": D("0"),
                   "90+": D("10.00")}


def test_dso_worked_example():
    # 120,000 open, 360,000 invoiced in the last 90 days: a third of the quarter's sales -> 30 days.
    assert dso(D("120000"), D("360000"), 90) == D("30.0")
    # 45,500 open on 150,000 sold in 30 days -> 9.1 days.
    assert dso(D("45500"), D("150000"), 30) == D("9.1")


def test_dso_without_sales_is_undefined_not_zero():
    assert dso(D("1000"), D("0"), 90) is None


@pytest.mark.parametrize("late, level", [(-3, 0), (0, 0), (6, 0), (7, 1), (20, 1), (21, 2), (44, 2), (45, 3),
                                         (200, 3)])
def test_dunning_levels(late, level):
    assert dunning_level(late) == level


def test_dunning_names():
    assert [dunning_name(n) for n in range(4)] == ["none", "reminder", "second reminder", "final notice"]
