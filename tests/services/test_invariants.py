"""The invariant checker (services/invariants.py): silent after a realistic flow, and each invariant names the
rows of a deliberately corrupted database (negative controls). On SQLite and PostgreSQL.

Every corruption is written by hand in a transaction that is rolled back (tests/concurrency/checker.py
`corrupted`), and must be reported by exactly the checks listed with it — not by none, not by all.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text

from ordercare.domain.access import SYSTEM, Actor, Role
from ordercare.domain.errors import Forbidden, ValidationFailed
from ordercare.services import picking, receipts, release, return_views, returns, shipment_views
from ordercare.services import return_handling as rh
from ordercare.services.invariants import CHECK_NAMES, STUCK_AFTER, find_violations, run_checks
from ordercare.services.orders import cancel_order
from ordercare.store.outbox_tables import email_messages
from ordercare.store.tables import receipts as receipts_table
from tests.concurrency.checker import corrupted
from tests.factories import carriers, order, purchase, shipment_at, world
from tests.services.service_helpers import AGENT, WAREHOUSE, delivered_with_damage


@pytest.fixture
def books(env):
    """A little of everything: deliveries, a shipment on the road, a short pick re-promised, a partial receipt,
    a back-order, a cancellation, a return restocked and scrapped, per-shipment invoices."""
    world(env, stock={("NEAR", "SKU-A"): 30, ("NEAR", "SKU-B"): 6, ("MID", "SKU-A"): 5})
    carriers(env)
    receipt_po = purchase(env, "PO-1", "FAR", [("SKU-C", 10)])
    delivered, _ = delivered_with_damage(env, [("SKU-A", 4)], damaged=1)
    shipment_at(env, "NEAR", [("SKU-B", 2)], "shipped")  # on the road: shipped, not delivered
    # A short pick: 5 released, 3 found; the 2 missing are promised again from MID.
    order(env, [("SKU-A", 5)])
    [sid] = release.release_to_warehouse(env.uow, env.clock, env.actor, "NEAR", env.clock.today() + timedelta(30))
    picking.create_pick_list(env.uow, env.clock, env.actor, "NEAR")
    [line] = shipment_views.get_shipment(env.uow, env.actor, sid)["lines"]
    picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, sid, [
        picking.PickConfirmation(line["id"], 3, reason="slot empty", department="replenishment")])
    with env.uow.read() as c:
        rid = c.execute(select(receipts_table.c.id).where(receipts_table.c.purchase_order_id == receipt_po)).scalar()
    order(env, [("SKU-C", 12)])  # 10 on the receipt, 2 back-ordered
    receipts.receive(env.uow, env.clock, env.settings, env.actor, rid, 4)
    cancel_order(env.uow, env.clock, env.settings, env.actor, order(env, [("SKU-A", 2), ("SKU-B", 1)]), "changed mind")
    # A return: 2 of the delivered units come back; one restocked, one scrapped.
    ret = returns.request_return(env.uow, env.clock, AGENT, delivered, [returns.ReturnLineRequest(1, 2, "damaged")])
    returns.authorise_return(env.uow, env.clock, AGENT, ret)
    rl = return_views.get_return(env.uow, AGENT, ret)["lines"][0]["id"]
    rh.receive_return(env.uow, env.clock, WAREHOUSE, ret, [rh.ReceivedLine(rl, 2)])
    rh.inspect_return(env.uow, env.clock, env.settings, WAREHOUSE, ret, [
        rh.DispositionLine(rl, "restock", 1), rh.DispositionLine(rl, "scrap", 1)])
    return env


def fired(conn, env) -> dict[str, list[str]]:
    return {name: [v.message for v in vs] for name, vs in find_violations(conn, env.clock.now()).items() if vs}


def test_a_realistic_flow_breaks_no_invariant(books):
    env = books
    report = run_checks(env.uow, env.clock, SYSTEM)
    assert report["ok"], report["violations"]
    assert [c["name"] for c in report["checks"]] == CHECK_NAMES
    with env.uow.read() as c:  # the flow did reach every kind of record the checks read
        kinds = set(c.execute(text("SELECT DISTINCT kind FROM stock_moves")).scalars())
        statuses = set(c.execute(text("SELECT DISTINCT status FROM orders")).scalars())
        assert {"initial", "shipment", "short_pick", "receipt", "return"} <= kinds
        assert {"delivered", "shipped", "cancelled", "partially_allocated"} <= statuses
        assert c.execute(text("SELECT count(*) FROM invoices")).scalar() >= 2
        assert c.execute(text("SELECT sum(qty) FROM nonsellable_stock WHERE bucket = 'scrap'")).scalar() == 1


def _sku(sku: str) -> str:
    return f"(SELECT id FROM products WHERE sku = '{sku}')"


def _wh(code: str) -> str:
    return f"(SELECT id FROM warehouses WHERE code = '{code}')"


def _stuck_email(c, env) -> None:
    long_ago = env.clock.now() - STUCK_AFTER - timedelta(minutes=1)
    c.execute(insert(email_messages).values(touchpoint="shipped", subject="s", body_text="b", state="sending",
                                            attempts=1, next_attempt_at=long_ago, lease_until=long_ago,
                                            claimed_by="worker-dead", created_at=long_ago))


# (what is broken, the SQL that breaks it, the checks that must report it, constraints off?)
CORRUPTIONS = [
    ("a unit appears on the shelf without a move",
     f"UPDATE stock SET on_hand = on_hand + 1 WHERE warehouse_id = {_wh('NEAR')} AND product_id = {_sku('SKU-A')}",
     {"stock_conservation"}, False),
    ("a shipment's stock move is lost",
     "DELETE FROM stock_moves WHERE id = (SELECT max(id) FROM stock_moves WHERE kind = 'shipment')",
     {"stock_conservation"}, False),
    ("on hand below zero",
     f"UPDATE stock SET on_hand = -1, reserved = 0 WHERE warehouse_id = {_wh('MID')} AND product_id = {_sku('SKU-A')}",
     {"stock_conservation", "stock_levels"}, True),
    ("a reservation nobody holds",
     f"UPDATE stock SET reserved = reserved + 1 WHERE warehouse_id = {_wh('NEAR')} AND product_id = {_sku('SKU-A')}",
     {"stock_levels"}, False),
    ("a receipt received without goods in",
     "UPDATE receipts SET qty_received = qty_received + 1", {"receipt_promises"}, True),
    ("a receipt promised twice",
     "UPDATE receipts SET promised = promised + 1", {"receipt_promises"}, True),
    ("a returned unit vanishes from scrap",
     "UPDATE nonsellable_stock SET qty = qty - 1 WHERE bucket = 'scrap'", {"returned_units"}, False),
    ("a restock move without its return",
     "UPDATE stock_moves SET qty = qty + 1 WHERE kind = 'return'", {"returned_units", "stock_conservation"}, False),
    ("a return line says more was received",
     "UPDATE return_lines SET qty_received = qty_received + 1", {"returned_units"}, True),
    ("a shipped unit is forgotten on the order line",
     "UPDATE order_lines SET qty_shipped = qty_shipped - 1 WHERE id = (SELECT min(order_line_id) FROM shipment_lines "
     "WHERE qty_shipped > 0)", {"order_quantities", "order_statuses"}, False),
    ("a back-order is dropped",
     "UPDATE order_lines SET qty_backordered = 0 WHERE qty_backordered > 0", {"order_quantities", "order_statuses"},
     False),
    ("a cancelled order still holds stock",
     "UPDATE allocations SET order_id = (SELECT id FROM orders WHERE status = 'cancelled'), order_line_id = "
     "(SELECT min(l.id) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.status = 'cancelled' AND "
     f"l.product_id = {_sku('SKU-A')}) WHERE id = (SELECT min(id) FROM allocations WHERE product_id = {_sku('SKU-A')})",
     {"order_quantities"}, False),
    ("an allocation on the wrong product",
     f"UPDATE allocations SET product_id = {_sku('SKU-C')} WHERE id = (SELECT min(id) FROM allocations WHERE "
     "receipt_id IS NULL)", {"allocation_links", "stock_levels"}, False),
    ("an order marked delivered while on the road",
     "UPDATE orders SET status = 'delivered' WHERE status = 'shipped'", {"order_statuses"}, False),
    ("an order marked shipped with nothing shipped",
     "UPDATE orders SET status = 'shipped' WHERE status = 'partially_allocated'", {"order_statuses"}, False),
    ("the receivables ledger is a cent off",
     "UPDATE receivables SET amount = amount + 1 WHERE id = (SELECT min(id) FROM receivables)",
     {"receivables_ledger"}, False),
    ("a billed shipment line marked not invoiced (the next run would bill it again)",
     "UPDATE shipment_lines SET invoiced = false WHERE id = (SELECT min(shipment_line_id) FROM invoice_lines)",
     {"invoiced_marks"}, False),
    ("an e-mail claimed by a worker that died", _stuck_email, {"outbox_leases"}, False),
]


def test_each_invariant_detects_its_corruption(books):
    env = books
    failures = []
    for what, corruption, expected, unchecked in CORRUPTIONS:
        with corrupted(env, unchecked=unchecked) as c:
            corruption(c, env) if callable(corruption) else c.execute(text(corruption))
            got = fired(c, env)
        if set(got) != expected:
            failures.append(f"{what}: expected {sorted(expected)}, got {got}")
    assert not failures, "\n".join(failures)
    assert run_checks(env.uow, env.clock, SYSTEM)["ok"]  # every corruption was rolled back


def test_every_check_has_a_negative_control():
    assert set(CHECK_NAMES) == set().union(*(e for _, _, e, _ in CORRUPTIONS))


def test_violations_name_the_rows(books):
    env = books
    with corrupted(env) as c:
        c.execute(text(f"UPDATE stock SET on_hand = on_hand + 2 WHERE warehouse_id = {_wh('NEAR')} "
                       f"AND product_id = {_sku('SKU-B')}"))
        [v] = find_violations(c, env.clock.now(), ["stock_conservation"])["stock_conservation"]
    assert v.subject == "stock NEAR/SKU-B"
    assert (v.expected.split(" ")[0], v.found) == ("4", "6")  # 6 in, 2 shipped
    assert "initial +6" in v.expected and "shipment -2" in v.expected


def test_only_named_checks_run_and_unknown_names_are_refused(books):
    env = books
    report = run_checks(env.uow, env.clock, SYSTEM, only=["stock_levels"])
    assert [c["name"] for c in report["checks"]] == ["stock_levels"]
    with pytest.raises(ValidationFailed) as e:
        run_checks(env.uow, env.clock, SYSTEM, only=["stock_levels", "nonsense"])
    assert e.value.code == "unknown_check" and e.value.field == "only"


def test_customers_and_agents_may_not_run_the_checker(env):
    for actor in (Actor(9, "buyer", Role.CUSTOMER, 1), AGENT):
        with pytest.raises(Forbidden):
            run_checks(env.uow, env.clock, actor)
    assert run_checks(env.uow, env.clock, Actor(5, "mona", Role.MANAGER))["ok"]
