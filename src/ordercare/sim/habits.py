"""How each segment pays (pure, seeded per invoice so that one invoice's fate never shifts another's).

Days after the invoice date a payment arrives, by segment: (share, first day, last day, takes the discount).
A pays 4-9 days after the invoice date and takes the discount; B mostly within the discount days, otherwise
around the due date; C sometimes early by card, more often late, a few not at all (those go to dunning and
stay in the 90+ bucket). Internal sites are settled by internal transfer at the end of each month.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

HABITS = {
    "A": [(1.0, 4, 9, True)],
    "B": [(0.6, 6, 10, True), (0.4, 24, 36, False)],
    "C": [(0.2, 2, 10, True), (0.5, 28, 60, False), (0.3, None, None, False)],  # None: never, without a chase
}
# How old the balances brought forward are, by segment (days before the simulation starts).
OPENING_AGE = {"A": (3, 25), "B": (3, 70), "C": (10, 150)}
# After a final notice a late payer pays after all, this share of the time, within these days.
CHASED = (0.6, 5, 25)


@dataclass(frozen=True)
class PaymentPlan:
    day: date | None  # None: not paid unless chased
    discount: bool
    half: bool  # pays half now and the rest a fortnight later


@lru_cache(maxsize=1 << 16)  # pure: asked again every evening while the invoice stays open
def plan_payment(seed: int, invoice_id: int, segment: str, issued_on: date, *, opening: bool = False) -> PaymentPlan:
    r = random.Random(f"{seed}:pay:{invoice_id}")
    if opening:  # old balances: A and B clear them within the first week, C within two months, some never
        first, last = (1, 6) if segment != "C" else (5, 60)
        if segment == "C" and r.random() < 0.4:
            return PaymentPlan(None, False, False)
        return PaymentPlan(issued_on + timedelta(days=r.randint(first, last)), False, False)
    x = r.random()
    for share, first, last, discount in HABITS.get(segment, HABITS["B"]):
        if x < share:
            if first is None:
                return PaymentPlan(None, False, False)
            return PaymentPlan(issued_on + timedelta(days=r.randint(first, last)), discount,
                               segment == "C" and r.random() < 0.15)
        x -= share
    return PaymentPlan(None, False, False)


def pays_after_final_notice(seed: int, invoice_id: int, notice_day: date) -> date | None:
    r = random.Random(f"{seed}:chase:{invoice_id}")
    share, first, last = CHASED
    return notice_day + timedelta(days=r.randint(first, last)) if r.random() < share else None
