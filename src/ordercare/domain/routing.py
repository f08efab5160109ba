"""Multi-stop routes (DOMAIN §3 step 6): one vehicle leaves the depot, visits every stop once
and comes back.

Distances are great-circle (haversine) kilometres between coordinates, not road distances.
A route's length always includes the leg back to the depot: the vehicle has to return, so the
tour is what it drives (and what a per-km rate is charged on), not the open path to the last stop.

- Up to EXACT_MAX_STOPS stops: Held-Karp dynamic programming, the proven shortest tour.
- More stops: OR-Tools routing with an integer distance matrix in metres, a nearest-neighbour
  style first solution (PATH_CHEAPEST_ARC) improved by guided local search until the time
  limit or the work limit (below). This is a heuristic: usually within a few per cent of the
  optimum, not proven.
- The nearest-neighbour tour is the baseline; plan_route never returns anything longer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .atp import distance_km
from .errors import ValidationFailed

EXACT_MAX_STOPS = 10  # Held-Karp takes under 10 ms at 10 stops (2^n · n² steps), ~40 ms at 12
# Guided local search never stops on its own, so without a second limit every route would take
# the whole time limit and results would depend on machine speed. Stopping after a number of
# search steps that grows with the stops makes routes repeat; the time limit is then a ceiling.
# 20 a stop: 30 stops finish in about 0.5 s, and 5x more steps gained under 1% in trials; routes
# beyond about 40 stops reach the 2 s default first (and may then differ slightly between runs).
SOLUTIONS_PER_STOP = 20


@dataclass(frozen=True)
class Stop:
    id: int
    lat: float
    lon: float


@dataclass(frozen=True)
class Route:
    sequence: tuple[int, ...]  # stop ids in visiting order (the depot is neither first nor last)
    distance_km: float  # depot -> stops in order -> back to the depot
    solver: str  # "none" | "exact" | "or-tools-gls" | "nearest-neighbour"


def _leg(a: tuple[float, float], b: tuple[float, float]) -> float:
    return distance_km(a[0], a[1], b[0], b[1])


def route_length_km(depot: tuple[float, float], stops_in_order: Sequence[Stop]) -> float:
    """Length of the closed tour depot -> stops in the given order -> depot."""
    points = [depot, *((s.lat, s.lon) for s in stops_in_order), depot]
    return sum(_leg(points[k], points[k + 1]) for k in range(len(points) - 1)) if stops_in_order else 0.0


def _check(stops: Sequence[Stop]) -> None:
    seen: set[int] = set()
    for s in stops:
        if s.id in seen:
            raise ValidationFailed("duplicate_stop", f"stop {s.id} is listed twice", field="stops", stop_id=s.id)
        seen.add(s.id)


def _route(depot: tuple[float, float], ordered: Sequence[Stop], solver: str) -> Route:
    return Route(tuple(s.id for s in ordered), route_length_km(depot, ordered), solver)


def nearest_neighbour_route(depot: tuple[float, float], stops: Sequence[Stop]) -> Route:
    """Always drive to the closest stop not yet visited (ties: the earlier stop in the input)."""
    _check(stops)
    if not stops:
        return Route((), 0.0, "none")
    left, here, ordered = list(stops), depot, []
    while left:
        k = min(range(len(left)), key=lambda i: (_leg(here, (left[i].lat, left[i].lon)), i))
        nxt = left.pop(k)
        ordered.append(nxt)
        here = (nxt.lat, nxt.lon)
    return _route(depot, ordered, "nearest-neighbour")


def _held_karp(depot: tuple[float, float], stops: Sequence[Stop]) -> list[Stop]:
    """Shortest closed tour by dynamic programming over subsets: O(2^n n^2), fine for n <= ~12."""
    n = len(stops)
    pts = [(s.lat, s.lon) for s in stops]
    d = [[_leg(a, b) for b in pts] for a in pts]
    start = [_leg(depot, p) for p in pts]
    # best[mask][j]: shortest path from the depot through exactly the stops in mask, ending at j.
    best: dict[int, dict[int, tuple[float, int]]] = {1 << j: {j: (start[j], -1)} for j in range(n)}
    for mask in range(1, 1 << n):
        for j, (cost, _) in best.get(mask, {}).items():
            for k in range(n):
                if mask & (1 << k):
                    continue
                nxt = mask | (1 << k)
                cand = cost + d[j][k]
                row = best.setdefault(nxt, {})
                if k not in row or cand < row[k][0]:
                    row[k] = (cand, j)
    full = (1 << n) - 1
    last = min(range(n), key=lambda j: (best[full][j][0] + start[j], j))
    order, mask, j = [], full, last
    while j != -1:
        order.append(j)
        prev = best[mask][j][1]
        mask &= ~(1 << j)
        j = prev
    return [stops[j] for j in reversed(order)]


def _or_tools(depot: tuple[float, float], stops: Sequence[Stop], time_limit_s: float,
              solutions_per_stop: int) -> list[Stop] | None:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # only needed for larger routes

    pts = [depot, *((s.lat, s.lon) for s in stops)]
    # Whole metres: the routing library works in integers, and a metre is far below what matters.
    matrix = [[round(_leg(a, b) * 1000) for b in pts] for a in pts]
    manager = pywrapcp.RoutingIndexManager(len(pts), 1, 0)  # node 0 is the depot, one vehicle
    model = pywrapcp.RoutingModel(manager)
    model.SetArcCostEvaluatorOfAllVehicles(model.RegisterTransitMatrix(matrix))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    params.solution_limit = solutions_per_stop * len(stops)
    solution = model.SolveWithParameters(params)
    if solution is None:
        return None
    ordered, index = [], solution.Value(model.NextVar(model.Start(0)))
    while not model.IsEnd(index):
        ordered.append(stops[manager.IndexToNode(index) - 1])
        index = solution.Value(model.NextVar(index))
    return ordered


def plan_route(depot: tuple[float, float], stops: Sequence[Stop], *, time_limit_s: float = 2.0,
               solutions_per_stop: int = SOLUTIONS_PER_STOP) -> Route:
    """A short closed tour from the depot through every stop; see the module docstring. `solutions_per_stop`
    is the search's work limit (a caller that routes many loads may trade a little length for time)."""
    _check(stops)
    if not stops:
        return Route((), 0.0, "none")
    if len(stops) <= EXACT_MAX_STOPS:
        return _route(depot, _held_karp(depot, stops), "exact")
    baseline = nearest_neighbour_route(depot, stops)
    ordered = _or_tools(depot, stops, time_limit_s, solutions_per_stop)
    if ordered is None:
        return baseline
    found = _route(depot, ordered, "or-tools-gls")
    # The solver sees whole metres, so on near-ties it can end a hair longer than the baseline
    # in exact kilometres; the promise is "never longer than nearest neighbour".
    return found if found.distance_km <= baseline.distance_km else baseline
