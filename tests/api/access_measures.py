"""Service reports: a customer user reads its own account's KPIs only (naming another account is answered as
for one that does not exist), never the root-cause Pareto; managers and admin read everything."""

from __future__ import annotations

from tests.api.access import MASTER, V1, Action, denied, no_leak
from tests.api.conftest import assert_error

READERS = frozenset({"admin", "manager", "cust1"})


def c_kpis(api, s):
    mine = api.get("admin", f"{V1}/reports/kpis?customer=CUST1").json()["total"]["volume"]
    everyone = api.get("admin", f"{V1}/reports/kpis").json()["total"]["volume"]
    assert everyone["orders"] > mine["orders"] > 0  # CUST2 has orders too
    for query in ("slice=customer", "slice=product&trend=week", "customer=CUST1"):
        r = api.get("cust1", f"{V1}/reports/kpis?{query}")
        assert r.status_code == 200, r.text
        no_leak(r)
        body = r.json()
        assert body["customer"] == "CUST1" and body["total"]["volume"]["orders"] == mine["orders"]
        assert body["total"]["dso"] is None and body["total"]["inventory_turnover"] is None  # the firm's figures
    rows = api.get("cust1", f"{V1}/reports/kpis?slice=customer").json()["rows"]
    assert [r["label"] for r in rows] == ["CUST1 Customer CUST1"]
    csv = api.get("cust1", f"{V1}/reports/kpis?slice=customer&format=csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    no_leak(csv)
    before = api.snapshot()
    other = api.get("cust1", f"{V1}/reports/kpis?customer=CUST2")
    missing = api.get("cust1", f"{V1}/reports/kpis?customer=CUST9")
    assert_error(other, 422, "unknown_customer", field="customer")
    assert other.text.replace("CUST2", "X") == missing.text.replace("CUST9", "X")
    assert api.snapshot() == before


def c_kpi_trend(api, s):
    """A customer's trend is its own orders whatever it names: the whole business, a segment, its own account;
    another account is answered as one that does not exist."""
    mine = api.get("admin", f"{V1}/reports/kpi-trend?slice=customer&key=CUST1").json()
    for query in ("", "slice=segment&key=B", "slice=customer&key=CUST1", "slice=product&key=SKU-A&format=csv"):
        r = api.get("cust1", f"{V1}/reports/kpi-trend?{query}")
        assert r.status_code == 200, r.text
        no_leak(r)
        if "format" not in query:
            assert [p["volume"]["orders"] for p in r.json()["points"]] == [p["volume"]["orders"]
                                                                           for p in mine["points"]]
    before = api.snapshot()
    other = api.get("cust1", f"{V1}/reports/kpi-trend?slice=customer&key=CUST2")
    missing = api.get("cust1", f"{V1}/reports/kpi-trend?slice=customer&key=CUST9")
    assert_error(other, 422, "unknown_customer", field="key")
    assert other.text.replace("CUST2", "X") == missing.text.replace("CUST9", "X")
    assert api.snapshot() == before


def c_pareto(api, s):
    denied(api, "GET", f"{V1}/reports/pareto")
    denied(api, "GET", f"{V1}/reports/pareto?customer=CUST1&format=csv")


CHECKS = {
    ("GET", f"{V1}/reports/kpis"): c_kpis,
    ("GET", f"{V1}/reports/kpi-trend"): c_kpi_trend,
    ("GET", f"{V1}/reports/pareto"): c_pareto,
}


def actions() -> list[Action]:
    return [
        Action("read the service report", READERS, "GET", "/reports/kpis?slice=segment"),
        Action("export the service report", READERS, "GET", "/reports/kpis?slice=product&format=csv"),
        Action("read the service KPI trend", READERS, "GET", "/reports/kpi-trend?slice=segment&key=B"),
        Action("read the root-cause Pareto", MASTER, "GET", "/reports/pareto"),
    ]


def role_scene(env) -> dict[str, int]:
    return {}
