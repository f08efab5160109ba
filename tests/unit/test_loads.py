"""Load building (domain/loads.py). No database.

Every expected vehicle count below is worked out by hand in the comments; the properties check
the rules (each shipment once, no load over a limit, never below the lower bound) and, on
instances small enough to enumerate, the true optimum by brute force.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercare.domain.errors import ValidationFailed
from ordercare.domain.loads import LoadItem, LoadPlan, Vehicle, build_loads, first_fit_decreasing

D = Decimal
TRUCK = Vehicle("T10", D(10), D(1))  # 10 kg, 1 m³: small numbers keep the hand arithmetic easy


def items(weights, volumes=None) -> list[LoadItem]:
    volumes = volumes or [D("0.001")] * len(weights)
    return [LoadItem(i + 1, D(w), D(v)) for i, (w, v) in enumerate(zip(weights, volumes))]


def weights_by_load(plan: LoadPlan, its: list[LoadItem]) -> list[list[Decimal]]:
    w = {it.shipment_id: it.weight_kg for it in its}
    return sorted(sorted(w[s] for s in ld.shipment_ids) for ld in plan.loads)


def assert_valid(plan: LoadPlan, its: list[LoadItem], vehicle: Vehicle) -> None:
    placed = [s for ld in plan.loads for s in ld.shipment_ids]
    assert sorted(placed) == sorted(it.shipment_id for it in its)  # each exactly once
    by_id = {it.shipment_id: it for it in its}
    for ld in plan.loads:
        assert ld.vehicle == vehicle.code and ld.shipment_ids
        assert ld.weight_kg == sum((by_id[s].weight_kg for s in ld.shipment_ids), D(0)) <= vehicle.max_weight_kg
        assert ld.volume_m3 == sum((by_id[s].volume_m3 for s in ld.shipment_ids), D(0)) <= vehicle.max_volume_m3
    assert len(plan.loads) >= plan.lower_bound


def test_no_items_no_loads():
    assert build_loads([], TRUCK) == LoadPlan((), 0, True, "none")


def test_volume_forces_a_third_vehicle():
    # Weight alone: 4 × 10 kg on 20 kg trucks = 2 trucks. Volume 6, 6, 3, 3 m³ on 8 m³:
    # 6+6 and 6+3 are over 8, only 3+3 can share, so {6} {6} {3,3} = 3 trucks (and the two 6s
    # plus one 3 pairwise conflict, so the lower bound already says 3).
    truck = Vehicle("V", D(20), D(8))
    its = items([10, 10, 10, 10], [6, 6, 3, 3])
    plan = build_loads(its, truck)
    assert_valid(plan, its, truck)
    assert sorted(ld.shipment_ids for ld in plan.loads) == [(1,), (2,), (3, 4)]
    assert (plan.lower_bound, plan.optimal) == (3, True)


def test_solver_beats_first_fit_decreasing():
    # Weights 5, 4, 4, 3, 2, 2 into 10 kg. FFD: 5→A, 4→A (9), 4→B, 3→B (7), 2→B (9), 2 fits
    # nowhere → C: 3 trucks. Total 20 kg → at least 2, and {5,3,2} {4,4,2} is exactly 2.
    its = items([5, 4, 4, 3, 2, 2])
    assert len(first_fit_decreasing(its, TRUCK).loads) == 3
    plan = build_loads(its, TRUCK)
    assert_valid(plan, its, TRUCK)
    assert weights_by_load(plan, its) == [[2, 3, 5], [2, 4, 4]]
    assert (plan.lower_bound, plan.optimal, plan.solver) == (2, True, "cp-sat")


def test_solver_skipped_when_ffd_meets_the_bound():
    # Weights 7, 5, 5, 4, 4, 3, 2 (30 kg) into 10 kg: FFD gives {7,3} {5,5} {4,4,2} = 3 = ceil(30/10),
    # so FFD is already optimal here (it is not an example of FFD failing).
    its = items([7, 5, 5, 4, 4, 3, 2])
    plan = build_loads(its, TRUCK)
    assert weights_by_load(plan, its) == [[2, 4, 4], [3, 7], [5, 5]]
    assert (plan.lower_bound, plan.optimal, plan.solver) == (3, True, "ffd")


def test_items_over_half_each_need_their_own_vehicle():
    # 6 kg items on a 10 kg truck: no two fit together, so the bound is the count, not ceil(18/10) = 2.
    plan = build_loads(items([6, 6, 6]), TRUCK)
    assert (len(plan.loads), plan.lower_bound, plan.optimal) == (3, 3, True)


def test_exact_limits_fit_and_decimals_stay_exact():
    its = [LoadItem(1, D("3.3"), D("0.1")), LoadItem(2, D("3.3"), D("0.2")), LoadItem(3, D("3.4"), D("0.7"))]
    plan = build_loads(its, TRUCK)  # exactly 10 kg and 1 m³: one truck
    assert [(ld.weight_kg, ld.volume_m3) for ld in plan.loads] == [(D("10.0"), D("1.0"))]


@pytest.mark.parametrize("weight, volume, limit", [("10.001", "0.5", "weight"), ("1", "1.01", "volume")])
def test_shipment_that_does_not_fit(weight, volume, limit):
    its = [LoadItem(1, D(1), D("0.1")), LoadItem(7, D(weight), D(volume))]
    with pytest.raises(ValidationFailed) as e:
        build_loads(its, TRUCK)
    assert (e.value.code, e.value.field) == ("shipment_does_not_fit", "shipments")
    assert e.value.data["shipment_id"] == 7 and e.value.data["limit"] == limit
    assert limit in e.value.message


def test_duplicate_and_negative_items_rejected():
    with pytest.raises(ValidationFailed) as e:
        build_loads([LoadItem(1, D(1), D(0)), LoadItem(1, D(2), D(0))], TRUCK)
    assert e.value.code == "duplicate_shipment"
    with pytest.raises(ValidationFailed) as e:
        build_loads([LoadItem(1, D(-1), D(0))], TRUCK)
    assert e.value.code == "invalid_shipment_size"


def test_plan_does_not_depend_on_input_order():
    rng = random.Random(7)
    its = [LoadItem(i, D(rng.randint(1, 60)) / 10, D(rng.randint(1, 50)) / 100) for i in range(40)]
    shuffled = its[:]
    rng.shuffle(shuffled)
    assert build_loads(its, TRUCK) == build_loads(shuffled, TRUCK)


def test_large_input_falls_back_to_ffd():
    # 401 items of 4 kg on 10 kg: two per truck, so 201 trucks; the volume/weight bound says
    # ceil(1604/10) = 161, and with more than 400 items the solver is not tried.
    plan = build_loads(items([4] * 401), TRUCK)
    assert (len(plan.loads), plan.lower_bound, plan.optimal, plan.solver) == (201, 161, False, "ffd-large")


# ----------------------------------------------------------------------------------------- properties

def brute_force_minimum(its: list[LoadItem], vehicle: Vehicle) -> int:
    """Fewest vehicles by trying every assignment (each item to an existing or a new vehicle)."""
    best = len(its)

    def place(k: int, loads: list[tuple[Decimal, Decimal]]) -> None:
        nonlocal best
        if len(loads) >= best:
            return
        if k == len(its):
            best = len(loads)
            return
        it = its[k]
        for i, (w, v) in enumerate(loads):
            if w + it.weight_kg <= vehicle.max_weight_kg and v + it.volume_m3 <= vehicle.max_volume_m3:
                place(k + 1, loads[:i] + [(w + it.weight_kg, v + it.volume_m3)] + loads[i + 1:])
        place(k + 1, loads + [(it.weight_kg, it.volume_m3)])

    place(0, [])
    return best


def item_lists(min_items: int, max_items: int):
    # Weights of 1.5-7 kg on a 10 kg truck: two or three to a truck, where FFD most often misses.
    size = st.tuples(st.integers(150, 700), st.integers(0, 100))  # in 1/100 kg and 1/100 m³
    return st.lists(size, min_size=min_items, max_size=max_items).map(
        lambda sizes: [LoadItem(i + 1, D(w) / 100, D(v) / 100) for i, (w, v) in enumerate(sizes)])


@settings(max_examples=150, deadline=None)
@given(item_lists(3, 7))
def test_small_instances_reach_the_true_minimum(its):
    plan = build_loads(its, TRUCK)
    assert_valid(plan, its, TRUCK)
    assert plan.optimal and len(plan.loads) == brute_force_minimum(its, TRUCK)


@settings(max_examples=25, deadline=None)
@given(item_lists(20, 60))
def test_every_item_once_and_no_load_over_a_limit(its):
    plan = build_loads(its, TRUCK, time_limit_s=0.2)
    assert_valid(plan, its, TRUCK)
    assert len(plan.loads) <= len(first_fit_decreasing(its, TRUCK).loads)
