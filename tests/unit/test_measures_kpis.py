"""KPIs from counters (metrics/kpis.py, stats.py, counters.py, periods.py, service_kpis.py): exact, and never a
division error."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace as dataclass_replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ordercare.domain.errors import ValidationFailed
from ordercare.metrics.attribution import FAILURE_KINDS
from ordercare.metrics.counters import COUNTERS, CYCLE_MEASURES, DAILY_COLUMNS, LINE_COUNTERS, LINE_DIMENSIONS, MONTHLY, \
    ORDER_COUNTERS, ORDER_DIMENSIONS, rollup_ranges, signed_ranges
from ordercare.metrics.facts import derive
from ordercare.metrics.kpis import kpi_block
from ordercare.metrics.periods import ReportRequest, buckets, check_request, default_from, trend_for
from ordercare.metrics.service_kpis import cases_block, csat_block, dso, pareto, turnover_block
from ordercare.metrics.slices import add_up, ranked
from ordercare.metrics.tally import Tally
from ordercare.metrics.stats import quantiles, spread
from tests.measure_records import order_versions, orders

ZERO = dict.fromkeys(COUNTERS, 0)


def counters(**values) -> dict[str, int]:
    return {**ZERO, **values}


def test_textbook_example_9_2_four_components_at_97_percent():
    """Independent failures: the expected perfect-order rate is 0.97^4 = 88.5 %; measured may differ."""
    c = counters(orders=1000, o_settled=1000, o_complete=970, o_on_time=970, o_damage_free=970, o_doc_ok=970,
                 o_perfect=885)
    p = kpi_block(c, {}, order_level=True)["perfect_order"]["order"]
    assert round(p["product_of_components"], 3) == 0.885
    assert p["product_of_components"] == pytest.approx(0.97 ** 4)
    assert p["measured"] == {"rate": 0.885, "count": 885, "of": 1000}
    assert {k: v["rate"] for k, v in p["components"].items()} == dict.fromkeys(
        ("complete", "on_time", "damage_free", "documentation_correct"), 0.97)


def test_textbook_example_9_1_fill_rates():
    c = counters(orders=1000, o_fill_n=1000, o_filled=910, lines=5000, l_fill_n=5000, l_filled=4800, units=20000,
                 u_fill_n=20000, u_filled=19500)
    fill = kpi_block(c, {}, order_level=True)["fill"]
    assert (fill["unit"]["rate"], fill["line"]["rate"], fill["order"]["rate"]) == (0.975, 0.96, 0.91)


def test_nothing_to_divide_by_gives_none_and_zeros_never_an_error():
    block = kpi_block(ZERO, {}, order_level=True)
    assert block["fill"]["order"] == {"rate": None, "count": 0, "of": 0}
    assert block["perfect_order"]["order"]["product_of_components"] is None
    assert block["cycle_time"]["ordered_to_delivered"] == {"n": 0, "mean": None, "std": None, "median": None,
                                                           "p95": None}
    assert block["returns"]["rate"] is None and block["volume"]["orders"] == 0
    line_only = kpi_block(ZERO, {}, order_level=False)
    assert line_only["fill"]["order"] is None and line_only["perfect_order"]["order"] is None
    assert cases_block({k: 0 for k in ("cases", "fr_met", "fr_known", "fr_overdue", "res_met", "res_known",
                                       "res_overdue", "resolved", "resolve_minutes")} | {"cost": Decimal(0)},
                       orders=0)["per_100_orders"] is None
    assert csat_block({})["all"] == {"touchpoint": None, "answers": 0, "positive": 0, "neutral": 0, "negative": 0,
                                     "mean_score": None, "csat": None}
    assert dso(Decimal("100"), Decimal("0"), 30) is None
    assert turnover_block(Decimal("0"), Decimal("0"), Decimal("0"), 30)["turns"] is None


def test_cycle_time_spread_by_hand():
    """Delivered after 1, 2, 2, 3 and 7 days: mean 3, s = sqrt(22/4), median 2, p95 = 3 + 0.8 * 4 = 6.2."""
    hist = Counter([1, 2, 2, 3, 7])
    s = spread(hist, 5, 15, 1 + 4 + 4 + 9 + 49)
    assert s == {"n": 5, "mean": 3.0, "std": pytest.approx(5.5 ** 0.5), "median": 2.0, "p95": pytest.approx(6.2)}
    assert quantiles(hist, (95, 100), (1, 2)) == [6.2, 2.0]  # (3 * 100 + 80 * 4) / 100 = 31/5, nearest float
    assert spread(Counter([4]), 1, 4, 16) == {"n": 1, "mean": 4.0, "std": None, "median": 4.0, "p95": 4.0}


@given(st.lists(st.integers(0, 60), min_size=1, max_size=60), st.sampled_from([0.0, 0.25, 0.5, 0.9, 0.95, 1.0]))
def test_percentiles_from_histograms_match_numpy_on_the_raw_values(values, q):
    hist = Counter(values)
    f = Fraction(q).limit_denominator(100)
    assert quantiles(hist, (f.numerator, f.denominator)) == [pytest.approx(np.quantile(values, q))]
    s = spread(hist, len(values), sum(values), sum(v * v for v in values))
    assert s["mean"] == pytest.approx(np.mean(values))
    if len(values) > 1:
        assert s["std"] == pytest.approx(np.std(values, ddof=1), abs=1e-9)


@given(st.lists(st.integers(0, 60), min_size=1, max_size=80), st.lists(st.integers(0, 60), max_size=5),
       st.sampled_from([(0, 1), (1, 4), (1, 2), (9, 10), (95, 100), (1, 1)]))
def test_percentiles_are_the_exact_type_7_fraction_and_ignore_empty_bins(values, empty, q):
    """x[k] + (h - k)(x[k+1] - x[k]) with h = (n - 1)q computed in exact fractions from the sorted raw values, then
    rounded once: the histogram's answer is that float to the last bit. Bins counted 0 (or less: a difference of
    summaries that went below zero would be a bug elsewhere) hold no values."""
    xs = sorted(values)
    h = (len(xs) - 1) * Fraction(*q)
    k = int(h)
    want = float(xs[k] + (h - k) * (xs[min(k + 1, len(xs) - 1)] - xs[k]))
    hist = {**{v: 0 for v in empty}, **Counter(values)}
    assert quantiles(hist, q) == [want]
    assert quantiles({**hist, 99: 0, 100: -1}, q) == [want]
    assert quantiles({v: 0 for v in empty}, q) == [None]


@settings(max_examples=200, deadline=None)
@given(st.lists(orders, min_size=1, max_size=6))
def test_a_tally_is_the_plain_sum_of_the_facts_and_taking_an_order_away_restores_it(records):
    facts = [derive(r) for r in records]
    tally = Tally()
    for o, ls in facts:
        tally.add(o, ls)
    daily = [(k, dict(zip(COUNTERS, row))) for k, row in tally.changes()[0]]
    summed = {c: sum(row[c] for k, row in daily if k[0] == "total") for c in COUNTERS}
    for c, col, agg in ORDER_COUNTERS:
        vals = [getattr(o, col) for o, _ in facts]
        assert summed[c] == (sum(v is not None for v in vals) if agg == "count" else
                             sum((v or 0) ** (2 if agg == "sq" else 1) for v in vals))
    for c, col, agg in LINE_COUNTERS:
        vals = [getattr(ln, col) for _, ls in facts for ln in ls]
        assert summed[c] == (sum(v is not None for v in vals) if agg == "count" else
                             sum((v or 0) ** (2 if agg == "sq" else 1) for v in vals))
    # every line-level slice carries the same line totals as the order-level ones
    for dim in ("product", "warehouse", "carrier"):
        assert sum(row["units"] for k, row in daily if k[0] == dim) == summed["units"]
        assert sum(row["orders"] for k, row in daily if k[0] == dim) == 0
    for o, ls in facts:
        tally.add(o, ls, -1)
    assert tally.changes() == ([], [], [])



def _by_definition(signed_orders) -> tuple[list, list, list]:
    """What a tally of these (order facts, line facts, sign) must hold, summed straight from the counter table:
    every order-level slice row gets the order's counters and its lines' summed, every line-level slice row its
    line's, the large slices' month and year rows what their day rows get; a cycle time of 0 to 15 days counts
    in its bin column of the daily row, any other is a histogram row."""
    daily, cycle, failures = defaultdict(lambda: [0] * len(DAILY_COLUMNS)), Counter(), Counter()

    def count_cycle(key, fact):
        for m in CYCLE_MEASURES:
            days = getattr(fact, f"{m}_days")
            if days is not None and f"{m}_d{days}" in DAILY_COLUMNS:
                daily[key][DAILY_COLUMNS.index(f"{m}_d{days}")] += sign
            elif days is not None:
                cycle[(*key, m, days)] += sign

    def value(fact, column, agg):
        v = getattr(fact, column)
        return int(v is not None) if agg == "count" else (v or 0) ** (2 if agg == "sq" else 1)

    def rows(dim, value, day):
        key = "" if value is None else str(value)
        return [(dim, key, day)] + ([(f"{dim}@month", key, day.replace(day=1)),
                                     (f"{dim}@year", key, day.replace(month=1, day=1))] if dim in MONTHLY else [])

    for order, lines, sign in signed_orders:
        own = [value(order, col, agg) for _, col, agg in ORDER_COUNTERS]
        own += [sum(value(ln, col, agg) for ln in lines) for _, col, agg in LINE_COUNTERS]
        for dim, column in ORDER_DIMENSIONS.items():
            for key in rows(dim, getattr(order, column) if column else None, order.order_day):
                daily[key] = [a + sign * b for a, b in zip(daily[key], own)] + daily[key][len(own):]
                count_cycle(key, order)
                for kind in FAILURE_KINDS:
                    if getattr(order, f"fail_{kind}") is not None:
                        failures[(*key, kind, getattr(order, f"fail_{kind}"))] += sign
        for ln in lines:
            own = [0] * len(ORDER_COUNTERS) + [value(ln, col, agg) for _, col, agg in LINE_COUNTERS]
            for dim, column in LINE_DIMENSIONS.items():
                for key in rows(dim, getattr(ln, column), order.order_day):
                    daily[key] = [a + sign * b for a, b in zip(daily[key], own)] + daily[key][len(own):]
                    count_cycle(key, ln)
    return ([(k, v) for k, v in sorted(daily.items()) if any(v)], [(k, n) for k, n in sorted(cycle.items()) if n],
            [(k, n) for k, n in sorted(failures.items()) if n])


def _moved(tally: Tally):
    """What a tally moves, as the summaries get it: its rows, each of whose counters is among those it sends."""
    daily, cycle, failures = tally.changes()
    assert all(i in tally.touched for _, row in daily for i, v in enumerate(row) if v)
    return daily, cycle, failures


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5).flatmap(lambda i: st.tuples(order_versions(i), order_versions(i))),
       st.lists(orders, max_size=2))
def test_replacing_an_order_moves_what_taking_the_old_away_and_adding_the_new_moves(versions, others):
    """Tally.replace (only the difference where a slice value stayed) moves what the counter table says taking the
    old facts away and adding the new ones moves; so do add(old, -1) and add(new). Other orders in the tally stay."""
    (old, old_lines), (new, new_lines) = (derive(v) for v in versions)
    others = [derive(o) for o in others]
    want = _by_definition([(o, ls, 1) for o, ls in others] + [(old, old_lines, -1), (new, new_lines, 1)])
    both, by_difference = Tally(), Tally()
    for tally in (both, by_difference):
        for o, ls in others:
            tally.add(o, ls)
    both.add(old, old_lines, -1)
    both.add(new, new_lines)
    by_difference.replace(old, old_lines, new, new_lines)
    assert _moved(by_difference) == want
    assert _moved(both) == want
    added, taken = Tally(), Tally()
    added.replace(None, [], new, new_lines)
    taken.replace(old, old_lines, None, [])
    assert _moved(added) == _by_definition([(new, new_lines, 1)])
    assert _moved(taken) == _by_definition([(old, old_lines, -1)])


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5).flatmap(lambda i: st.tuples(order_versions(i), order_versions(i))), st.integers(0, 4),
       st.booleans(), st.lists(orders, max_size=2))
def test_lines_that_stayed_left_out_move_what_the_whole_order_moves(versions, kept, same_cell, others):
    """Tally.replace(stayed=...) (the refresh leaves out the lines whose facts stayed) moves what replacing the
    whole order moves: the new version keeps some old lines as they were, and its cell stays or moves."""
    old, new = versions
    kept_lines = old.lines[:kept]
    new = dataclass_replace(new, lines=kept_lines + tuple(ln for ln in new.lines if ln not in kept_lines and
                                                           ln.line_id not in {k.line_id for k in kept_lines}))
    if same_cell:
        new = dataclass_replace(new, ordered_on=old.ordered_on, customer_id=old.customer_id, segment=old.segment,
                                package=old.package, customer_kind=old.customer_kind, channel=old.channel)
    (old_fact, old_lines), (new_fact, new_lines) = derive(old), derive(new)
    was = {ln.order_line_id: ln for ln in old_lines}
    stayed = {ln.order_line_id for ln in new_lines if was.get(ln.order_line_id) == ln}
    whole, leaving_out = Tally(), Tally()
    for tally in (whole, leaving_out):
        for o, ls in (derive(o) for o in others):
            tally.add(o, ls)
    whole.replace(old_fact, old_lines, new_fact, new_lines)
    leaving_out.replace(old_fact, old_lines, new_fact, new_lines, stayed=stayed)
    assert _moved(leaving_out) == _moved(whole)
    assert leaving_out.touched == whole.touched


def test_rollup_rows_by_hand():
    """Whole years, then whole months, then days; each range names the first and last row's day."""
    assert rollup_ranges(date(2025, 1, 1), date(2026, 12, 31)) == [("year", date(2025, 1, 1), date(2026, 1, 1))]
    assert rollup_ranges(date(2025, 1, 15), date(2026, 12, 20)) == [
        ("month", date(2025, 2, 1), date(2026, 11, 1)), ("day", date(2025, 1, 15), date(2025, 1, 31)),
        ("day", date(2026, 12, 1), date(2026, 12, 20))]
    assert rollup_ranges(date(2024, 11, 3), date(2026, 2, 28)) == [
        ("year", date(2025, 1, 1), date(2025, 1, 1)), ("month", date(2024, 12, 1), date(2024, 12, 1)),
        ("day", date(2024, 11, 3), date(2024, 11, 30)), ("month", date(2026, 1, 1), date(2026, 2, 1))]
    assert rollup_ranges(date(2026, 3, 5), date(2026, 3, 5)) == [("day", date(2026, 3, 5), date(2026, 3, 5))]


