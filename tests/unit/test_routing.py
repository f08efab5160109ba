"""Multi-stop routes (domain/routing.py). No database.

Stops on the equator are used where a hand answer is wanted: there, a degree of longitude is
a great-circle arc of 6371 · π / 180 = 111.19493 km, and distances along the line add up.
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercare.domain.atp import distance_km
from ordercare.domain.errors import ValidationFailed
from ordercare.domain.routing import Route, Stop, nearest_neighbour_route, plan_route, route_length_km

KM_PER_DEG = 6371 * math.pi / 180
ORIGIN = (0.0, 0.0)


def on_equator(*lons: float) -> list[Stop]:
    return [Stop(i + 1, 0.0, lon) for i, lon in enumerate(lons)]


def test_no_stops_and_one_stop():
    assert plan_route(ORIGIN, []) == Route((), 0.0, "none")
    assert nearest_neighbour_route(ORIGIN, []) == Route((), 0.0, "none")
    assert route_length_km(ORIGIN, []) == 0.0
    route = plan_route(ORIGIN, on_equator(2))
    assert route.sequence == (1,) and route.distance_km == pytest.approx(4 * KM_PER_DEG)  # there and back


def test_nearest_neighbour_is_greedy_and_plan_route_is_not():
    # Stops at longitudes 1, -1.5 and 4. Nearest neighbour: 0→1 (1°), 1→-1.5 (2.5°), -1.5→4 (5.5°),
    # back 4→0 (4°) = 13°. Best: sweep one way and back, 2 × (4 − (−1.5)) = 11°.
    stops = on_equator(1, -1.5, 4)
    nn = nearest_neighbour_route(ORIGIN, stops)
    assert nn.sequence == (1, 2, 3) and nn.distance_km == pytest.approx(13 * KM_PER_DEG)
    best = plan_route(ORIGIN, stops)
    assert best.distance_km == pytest.approx(11 * KM_PER_DEG) and best.solver == "exact"
    # Only going 1 → −1.5 → 4 (or back) zig-zags; the other four orders are all 11°.
    assert best.sequence not in {(1, 2, 3), (3, 2, 1)}


@pytest.mark.parametrize("n", [6, 15])  # the exact solver, then OR-Tools
def test_points_on_a_line(n):
    # Depot at one end, stops 1°..n° east in shuffled order: out to the far end and back, 2n°.
    # Any order that only turns once, at the far end, is that long (stops can be visited on the
    # way out or on the way back).
    lons = list(range(1, n + 1))
    lons = lons[1::2] + lons[::2]
    stops = on_equator(*lons)
    route = plan_route(ORIGIN, stops, time_limit_s=0.5)
    assert route.distance_km == pytest.approx(2 * n * KM_PER_DEG)
    visited = [lons[sid - 1] for sid in route.sequence]
    turn = visited.index(n)
    assert visited[:turn + 1] == sorted(visited[:turn + 1])
    assert visited[turn:] == sorted(visited[turn:], reverse=True)


def test_square_with_the_depot_at_a_corner():
    # Depot at (0, 0), stops at the other corners of a 1° square: the best tour is the perimeter,
    # three sides of 1° along a meridian or the equator plus the side on latitude 1° (a great-circle
    # chord a hair shorter than 1°); a diagonal tour crosses itself and is longer.
    stops = [Stop(1, 1, 1), Stop(2, 0, 1), Stop(3, 1, 0)]  # shuffled around the square
    route = plan_route(ORIGIN, stops)
    assert route.sequence in {(2, 1, 3), (3, 1, 2)}
    assert route.distance_km == pytest.approx(3 * KM_PER_DEG + distance_km(1, 0, 1, 1))
    assert route.distance_km == pytest.approx(444.76, abs=0.01)


@pytest.mark.parametrize("n", [8, 12])  # the exact solver, then OR-Tools
def test_circle_with_the_depot_in_the_middle(n):
    # Any tour goes out to the circle and back (2 radii) and walks a path through all n points;
    # the shortest such path on a convex polygon is the perimeter minus one side: n − 1 chords.
    r = 0.1  # degrees, small enough near the equator that the circle stays a circle
    stops = [Stop(100 + k, r * math.sin(2 * math.pi * k / n), r * math.cos(2 * math.pi * k / n)) for k in range(n)]
    route = plan_route(ORIGIN, stops[::-1], time_limit_s=0.5)
    around = sorted(stops, key=lambda s: (s.id - route.sequence[0]) % n)
    if route.sequence[1] != around[1].id:
        around = [around[0], *around[:0:-1]]  # the other direction
    assert route.sequence == tuple(s.id for s in around)
    chord = distance_km(stops[0].lat, stops[0].lon, stops[1].lat, stops[1].lon)
    assert route.distance_km == pytest.approx(2 * r * KM_PER_DEG + (n - 1) * chord, rel=1e-4)


def test_duplicate_stop_ids_rejected():
    stops = [Stop(1, 0, 1), Stop(2, 0, 2), Stop(1, 0, 3)]
    for solve in (plan_route, nearest_neighbour_route):
        with pytest.raises(ValidationFailed) as e:
            solve(ORIGIN, stops)
        assert (e.value.code, e.value.field, e.value.data) == ("duplicate_stop", "stops", {"stop_id": 1})


# ----------------------------------------------------------------------------------------- properties

DEPOT = (45.764, 4.8357)  # Lyon


def stop_lists(min_size: int, max_size: int):
    point = st.tuples(st.floats(45.5, 46.0), st.floats(4.5, 5.2))
    return st.lists(point, min_size=min_size, max_size=max_size).map(
        lambda pts: [Stop(10 * i + 3, lat, lon) for i, (lat, lon) in enumerate(pts)])


@settings(max_examples=30, deadline=None)
@given(stop_lists(6, 14))
def test_every_stop_once_and_never_longer_than_nearest_neighbour(stops):
    route = plan_route(DEPOT, stops, time_limit_s=0.2)
    assert sorted(route.sequence) == sorted(s.id for s in stops)
    by_id = {s.id: s for s in stops}
    assert route.distance_km == pytest.approx(route_length_km(DEPOT, [by_id[i] for i in route.sequence]))
    assert route.distance_km <= nearest_neighbour_route(DEPOT, stops).distance_km + 1e-9


@settings(max_examples=30, deadline=None)
@given(stop_lists(1, 6))
def test_small_routes_are_the_true_optimum(stops):
    best = min(route_length_km(DEPOT, perm) for perm in itertools.permutations(stops))
    assert plan_route(DEPOT, stops).distance_km == pytest.approx(best, rel=1e-12)


@settings(max_examples=15, deadline=None)
@given(stop_lists(11, 18))
def test_a_lighter_search_is_repeatable_still_a_tour_and_no_better_than_the_full_one(stops):
    """The work limit (solutions per stop) a caller may lower to route many loads (the simulator does): the same
    stops give the same route again, every stop once, never longer than nearest neighbour; and the default
    search, which runs on from where the lighter one stopped, never ends with a longer tour."""
    light = plan_route(DEPOT, stops, solutions_per_stop=1)
    assert light == plan_route(DEPOT, stops, solutions_per_stop=1)
    assert sorted(light.sequence) == sorted(s.id for s in stops) and light.solver == "or-tools-gls"
    assert light.distance_km <= nearest_neighbour_route(DEPOT, stops).distance_km + 1e-9
    assert plan_route(DEPOT, stops).distance_km <= light.distance_km + 1e-9
