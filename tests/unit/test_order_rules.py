"""Order rules (domain/orders.py): duplicate lines, the status machine, order numbers."""

from __future__ import annotations

from datetime import date

import pytest

from ordercare.domain.errors import Conflict, InvalidTransition, ValidationFailed
from ordercare.domain.orders import (
    CANCELLABLE,
    MAX_LINE_QTY,
    OPEN_FOR_CREDIT,
    MergedLine,
    OrderStatus,
    RequestedLine,
    allocation_status,
    check_transition,
    merge_duplicate_skus,
    order_number,
    parse_order_number,
)

S = OrderStatus


def d(month: int, day: int) -> date:
    return date(2026, month, day)


class TestMergeDuplicateSkus:
    def test_distinct_skus_are_kept_in_request_order(self):
        merged = merge_duplicate_skus([RequestedLine("B-1", 2, None, 0), RequestedLine("A-1", 3, d(3, 9), 1)])
        assert merged == [MergedLine("B-1", 2, None, (0,)), MergedLine("A-1", 3, d(3, 9), (1,))]

    def test_two_lines_of_three_become_one_of_six(self):
        merged = merge_duplicate_skus([RequestedLine("A-1", 3, None, 0), RequestedLine("A-1", 3, None, 1)])
        assert merged == [MergedLine("A-1", 6, None, (0, 1))]

    def test_sums_keeps_positions_and_earliest_requested_date(self):
        lines = [RequestedLine("A-1", 2, d(3, 20), 0), RequestedLine("A-1", 5, d(3, 10), 1)]
        assert merge_duplicate_skus(lines) == [MergedLine("A-1", 7, d(3, 10), (0, 1))]

    def test_an_undated_line_means_as_soon_as_possible_and_wins_over_dates(self):
        lines = [
            RequestedLine("A-1", 2, d(3, 20), 0),
            RequestedLine("B-1", 1, None, 1),
            RequestedLine("A-1", 5, d(3, 10), 2),
            RequestedLine("A-1", 4, None, 3),
            RequestedLine("B-1", 7, d(4, 1), 4),
        ]
        assert merge_duplicate_skus(lines) == [
            MergedLine("A-1", 11, None, (0, 2, 3)),
            MergedLine("B-1", 8, None, (1, 4)),
        ]

    def test_no_dates_stay_no_date(self):
        merged = merge_duplicate_skus([RequestedLine("A", 1, None, 0), RequestedLine("A", 1, None, 1)])
        assert merged[0].requested_date is None

    def test_skus_are_compared_exactly(self):
        merged = merge_duplicate_skus([RequestedLine("a-1", 1, None, 0), RequestedLine("A-1", 1, None, 1)])
        assert [m.sku for m in merged] == ["a-1", "A-1"]

    def test_empty_order_is_refused(self):
        with pytest.raises(ValidationFailed) as exc:
            merge_duplicate_skus([])
        assert exc.value.code == "no_lines"
        assert exc.value.field == "lines"

    @pytest.mark.parametrize("qty", [0, -1, -100])
    def test_non_positive_qty_names_the_line(self, qty):
        lines = [RequestedLine("A", 1, None, 0), RequestedLine("B", 2, None, 1), RequestedLine("C", qty, None, 2)]
        with pytest.raises(ValidationFailed) as exc:
            merge_duplicate_skus(lines)
        assert exc.value.code == "invalid_quantity"
        assert exc.value.field == "lines[2].qty"
        assert exc.value.data == {"qty": qty}
        assert exc.value.message.startswith("lines[2].qty:")

    def test_non_positive_qty_on_a_duplicate_names_that_line(self):
        lines = [RequestedLine("A", 3, None, 0), RequestedLine("A", 0, None, 1)]
        with pytest.raises(ValidationFailed) as exc:
            merge_duplicate_skus(lines)
        assert exc.value.field == "lines[1].qty"

    def test_max_qty_on_one_line_is_allowed(self):
        assert merge_duplicate_skus([RequestedLine("A", 1_000_000_000, None, 0)])[0].qty == 1_000_000_000
        assert MAX_LINE_QTY == 1_000_000_000

    def test_one_line_above_max_is_refused(self):
        with pytest.raises(ValidationFailed) as exc:
            merge_duplicate_skus([RequestedLine("B", 1, None, 0), RequestedLine("A", 1_000_000_001, None, 1)])
        assert exc.value.code == "invalid_quantity"
        assert exc.value.field == "lines[1].qty"

    def test_merged_sum_above_max_is_refused_naming_first_line(self):
        lines = [RequestedLine("Z", 1, None, 0), RequestedLine("A", 600_000_000, None, 1),
                 RequestedLine("A", 400_000_001, None, 2)]
        with pytest.raises(ValidationFailed) as exc:
            merge_duplicate_skus(lines)
        assert exc.value.field == "lines[1].qty"
        assert exc.value.data == {"qty": 1_000_000_001}

    def test_merged_sum_exactly_max_is_allowed(self):
        lines = [RequestedLine("A", 600_000_000, None, 0), RequestedLine("A", 400_000_000, None, 1)]
        assert merge_duplicate_skus(lines) == [MergedLine("A", 1_000_000_000, None, (0, 1))]


