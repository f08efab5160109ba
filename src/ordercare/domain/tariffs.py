"""Carrier rate tables (DOMAIN §3 step 7): their shapes, their validation and their pricing rules.

A carrier service keeps its rate table as plain JSON. parse_tariff checks it once, when the service
is created, and turns it into a frozen tariff object, so rating never meets a malformed table.
Money is a string or an integer ("6.50", 85), never a JSON float: a float has already lost the
cent on its way in. Weights, distances and the LTL distance factor are quantities and may be floats.

PARCEL — a price per weight band and distance zone:
    {"zones": [{"zone": "1", "max_km": 150}, {"zone": "2", "max_km": 400}, ...],
     "bands": [{"max_kg": 2, "prices": {"1": "6.50", "2": "7.90", ...}}, {"max_kg": 10, ...}, ...],
     "max_kg": 31.5}
  A zone covers (previous max_km, max_km], the first one [0, max_km]; a band covers
  (previous max_kg, max_kg] the same way. Zones and bands are listed in ascending order, every band
  prices every zone, and a heavier band never costs less in a zone than a lighter one (a lower price
  is a typo, and it would let a heavier parcel cost less). "max_kg" repeats the last band's bound.
  A zone may state "min_km" and a band "min_kg"; it must then be exactly where the previous one ends
  (0 for the first): that is how a gap or an overlap in a carrier's printed table is caught.
  Beyond the last zone or above max_kg the service cannot carry the parcel.

LTL — less than truckload, a rate per 100 kg by weight break:
    {"breaks": [{"min_kg": 0, "per_100kg": "28.00"}, {"min_kg": 500, "per_100kg": "21.00"}, ...],
     "min_charge": "85.00", "per_100km_factor": "0.35"}
  A break covers [min_kg, next min_kg); the first starts at 0. Charge = the lowest of the weight at
  its own break's rate and, for each heavier break, that break's minimum weight at that break's rate
  (the deficit-weight rule: a shipper may declare the missing kilos to reach a cheaper break),
  × (1 + per_100km_factor × km / 100), never below min_charge.

FTL — full truckload: {"per_km": "1.45", "min_charge": "250.00"}; charge = max(min_charge, per_km × km).

RAIL / SEA / AIR — linehaul by tonne-km:
    {"per_tonne_km": "0.045", "fixed": "120.00", "min_charge": "150.00"}
  charge = max(min_charge, fixed + per_tonne_km × tonnes × km).

Charges here are exact; freight.freight_cost rounds them to the cent. docs/freight.md has worked
examples of each rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, ClassVar, NoReturn

from .errors import ValidationFailed

ZERO = Decimal(0)
HUNDRED = Decimal(100)
TONNE = Decimal(1000)


class Mode(StrEnum):
    PARCEL = "parcel"
    LTL = "ltl"
    FTL = "ftl"
    RAIL = "rail"
    SEA = "sea"
    AIR = "air"


@dataclass(frozen=True)
class ParcelZone:
    name: str
    max_km: Decimal


@dataclass(frozen=True)
class ParcelBand:
    max_kg: Decimal
    prices: tuple[Decimal, ...]  # one per zone, in the order of ParcelTariff.zones


@dataclass(frozen=True)
class ParcelTariff:
    mode: ClassVar[Mode] = Mode.PARCEL
    zones: tuple[ParcelZone, ...]
    bands: tuple[ParcelBand, ...]
    max_kg: Decimal

    def charge(self, weight_kg: Decimal, km: Decimal) -> Decimal | None:
        zone = next((i for i, z in enumerate(self.zones) if km <= z.max_km), None)
        band = next((b for b in self.bands if weight_kg <= b.max_kg), None)
        if zone is None or band is None:
            return None
        return band.prices[zone]


@dataclass(frozen=True)
class LtlBreak:
    min_kg: Decimal
    per_100kg: Decimal


@dataclass(frozen=True)
class LtlTariff:
    mode: ClassVar[Mode] = Mode.LTL
    breaks: tuple[LtlBreak, ...]
    min_charge: Decimal
    per_100km_factor: Decimal

    def charge(self, weight_kg: Decimal, km: Decimal) -> Decimal:
        own = max(i for i, b in enumerate(self.breaks) if b.min_kg <= weight_kg)
        # Every heavier break, not just the next one: with steep breaks a later one can be cheaper
        # still, and taking the lowest keeps the charge non-decreasing in weight.
        base = min(max(weight_kg, b.min_kg) * b.per_100kg / HUNDRED for b in self.breaks[own:])
        return max(self.min_charge, base * (1 + self.per_100km_factor * km / HUNDRED))


@dataclass(frozen=True)
class FtlTariff:
    mode: ClassVar[Mode] = Mode.FTL
    per_km: Decimal
    min_charge: Decimal

    def charge(self, weight_kg: Decimal, km: Decimal) -> Decimal:
        return max(self.min_charge, self.per_km * km)  # the truck is paid for, full or not


@dataclass(frozen=True)
class TonneKmTariff:
    mode: Mode  # RAIL, SEA or AIR: one shape, three modes
    per_tonne_km: Decimal
    fixed: Decimal
    min_charge: Decimal

    def charge(self, weight_kg: Decimal, km: Decimal) -> Decimal:
        return max(self.min_charge, self.fixed + self.per_tonne_km * weight_kg / TONNE * km)


Tariff = ParcelTariff | LtlTariff | FtlTariff | TonneKmTariff

ROOT = "rate_table"


def parse_tariff(mode: Mode, table: dict) -> Tariff:
    """Validate a rate table (shapes in the module docstring) and freeze it.

    Raises ValidationFailed(code="invalid_rate_table") whose field is the path of the first fault
    (e.g. "rate_table.bands[2].prices.3"), whose message starts with that path, and whose data has a
    `problem`: missing, unknown_key, wrong_type, float_money, not_finite, negative, empty, unsorted,
    overlap, gap, not_from_zero, duplicate_zone, undefined_zone, unpriced_zone.
    """
    mode = Mode(mode)
    if mode is Mode.PARCEL:
        return _parcel(table)
    if mode is Mode.LTL:
        return _ltl(table)
    if mode is Mode.FTL:
        t = _object(table, ROOT, ("per_km", "min_charge"))
        return FtlTariff(per_km=_money(t["per_km"], f"{ROOT}.per_km"),
                         min_charge=_money(t["min_charge"], f"{ROOT}.min_charge"))
    t = _object(table, ROOT, ("per_tonne_km", "fixed", "min_charge"))
    return TonneKmTariff(mode=mode, per_tonne_km=_money(t["per_tonne_km"], f"{ROOT}.per_tonne_km"),
                         fixed=_money(t["fixed"], f"{ROOT}.fixed"),
                         min_charge=_money(t["min_charge"], f"{ROOT}.min_charge"))


def _parcel(table: Any) -> ParcelTariff:
    t = _object(table, ROOT, ("zones", "bands", "max_kg"))
    zones: list[ParcelZone] = []
    for i, raw in enumerate(_list(t["zones"], f"{ROOT}.zones")):
        at = f"{ROOT}.zones[{i}]"
        z = _object(raw, at, ("zone", "max_km"), optional=("min_km",))
        name = z["zone"]
        if not isinstance(name, str) or not name.strip():
            _fail(f"{at}.zone", "wrong_type", "must be a non-empty string (prices are keyed by zone name)")
        if any(name == known.name for known in zones):
            _fail(f"{at}.zone", "duplicate_zone", f"zone '{name}' is defined twice")
        prev = zones[-1].max_km if zones else ZERO
        zones.append(ParcelZone(name, _bounded(z, at, "km", prev, first=not zones)))
    names = [z.name for z in zones]

    bands: list[ParcelBand] = []
    for i, raw in enumerate(_list(t["bands"], f"{ROOT}.bands")):
        at = f"{ROOT}.bands[{i}]"
        b = _object(raw, at, ("max_kg", "prices"), optional=("min_kg",))
        max_kg = _bounded(b, at, "kg", bands[-1].max_kg if bands else ZERO, first=not bands)
        prices = _object(b["prices"], f"{at}.prices", ())
        for key in prices:
            if key not in names:
                _fail(f"{at}.prices.{key}", "undefined_zone",
                      f"zone '{key}' is not defined in {ROOT}.zones ({', '.join(names)})")
        row = []
        for zi, name in enumerate(names):
            if name not in prices:
                _fail(f"{at}.prices.{name}", "unpriced_zone", f"zone '{name}' has no price (every band prices every zone)")
            price = _money(prices[name], f"{at}.prices.{name}")
            if bands and price < bands[-1].prices[zi]:
                _fail(f"{at}.prices.{name}", "unsorted",
                      f"{price} is below the lighter band's {bands[-1].prices[zi]}: a heavier parcel cannot cost less")
            row.append(price)
        bands.append(ParcelBand(max_kg, tuple(row)))

    max_kg = _quantity(t["max_kg"], f"{ROOT}.max_kg")
    last = bands[-1].max_kg
    if max_kg > last:
        _fail(f"{ROOT}.max_kg", "gap", f"{max_kg} but the last band ends at {last}: nothing prices {last}–{max_kg} kg")
    if max_kg < last:
        _fail(f"{ROOT}.max_kg", "overlap", f"{max_kg} but the last band goes on to {last}: end the bands at max_kg")
    return ParcelTariff(zones=tuple(zones), bands=tuple(bands), max_kg=max_kg)


def _ltl(table: Any) -> LtlTariff:
    t = _object(table, ROOT, ("breaks", "min_charge", "per_100km_factor"))
    breaks: list[LtlBreak] = []
    for i, raw in enumerate(_list(t["breaks"], f"{ROOT}.breaks")):
        at = f"{ROOT}.breaks[{i}]"
        b = _object(raw, at, ("min_kg", "per_100kg"))
        min_kg = _quantity(b["min_kg"], f"{at}.min_kg")
        if not breaks and min_kg != 0:
            _fail(f"{at}.min_kg", "not_from_zero", f"the first break must start at 0, not {min_kg}: "
                  f"nothing would price 0–{min_kg} kg")
        if breaks and min_kg == breaks[-1].min_kg:
            _fail(f"{at}.min_kg", "overlap", f"{min_kg} kg starts the previous break too")
        if breaks and min_kg < breaks[-1].min_kg:
            _fail(f"{at}.min_kg", "unsorted", f"{min_kg} is below the previous break's {breaks[-1].min_kg} "
                  "(list breaks by ascending min_kg)")
        breaks.append(LtlBreak(min_kg, _money(b["per_100kg"], f"{at}.per_100kg")))
    return LtlTariff(breaks=tuple(breaks), min_charge=_money(t["min_charge"], f"{ROOT}.min_charge"),
                     per_100km_factor=_quantity(t["per_100km_factor"], f"{ROOT}.per_100km_factor"))


def _bounded(entry: dict, at: str, unit: str, prev: Decimal, *, first: bool) -> Decimal:
    """The max_<unit> of a zone or band that must start where the previous one ends (`prev`)."""
    upper = _quantity(entry[f"max_{unit}"], f"{at}.max_{unit}")
    if upper <= prev:
        if first:
            _fail(f"{at}.max_{unit}", "empty", f"must be above 0, not {upper}")
        if upper == prev:
            _fail(f"{at}.max_{unit}", "overlap", f"{upper} is where the previous entry ends too: this one is empty")
        _fail(f"{at}.max_{unit}", "unsorted", f"{upper} is below the previous entry's {prev} "
              f"(list by ascending max_{unit})")
    if f"min_{unit}" in entry:
        lower = _quantity(entry[f"min_{unit}"], f"{at}.min_{unit}")
        if first and lower != 0:
            _fail(f"{at}.min_{unit}", "not_from_zero", f"the first entry must start at 0, not {lower}")
        if lower > prev:
            _fail(f"{at}.min_{unit}", "gap", f"nothing covers {prev}–{lower} {unit} (the previous entry ends at {prev})")
        if lower < prev:
            _fail(f"{at}.min_{unit}", "overlap", f"{lower}–{prev} {unit} is covered by the previous entry too")
    return upper


def _object(value: Any, at: str, required: Iterable[str], optional: Iterable[str] = ()) -> dict:
    """A JSON object with these keys; `required=()` and no optional keys means any keys (a price map)."""
    if not isinstance(value, dict):
        _fail(at, "wrong_type", f"must be an object, not {_kind(value)}")
    required, optional = tuple(required), tuple(optional)
    for key in required:
        if key not in value:
            _fail(f"{at}.{key}", "missing", "is missing")
    if required:
        # An unknown key is usually a misspelt one whose intent would be silently ignored.
        for key in value:
            if key not in required and key not in optional:
                _fail(f"{at}.{key}", "unknown_key", f"unknown key (expected {', '.join(required + optional)})")
    return value


def _list(value: Any, at: str) -> list:
    if not isinstance(value, list):
        _fail(at, "wrong_type", f"must be a list, not {_kind(value)}")
    if not value:
        _fail(at, "empty", "must not be empty")
    return value


def _money(value: Any, at: str) -> Decimal:
    if isinstance(value, float):
        _fail(at, "float_money", f"money must be a string or an integer, not the float {value!r} "
              f"(write \"{value!r}\")", value=repr(value))
    return _decimal(value, at)


def _quantity(value: Any, at: str) -> Decimal:
    # repr gives the float's shortest decimal (31.5, not 31.499999...), i.e. what was written.
    return _decimal(repr(value) if isinstance(value, float) else value, at)


def _decimal(value: Any, at: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        _fail(at, "wrong_type", f"must be a number, not {_kind(value)}")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        _fail(at, "wrong_type", f"{value!r} is not a number")
    if not number.is_finite():
        _fail(at, "not_finite", f"{value!r} is not a finite number")
    if number < 0:
        _fail(at, "negative", f"{number} is negative")
    return number + 0  # drops a negative zero's sign


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), type(value).__name__)


def _fail(at: str, problem: str, message: str, **data: Any) -> NoReturn:
    raise ValidationFailed("invalid_rate_table", f"{at}: {message}", field=at, problem=problem, **data)
