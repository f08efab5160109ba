"""Money columns hold cents; SQL arithmetic on them must still be arithmetic on amounts, on both databases."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, update

from ordercare.store.tables import MoneyCents

amounts = st.decimals(min_value=Decimal("-100000"), max_value=Decimal("100000"), places=2)

meta = MetaData()
ledger = Table("ledger", meta, Column("id", Integer, primary_key=True), Column("a", MoneyCents()),
               Column("b", MoneyCents()))


@pytest.fixture(scope="module")
def engine():
    e = create_engine("sqlite://")
    meta.create_all(e)
    yield e
    e.dispose()


@settings(max_examples=60, deadline=None)
@given(a=amounts, b=amounts, x=amounts, y=amounts, n=st.integers(-50, 50))
def test_chained_sums_and_factors_are_amounts(engine, a, b, x, y, n):
    with engine.begin() as c:
        c.execute(ledger.delete())
        c.execute(insert(ledger).values(id=1, a=a, b=b))
        # `a + x + y` once bound y as a bare integer (euros read as cents).
        c.execute(update(ledger).values(a=ledger.c.a + x + y - ledger.c.b))
        assert c.execute(select(ledger.c.a)).scalar_one() == a + x + y - b
        assert c.execute(select(ledger.c.b * n)).scalar_one() == b * n  # a factor is not turned into cents
        assert c.execute(select(n * ledger.c.b)).scalar_one() == b * n
        assert c.execute(select(ledger.c.b >= x)).scalar_one() == (b >= x)