def _days_of(ranges) -> Counter:
    days: Counter = Counter()
    for level, lo, hi in ranges:
        row = lo
        while row <= hi:  # each row stands for its whole day, month or year
            nxt = row + timedelta(days=1) if level == "day" else (
                (row.replace(day=28) + timedelta(days=4)).replace(day=1) if level == "month" else
                row.replace(year=row.year + 1))
            days.update(row + timedelta(days=i) for i in range((nxt - row).days))
            row = nxt
    return days


@settings(max_examples=300, deadline=None)
@given(st.dates(date(2023, 1, 1), date(2029, 12, 31)), st.integers(0, 1500))
def test_rollup_rows_cover_every_day_of_the_period_once(start, length):
    end = start + timedelta(days=length)
    assert _days_of(rollup_ranges(start, end)) == Counter(start + timedelta(days=i) for i in range(length + 1))
    months = sum((hi.year - lo.year) * 12 + hi.month - lo.month + 1
                 for level, lo, hi in rollup_ranges(start, end) if level == "month")
    assert months <= 22  # at most 11 whole months on either side of the whole years


def test_signed_rows_by_hand():
    """A period not on calendar boundaries: the enclosing years less the days around it, when that is fewer."""
    assert signed_ranges(date(2025, 1, 15), date(2026, 12, 20)) == (
        [("year", date(2025, 1, 1), date(2026, 1, 1))],
        [("day", date(2025, 1, 1), date(2025, 1, 14)), ("day", date(2026, 12, 21), date(2026, 12, 31))])
    assert signed_ranges(date(2025, 1, 1), date(2026, 12, 31)) == (rollup_ranges(date(2025, 1, 1),
                                                                                 date(2026, 12, 31)), [])
    assert signed_ranges(date(2026, 3, 2), date(2026, 3, 4)) == ([("day", date(2026, 3, 2), date(2026, 3, 4))], [])


