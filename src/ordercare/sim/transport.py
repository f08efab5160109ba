"""The demo company's carriers (rate tables per mode) and its trucks."""

from __future__ import annotations

from decimal import Decimal as D

from ..domain.access import SYSTEM
from ..services import transport as tr
from ..store.db import UnitOfWork

PARCEL = {"zones": [{"zone": "1", "max_km": 150}, {"zone": "2", "max_km": 500}, {"zone": "3", "max_km": 1200},
                    {"zone": "4", "max_km": 3000}],
          "bands": [{"max_kg": 2, "prices": {"1": "6.20", "2": "7.40", "3": "9.80", "4": "13.50"}},
                    {"max_kg": 10, "prices": {"1": "8.90", "2": "10.60", "3": "14.20", "4": "19.80"}},
                    {"max_kg": 20, "prices": {"1": "12.40", "2": "15.10", "3": "19.90", "4": "27.40"}},
                    {"max_kg": 31.5, "prices": {"1": "16.80", "2": "20.30", "3": "26.10", "4": "35.90"}}],
          "max_kg": 31.5}
EXPRESS = {"zones": PARCEL["zones"],
           "bands": [{"max_kg": b["max_kg"], "prices": {z: str(D(p) * D("2.1")) for z, p in b["prices"].items()}}
                     for b in PARCEL["bands"]], "max_kg": 31.5}
LTL = {"breaks": [{"min_kg": 0, "per_100kg": "32.00"}, {"min_kg": 500, "per_100kg": "24.00"},
                  {"min_kg": 1000, "per_100kg": "18.50"}, {"min_kg": 5000, "per_100kg": "12.00"}],
       "min_charge": "78.00", "per_100km_factor": "0.28"}
FTL = {"per_km": "1.55", "min_charge": "320.00"}
RAIL = {"per_tonne_km": "0.048", "fixed": "140.00", "min_charge": "210.00"}
SEA = {"per_tonne_km": "0.012", "fixed": "260.00", "min_charge": "300.00"}
AIR = {"per_tonne_km": "1.10", "fixed": "85.00", "min_charge": "120.00"}


def build_transport(uow: UnitOfWork, warehouse_codes: list[str]) -> None:
    """Typical emission factors (g CO2e per tonne-km): road 62-110, rail 22, short-sea 16, air 602."""
    carriers = [
        ("EUPX", "EuroParcel Express", [
            tr.ServiceData("STD", "Parcel standard", "parcel", PARCEL, D("650"), 1, D("110"), D("31.5"), D("0.25")),
            tr.ServiceData("EXP", "Parcel express", "parcel", EXPRESS, D("1200"), 1, D("140"), D("31.5"), D("0.25"))]),
        ("TRLX", "Translogix Road", [
            tr.ServiceData("LTL", "Groupage (LTL)", "ltl", LTL, D("500"), 1, D("75"), D("12000"), D("45")),
            tr.ServiceData("FTL", "Full truck load", "ftl", FTL, D("650"), 1, D("62"), D("24000"), D("85"))]),
        ("RAILX", "RailCargo Intermodal", [
            tr.ServiceData("INT", "Intermodal rail", "rail", RAIL, D("350"), 3, D("22"), None, None)]),
        ("NSEA", "North Sea Feeder", [
            tr.ServiceData("RORO", "Short-sea ro-ro", "sea", SEA, D("400"), 4, D("16"), None, None)]),
        ("AIRC", "AirCargo Europe", [
            tr.ServiceData("NFO", "Next flight out", "air", AIR, D("2500"), 1, D("602"), D("2000"), D("12"))]),
    ]
    for code, name, services in carriers:
        tr.create_carrier(uow, SYSTEM, tr.CarrierData(code, name, services))
    for wh in warehouse_codes:
        for n in (1, 2):
            tr.create_vehicle(uow, SYSTEM, tr.VehicleData(f"{wh}-TRK{n}", wh, D("24000"), D("82"), D("180")))
        tr.create_vehicle(uow, SYSTEM, tr.VehicleData(f"{wh}-VAN1", wh, D("1200"), D("12"), D("60")))
