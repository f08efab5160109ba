"""Rate tables (domain/tariffs.py), freight cost, transit, CO2 and rate shopping (domain/freight.py).

Every expected amount is worked out by hand in the comment beside it, from the rules of docs/freight.md.
"""

from __future__ import annotations

import copy
import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercare.domain.errors import ValidationFailed
from ordercare.domain.freight import (
    CarrierService,
    Mode,
    RateQuote,
    ShipmentToRate,
    freight_cost,
    parse_tariff,
    rate,
    rate_shop,
)

D = Decimal
MONDAY = date(2026, 3, 2)

PARCEL = {
    "zones": [{"zone": "1", "max_km": 150}, {"zone": "2", "max_km": 400}, {"zone": "3", "max_km": 1000}],
    "bands": [{"max_kg": 2, "prices": {"1": "6.50", "2": "7.90", "3": "9.80"}},
              {"max_kg": 10, "prices": {"1": "8.90", "2": "10.60", "3": "14.20"}},
              {"max_kg": 31.5, "prices": {"1": "16.80", "2": "20.30", "3": "26.10"}}],
    "max_kg": 31.5,
}
LTL = {"breaks": [{"min_kg": 0, "per_100kg": "28.00"}, {"min_kg": 500, "per_100kg": "21.00"},
                  {"min_kg": 1000, "per_100kg": "16.00"}],
       "min_charge": "85.00", "per_100km_factor": "0.35"}
FTL = {"per_km": "1.45", "min_charge": "250.00"}
RAIL = {"per_tonne_km": "0.045", "fixed": "120.00", "min_charge": "150.00"}
SEA = {"per_tonne_km": "0.012", "fixed": "260.00", "min_charge": "300.00"}
AIR = {"per_tonne_km": "1.10", "fixed": "85.00", "min_charge": "120.00"}


def cost(mode: Mode, table: dict, kg, km: float) -> Decimal | None:
    return freight_cost(parse_tariff(mode, table), D(kg), km)


def service(sid: int, mode: Mode, table: dict, *, km_per_day="500", min_days=1, co2="62", max_kg=None, max_m3=None,
            code=None) -> CarrierService:
    return CarrierService(id=sid, carrier=f"C{sid}", code=code or f"{mode}-{sid}", name=f"service {sid}", mode=mode,
                          tariff=parse_tariff(mode, table), max_weight_kg=None if max_kg is None else D(max_kg),
                          max_volume_m3=None if max_m3 is None else D(max_m3), km_per_day=D(km_per_day),
                          min_transit_days=min_days, co2_g_per_tkm=D(co2))


def shipment(kg="2000", km=800.0, due: date | None = None, m3="5") -> ShipmentToRate:
    return ShipmentToRate(weight_kg=D(kg), volume_m3=D(m3), distance_km=km, ship_date=MONDAY, due_date=due)


class TestParcel:
    @pytest.mark.parametrize(("kg", "km", "expected"), [
        ("2", 150.0, "6.50"),       # exactly on both edges: zone 1, band ≤ 2 kg
        ("2", 150.01, "7.90"),      # just beyond 150 km: zone 2
        ("2.01", 150.0, "8.90"),    # just above 2 kg: band ≤ 10 kg
        ("0", 0.0, "6.50"),         # nothing at the door: first band, first zone
        ("10", 400.0, "10.60"),
        ("31.5", 1000.0, "26.10"),  # the heaviest parcel to the farthest zone
    ])
    def test_zone_and_band_edges(self, kg, km, expected):
        assert cost(Mode.PARCEL, PARCEL, kg, km) == D(expected)

    def test_above_max_kg_cannot_be_carried(self):
        assert cost(Mode.PARCEL, PARCEL, "31.51", 10.0) is None

    def test_beyond_last_zone_cannot_be_carried(self):
        assert cost(Mode.PARCEL, PARCEL, "1", 1000.001) is None

    def test_float_quantities_are_read_as_written(self):
        # max_kg 31.5 is a JSON float; it is read as 31.5 exactly, so 31.5 kg is carried.
        tariff = parse_tariff(Mode.PARCEL, PARCEL)
        assert tariff.max_kg == D("31.5") and tariff.bands[-1].max_kg == D("31.5")

    def test_explicit_lower_bounds_that_meet_are_accepted(self):
        table = copy.deepcopy(PARCEL)
        table["zones"][1]["min_km"] = 150
        table["bands"][0]["min_kg"] = 0
        table["bands"][2]["min_kg"] = "10"
        assert cost(Mode.PARCEL, table, "10.5", 151.0) == D("20.30")


