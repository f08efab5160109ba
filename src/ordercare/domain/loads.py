"""Load building (DOMAIN §3 step 5): pack shipments onto as few vehicles as possible.

A two-dimensional bin packing: every shipment goes on exactly one vehicle, and no vehicle
carries more than its weight limit or its volume limit. The vehicles of a plan are all the
same type (the caller picks the vehicle; a mixed fleet is not modelled here).

How it is solved:

1. First-fit-decreasing (FFD) gives a feasible plan at once and an upper bound.
2. A lower bound: the larger of ceil(total weight / limit), ceil(total volume / limit) and
   the size of a set of shipments no two of which fit on one vehicle together.
3. If FFD already meets the lower bound it is optimal and the solver is skipped. Otherwise
   CP-SAT (OR-Tools) looks for fewer vehicles: when FFD is one over the bound, whether the
   bound itself is feasible (found: optimal; proved infeasible: FFD was optimal); when FFD is
   further off, by minimising the vehicles used, starting from the FFD plan as a hint.
4. More than MAX_SOLVER_ITEMS shipments: FFD only (solver "ffd-large").

Sizes are integers for CP-SAT: grams and cm³. Item sizes are rounded up and limits rounded
down, so any plan that is feasible in integers is also feasible in the exact Decimals.

Determinism: CP-SAT runs with one worker and a fixed seed, and stops at a deterministic
work budget (a quarter of the limit, in CP-SAT's work units of about a second each), so the
same input gives the same plan unless the wall-clock limit is what stops it (a very slow or
overloaded machine). Building the model adds a little time on top of time_limit_s (tens of
milliseconds for 250 shipments), and the first call pays about 0.4 s to import OR-Tools.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from .errors import ValidationFailed

GRAMS_PER_KG = Decimal(1000)
CM3_PER_M3 = Decimal(1_000_000)
# Beyond this many shipments the model (shipments × vehicles booleans) gets too big for one
# worker to improve within seconds, and FFD is already within a vehicle or so of the lower bound
# on many small items, so we stop at FFD. Callers plan per warehouse-day, which keeps groups smaller.
MAX_SOLVER_ITEMS = 400
SEED = 20260302


@dataclass(frozen=True)
class LoadItem:
    shipment_id: int
    weight_kg: Decimal
    volume_m3: Decimal


@dataclass(frozen=True)
class Vehicle:
    code: str
    max_weight_kg: Decimal
    max_volume_m3: Decimal
    fixed_cost: Decimal = Decimal(0)  # unused here: with one vehicle type, fewest is also cheapest


@dataclass(frozen=True)
class Load:
    vehicle: str
    shipment_ids: tuple[int, ...]  # ascending
    weight_kg: Decimal
    volume_m3: Decimal


@dataclass(frozen=True)
class LoadPlan:
    loads: tuple[Load, ...]
    lower_bound: int  # from totals and conflicts: no plan uses fewer (CP-SAT may prove more are needed)
    optimal: bool  # proved: len(loads) is the minimum
    solver: str  # "ffd" | "cp-sat" | "ffd-large" (too many items for the solver) | "none" (no items)


@dataclass(frozen=True)
class _Sized:
    """An item in solver units (grams, cm³)."""

    item: LoadItem
    w: int
    v: int


def _up(value: Decimal, scale: Decimal) -> int:
    return int((value * scale).to_integral_value(rounding=ROUND_CEILING))


def _down(value: Decimal, scale: Decimal) -> int:
    return int((value * scale).to_integral_value(rounding=ROUND_FLOOR))


def _prepare(items: Sequence[LoadItem], vehicle: Vehicle) -> tuple[list[_Sized], int, int]:
    """Check the input and return the items in decreasing size with integer sizes and limits."""
    cap_w, cap_v = _down(vehicle.max_weight_kg, GRAMS_PER_KG), _down(vehicle.max_volume_m3, CM3_PER_M3)
    if cap_w <= 0 or cap_v <= 0:  # below a gram or a cm³ is no vehicle either
        raise ValidationFailed("invalid_vehicle", f"vehicle {vehicle.code}: limits must be positive",
                               field="vehicle", vehicle=vehicle.code)
    seen: set[int] = set()
    sized = []
    for it in items:
        if it.shipment_id in seen:
            raise ValidationFailed("duplicate_shipment", f"shipment {it.shipment_id} is listed twice",
                                   field="shipments", shipment_id=it.shipment_id)
        seen.add(it.shipment_id)
        if it.weight_kg < 0 or it.volume_m3 < 0:
            raise ValidationFailed("invalid_shipment_size", f"shipment {it.shipment_id}: negative weight or volume",
                                   field="shipments", shipment_id=it.shipment_id)
        for limit, size, cap in (("weight", it.weight_kg, vehicle.max_weight_kg),
                                 ("volume", it.volume_m3, vehicle.max_volume_m3)):
            if size > cap:
                unit = "kg" if limit == "weight" else "m³"
                raise ValidationFailed(
                    "shipment_does_not_fit",
                    f"shipment {it.shipment_id}: {limit} {size} {unit} exceeds the {cap} {unit} of vehicle "
                    f"{vehicle.code}", field="shipments", shipment_id=it.shipment_id, limit=limit,
                    size=str(size), capacity=str(cap), vehicle=vehicle.code)
        # Rounding up could push an item that fits exactly (sub-gram precision) over the rounded-down
        # limit; clamping is safe because such an item then rides alone in integer terms.
        sized.append(_Sized(it, min(_up(it.weight_kg, GRAMS_PER_KG), cap_w), min(_up(it.volume_m3, CM3_PER_M3), cap_v)))
    # Decreasing by the tighter of the two fractions, then by their sum; the id breaks ties so the
    # order (and so the plan) does not depend on the caller's order.
    sized.sort(key=lambda s: (-max(s.w / cap_w, s.v / cap_v), -(s.w / cap_w + s.v / cap_v), s.item.shipment_id))
    return sized, cap_w, cap_v


def _ffd(sized: list[_Sized], cap_w: int, cap_v: int) -> list[int]:
    """First fit in the decreasing order; returns the bin index of each item."""
    room: list[list[int]] = []
    where = []
    for s in sized:
        for b, (rw, rv) in enumerate(room):
            if s.w <= rw and s.v <= rv:
                room[b] = [rw - s.w, rv - s.v]
                where.append(b)
                break
        else:
            room.append([cap_w - s.w, cap_v - s.v])
            where.append(len(room) - 1)
    return where


def _conflict_clique(sized: list[_Sized], cap_w: int, cap_v: int) -> int:
    """Size of a set of items that pairwise cannot share a vehicle (so each needs its own)."""
    best = 0
    for size, cap in ((lambda s: s.w, cap_w), (lambda s: s.v, cap_v)):
        # In one dimension: everything over half the limit, plus the largest of the rest if even
        # the smallest of those cannot take it (two items of at most half always fit together).
        big = sorted((size(s) for s in sized if 2 * size(s) > cap), reverse=True)
        rest = max((size(s) for s in sized if 2 * size(s) <= cap), default=0)
        best = max(best, len(big) + (1 if big and big[-1] + rest > cap else 0))
    if len(sized) <= MAX_SOLVER_ITEMS:  # mixing both dimensions is O(n · set size): only when it can pay off
        for key in (lambda s: s.w, lambda s: s.v):
            clique: list[_Sized] = []
            for s in sorted(sized, key=lambda s: (-key(s), s.item.shipment_id)):
                if all(s.w + c.w > cap_w or s.v + c.v > cap_v for c in clique):
                    clique.append(s)
            best = max(best, len(clique))
    return best


def _lower_bound(sized: list[_Sized], cap_w: int, cap_v: int) -> int:
    if not sized:
        return 0
    return max(-(-sum(s.w for s in sized) // cap_w), -(-sum(s.v for s in sized) // cap_v),
               _conflict_clique(sized, cap_w, cap_v))


def _cp_sat(sized: list[_Sized], cap_w: int, cap_v: int, hint: list[int], lower: int,
            time_limit_s: float) -> tuple[list[int] | None, bool]:
    """Fewer vehicles than FFD; returns (bin of each item, or None to keep FFD; proved optimal)."""
    from ortools.sat.python import cp_model  # imported here: only needed when FFD is not optimal

    n_ffd = max(hint) + 1
    # The usual case on many small shipments is FFD = bound + 1, and the only question is whether
    # `lower` vehicles suffice. Asked as a plain feasibility question (no objective, no "used"
    # flags) CP-SAT answers it several times faster than by minimising; a proof that it is
    # infeasible proves FFD optimal. Otherwise minimise, starting from the FFD plan.
    minimise = n_ffd > lower + 1
    n_bins = n_ffd if minimise else lower
    m = cp_model.CpModel()
    # Symmetry breaking: item i (in decreasing order) may only go to bins 0..i. The FFD plan obeys
    # it (each item opens at most one new bin), so it stays a valid hint.
    x = [{b: m.NewBoolVar(f"x{i}_{b}") for b in range(min(i + 1, n_bins))} for i in range(len(sized))]
    for row in x:
        m.AddExactlyOne(row.values())
    used = [m.NewBoolVar(f"u{b}") for b in range(n_bins)] if minimise else [1] * n_bins
    for b in range(n_bins):
        members = [(i, x[i][b]) for i in range(len(sized)) if b in x[i]]
        m.Add(sum(sized[i].w * var for i, var in members) <= cap_w * used[b])
        m.Add(sum(sized[i].v * var for i, var in members) <= cap_v * used[b])
    if minimise:
        for i, row in enumerate(x):
            for b, var in row.items():
                if sized[i].w == 0 and sized[i].v == 0:  # otherwise the capacity rows imply it
                    m.AddImplication(var, used[b])
                m.AddHint(var, hint[i] == b)
        for b in range(n_bins):
            m.AddHint(used[b], True)
            if b + 1 < n_bins:
                m.AddImplication(used[b + 1], used[b])  # bins are used in order
        m.Add(sum(used) >= lower)
        m.Minimize(sum(used))

    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = 1
    # Interleaving runs CP-SAT's several strategies (including large neighbourhood search) in
    # turns on the one worker, deterministically; on these models it finds tight packings
    # several times faster than the single default strategy.
    p.interleave_search = True
    p.random_seed = SEED
    p.max_time_in_seconds = time_limit_s
    # The work budget, not the clock, should be what stops the search so that plans repeat. A unit
    # took 1-1.6 s on the 2-CPU benchmark machine; a quarter of the wall-clock limit leaves room
    # for a busy machine and keeps an undecidable group (trucks >99.9% full) well under the limit.
    p.max_deterministic_time = time_limit_s / 4
    status = solver.Solve(m)
    if status == cp_model.INFEASIBLE and not minimise:
        return None, True  # `lower` vehicles cannot do it, so FFD's lower + 1 is the minimum
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    where = [next(b for b, var in row.items() if solver.BooleanValue(var)) for row in x]
    return where, status == cp_model.OPTIMAL


def _plan(sized: list[_Sized], where: list[int], vehicle: Vehicle, lower: int, optimal: bool, solver: str) -> LoadPlan:
    bins: dict[int, list[LoadItem]] = {}
    for s, b in zip(sized, where):
        bins.setdefault(b, []).append(s.item)
    loads = [Load(vehicle.code, tuple(sorted(it.shipment_id for it in members)),
                  sum((it.weight_kg for it in members), Decimal(0)), sum((it.volume_m3 for it in members), Decimal(0)))
             for members in bins.values()]
    loads.sort(key=lambda ld: ld.shipment_ids[0])
    return LoadPlan(tuple(loads), lower, optimal, solver)


def first_fit_decreasing(items: Sequence[LoadItem], vehicle: Vehicle) -> LoadPlan:
    """The baseline on its own (no solver): FFD by the tighter of weight and volume fraction."""
    sized, cap_w, cap_v = _prepare(items, vehicle)
    if not sized:
        return LoadPlan((), 0, True, "none")
    where, lower = _ffd(sized, cap_w, cap_v), _lower_bound(sized, cap_w, cap_v)
    return _plan(sized, where, vehicle, lower, max(where) + 1 == lower, "ffd")


def build_loads(items: Sequence[LoadItem], vehicle: Vehicle, *, time_limit_s: float = 2.0) -> LoadPlan:
    """Fewest vehicles for the items; see the module docstring for how and what is guaranteed."""
    sized, cap_w, cap_v = _prepare(items, vehicle)
    if not sized:
        return LoadPlan((), 0, True, "none")
    where, lower = _ffd(sized, cap_w, cap_v), _lower_bound(sized, cap_w, cap_v)
    if max(where) + 1 == lower:
        return _plan(sized, where, vehicle, lower, True, "ffd")
    if len(sized) > MAX_SOLVER_ITEMS:
        return _plan(sized, where, vehicle, lower, False, "ffd-large")
    better, proved = _cp_sat(sized, cap_w, cap_v, where, lower, time_limit_s)
    if better is None:  # nothing better within the limit, or CP-SAT proved FFD optimal
        return _plan(sized, where, vehicle, lower, proved, "cp-sat" if proved else "ffd")
    return _plan(sized, better, vehicle, lower, proved, "cp-sat")