@settings(max_examples=300, deadline=None)
@given(st.dates(date(2023, 1, 1), date(2029, 12, 31)), st.integers(0, 1500))
def test_signed_rows_add_up_to_every_day_of_the_period_once(start, length):
    end = start + timedelta(days=length)
    plus, minus = signed_ranges(start, end)
    added, taken = _days_of(plus), _days_of(minus)
    assert not taken - added  # only what was added is taken away
    assert added - taken == Counter(start + timedelta(days=i) for i in range(length + 1))
    assert max(added.values()) == 1 and (not taken or max(taken.values()) == 1)


def test_others_add_up_numbers_tuples_and_mappings_key_by_key():
    parts = [({"orders": 2, "lines": 5}, {"ship": {1: 2}}, (Decimal("1.50"), Decimal("0.00")), None),
             ({"orders": 1, "lines": 1}, {}, (Decimal("2.25"), Decimal("4.00")), None),
             ({"orders": 0, "lines": 3}, {"ship": {1: 1, 4: 2}, "deliver": {5: 1}}, (Decimal("0.00"),) * 2, None)]
    assert add_up(parts) == ({"orders": 3, "lines": 9}, {"ship": {1: 3, 4: 2}, "deliver": {5: 1}},
                             (Decimal("3.75"), Decimal("4.00")), None)