class TestLtl:
    @pytest.mark.parametrize(("kg", "km", "expected"), [
        # 300 kg: 300 × 28.00/100 = 84.00 (500 kg at 21.00 would be 105.00); × (1 + 0.35 × 200/100) = × 1.7 → 142.80
        ("300", 200.0, "142.80"),
        # deficit weight: 450 kg × 0.28 = 126.00, but 500 kg × 0.21 = 105.00 is cheaper; × 1.35 → 141.75
        ("450", 100.0, "141.75"),
        # break-even is 375 kg (375 × 0.28 = 105): 350 kg stays on its own break, 98.00 × 1.35 → 132.30
        ("350", 100.0, "132.30"),
        ("375", 0.0, "105.00"),
        # 600 kg in the 500 break: 600 × 0.21 = 126.00 < 1000 × 0.16 = 160.00; no distance → × 1
        ("600", 0.0, "126.00"),
        # 800 kg: 800 × 0.21 = 168.00 > 1000 kg × 0.16 = 160.00: billed as 1000 kg
        ("800", 0.0, "160.00"),
        # exactly on a break: 500 kg × 0.21 = 105.00 × (1 + 0.35 × 0.5) = 123.375 → 123.38 (half up)
        ("500", 50.0, "123.38"),
        # 1200 kg × 0.16 = 192.00 × (1 + 0.35 × 2.5) = 1.875 → 360.00
        ("1200", 250.0, "360.00"),
    ])
    def test_weight_breaks_and_distance_factor(self, kg, km, expected):
        assert cost(Mode.LTL, LTL, kg, km) == D(expected)

    def test_minimum_charge(self):
        # 100 kg × 0.28 = 28.00 × 1.175 = 32.90, below the 85.00 minimum
        assert cost(Mode.LTL, LTL, "100", 50.0) == D("85.00")
        assert cost(Mode.LTL, LTL, "0", 0.0) == D("85.00")

    def test_any_heavier_break_counts_not_only_the_next(self):
        # 450 kg: own break 135.00, 500 kg × 0.20 = 100.00, 1000 kg × 0.05 = 50.00 → 50.00
        steep = {"breaks": [{"min_kg": 0, "per_100kg": "30"}, {"min_kg": 500, "per_100kg": "20"},
                            {"min_kg": 1000, "per_100kg": "5"}], "min_charge": "0", "per_100km_factor": "0"}
        assert cost(Mode.LTL, steep, "450", 10.0) == D("50.00")


class TestFtlAndLinehaul:
    def test_ftl_per_km_whatever_the_weight(self):
        # 1.45 × 300 = 435.00
        assert cost(Mode.FTL, FTL, "10", 300.0) == D("435.00")
        assert cost(Mode.FTL, FTL, "24000", 300.0) == D("435.00")

    def test_ftl_minimum_and_half_up_rounding(self):
        assert cost(Mode.FTL, FTL, "1000", 100.0) == D("250.00")  # 145.00 < 250.00
        assert cost(Mode.FTL, FTL, "1000", 200.5) == D("290.73")  # 1.45 × 200.5 = 290.725 → up

    @pytest.mark.parametrize(("mode", "table", "kg", "km", "expected"), [
        (Mode.RAIL, RAIL, "10000", 800.0, "480.00"),   # 10 t × 800 km × 0.045 = 360 + 120 fixed
        (Mode.RAIL, RAIL, "500", 400.0, "150.00"),     # 0.5 × 400 × 0.045 = 9 + 120 = 129 < 150 minimum
        (Mode.SEA, SEA, "20000", 5000.0, "1460.00"),   # 20 × 5000 × 0.012 = 1200 + 260
        (Mode.AIR, AIR, "250", 800.0, "305.00"),       # 0.25 × 800 × 1.10 = 220 + 85
        (Mode.AIR, AIR, "10", 100.0, "120.00"),        # 1.10 + 85 = 86.10 < 120 minimum
    ])
    def test_per_tonne_km(self, mode, table, kg, km, expected):
        assert cost(mode, table, kg, km) == D(expected)

    def test_same_shape_keeps_its_mode(self):
        assert parse_tariff(Mode.SEA, RAIL).mode is Mode.SEA
        assert parse_tariff(Mode.PARCEL, PARCEL).mode is Mode.PARCEL


