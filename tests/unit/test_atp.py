"""ATP by date, distance, transit and lanes (domain/atp.py). No database.

Every expected number below is worked out by hand in the comments.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercare.domain.atp import (
    Lane,
    ScheduledReceipt,
    SupplyPosition,
    atp_on,
    atp_profile,
    distance_km,
    earliest_atp_date,
    receipt_available_date,
    transit_days,
)

TODAY = date(2026, 3, 2)  # a Monday
TOMORROW = date(2026, 3, 3)
HORIZON = date(2026, 3, 31)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


# on hand 10, reserved 4 -> free now 6
#   R1 03-05 free 5
#   R2 02-25 free 3 (overdue -> counts from 03-03)
#   R3 03-05 free 2 (same day as R1 -> one profile point)
#   R4 03-10 free 0 (no free qty -> no profile point)
#   R5 04-15 free 7 (beyond the horizon 03-31)
#   R6 03-02 free 4 (expected today, not yet received -> counts from 03-03)
WORKED = SupplyPosition(
    on_hand=10,
    reserved=4,
    receipts=(
        ScheduledReceipt(1, d(3, 5), 5),
        ScheduledReceipt(2, d(2, 25), 3),
        ScheduledReceipt(3, d(3, 5), 2),
        ScheduledReceipt(4, d(3, 10), 0),
        ScheduledReceipt(5, d(4, 15), 7),
        ScheduledReceipt(6, d(3, 2), 4),
    ),
)


class TestFreeNowAndReceiptDate:
    def test_free_now_is_on_hand_minus_reserved(self):
        assert SupplyPosition(10, 4).free_now == 6
        assert SupplyPosition(7, 7).free_now == 0

    def test_future_receipt_counts_on_its_expected_date(self):
        assert receipt_available_date(d(3, 9), TODAY) == d(3, 9)

    def test_receipt_expected_tomorrow_counts_tomorrow(self):
        assert receipt_available_date(TOMORROW, TODAY) == TOMORROW

    def test_overdue_receipt_counts_from_tomorrow(self):
        assert receipt_available_date(d(2, 10), TODAY) == TOMORROW

    def test_receipt_expected_today_is_not_stock_yet(self):
        assert receipt_available_date(TODAY, TODAY) == TOMORROW

    def test_month_end_rollover(self):
        assert receipt_available_date(date(2026, 1, 15), date(2026, 2, 28)) == date(2026, 3, 1)


class TestAtpProfile:
    def test_worked_example(self):
        # 03-02: 6 ; 03-03: 6 + 3 (R2) + 4 (R6) = 13 ; 03-05: 13 + 5 + 2 = 20
        assert atp_profile(WORKED, TODAY, HORIZON) == [(d(3, 2), 6), (d(3, 3), 13), (d(3, 5), 20)]

    def test_horizon_extended_takes_in_the_late_receipt(self):
        assert atp_profile(WORKED, TODAY, d(4, 15)) == [
            (d(3, 2), 6), (d(3, 3), 13), (d(3, 5), 20), (d(4, 15), 27)
        ]

    def test_receipt_on_the_horizon_day_is_included(self):
        pos = SupplyPosition(0, 0, (ScheduledReceipt(1, HORIZON, 8),))
        assert atp_profile(pos, TODAY, HORIZON) == [(TODAY, 0), (HORIZON, 8)]

    def test_receipt_one_day_past_the_horizon_is_ignored(self):
        pos = SupplyPosition(0, 0, (ScheduledReceipt(1, HORIZON + timedelta(days=1), 8),))
        assert atp_profile(pos, TODAY, HORIZON) == [(TODAY, 0)]

    def test_overdue_receipt_with_horizon_today_is_ignored(self):
        # it counts from tomorrow, which is already past a horizon of today
        pos = SupplyPosition(5, 0, (ScheduledReceipt(1, d(2, 1), 8),))
        assert atp_profile(pos, TODAY, TODAY) == [(TODAY, 5)]

    def test_receipts_without_free_qty_are_ignored(self):
        pos = SupplyPosition(3, 1, (ScheduledReceipt(1, d(3, 4), 0), ScheduledReceipt(2, d(3, 6), 5)))
        assert atp_profile(pos, TODAY, HORIZON) == [(TODAY, 2), (d(3, 6), 7)]

    def test_no_receipts(self):
        assert atp_profile(SupplyPosition(12, 2), TODAY, HORIZON) == [(TODAY, 10)]

    def test_receipt_order_in_input_does_not_matter(self):
        pos = SupplyPosition(0, 0, (ScheduledReceipt(9, d(3, 20), 1), ScheduledReceipt(3, d(3, 4), 2)))
        assert atp_profile(pos, TODAY, HORIZON) == [(TODAY, 0), (d(3, 4), 2), (d(3, 20), 3)]

    def test_fully_reserved_stock(self):
        pos = SupplyPosition(5, 5, (ScheduledReceipt(1, d(3, 9), 4),))
        assert atp_profile(pos, TODAY, HORIZON) == [(TODAY, 0), (d(3, 9), 4)]


class TestAtpOn:
    @pytest.mark.parametrize(
        "on, expected",
        [
            (d(3, 2), 6),  # today: receipts are never stock today
            (d(3, 3), 13),  # + overdue R2 (3) + today's R6 (4)
            (d(3, 4), 13),
            (d(3, 5), 20),  # + R1 (5) + R3 (2)
            (d(3, 31), 20),  # R4 adds 0
            (d(4, 14), 20),
            (d(4, 15), 27),  # + R5 (7): atp_on has no horizon
        ],
    )
    def test_worked_example(self, on, expected):
        assert atp_on(WORKED, on, TODAY) == expected

    def test_no_receipts(self):
        assert atp_on(SupplyPosition(9, 4), d(5, 1), TODAY) == 5


class TestEarliestAtpDate:
    @pytest.mark.parametrize(
        "qty, expected",
        [
            (1, d(3, 2)),
            (6, d(3, 2)),
            (7, d(3, 3)),
            (13, d(3, 3)),
            (14, d(3, 5)),
            (20, d(3, 5)),
            (21, None),  # only R5 could cover it and it is beyond the horizon
        ],
    )
    def test_worked_example(self, qty, expected):
        assert earliest_atp_date(WORKED, qty, TODAY, HORIZON) == expected

    def test_beyond_horizon_found_when_horizon_moves(self):
        assert earliest_atp_date(WORKED, 21, TODAY, d(4, 15)) == d(4, 15)
        assert earliest_atp_date(WORKED, 27, TODAY, d(4, 15)) == d(4, 15)
        assert earliest_atp_date(WORKED, 28, TODAY, d(4, 15)) is None

    def test_nothing_at_all(self):
        assert earliest_atp_date(SupplyPosition(0, 0), 1, TODAY, HORIZON) is None

    def test_zero_free_receipt_does_not_make_a_date(self):
        pos = SupplyPosition(2, 0, (ScheduledReceipt(1, d(3, 4), 0),))
        assert earliest_atp_date(pos, 3, TODAY, HORIZON) is None


# --- a small property: the profile is the ATP formula, sampled at its dates ---------------------------

receipts_st = st.lists(
    st.tuples(st.integers(-10, 40), st.integers(0, 20)), max_size=6
).map(lambda rs: tuple(ScheduledReceipt(i + 1, TODAY + timedelta(days=off), q) for i, (off, q) in enumerate(rs)))


@settings(max_examples=100, deadline=None)
@given(on_hand=st.integers(0, 50), reserved_frac=st.integers(0, 50), receipts=receipts_st,
       horizon_days=st.integers(0, 30), qty=st.integers(1, 120))
def test_profile_matches_formula(on_hand, reserved_frac, receipts, horizon_days, qty):
    reserved = min(on_hand, reserved_frac)
    pos = SupplyPosition(on_hand, reserved, receipts)
    horizon = TODAY + timedelta(days=horizon_days)
    profile = atp_profile(pos, TODAY, horizon)

    def formula(day: date) -> int:  # the ATP definition, spelled out
        total = on_hand - reserved
        for r in receipts:
            when = r.expected_date if r.expected_date > TODAY else TODAY + timedelta(days=1)
            if when <= day and when <= horizon:
                total += r.free_qty
        return total

    assert profile[0] == (TODAY, on_hand - reserved)
    dates = [p[0] for p in profile]
    assert dates == sorted(set(dates)), "one point per date, increasing"
    assert all(TODAY <= x <= horizon for x in dates[1:])
    assert [p[1] for p in profile] == sorted(p[1] for p in profile), "ATP never falls"
    for day, value in profile:
        assert value == formula(day)
    # every date where the formula increases is a profile point
    for off in range(horizon_days + 1):
        day = TODAY + timedelta(days=off)
        if off and formula(day) > formula(day - timedelta(days=1)):
            assert day in dates
    expected = next((TODAY + timedelta(days=o) for o in range(horizon_days + 1)
                     if formula(TODAY + timedelta(days=o)) >= qty), None)
    assert earliest_atp_date(pos, qty, TODAY, horizon) == expected


class TestDistanceAndTransit:
    def test_paris_london(self):
        # great-circle Paris - London is about 344 km
        km = distance_km(48.8566, 2.3522, 51.5074, -0.1278)
        assert km == pytest.approx(344, rel=0.01)

    def test_new_york_los_angeles(self):
        # great-circle New York - Los Angeles is about 3,936 km
        km = distance_km(40.7128, -74.0060, 34.0522, -118.2437)
        assert km == pytest.approx(3936, rel=0.01)

    def test_equator_to_pole_is_a_quarter_circumference(self):
        # pi/2 * 6371 = 10,007.54 km
        assert distance_km(0, 0, 90, 0) == pytest.approx(10007.54, abs=0.01)

    def test_one_degree_of_longitude_on_the_equator(self):
        # 2 * pi * 6371 / 360 = 111.195 km
        assert distance_km(0, 10, 0, 11) == pytest.approx(111.195, abs=0.001)

    def test_same_point_is_zero_and_distance_is_symmetric(self):
        assert distance_km(45.0, 7.0, 45.0, 7.0) == 0
        assert distance_km(48.8566, 2.3522, 52.52, 13.405) == pytest.approx(distance_km(52.52, 13.405, 48.8566, 2.3522))

    def test_antipodes_do_not_crash(self):
        # half the circumference: pi * 6371 = 20,015.09 km
        assert distance_km(10, 20, -10, -160) == pytest.approx(20015.09, abs=0.01)

    @pytest.mark.parametrize(
        "km, days",
        [(0, 1), (0.5, 1), (1, 1), (499.9, 1), (500, 1), (500.01, 2), (999, 2), (1000, 2), (1000.5, 3),
         (1500, 3), (2600, 6)],
    )
    def test_one_day_per_500_km_started_at_least_one(self, km, days):
        assert transit_days(km) == days


class TestLane:
    def test_ship_and_delivery_dates(self):
        lane = Lane(warehouse_id=1, distance_km=1200.0, handling_days=2, transit_days=3)
        assert lane.ship_date(d(3, 2)) == d(3, 4)
        assert lane.delivery_date(d(3, 2)) == d(3, 7)

    def test_no_handling(self):
        lane = Lane(1, 10.0, 0, 1)
        assert lane.ship_date(d(3, 2)) == d(3, 2)
        assert lane.delivery_date(d(3, 2)) == d(3, 3)

    def test_calendar_days_cross_month_end(self):
        # calendar days, weekends included: 03-30 + 1 handling -> 03-31, + 2 transit -> 04-02
        lane = Lane(1, 800.0, 1, 2)
        assert lane.ship_date(d(3, 30)) == d(3, 31)
        assert lane.delivery_date(d(3, 30)) == d(4, 2)
