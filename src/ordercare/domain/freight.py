"""Carrier selection and transport cost (DOMAIN §3 step 7).

A shipment is rated against carrier services; each service has a mode, a rate table (shapes and
pricing rules in tariffs.py and docs/freight.md), weight and volume limits, a speed and an
emission factor. The modes trade cost against speed, capacity and emissions: parcel and LTL for
small consignments, a full truck by distance, rail and sea cheap and slow per tonne-km, air fast
and dear.

- cost: the tariff's charge, rounded half-up to the cent.
- transit days = ceil(km / km_per_day), at least min_transit_days; calendar days (no working-day
  calendar yet, as in atp.py), so delivery = ship date + transit days.
- CO2 kg = tonnes × km × co2_g_per_tkm / 1000, rounded to 0.01 kg.
- rate shopping: the cheapest service that still meets the due date; when none does, the earliest
  delivery, so a late shipment is as little late as possible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from .errors import ValidationFailed
from .pricing import CENT, MAX_AMOUNT
from .tariffs import (
    FtlTariff,
    LtlBreak,
    LtlTariff,
    Mode,
    ParcelBand,
    ParcelTariff,
    ParcelZone,
    Tariff,
    TonneKmTariff,
    parse_tariff,
)

__all__ = [
    "CarrierService", "FtlTariff", "LtlBreak", "LtlTariff", "Mode", "ParcelBand", "ParcelTariff", "ParcelZone",
    "RateQuote", "ShipmentToRate", "Tariff", "TonneKmTariff", "freight_cost", "parse_tariff", "rate", "rate_shop",
]

GRAMS_PER_KG = Decimal(1000)
KG_PER_TONNE = Decimal(1000)


@dataclass(frozen=True)
class CarrierService:
    id: int
    carrier: str
    code: str
    name: str
    mode: Mode
    tariff: Tariff
    max_weight_kg: Decimal | None
    max_volume_m3: Decimal | None
    km_per_day: Decimal  # transit = ceil(distance / km_per_day) days, at least min_transit_days
    min_transit_days: int
    co2_g_per_tkm: Decimal  # emission factor per tonne-km (typical factors in docs/freight.md)

    def __post_init__(self) -> None:
        # Checked here so that a bad service fails where it is built (service creation), not as a
        # division by zero in the middle of a rate shop.
        def bad(field: str, message: str) -> ValidationFailed:
            return ValidationFailed("invalid_carrier_service", f"{field}: {message}", field=field, service=self.code)

        if self.tariff.mode != self.mode:
            raise bad("mode", f"the service is {self.mode} but its rate table is a {self.tariff.mode} table")
        if not self.km_per_day > 0:
            raise bad("km_per_day", f"must be above 0, not {self.km_per_day}")
        if self.min_transit_days < 0:
            raise bad("min_transit_days", f"must not be negative, not {self.min_transit_days}")
        if self.co2_g_per_tkm < 0:
            raise bad("co2_g_per_tkm", f"must not be negative, not {self.co2_g_per_tkm}")
        for field, limit in (("max_weight_kg", self.max_weight_kg), ("max_volume_m3", self.max_volume_m3)):
            if limit is not None and limit < 0:
                raise bad(field, f"must not be negative, not {limit}")


@dataclass(frozen=True)
class ShipmentToRate:
    weight_kg: Decimal
    volume_m3: Decimal
    distance_km: float
    ship_date: date
    due_date: date | None  # the latest delivery the customer was promised; None: any date will do


@dataclass(frozen=True)
class RateQuote:
    service_id: int
    carrier: str
    service_code: str
    mode: Mode
    cost: Decimal  # rounded half-up to the cent
    transit_days: int
    delivery_date: date
    co2_kg: Decimal  # rounded half-up to 0.01 kg
    meets_due_date: bool


def freight_cost(tariff: Tariff, weight_kg: Decimal, distance_km: float) -> Decimal | None:
    """The tariff's charge rounded half-up to the cent; None when the tariff cannot carry it.

    "Cannot carry" is beyond the last parcel zone, above the parcel max_kg, or a charge above
    MAX_AMOUNT (it could not be stored, and no real consignment costs that).
    """
    amount = tariff.charge(_weight(weight_kg), _km(distance_km))
    if amount is None or amount > MAX_AMOUNT:
        return None
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def rate(service: CarrierService, shipment: ShipmentToRate) -> RateQuote | None:
    """One service's quote; None if the shipment is over its weight or volume limit or its tariff's reach."""
    weight = _weight(shipment.weight_kg)
    if service.max_weight_kg is not None and weight > service.max_weight_kg:
        return None
    if service.max_volume_m3 is not None and shipment.volume_m3 > service.max_volume_m3:
        return None
    cost = freight_cost(service.tariff, weight, shipment.distance_km)
    if cost is None:
        return None
    km = _km(shipment.distance_km)
    days = max(service.min_transit_days, int((km / service.km_per_day).to_integral_value(rounding=ROUND_CEILING)))
    delivery = shipment.ship_date + timedelta(days=days)
    co2 = (weight / KG_PER_TONNE * km * service.co2_g_per_tkm / GRAMS_PER_KG).quantize(CENT, rounding=ROUND_HALF_UP)
    return RateQuote(service_id=service.id, carrier=service.carrier, service_code=service.code, mode=service.mode,
                     cost=cost, transit_days=days, delivery_date=delivery, co2_kg=co2,
                     meets_due_date=shipment.due_date is None or delivery <= shipment.due_date)


def rate_shop(services: Sequence[CarrierService], shipment: ShipmentToRate) -> tuple[RateQuote | None, list[RateQuote]]:
    """(chosen, alternatives); alternatives are every quote, by cost, then transit days, then service id.

    Chosen: the cheapest quote that meets the due date; if none does, the earliest delivery (then the
    cheapest) with meets_due_date False. (None, []) when no service can carry the shipment.
    """
    quotes = [q for s in services if (q := rate(s, shipment)) is not None]
    quotes.sort(key=lambda q: (q.cost, q.transit_days, q.service_id))
    on_time = next((q for q in quotes if q.meets_due_date), None)
    if on_time is not None or not quotes:
        return on_time, quotes
    return min(quotes, key=lambda q: (q.delivery_date, q.cost, q.transit_days, q.service_id)), quotes


def _weight(weight_kg: Decimal) -> Decimal:
    weight = Decimal(repr(weight_kg)) if isinstance(weight_kg, float) else Decimal(weight_kg)
    if not weight.is_finite() or weight < 0:
        raise ValidationFailed("invalid_shipment", f"weight_kg: {weight_kg} is not a weight", field="weight_kg")
    return weight


def _km(distance_km: float) -> Decimal:
    # repr: the float's shortest decimal form, so 150.0 compares as exactly 150 with a zone's max_km.
    if isinstance(distance_km, bool) or not math.isfinite(distance_km) or distance_km < 0:
        raise ValidationFailed("invalid_shipment", f"distance_km: {distance_km} is not a distance", field="distance_km")
    return Decimal(repr(distance_km)) if isinstance(distance_km, float) else Decimal(distance_km)