class TestRate:
    @pytest.mark.parametrize(("mode", "table", "co2", "kg", "km", "expected"), [
        (Mode.FTL, FTL, "62", "10000", 800.0, "496.00"),    # 10 t × 800 km × 62 g = 496,000 g
        (Mode.RAIL, RAIL, "22", "10000", 800.0, "176.00"),  # × 22 g
        (Mode.SEA, SEA, "8", "20000", 5000.0, "800.00"),    # 100,000 tkm × 8 g
        (Mode.AIR, AIR, "602", "250", 800.0, "120.40"),     # 200 tkm × 602 g
        (Mode.LTL, LTL, "62", "1500", 333.0, "30.97"),      # 499.5 tkm × 62 g = 30,969 g → 30.97 kg
    ])
    def test_co2_per_mode(self, mode, table, co2, kg, km, expected):
        q = rate(service(1, mode, table, co2=co2), shipment(kg, km))
        assert q is not None and q.co2_kg == D(expected)

    @pytest.mark.parametrize(("km", "min_days", "days"), [
        (0.0, 1, 1), (500.0, 1, 1), (500.1, 1, 2), (1000.0, 1, 2), (1000.0, 3, 3), (0.0, 0, 0),
    ])
    def test_transit_days_are_started_days_at_least_the_minimum(self, km, min_days, days):
        q = rate(service(1, Mode.FTL, FTL, km_per_day="500", min_days=min_days), shipment(km=km))
        assert q.transit_days == days
        assert q.delivery_date == MONDAY + timedelta(days=days)

    def test_quote_carries_the_service(self):
        q = rate(service(7, Mode.FTL, FTL, code="TRUCK"), shipment("2000", 300.0, due=date(2026, 3, 3)))
        assert q == RateQuote(service_id=7, carrier="C7", service_code="TRUCK", mode=Mode.FTL, cost=D("435.00"),
                              transit_days=1, delivery_date=date(2026, 3, 3), co2_kg=D("37.20"), meets_due_date=True)

    def test_weight_and_volume_limits(self):
        truck = service(1, Mode.FTL, FTL, max_kg="2000", max_m3="10")
        assert rate(truck, shipment(kg="2000", m3="10")) is not None  # exactly at both limits
        assert rate(truck, shipment(kg="2000.01")) is None
        assert rate(truck, shipment(m3="10.001")) is None

    def test_tariff_that_cannot_carry_gives_no_quote(self):
        assert rate(service(1, Mode.PARCEL, PARCEL), shipment(kg="40", km=100.0)) is None

    def test_bad_service_fails_where_it_is_built(self):
        with pytest.raises(ValidationFailed) as e:
            service(1, Mode.FTL, FTL, km_per_day="0")
        assert (e.value.code, e.value.field) == ("invalid_carrier_service", "km_per_day")
        with pytest.raises(ValidationFailed) as e:
            dataclasses.replace(service(1, Mode.FTL, FTL), mode=Mode.RAIL)
        assert e.value.field == "mode"

    def test_negative_weight_or_distance_is_refused(self):
        tariff = parse_tariff(Mode.FTL, FTL)
        with pytest.raises(ValidationFailed) as e:
            freight_cost(tariff, D("-1"), 10.0)
        assert (e.value.code, e.value.field) == ("invalid_shipment", "weight_kg")
        with pytest.raises(ValidationFailed) as e:
            freight_cost(tariff, D("1"), float("nan"))
        assert e.value.field == "distance_km"


