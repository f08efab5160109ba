"""What the API fuzzing (tests/api/test_schema_fuzz.py) found, pinned as plain tests on both databases."""

from __future__ import annotations

from tests.api.conftest import assert_error

V1 = "/api/v1"


def test_an_empty_patch_changes_nothing_and_still_404s_a_missing_record(api):
    """An empty PATCH body on a customer was an UPDATE without SET: a 500 on SQLite."""
    before = api.snapshot()
    assert api.patch("admin", f"{V1}/customers/CUST1", json={}).status_code == 200
    assert api.patch("admin", f"{V1}/products/SKU-A", json={}).status_code == 200
    assert_error(api.patch("admin", f"{V1}/customers/NOPE", json={}), 404, "customer_not_found")
    assert_error(api.patch("admin", f"{V1}/products/NOPE", json={}), 404, "product_not_found")  # was a 200
    assert api.snapshot() == before
