"""Short picks and proof-of-delivery quantities, without a database (domain/fulfilment.py)."""

import pytest

from ordercare.domain.errors import ValidationFailed
from ordercare.domain.fulfilment import Department, check_delivery, check_pick


def _refused(call) -> tuple[str, str]:
    with pytest.raises(ValidationFailed) as exc:
        call()
    return exc.value.code, exc.value.field


def test_a_full_pick_needs_no_reason():
    check_pick(field="lines[0]", released=5, picked=5, reason=None, department=None)


def test_a_short_pick_names_why_and_the_department_at_fault():
    check_pick(field="lines[0]", released=5, picked=3, reason="slot empty", department="replenishment")
    check_pick(field="lines[0]", released=5, picked=0, reason="not found", department=Department.INVENTORY_CONTROL)
    assert _refused(lambda: check_pick(field="lines[0]", released=5, picked=3, reason="  ", department="picking")) \
        == ("short_pick_reason_required", "lines[0].reason")
    assert _refused(lambda: check_pick(field="lines[0]", released=5, picked=3, reason="x", department=None)) \
        == ("unknown_department", "lines[0].department")
    assert _refused(lambda: check_pick(field="lines[0]", released=5, picked=3, reason="x", department="shipping")) \
        == ("unknown_department", "lines[0].department")


@pytest.mark.parametrize("picked", [-1, 6])
def test_picking_more_than_released_or_a_negative_quantity_is_refused(picked):
    assert _refused(lambda: check_pick(field="lines[2]", released=5, picked=picked, reason="x",
                                       department="picking")) == ("invalid_pick_quantity", "lines[2].qty_picked")


def test_units_received_are_shipped_less_short_and_wrong_item_damaged_ones_included():
    assert check_delivery(field="lines[0]", shipped=10, short=2, damaged=3, wrong_item=1) == 7
    assert check_delivery(field="lines[0]", shipped=10, short=0, damaged=0, wrong_item=0) == 10
    assert check_delivery(field="lines[0]", shipped=10, short=10, damaged=0, wrong_item=0) == 0


@pytest.mark.parametrize("short, damaged, wrong, field", [
    (-1, 0, 0, "lines[0].short"), (0, -1, 0, "lines[0].damaged"), (0, 0, -1, "lines[0].wrong_item"),
    (6, 0, 5, "lines[0]"),  # more missing than shipped
    (4, 7, 0, "lines[0].damaged"),  # more damaged than the 6 received
])
def test_impossible_delivery_quantities_are_refused_by_field(short, damaged, wrong, field):
    assert _refused(lambda: check_delivery(field="lines[0]", shipped=10, short=short, damaged=damaged,
                                           wrong_item=wrong)) == ("invalid_delivery_quantity", field)