class TestRateShop:
    # 2 t over 800 km, shipped Monday 2 March:
    #   truck: 1.45 × 800 = 1160.00, 800/500 → 2 days → Wed 4 March
    #   sea:   2 × 800 × 0.012 = 19.20 + 260 = 279.20 → minimum 300.00, 800/300 → 3 days, at least 5 → Sat 7 March
    #   air:   2 × 800 × 1.10 = 1760 + 85 = 1845.00, 800/800 → 1 day → Tue 3 March
    TRUCK = service(1, Mode.FTL, FTL)
    SHIP = service(2, Mode.SEA, SEA, km_per_day="300", min_days=5, co2="8")
    PLANE = service(3, Mode.AIR, AIR, km_per_day="800", co2="602")
    ALL = (TRUCK, SHIP, PLANE)

    def test_close_due_date_takes_the_dearer_truck(self):
        chosen, alts = rate_shop(self.ALL, shipment(due=date(2026, 3, 5)))
        assert chosen.service_id == 1 and chosen.cost == D("1160.00") and chosen.meets_due_date
        assert [(q.service_id, q.cost, q.delivery_date) for q in alts] == [
            (2, D("300.00"), date(2026, 3, 7)), (1, D("1160.00"), date(2026, 3, 4)),
            (3, D("1845.00"), date(2026, 3, 3))]
        assert [q.meets_due_date for q in alts] == [False, True, True]

    def test_far_due_date_takes_the_cheap_slow_ship(self):
        chosen, _ = rate_shop(self.ALL, shipment(due=date(2026, 3, 7)))  # delivery on the due date meets it
        assert chosen.service_id == 2 and chosen.cost == D("300.00")

    def test_no_due_date_takes_the_cheapest(self):
        assert rate_shop(self.ALL, shipment(due=None))[0].service_id == 2

    def test_only_air_meets_a_next_day_date(self):
        chosen, _ = rate_shop(self.ALL, shipment(due=date(2026, 3, 3)))
        assert chosen.service_id == 3 and chosen.meets_due_date

    def test_nothing_meets_the_date_takes_the_earliest_delivery(self):
        chosen, alts = rate_shop(self.ALL, shipment(due=MONDAY))
        assert chosen.service_id == 3 and chosen.meets_due_date is False
        assert len(alts) == 3 and not any(q.meets_due_date for q in alts)

    def test_earliest_delivery_tie_goes_to_the_cheaper(self):
        dear_truck = service(4, Mode.FTL, {"per_km": "2.00", "min_charge": "0"})
        chosen, _ = rate_shop([dear_truck, self.TRUCK, self.SHIP], shipment(due=MONDAY))
        assert chosen.service_id == 1  # both trucks arrive Wednesday; 1160.00 < 1600.00

    def test_equal_cost_sorted_by_transit_then_id(self):
        slow, fast, same = (service(9, Mode.FTL, FTL, km_per_day="100"), service(8, Mode.FTL, FTL),
                            service(5, Mode.FTL, FTL))
        chosen, alts = rate_shop([slow, fast, same], shipment())
        assert [q.service_id for q in alts] == [5, 8, 9]
        assert chosen.service_id == 5

    def test_limits_exclude_services(self):
        small_truck = service(5, Mode.FTL, FTL, max_kg="1500")
        parcel = service(6, Mode.PARCEL, PARCEL)
        chosen, alts = rate_shop([small_truck, parcel, self.PLANE], shipment(due=date(2026, 3, 10)))
        assert chosen.service_id == 3 and [q.service_id for q in alts] == [3]

    def test_no_service_can_carry(self):
        assert rate_shop([service(6, Mode.PARCEL, PARCEL)], shipment()) == (None, [])
        assert rate_shop([], shipment()) == (None, [])


def with_change(table: dict, change) -> dict:
    t = copy.deepcopy(table)
    change(t)
    return t


def _set(path: list, value):
    def change(t):
        target = t
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _del(path: list):
    def change(t):
        target = t
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return change


