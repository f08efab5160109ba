"""The demo company's product range: categories with realistic weights, volumes, prices and costs."""

from __future__ import annotations

import random
from decimal import Decimal

# category, sku prefix, item names, unit, weight range kg, volume range m3, price range, installation
RANGE = [
    ("Fasteners", "FST", ["Hex bolt M8x40 (box 100)", "Hex nut M10 (box 200)", "Wood screw 5x60 (box 200)",
                          "Anchor plug 8mm (box 100)", "Washer M12 (box 250)", "Threaded rod M10 1m",
                          "Rivet 4.8x12 (box 500)", "Cable tie 300mm (bag 100)"],
     "box", (0.3, 4.0), (0.0005, 0.004), (4, 45), False),
    ("Hand tools", "HTL", ["Claw hammer 500g", "Combination spanner set 12pc", "Screwdriver set 8pc",
                           "Adjustable wrench 250mm", "Pipe wrench 14in", "Utility knife", "Spirit level 1200mm",
                           "Tape measure 8m", "Hacksaw 300mm", "Socket set 1/2in 24pc"],
     "ea", (0.2, 6.0), (0.001, 0.02), (8, 160), False),
    ("Power tools", "PWT", ["Cordless drill 18V", "Angle grinder 125mm", "Impact driver 18V", "Jigsaw 650W",
                            "Rotary hammer SDS+", "Circular saw 190mm", "Orbital sander", "Heat gun 2000W",
                            "Battery pack 18V 5Ah", "Charger 18V"],
     "ea", (0.8, 7.5), (0.004, 0.03), (45, 520), False),
    ("Safety", "SAF", ["Safety glasses clear", "Nitrile gloves L (box 100)", "Hi-vis vest XL",
                       "Hard hat white", "Ear defenders SNR30", "FFP2 mask (box 20)", "Safety boots S3 size 43",
                       "First aid kit 50-person", "Fall arrest harness"],
     "ea", (0.05, 2.5), (0.0005, 0.02), (3, 140), False),
    ("Plumbing", "PLB", ["Copper pipe 15mm 3m", "PEX pipe 16mm 50m coil", "Ball valve 1/2in", "Compression tee 15mm",
                         "Radiator valve set", "Sink trap 40mm", "PTFE tape (pack 10)", "Expansion vessel 18L",
                         "Circulating pump 25-60"],
     "ea", (0.1, 12.0), (0.001, 0.08), (2, 380), False),
    ("Electrical", "ELC", ["Cable NYM 3x1.5 100m", "Circuit breaker B16", "RCD 40A 30mA", "LED panel 60x60",
                           "Junction box IP65", "Extension reel 25m", "Socket outlet double", "Cable tray 3m",
                           "Distribution board 24-way"],
     "ea", (0.1, 14.0), (0.0005, 0.06), (3, 420), False),
    ("Hospital supplies", "HSP", ["Examination gloves M (box 100)", "Disinfectant 5L", "Bed pan stainless",
                                  "IV pole 5-hook", "Sharps container 5L", "Patient trolley", "Over-bed table",
                                  "Medical cart 4-drawer"],
     "ea", (0.3, 45.0), (0.002, 0.6), (4, 1450), False),
    ("Storage & install", "STR", ["Pallet racking bay 2.7m", "Workbench steel 1.8m", "Tool cabinet 7-drawer",
                                  "Mezzanine stair kit", "Cantilever rack arm set", "Locker bank 4-door",
                                  "Dock leveller 2x2.5m", "Industrial shelving unit 5-tier"],
     "ea", (25.0, 350.0), (0.2, 2.5), (180, 4800), True),
]


def product_range(rng: random.Random, size: int = 220) -> list[dict]:
    """`size` products: the catalogue items taken in turn from every category (so that a small range still has
    them all), each in variants (sizes, brands), as many as it takes."""
    variants = ["Std", "Pro", "Eco", "XL", "Compact", "Heavy-duty", "Plus", "Max", "Mini", "Industrial", "Lite",
                "Premium", "Basic", "Titan", "Flex", "Ultra", "Classic", "Marine", "Inox", "Solid", "Expert", "Twin",
                "Trade", "Site", "Workshop", "Long-life", "Quick", "Safe", "Green", "Prime"]
    turn = [(row, name) for k in range(max(len(r[2]) for r in RANGE)) for row in RANGE if k < len(row[2])
            for name in [row[2][k]]]
    out: list[dict] = []
    while len(out) < size:
        (category, prefix, _names, unit, w, v, p, install), name = turn[len(out) % len(turn)]
        variant = variants[len(out) // len(turn) % len(variants)]
        price = Decimal(str(round(rng.uniform(*p), 2)))
        margin = Decimal(str(round(rng.uniform(0.55, 0.78), 2)))
        out.append({
            "sku": f"{prefix}-{len(out) + 1:04d}", "name": f"{name} {variant}", "category": category,
            "unit": unit, "weight_kg": Decimal(str(round(rng.uniform(*w), 3))),
            "volume_m3": Decimal(str(round(rng.uniform(*v), 5))), "list_price": price,
            "unit_cost": (price * margin).quantize(Decimal("0.01")),
            "needs_installation": install and rng.random() < 0.7,
        })
    return out