def test_slice_values_by_volume_or_worst_kpi_first_with_nothing_measured_last():
    c = {"a": counters(orders=5, o_settled=4, o_otif=3), "b": counters(orders=9, o_settled=2, o_otif=2),
         "c": counters(orders=5, o_settled=0), "d": counters(orders=1, o_settled=4, o_otif=1)}
    names = {"a": "Zeta", "b": "Alpha", "c": "Beta", "d": "Delta"}

    def order(sort):
        return ranked(c, c.__getitem__, names, sort, order_level=True, fill_rule="first_shipment")
    assert order("label") == ["b", "c", "d", "a"]
    assert order("volume") == ["b", "c", "a", "d"]  # a tie (5 orders) goes by label
    assert order("otif") == ["d", "a", "b", "c"]  # 25 %, 75 %, 100 %, nothing settled


def test_report_requests_are_checked_before_anything_is_read():
    good = ReportRequest(date(2026, 1, 1), date(2026, 1, 31), slice="segment")
    assert check_request(good) is good
    for req, field, code in [
        (ReportRequest(date(2026, 2, 1), date(2026, 1, 1)), "from", "invalid_period"),
        (ReportRequest(date(2026, 1, 1), date(2026, 1, 2), slice="colour"), "slice", "unknown_slice"),
        (ReportRequest(date(2026, 1, 1), date(2026, 1, 2), fill_rule="eventually"), "fill_rule", "unknown_fill_rule"),
        (ReportRequest(date(2026, 1, 1), date(2026, 1, 2), trend="year"), "trend", "unknown_trend"),
        (ReportRequest(date(2000, 1, 1), date(2026, 1, 2)), "to", "period_too_long"),
        (ReportRequest(date(2026, 1, 1), date(2026, 1, 2), limit=0), "limit", "invalid_limit"),
        (ReportRequest(date(2026, 1, 1), date(2026, 1, 2), sort="size"), "sort", "unknown_sort"),
        (ReportRequest(date(9999, 12, 1), date(9999, 12, 31)), "to", "date_out_of_range"),
        (ReportRequest(date(1, 1, 1), date(1, 1, 31)), "from", "date_out_of_range"),
        (ReportRequest(date(2025, 1, 1), date(2026, 3, 1), trend="day"), "trend", "too_many_buckets"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            check_request(req)
        assert (err.value.code, err.value.field) == (code, field)
        assert err.value.message.startswith(field)


def test_the_default_period_and_the_bucket_by_its_length():
    assert default_from(date(2026, 3, 30)) == date(2026, 3, 1)
    assert default_from(date(1, 1, 5)) == date(1, 1, 1)  # no overflow: the check refuses so early a period
    assert [trend_for(date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=n - 1)) for n in (1, 31, 32, 183, 184)] == [
        "day", "day", "week", "week", "month"]
    days = [date(2026, 3, 30), date(2026, 3, 31), date(2026, 4, 1)]
    assert buckets(days[0], days[-1], "day") == [(d, d) for d in days]


def test_trend_buckets_are_weeks_from_monday_or_months_clipped_to_the_period():
    assert buckets(date(2026, 3, 4), date(2026, 3, 17), "week") == [
        (date(2026, 3, 4), date(2026, 3, 8)), (date(2026, 3, 9), date(2026, 3, 15)),
        (date(2026, 3, 16), date(2026, 3, 17))]
    assert buckets(date(2026, 1, 15), date(2026, 3, 3), "month") == [
        (date(2026, 1, 15), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 3))]


def test_pareto_orders_departments_by_failures_with_cumulative_shares():
    rows = pareto({"transport": {"late": 3, "damaged": 2}, "replenishment": {"late": 4, "not_filled": 6},
                   "billing": {"documentation": 5}},
                  {"packing": {"cases": 1, "cost": Decimal("40.00")}, "transport": {"cases": 2,
                                                                                    "cost": Decimal("90.00")}})
    assert [(r["department"], r["failures"], r["cases"]) for r in rows] == [
        ("replenishment", 10, 0), ("transport", 5, 2), ("billing", 5, 0), ("packing", 0, 1)]
    assert [r["share"] for r in rows] == [0.5, 0.25, 0.25, 0.0]
    assert [r["cumulative_share"] for r in rows] == [0.5, 0.75, 1.0, 1.0]
    assert pareto({}, {}) == []


def test_dso_and_turnover_by_hand():
    assert dso(Decimal("30000"), Decimal("90000"), 90) == Decimal("30.0")
    t = turnover_block(Decimal("1200"), Decimal("500"), Decimal("700"), 73)
    assert (t["average_inventory_value"], t["turns"], t["turns_per_year"]) == (Decimal("600"), 2.0, 10.0)