INVALID = [
    # (mode, base table, change, field, problem)
    (Mode.PARCEL, PARCEL, _set(["zones", 1, "min_km"], 200), "rate_table.zones[1].min_km", "gap"),
    (Mode.PARCEL, PARCEL, _set(["zones", 1, "min_km"], 100), "rate_table.zones[1].min_km", "overlap"),
    (Mode.PARCEL, PARCEL, _set(["bands", 1, "min_kg"], 5), "rate_table.bands[1].min_kg", "gap"),
    (Mode.PARCEL, PARCEL, _set(["bands", 1, "min_kg"], 1), "rate_table.bands[1].min_kg", "overlap"),
    (Mode.PARCEL, PARCEL, _set(["bands", 0, "min_kg"], "0.5"), "rate_table.bands[0].min_kg", "not_from_zero"),
    (Mode.PARCEL, PARCEL, _set(["max_kg"], 40), "rate_table.max_kg", "gap"),
    (Mode.PARCEL, PARCEL, _set(["max_kg"], 20), "rate_table.max_kg", "overlap"),
    (Mode.PARCEL, PARCEL, _set(["bands", 1, "max_kg"], 2), "rate_table.bands[1].max_kg", "overlap"),
    (Mode.PARCEL, PARCEL, _set(["bands", 2, "max_kg"], 5), "rate_table.bands[2].max_kg", "unsorted"),
    (Mode.PARCEL, PARCEL, _set(["zones", 2, "max_km"], 300), "rate_table.zones[2].max_km", "unsorted"),
    (Mode.PARCEL, PARCEL, _set(["zones", 0, "max_km"], 0), "rate_table.zones[0].max_km", "empty"),
    (Mode.PARCEL, PARCEL, _set(["bands", 1, "prices", "2"], "7.00"), "rate_table.bands[1].prices.2", "unsorted"),
    (Mode.PARCEL, PARCEL, _set(["bands", 0, "prices", "1"], "-6.50"), "rate_table.bands[0].prices.1", "negative"),
    (Mode.PARCEL, PARCEL, _set(["bands", 0, "prices", "9"], "1.00"), "rate_table.bands[0].prices.9",
     "undefined_zone"),
    (Mode.PARCEL, PARCEL, _del(["bands", 1, "prices", "3"]), "rate_table.bands[1].prices.3", "unpriced_zone"),
    (Mode.PARCEL, PARCEL, _set(["zones", 1, "zone"], "1"), "rate_table.zones[1].zone", "duplicate_zone"),
    (Mode.PARCEL, PARCEL, _set(["zones", 1, "zone"], 2), "rate_table.zones[1].zone", "wrong_type"),
    (Mode.PARCEL, PARCEL, _del(["max_kg"]), "rate_table.max_kg", "missing"),
    (Mode.PARCEL, PARCEL, _del(["bands", 0, "prices"]), "rate_table.bands[0].prices", "missing"),
    (Mode.PARCEL, PARCEL, _set(["bands", 0, "prices", "2"], 7.9), "rate_table.bands[0].prices.2", "float_money"),
    (Mode.PARCEL, PARCEL, _set(["zones"], []), "rate_table.zones", "empty"),
    (Mode.PARCEL, PARCEL, _set(["bands"], {"max_kg": 2}), "rate_table.bands", "wrong_type"),
    (Mode.PARCEL, PARCEL, _set(["bands", 0, "max_kg"], "two"), "rate_table.bands[0].max_kg", "wrong_type"),
    (Mode.LTL, LTL, _set(["breaks", 0, "min_kg"], 50), "rate_table.breaks[0].min_kg", "not_from_zero"),
    (Mode.LTL, LTL, _set(["breaks", 2, "min_kg"], 500), "rate_table.breaks[2].min_kg", "overlap"),
    (Mode.LTL, LTL, _set(["breaks", 2, "min_kg"], 400), "rate_table.breaks[2].min_kg", "unsorted"),
    (Mode.LTL, LTL, _set(["breaks", 1, "per_100kg"], "-21.00"), "rate_table.breaks[1].per_100kg", "negative"),
    (Mode.LTL, LTL, _set(["per_100km_factor"], "-0.1"), "rate_table.per_100km_factor", "negative"),
    (Mode.LTL, LTL, _del(["min_charge"]), "rate_table.min_charge", "missing"),
    (Mode.LTL, LTL, _set(["min_charge"], 85.0), "rate_table.min_charge", "float_money"),
    (Mode.LTL, LTL, _set(["breaks", 0, "per_100kg"], True), "rate_table.breaks[0].per_100kg", "wrong_type"),
    (Mode.LTL, LTL, _set(["breaks", 1], "500"), "rate_table.breaks[1]", "wrong_type"),
    (Mode.FTL, FTL, _set(["per_km"], 1.45), "rate_table.per_km", "float_money"),
    (Mode.FTL, FTL, _set(["min_charge"], "-250"), "rate_table.min_charge", "negative"),
    (Mode.FTL, FTL, _set(["per_km"], "NaN"), "rate_table.per_km", "not_finite"),
    (Mode.FTL, FTL, _set(["per_km"], None), "rate_table.per_km", "wrong_type"),
    (Mode.FTL, FTL, _del(["per_km"]), "rate_table.per_km", "missing"),
    (Mode.FTL, FTL, _set(["fixed"], "50.00"), "rate_table.fixed", "unknown_key"),
    (Mode.RAIL, RAIL, _set(["per_tonne_km"], "-0.045"), "rate_table.per_tonne_km", "negative"),
    (Mode.SEA, SEA, _del(["fixed"]), "rate_table.fixed", "missing"),
    (Mode.AIR, AIR, _set(["fixed"], 85.5), "rate_table.fixed", "float_money"),
]