ALLOWED = [
    ("new", S.ALLOCATED),
    ("new", S.PARTIALLY_ALLOCATED),
    ("new", S.BACKORDERED),
    ("new", S.CREDIT_HOLD),
    (S.CREDIT_HOLD, S.ALLOCATED),
    (S.CREDIT_HOLD, S.CANCELLED),
    (S.CREDIT_HOLD, S.PACKED),  # back to where the hold found it
    (S.BACKORDERED, S.PARTIALLY_ALLOCATED),
    (S.BACKORDERED, S.ALLOCATED),
    (S.PARTIALLY_ALLOCATED, S.ALLOCATED),
    (S.ALLOCATED, S.BACKORDERED),  # a receipt closed short
    (S.ALLOCATED, S.RELEASED),
    (S.ALLOCATED, S.CANCELLED),
    (S.RELEASED, S.PICKING),
    (S.RELEASED, S.CANCELLED),
    (S.PICKING, S.PACKED),
    (S.PACKED, S.SHIPPED),
    (S.PACKED, S.PARTIALLY_SHIPPED),
    (S.PARTIALLY_SHIPPED, S.SHIPPED),
    (S.SHIPPED, S.DELIVERED),
    (S.DELIVERED, S.INVOICED),
    (S.INVOICED, S.CLOSED),
]

FORBIDDEN = [
    (S.CANCELLED, S.ALLOCATED),
    (S.CANCELLED, S.CREDIT_HOLD),
    (S.SHIPPED, S.CANCELLED),
    (S.DELIVERED, S.CANCELLED),
    (S.PICKING, S.CANCELLED),
    (S.PACKED, S.CANCELLED),
    (S.CLOSED, S.INVOICED),
    (S.INVOICED, S.DELIVERED),
    (S.SHIPPED, S.PACKED),
    ("new", S.RELEASED),
    ("new", S.SHIPPED),
    ("new", S.CANCELLED),
    (S.BACKORDERED, S.RELEASED),  # nothing to hand to the warehouse
    (S.CREDIT_HOLD, S.DELIVERED),  # a release returns to an open status, never past shipping
    (S.ALLOCATED, S.SHIPPED),  # skipping the warehouse
    (S.ALLOCATED, S.ALLOCATED),
    (S.DELIVERED, S.DELIVERED),
]


class TestTransitions:
    @pytest.mark.parametrize("current, target", ALLOWED)
    def test_allowed(self, current, target):
        check_transition(current, target)  # does not raise

    @pytest.mark.parametrize("current, target", FORBIDDEN)
    def test_forbidden(self, current, target):
        with pytest.raises(InvalidTransition) as exc:
            check_transition(current, target)
        err = exc.value
        assert isinstance(err, Conflict)
        assert err.kind == "conflict"
        assert err.code == "invalid_transition"
        assert err.field == "status"
        assert err.data == {"current": str(current), "target": str(target)}
        assert err.message == f"order cannot go from '{current}' to '{target}'"

    def test_plain_string_status_works_like_the_enum(self):
        check_transition("allocated", S.RELEASED)
        with pytest.raises(InvalidTransition):
            check_transition("cancelled", S.ALLOCATED)

    def test_unknown_current_status_allows_nothing(self):
        with pytest.raises(InvalidTransition):
            check_transition("bogus", S.ALLOCATED)

    @pytest.mark.parametrize("terminal", [S.CLOSED, S.CANCELLED])
    def test_terminal_statuses_lead_nowhere(self, terminal):
        for target in S:
            with pytest.raises(InvalidTransition):
                check_transition(terminal, target)

    def test_cancellable_statuses_can_be_cancelled_and_others_cannot(self):
        assert CANCELLABLE == {S.CREDIT_HOLD, S.BACKORDERED, S.PARTIALLY_ALLOCATED, S.ALLOCATED, S.RELEASED}
        for status in S:
            if status in CANCELLABLE:
                check_transition(status, S.CANCELLED)
            else:
                with pytest.raises(InvalidTransition):
                    check_transition(status, S.CANCELLED)

    def test_open_for_credit_excludes_invoiced_closed_and_cancelled(self):
        assert set(S) - OPEN_FOR_CREDIT == {S.INVOICED, S.CLOSED, S.CANCELLED}


class TestAllocationStatus:
    @pytest.mark.parametrize(
        "ordered, promised, status",
        [
            (10, 0, S.BACKORDERED),
            (10, 1, S.PARTIALLY_ALLOCATED),
            (10, 9, S.PARTIALLY_ALLOCATED),
            (10, 10, S.ALLOCATED),
            (1, 1, S.ALLOCATED),
        ],
    )
    def test_status(self, ordered, promised, status):
        assert allocation_status(ordered, promised) is status


class TestOrderNumber:
    @pytest.mark.parametrize("oid, text", [(1, "SO-0000001"), (42, "SO-0000042"), (9_999_999, "SO-9999999"),
                                           (12_345_678, "SO-12345678")])
    def test_format(self, oid, text):
        assert order_number(oid) == text

    @pytest.mark.parametrize(
        "ref, oid",
        [("SO-0000042", 42), ("so-42", 42), ("So-0042", 42), ("42", 42), ("  SO-0000042 ", 42),
         ("SO-12345678", 12_345_678), ("12345678901", 12_345_678_901)],
    )
    def test_parse(self, ref, oid):
        assert parse_order_number(ref) == oid

    @pytest.mark.parametrize("ref", ["", "SO-", "abc", "SO-abc", "-5", "+5", "4 2", "SO--42", "so42", "SO-4.2",
                                     "123456789012", "PO-42"])
    def test_parse_rejects(self, ref):
        assert parse_order_number(ref) is None

    def test_round_trip(self):
        for oid in (1, 7, 1234567, 10_000_000):
            assert parse_order_number(order_number(oid)) == oid

    @pytest.mark.parametrize("ref", ["²", "SO-²", "4²", "SO-①"])
    def test_parse_rejects_digit_like_characters_without_crashing(self, ref):
        assert parse_order_number(ref) is None

    @pytest.mark.parametrize("ref", ["١٢", "SO-４２"])
    def test_parse_rejects_non_ascii_digits(self, ref):
        assert parse_order_number(ref) is None
