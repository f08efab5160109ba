"""`ordercare report kpis | pareto | rebuild` on a real database with a history built through the services."""

import csv
import io

import pytest
from typer.testing import CliRunner

from ordercare.cli import app
from ordercare.config import get_settings
from tests.services.test_measures_pareto import pareto_history

runner = CliRunner(env={"COLUMNS": "250"})  # wide enough that Rich does not cut the cells
PERIOD = ["--from", "2026-03-01", "--to", "2026-03-31"]


@pytest.fixture
def cli_env(sqlite_env, monkeypatch):
    monkeypatch.setenv("ORDERCARE_DATABASE_URL", sqlite_env.url)
    get_settings.cache_clear()
    pareto_history(sqlite_env)
    yield sqlite_env
    get_settings.cache_clear()


def run(*args: str, code: int = 0) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == code, (args, res.output)
    assert "Traceback" not in res.output
    return res.output


def test_kpis_as_tables_and_as_a_file(cli_env, tmp_path):
    out = run("report", "kpis", *PERIOD, "--slice", "segment", "--trend", "week", "--csv", str(tmp_path / "k.csv"))
    for title in ("Availability and the perfect order", "Time and dependability", "Post-sale service and money",
                  "Service-package targets against performance", "By week"):
        assert title in out
    assert "66.7 %" in out  # 4 of 6 orders filled; the back-order and the short pick were not
    table = list(csv.DictReader(io.StringIO((tmp_path / "k.csv").read_text())))
    assert [(t["slice"], t["key"], t["volume.orders"], t["fill.order.count"]) for t in table] == [
        ("total", "", "6", "4"), ("segment", "B", "6", "4")]
    run("report", "kpis", *PERIOD, "--slice", "product", "--csv", str(tmp_path / "k.xlsx"))
    assert (tmp_path / "k.xlsx").read_bytes()[:4] == b"PK\x03\x04"


def test_a_wide_slice_on_screen_is_its_largest_values_and_the_file_has_all(cli_env, tmp_path):
    out = run("report", "kpis", *PERIOD, "--slice", "product", "--limit", "1", "--csv", str(tmp_path / "k.csv"))
    assert "SKU-B" in out and "others (2)" in out and "SKU-A" not in out  # SKU-B: 4 of the 6 lines
    assert "1 of 3 product values by volume; the other 2 added up in the last row" in out
    table = list(csv.DictReader(io.StringIO((tmp_path / "k.csv").read_text())))
    assert [(t["label"], t["volume.lines"]) for t in table] == [
        ("all", "6"), ("SKU-A", "1"), ("SKU-B", "4"), ("SKU-C", "1")]
    worst = run("report", "kpis", *PERIOD, "--slice", "product", "--sort", "line_fill", "--limit", "0")
    assert worst.index("SKU-A") < worst.index("SKU-C") < worst.index("SKU-B") and "others" not in worst


def test_pareto_and_rebuild(cli_env, tmp_path):
    out = run("report", "pareto", *PERIOD, "--csv", str(tmp_path / "p.csv"))
    assert out.index("replenishment") < out.index("packing") < out.index("transport")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "p.csv").read_text())))
    assert [(r["department"], r["failures"]) for r in rows][:2] == [("replenishment", "2"), ("packing", "1")]
    assert "6 orders (0 corrected), 1 cases" in run("report", "rebuild")


def test_bad_input_exits_2_with_the_code(cli_env):
    assert "[unknown_slice]" in run("report", "kpis", *PERIOD, "--slice", "colour", code=2)
    assert "[invalid_period]" in run("report", "kpis", "--from", "2026-04-01", "--to", "2026-03-01", code=2)
    assert "[invalid_date]" in run("report", "kpis", "--from", "1st of March", code=2)
    assert "[slice_not_order_level]" in run("report", "pareto", *PERIOD, "--slice", "product", code=2)
    assert "[invalid_limit]" in run("report", "kpis", *PERIOD, "--slice", "product", "--limit", "-1", code=2)
    assert "[unknown_sort]" in run("report", "kpis", *PERIOD, "--slice", "product", "--sort", "colour", code=2)
