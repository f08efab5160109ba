"""The simulator's rules without a database: demand, segment habits, the replenishment-problem story, payment
habits and the buyer. Averages are taken over many seeded draws, with generous bounds: the rules must point
the right way, and the same seed must give the same draws."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from statistics import mean

from ordercare.domain.orders import Channel
from ordercare.sim import buyer, demand, habits, story
from ordercare.sim.catalog import product_range
from ordercare.sim.scenario import SEGMENTS, ReplenishmentProblem, Scenario

WEDNESDAY, SATURDAY = date(2026, 3, 4), date(2026, 3, 7)


def _model(n=400, seed=1):
    items = product_range(random.Random(seed), n)
    return items, demand.DemandModel(demand.profiles(items, random.Random(seed)), random.Random(seed))


def test_a_fifth_of_the_range_makes_most_of_the_demand():
    _, model = _model(2000)
    pops = sorted((s.popularity for s in model.skus), reverse=True)
    assert sum(pops[: len(pops) // 5]) / sum(pops) > 0.65


def test_every_category_is_in_a_small_range():
    items = product_range(random.Random(1), 24)
    assert len({p["category"] for p in items}) == 8 and len({p["sku"] for p in items}) == 24


def test_seasons_and_the_market():
    assert demand.season("Plumbing", date(2026, 10, 27)) > 1.25 > 0.75 > demand.season("Plumbing", date(2026, 4, 27))
    assert demand.season("Power tools", date(2026, 5, 10)) > demand.season("Power tools", date(2026, 11, 10))
    assert demand.market(date(2026, 8, 12)) < 1 and demand.market(date(2026, 12, 28)) < demand.market(date(2026, 8, 12))
    assert demand.market(date(2026, 3, 4)) == 1


def test_segments_order_as_their_habits_say():
    rng = random.Random(7)
    per_week = {code: mean(sum(demand.orders_today(rng, seg, WEDNESDAY + timedelta(days=d)) for d in range(7))
                           for _ in range(400)) for code, seg in SEGMENTS.items()}
    for code, seg in SEGMENTS.items():  # the weekly rate, within a fifth (weekend trade, rounding)
        assert abs(per_week[code] - seg.orders_per_site_week) < 0.2 * seg.orders_per_site_week
    assert per_week["A"] > per_week["B"] > per_week["C"]
    lines = {code: mean(demand.line_count(rng, seg) for _ in range(2000)) for code, seg in SEGMENTS.items()}
    assert lines["A"] > lines["B"] > lines["C"]


def test_channels_follow_the_segment_and_the_weekday():
    rng = random.Random(3)
    a = [demand.channel_for(rng, SEGMENTS["A"], WEDNESDAY) for _ in range(2000)]
    c = [demand.channel_for(rng, SEGMENTS["C"], WEDNESDAY) for _ in range(2000)]
    assert a.count(Channel.EDI) > 900 and Channel.EDI not in c
    assert c.count(Channel.PORTAL) > c.count(Channel.PHONE) > c.count(Channel.DESK)
    weekend = {demand.channel_for(rng, SEGMENTS["B"], SATURDAY) for _ in range(500)}
    assert weekend <= set(demand.WEEKEND_CHANNELS)  # nobody at the desk on Saturday


def test_a_hospital_buys_hospital_supplies_and_lines_are_distinct():
    items, model = _model()
    category = {p["sku"]: p["category"] for p in items}
    rng = random.Random(5)
    lines = [ln for _ in range(300) for ln in model.pick_lines(rng, "hospital", 4, WEDNESDAY, 1.0)]
    share = sum(category[s] == "Hospital supplies" for s, _ in lines) / len(lines)
    assert share > 0.55 and all(q > 0 for _, q in lines)
    one = model.pick_lines(rng, "retailer", 8, WEDNESDAY, 1.0)
    assert len({s for s, _ in one}) == len(one) == 8


def test_expected_shares_match_what_is_drawn():
    _, model = _model()
    rng = random.Random(11)
    drawn: dict[str, int] = {}
    for _ in range(20000):
        for sku, _ in model.pick_lines(rng, "workshop", 1, WEDNESDAY, 1.0):
            drawn[sku] = drawn.get(sku, 0) + 1
    expected = model.expected_share("workshop", WEDNESDAY)
    top = sorted(expected, key=expected.get, reverse=True)[:5]
    for sku in top:
        assert abs(drawn.get(sku, 0) / 20000 - expected[sku]) < 0.3 * expected[sku]


def test_the_same_seed_draws_the_same_orders():
    def draw(seed):
        _, model = _model(seed=seed)
        rng = random.Random(seed)
        return [model.pick_lines(rng, "contractor", 3, WEDNESDAY + timedelta(days=d), 1.0) for d in range(20)]
    assert draw(4) == draw(4) != draw(5)


def test_the_replenishment_problem_has_a_beginning_a_height_and_an_end():
    p, start, days = ReplenishmentProblem(), date(2026, 1, 1), 365
    first, last = story.problem_window(p, start, days)
    assert date(2026, 5, 1) < first < date(2026, 6, 1) and (last - first).days > 60
    assert story.problem_intensity(p, start, days, first - timedelta(days=1)) == 0
    assert 0 < story.problem_intensity(p, start, days, first) < 0.2
    middle = first + (last - first) / 2
    assert story.problem_intensity(p, start, days, middle) == 1
    assert story.problem_intensity(p, start, days, last + timedelta(days=1)) == 0
    assert story.short_pick_rate(p, "POZ", start, days, middle) > 10 * story.short_pick_rate(p, "RTM", start, days,
                                                                                               middle)
    rng = random.Random(2)
    causes = [story.short_cause(p, "POZ", start, days, middle, rng)[1] for _ in range(1000)]
    assert causes.count("replenishment") > 900
    before = [story.short_cause(p, "POZ", start, days, first - timedelta(days=5), rng)[1] for _ in range(100)]
    assert set(before) == {"inventory_control"}  # the usual count errors, charged where they belong


def test_a_short_run_still_tells_the_story():
    p = ReplenishmentProblem()
    first, last = story.problem_window(p, date(2026, 3, 2), 10)
    assert date(2026, 3, 2) < first <= last < date(2026, 3, 12)
    assert max(story.problem_intensity(p, date(2026, 3, 2), 10, first + timedelta(days=d)) for d in range(3)) == 1


def test_a_swamped_desk_answers_later_and_customers_score_lower():
    rng = random.Random(9)
    calm = mean(story.desk_hours(rng, 0.0, False) for _ in range(3000))
    swamped = mean(story.desk_hours(rng, 1.0, False) for _ in range(3000))
    assert swamped > 2 * calm and mean(story.desk_hours(rng, 0.0, True) for _ in range(3000)) < calm
    happy = mean(story.csat_score(rng, breached=False, failure="damaged", pressure=0) for _ in range(3000))
    unhappy = mean(story.csat_score(rng, breached=True, failure="short", pressure=1) for _ in range(3000))
    assert happy > 4 and unhappy < 2.5


def test_the_desk_works_office_hours():
    friday_late = story.desk_time(datetime(2026, 3, 6, 15, 0, tzinfo=timezone.utc), 2)
    # Friday 16:00 Amsterdam + 2 business hours = Monday 10:00 Amsterdam (09:00 UTC)
    assert (friday_late.weekday(), friday_late.hour) == (0, 9)


def test_carriers_are_mostly_on_time_and_intact():
    rng = random.Random(4)
    trips = [story.carrier_outcome(rng, Scenario().carriers, [5, 5, 5]) for _ in range(5000)]
    assert 0.9 < sum(t.days_late == 0 for t in trips) / 5000 < 0.98
    assert 0 < sum(bool(t.damaged) for t in trips) / 5000 < 0.03


def test_payment_habits_per_segment():
    issued = date(2026, 3, 2)
    a = [habits.plan_payment(1, i, "A", issued) for i in range(500)]
    assert all(p.discount and 4 <= (p.day - issued).days <= 9 for p in a)
    c = [habits.plan_payment(1, i, "C", issued) for i in range(2000)]
    never = sum(p.day is None for p in c) / len(c)
    assert 0.2 < never < 0.4
    assert habits.plan_payment(1, 42, "B", issued) == habits.plan_payment(1, 42, "B", issued)


def test_the_buyer_orders_at_the_reorder_point_in_economic_lots():
    s = buyer.supplier_for("Fasteners")
    rop = buyer.reorder_point(10, s)
    assert buyer.reorder_qty(int(rop) + 1, 10, s, 5.0) == 0
    qty = buyer.reorder_qty(int(rop) - 5, 10, s, 5.0)
    assert qty >= 5 + 10 * buyer.COVER_DAYS
    assert buyer.lot_size(0.05, 50.0) > 0.05 * 60  # a slow mover is bought for months at a time
    f = buyer.Forecast({("RTM", "X"): 10.0}, alpha=0.5)
    f.observe(("RTM", "X"), 20)
    f.close_day()
    f.close_day()
    assert f.rate[("RTM", "X")] == 7.5
