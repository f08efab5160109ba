"""store/prepared.py runs Core statements on the driver's cursor: its values must be stored and read back exactly
as SQLAlchemy's own execution stores and reads them (money as cents, UTC times, dates, JSON, booleans), on both
databases, inside the unit of work's transaction, seen by the engine's statement events."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import bindparam, event, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from ordercare.store.prepared import Prepared, insert_of
from ordercare.store.tables import order_events, order_lines, orders, products, stock
from tests import factories as f

CET = timezone(timedelta(hours=2))
_LINE_COLS = ["order_id", "line_no", "product_id", "qty", "unit_price", "amount", "requested_date",
              "promised_ship_date", "promised_date", "merged_from"]
_EVENT_COLS = ["order_id", "at", "actor", "kind", "from_status", "to_status", "reason", "payload"]


@pytest.fixture
def placed(env):
    f.world(env, stock={("NEAR", "SKU-A"): 50, ("NEAR", "SKU-B"): 50})
    return f.order(env, [("SKU-A", 2), ("SKU-B", 1)])


def _stored(conn, table, where):
    """The values as the database holds them (no type processing): what must be the same either way."""
    return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} WHERE {where} ORDER BY id"))]


def test_writes_are_stored_as_sqlalchemy_stores_them(env, placed):
    at = datetime(2026, 3, 2, 11, 30, 15, 123456, tzinfo=CET)  # not UTC: stored as UTC either way
    line = dict(order_id=placed, product_id=None, qty=3, unit_price=Decimal("12.34"), amount=Decimal("37.02"),
                requested_date=date(2026, 3, 9), promised_ship_date=None, promised_date=date(2026, 3, 10),
                merged_from=[0, 2])
    event_ = dict(order_id=placed, at=at, actor="tester", kind="note", from_status=None, to_status=None,
                  reason="why", payload={"total": "37.02", "nested": [1, None]})
    with env.uow.transaction() as c:
        pid = c.execute(select(products.c.id).where(products.c.sku == "SKU-C")).scalar_one()
        line["product_id"] = pid
        c.execute(insert(order_lines), [{**line, "line_no": 10}, {**line, "line_no": 12, "merged_from": None}])
        insert_of(order_lines, _LINE_COLS).execute_many(c, [{**line, "line_no": 11},
                                                            {**line, "line_no": 13, "merged_from": None}])
        insert_of(order_lines, _LINE_COLS, positional=True).execute_many(c, [
            [{**line, "line_no": 14}[k] for k in _LINE_COLS], [{**line, "line_no": 15, "merged_from": None}[k]
                                                               for k in _LINE_COLS]])
        c.execute(insert(order_events), [event_, {**event_, "payload": None}])
        insert_of(order_events, _EVENT_COLS).execute_many(c, [event_, {**event_, "payload": None}])
        insert_of(order_events, _EVENT_COLS, positional=True).execute_many(
            c, [[event_[k] for k in _EVENT_COLS], [{**event_, "payload": None}[k] for k in _EVENT_COLS]])
    with env.uow.read() as c:
        lines = _stored(c, "order_lines", f"order_id = {placed} AND line_no >= 10")
        events = _stored(c, "order_events", f"order_id = {placed} AND kind = 'note'")
    # id and line_no aside, SQLAlchemy's rows (10, 12) and ours (11, 13 by name, 14, 15 by position) hold the
    # same stored values, the column defaults (qty_backordered, qty_shipped, ...) included, and JSON null where
    # None was given.
    strip = lambda rows, skip: [tuple(v for i, v in enumerate(r) if i not in skip) for r in rows]  # noqa: E731
    assert [r[2] for r in lines] == [10, 12, 11, 13, 14, 15] and len(events) == 6
    assert strip(lines[:2], {0, 2}) == strip(lines[2:4], {0, 2}) == strip(lines[4:], {0, 2})
    assert strip(events[:2], {0}) == strip(events[2:4], {0}) == strip(events[4:], {0})


def test_reads_convert_values_as_sqlalchemy_does(env, placed):
    q_order = Prepared(select(orders).where(orders.c.id == bindparam("oid")))
    q_lines = Prepared(select(order_lines).where(order_lines.c.order_id == bindparam("oid"))
                       .order_by(order_lines.c.line_no))
    q_events = Prepared(select(order_events).where(order_events.c.order_id == bindparam("oid"))
                        .order_by(order_events.c.id))
    with env.uow.read() as c:
        for q, stmt in ((q_order, select(orders).where(orders.c.id == placed)),
                        (q_lines, select(order_lines).where(order_lines.c.order_id == placed)
                         .order_by(order_lines.c.line_no)),
                        (q_events, select(order_events).where(order_events.c.order_id == placed)
                         .order_by(order_events.c.id))):
            ours, theirs = q.rows(c, {"oid": placed}), c.execute(stmt).all()
            assert ours == [tuple(r) for r in theirs] and ours
            for a, b in zip(ours, theirs, strict=True):
                assert [type(v) for v in a] == [type(v) for v in b]
                assert a._mapping == dict(b._mapping)
        order = q_order.first(c, {"oid": placed})
    assert order.total_amount == Decimal("30.00") and isinstance(order.total_amount, Decimal)
    assert order.created_at == env.clock.now()
    assert order.created_at.utcoffset() == timedelta(0)
    assert order.credit_hold is False and isinstance(order.promised_date, date)


def test_in_lists_of_any_width_and_literal_lists(env, placed):
    by_sku = Prepared(select(products.c.sku, products.c.list_price)
                      .where(products.c.sku.in_(bindparam("skus", expanding=True)),
                             products.c.active.is_(True)).order_by(products.c.sku), expanding="skus")
    in_status = Prepared(select(orders.c.id).where(orders.c.id == bindparam("oid"),
                                                   orders.c.status.in_(["allocated", "credit_hold"])))
    with env.uow.read() as c:
        assert by_sku.rows(c, {"skus": ["SKU-B"]}) == [("SKU-B", Decimal("10.00"))]
        assert by_sku.rows(c, {"skus": ["SKU-C", "SKU-A", "NOPE"]}) == [("SKU-A", Decimal("10.00")),
                                                                      ("SKU-C", Decimal("10.00"))]
        assert by_sku.rows(c, {"skus": []}) == []
        assert in_status.scalar(c, {"oid": placed}) == placed
        assert in_status.scalar(c, {"oid": placed + 1}) is None


def test_runs_in_the_units_transaction_and_is_counted(env, placed):
    seen = []
    listener = lambda _c, _cur, statement, *_: seen.append(statement.split()[0])  # noqa: E731
    event.listen(env.uow.engine, "before_cursor_execute", listener)
    reserve = Prepared(update(stock).where(stock.c.warehouse_id == bindparam("wh"),
                                           stock.c.product_id == bindparam("pid"),
                                           stock.c.on_hand - stock.c.reserved >= bindparam("qty"))
                       .values(reserved=stock.c.reserved + bindparam("qty")))
    try:
        with env.uow.read() as c:
            wh, pid, free = c.execute(select(stock.c.warehouse_id, stock.c.product_id,
                                             stock.c.on_hand - stock.c.reserved).limit(1)).one()
        seen.clear()
        with pytest.raises(RuntimeError):
            with env.uow.transaction() as c:
                # A batch: the rowcount is summed; the second row asks for more than is free and is not applied.
                assert reserve.execute_many(c, [{"wh": wh, "pid": pid, "qty": 1},
                                                {"wh": wh, "pid": pid, "qty": free}]) == 1
                raise RuntimeError("roll back")
        assert "UPDATE" in seen
        with env.uow.read() as c:  # rolled back with the transaction
            assert c.execute(select(stock.c.on_hand - stock.c.reserved).where(
                stock.c.warehouse_id == wh, stock.c.product_id == pid)).scalar_one() == free
    finally:
        event.remove(env.uow.engine, "before_cursor_execute", listener)


def test_bad_values_and_driver_errors_raise_as_sqlalchemy_raises(env, placed):
    write = insert_of(order_events, _EVENT_COLS)
    row = dict(order_id=placed, at=datetime(2026, 3, 2, 9, 0), actor="a", kind="k", from_status=None,
               to_status=None, reason=None, payload=None)
    with pytest.raises(StatementError, match="naive datetime"):
        with env.uow.transaction() as c:
            write.execute(c, row)
    with pytest.raises(StatementError, match="at most two decimals"):
        with env.uow.transaction() as c:
            insert_of(order_lines, _LINE_COLS).execute(c, dict(
                order_id=placed, line_no=20, product_id=1, qty=1, unit_price=Decimal("1.005"),
                amount=Decimal("1.00"), requested_date=None, promised_ship_date=None, promised_date=None,
                merged_from=None))
    with pytest.raises(IntegrityError) as caught:  # the unique (order, line_no): a DBAPIError the UoW knows
        with env.uow.transaction() as c:
            line = c.execute(select(order_lines).where(order_lines.c.order_id == placed)).first()
            insert_of(order_lines, _LINE_COLS).execute(c, {k: getattr(line, k) for k in _LINE_COLS})
    assert isinstance(caught.value, DBAPIError)


def test_insert_of_refuses_a_callable_default_left_out():
    from sqlalchemy import Column, Integer, MetaData, Table
    t = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("n", Integer, default=lambda: 1))
    with pytest.raises(ValueError, match="callable default"):
        insert_of(t, ["id"])
    assert insert_of(t, ["id", "n"]).defaults == {}


def test_dates_bound_on_sqlite_are_the_text_sqlalchemy_writes():
    """The ISO shortcut for dates on SQLite gives SQLAlchemy's own text, and leaves anything else to it."""
    from sqlalchemy import Date
    from sqlalchemy.dialects import postgresql, sqlite

    from ordercare.store.prepared import _date_text, _iso_dates
    dialect = sqlite.dialect()
    theirs = Date().dialect_impl(dialect).bind_processor(dialect)
    ours = _date_text(theirs)
    assert _iso_dates(Date(), dialect) and not _iso_dates(Date(), postgresql.dialect())
    for value in (date(1, 1, 1), date(999, 12, 31), date(2026, 2, 28), date(9999, 12, 31), None,
                  datetime(2026, 3, 2, 23, 59, tzinfo=CET)):
        assert ours(value) == theirs(value)
    with pytest.raises(TypeError):
        ours("2026-03-02")
