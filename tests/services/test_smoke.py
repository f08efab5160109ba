from ordercare.services.order_views import get_order

from tests.factories import order, world


def test_order_is_promised_from_the_nearest_warehouse(env):
    world(env, stock={("NEAR", "SKU-A"): 5, ("FAR", "SKU-A"): 100})
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 3)]))
    assert o["status"] == "allocated"
    assert [(a["warehouse"], a["qty"]) for a in o["lines"][0]["allocations"]] == [("NEAR", 3)]
