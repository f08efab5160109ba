"""What the authorisation tests share: who is who, how a refusal looks, the shape of a role-matrix action.

Each feature keeps its own checks in tests/api/access_<feature>.py and is listed in FEATURES of
test_authorization.py; such a module provides
- CHECKS: {(method, path template): check(api, scene)}, one customer-isolation check per route;
- isolation_scene(api) -> dict: extra records for those checks (optional; found in scene.extra);
- actions() -> list[Action]: every write route at least once, with the roles allowed to call it;
- role_scene(env) -> dict: the ids its actions' URLs and bodies name ({name} placeholders).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.api.conftest import STAFF_ROLES, Api, assert_error

V1 = "/api/v1"
# Text that must never reach CUST1's user: CUST2's identity, its negotiated price, who served it.
FOREIGN = ("CUST2", "Customer CUST2", "7.77", "cs_agent-user")

ALL = frozenset({*STAFF_ROLES, "cust1"})
STAFF = frozenset(STAFF_ROLES)
MASTER = frozenset({"admin", "manager"})
SELLERS = frozenset({"admin", "manager", "cs_agent", "cust1"})
STOCK_KEEPERS = frozenset({"admin", "manager", "warehouse"})
FULFILLERS = STOCK_KEEPERS
DELIVERERS = frozenset({"admin", "manager", "cs_agent", "warehouse"})


def no_leak(r) -> None:
    for text in FOREIGN:
        assert text not in r.text, f"{text!r} leaked: {r.text}"


def same_as_missing(r, r_missing, real_id: int, missing_id: int) -> None:
    """The answer for another customer's record is the answer for a record that does not exist."""
    assert r.status_code == r_missing.status_code
    assert r.text.replace(str(real_id), "N") == r_missing.text.replace(str(missing_id), "N")


def denied(api: Api, method: str, url: str, payload=None, status=403, code="forbidden") -> None:
    before = api.snapshot()
    r = api.request("cust1", method, url, json=payload)
    assert_error(r, status, code)
    no_leak(r)
    assert api.snapshot() == before, "a refused request changed the database"


def staff_only(method: str, path: str, payload=None):
    """Fulfilment and transport are for staff: a customer token is refused before anything is looked up."""
    def check(api, s):
        denied(api, method, f"{V1}{path}", payload)
    return check


@dataclass
class Action:
    name: str
    allowed: frozenset[str]
    method: str
    url: str  # formatted with who= and the per-role ids
    body: dict | None = None


def fill(value, ids: dict):
    if isinstance(value, str) and re.fullmatch(r"\{\w+\}", value):
        return ids[value[1:-1]]  # a whole placeholder keeps the id's type (JSON ids are integers)
    if isinstance(value, str):
        return value.format_map(ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