@pytest.mark.parametrize(("mode", "table", "change", "field", "problem"), INVALID,
                         ids=[f"{m}-{f}-{p}" for m, _, _, f, p in INVALID])
def test_invalid_table_names_the_fault(mode, table, change, field, problem):
    with pytest.raises(ValidationFailed) as e:
        parse_tariff(mode, with_change(table, change))
    assert e.value.code == "invalid_rate_table"
    assert e.value.field == field
    assert e.value.data["problem"] == problem
    assert e.value.message.startswith(f"{field}: ")


def test_table_that_is_not_an_object():
    with pytest.raises(ValidationFailed) as e:
        parse_tariff(Mode.FTL, ["1.45"])
    assert (e.value.code, e.value.field, e.value.data["problem"]) == ("invalid_rate_table", "rate_table", "wrong_type")


def test_money_as_integer_string_or_decimal_is_accepted():
    t = parse_tariff(Mode.FTL, {"per_km": 2, "min_charge": D("250.00")})
    assert (t.per_km, t.min_charge) == (D(2), D("250.00"))
    assert parse_tariff(Mode.RAIL, RAIL).per_tonne_km == D("0.045")


def test_tariffs_are_frozen():
    t = parse_tariff(Mode.PARCEL, PARCEL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.max_kg = D(50)  # type: ignore[misc]
    assert hash(t) == hash(parse_tariff(Mode.PARCEL, PARCEL))


# --- properties -------------------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=50_000).map(lambda c: str(D(c) / 100))
# Parcel-sized weights as often as freight-sized ones, so parcel tables are not all "cannot carry".
kgs = st.one_of(st.integers(0, 100_000), st.integers(0, 40_000_000)).map(lambda g: D(g) / 1000)
kms = st.floats(min_value=0, max_value=3000, allow_nan=False)


@st.composite
def parcel_tables(draw) -> dict:
    n_zones = draw(st.integers(1, 4))
    n_bands = draw(st.integers(1, 4))
    km = draw(st.lists(st.integers(1, 800), min_size=n_zones, max_size=n_zones))
    kg = draw(st.lists(st.integers(1, 20), min_size=n_bands, max_size=n_bands))
    zones = [{"zone": f"z{i}", "max_km": sum(km[:i + 1])} for i in range(n_zones)]
    price = {z["zone"]: 0 for z in zones}
    bands = []
    for j in range(n_bands):  # each band adds a non-negative step per zone: heavier never cheaper
        price = {z: p + draw(st.integers(0, 2000)) for z, p in price.items()}
        bands.append({"max_kg": sum(kg[:j + 1]), "prices": {z: str(D(p) / 100) for z, p in price.items()}})
    return {"zones": zones, "bands": bands, "max_kg": bands[-1]["max_kg"]}


@st.composite
def ltl_tables(draw) -> dict:
    steps = draw(st.lists(st.integers(1, 3000), min_size=0, max_size=4))
    mins = [0] + [sum(steps[:i + 1]) for i in range(len(steps))]
    return {"breaks": [{"min_kg": m, "per_100kg": draw(cents)} for m in mins], "min_charge": draw(cents),
            "per_100km_factor": str(D(draw(st.integers(0, 100))) / 100)}


ftl_tables = st.fixed_dictionaries({"per_km": cents, "min_charge": cents})
tonne_km_tables = st.fixed_dictionaries({"per_tonne_km": cents, "fixed": cents, "min_charge": cents})
tariff_tables = st.one_of(
    st.tuples(st.just(Mode.PARCEL), parcel_tables()), st.tuples(st.just(Mode.LTL), ltl_tables()),
    st.tuples(st.just(Mode.FTL), ftl_tables), st.tuples(st.sampled_from([Mode.RAIL, Mode.SEA, Mode.AIR]), tonne_km_tables))


@st.composite
def services(draw) -> list[CarrierService]:
    out = []
    for sid in range(1, draw(st.integers(0, 6)) + 1):
        mode, table = draw(tariff_tables)
        out.append(service(sid, mode, table, km_per_day=str(draw(st.integers(50, 1000))),
                           min_days=draw(st.integers(0, 6)), co2=str(draw(st.integers(0, 700))),
                           max_kg=draw(st.none() | st.integers(0, 30_000).map(str)),
                           max_m3=draw(st.none() | st.integers(0, 90).map(str))))
    return out


@settings(max_examples=150, deadline=None)
@given(services(), kgs, st.integers(0, 100).map(lambda c: D(c) / 10), kms, st.none() | st.integers(0, 12))
def test_rate_shop_chooses_the_cheapest_on_time_quote(svcs, kg, m3, km, due_in):
    due = None if due_in is None else MONDAY + timedelta(days=due_in)
    chosen, alts = rate_shop(svcs, ShipmentToRate(kg, m3, km, MONDAY, due))
    assert alts == sorted(alts, key=lambda q: (q.cost, q.transit_days, q.service_id))
    if not alts:
        assert chosen is None
        return
    assert chosen in alts
    on_time = [q for q in alts if q.delivery_date <= due] if due else alts
    if on_time:
        assert chosen.meets_due_date
        assert all(chosen.cost <= q.cost for q in on_time)
    else:
        assert not chosen.meets_due_date
        assert all(chosen.delivery_date <= q.delivery_date for q in alts)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.tuples(st.just(Mode.PARCEL), parcel_tables()), st.tuples(st.just(Mode.FTL), ftl_tables),
                 st.tuples(st.just(Mode.LTL), ltl_tables()), st.tuples(st.just(Mode.RAIL), tonne_km_tables)),
       kgs, kgs, kms)
def test_freight_cost_never_falls_as_weight_rises(mode_table, a, b, km):
    mode, table = mode_table
    tariff = parse_tariff(mode, table)
    # The random weights plus every band edge and break of the table, and a gram either side of it:
    # that is where a pricing rule would step down.
    edges = [D(str(e[key])) for key in ("max_kg", "min_kg") for e in table.get("bands", table.get("breaks", []))
             if key in e]
    grams = D("0.001")
    weights = sorted({a, b} | {w for e in edges for w in (e - grams, e, e + grams) if w >= 0})
    costs = [freight_cost(tariff, w, km) for w in weights]
    carried = [c for c in costs if c is not None]
    assert costs[:len(carried)] == carried  # once too heavy, heavier stays too heavy
    assert carried == sorted(carried)
